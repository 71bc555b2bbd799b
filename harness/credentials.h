// Test credentials generated in memory at start-up, never stored: an Ed25519 CA, a server leaf
// for kServerName, and a client leaf (for client authentication), as PEM text that both GnuTLS
// and OpenSSL load. Optionally the same set with RSA-2048 keys. Both give signatures of a fixed
// size (ECDSA's DER encoding varies by a byte or two), so every handshake has the same bytes
// and calls from run to run.
#pragma once

#include <gnutls/gnutls.h>

#include <string>

namespace dirprobe {

inline constexpr const char* kServerName = "server.dirprobe.test";

enum class KeyType { kEd25519, kRsa2048 };

struct Credentials {
  std::string ca_cert_pem;
  std::string server_cert_pem, server_key_pem;
  std::string client_cert_pem, client_key_pem;
};

// Generated on first use for each key type and then shared for the process's lifetime.
// Throws std::runtime_error naming the GnuTLS call that failed.
const Credentials& test_credentials(KeyType type = KeyType::kEd25519);

// The same credentials loaded into GnuTLS (trust = the CA; own certificate = server or client
// leaf), parsed once per (type, side) and shared by every session of the process.
gnutls_certificate_credentials_t gnutls_test_credentials(KeyType type, bool server);

}  // namespace dirprobe
