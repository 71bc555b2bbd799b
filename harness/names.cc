#include "harness/names.h"

#include "harness/vocabulary.h"

#include <gnutls/gnutls.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>

namespace dirprobe {

std::string gnutls_rc_name(int rc) {
  if (rc >= 0) return std::to_string(rc);
  const char* name = gnutls_strerror_name(rc);
  return name != nullptr ? name : "GNUTLS_E_" + std::to_string(rc);
}

std::string errno_name(int err) {
  switch (err) {
    case 0:
      return "ok";
    case EAGAIN:
      return "EAGAIN";
    case EINTR:
      return "EINTR";
    case ECONNRESET:
      return "ECONNRESET";
    case EPIPE:
      return "EPIPE";
    case EMSGSIZE:
      return "EMSGSIZE";
    case ENOTCONN:
      return "ENOTCONN";
    case EBADF:
      return "EBADF";
    default:
      return "errno " + std::to_string(err) + " (" + std::strerror(err) + ")";
  }
}

std::string ssl_error_name(int code) {
  switch (code) {
    case SSL_ERROR_NONE:
      return "SSL_ERROR_NONE";
    case SSL_ERROR_SSL:
      return "SSL_ERROR_SSL";
    case SSL_ERROR_WANT_READ:
      return "SSL_ERROR_WANT_READ";
    case SSL_ERROR_WANT_WRITE:
      return "SSL_ERROR_WANT_WRITE";
    case SSL_ERROR_SYSCALL:
      return "SSL_ERROR_SYSCALL";
    case SSL_ERROR_ZERO_RETURN:
      return "SSL_ERROR_ZERO_RETURN";
    default:
      return "SSL_ERROR_" + std::to_string(code);
  }
}

std::string direction_name(int direction) {
  return std::to_string(direction) + " (" + std::string(direction_word(direction)) + ")";
}

}  // namespace dirprobe
