// Names, not numbers: the symbolic names of GnuTLS return codes, errno values, OpenSSL
// SSL_get_error() codes and gnutls_record_get_direction() values.
#pragma once

#include <string>

namespace dirprobe {

// "GNUTLS_E_AGAIN"; "0" and positive values as decimal; unknown negatives as "GNUTLS_E_<n>".
std::string gnutls_rc_name(int rc);

// "EAGAIN", "EINTR", ...; 0 is "ok".
std::string errno_name(int err);

// "SSL_ERROR_WANT_READ", ...
std::string ssl_error_name(int code);

// "0 (read)", "1 (write)", "-1 (none)".
std::string direction_name(int direction);

}  // namespace dirprobe
