// The GnuTLS priority string of an endpoint without its own `priority` (gnutls_endpoint.cc),
// also written into reproducers (repro.cc).
#pragma once

#include <string>

#include "harness/endpoint.h"

namespace dirprobe {

// NORMAL limited to the protocol (and in TLS 1.2 and DTLS 1.2 to AEAD suites) and to the
// config's cipher.
std::string default_priority(const EndpointConfig& config);

}  // namespace dirprobe
