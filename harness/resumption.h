// What two connections share for session resumption and TLS 1.3 early data: the server's
// ticket keys (GnuTLS's key, or OpenSSL's SSL_CTX ticket keys), GnuTLS's anti-replay
// state (needed for a server to accept early data), and the session the client saved from the
// first connection. The driver makes one priming connection to fill it, then the case's own.
#pragma once

#include <gnutls/gnutls.h>
#include <openssl/ssl.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "harness/handles.h"
#include "harness/wire.h"

namespace dirprobe {

class ResumptionState {
 public:
  ResumptionState();
  ~ResumptionState();
  ResumptionState(const ResumptionState&) = delete;
  ResumptionState& operator=(const ResumptionState&) = delete;

  // GnuTLS server: the ticket key both connections use.
  const gnutls_datum_t* ticket_key() const { return &ticket_key_; }
  // GnuTLS server: anti-replay state with an in-memory store (one use per ticket).
  gnutls_anti_replay_t anti_replay() const { return anti_replay_; }
  // OpenSSL server: the SSL_CTX ticket keys of the first connection, given to the second.
  std::vector<unsigned char> openssl_ticket_keys;

  // The client's saved session: GnuTLS session data or an OpenSSL SSL_SESSION.
  std::vector<std::uint8_t> gnutls_session;
  UniquePtr<SSL_SESSION> openssl_session;

  // Both sides' key logs of the first connection: a resumed TLS 1.2 connection reuses its
  // master secret, which GnuTLS logs only when it makes one (the wire decoder needs it).
  std::vector<KeylogEntry> first_keylog;

 private:
  static int remember(void* self, time_t, const gnutls_datum_t* key, const gnutls_datum_t*);
  gnutls_datum_t ticket_key_{nullptr, 0};
  gnutls_anti_replay_t anti_replay_ = nullptr;
  std::set<std::string> seen_;  // anti-replay store
};

}  // namespace dirprobe
