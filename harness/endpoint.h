// One side of a TLS connection, whatever the library: the calls the driver makes and the
// normalized outcome of each. GnutlsEndpoint and OpensslEndpoint implement it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "harness/channel.h"
#include "harness/credentials.h"
#include "harness/fault_plan.h"
#include "harness/messages.h"
#include "harness/resumption.h"
#include "harness/vocabulary.h"

namespace dirprobe {

enum class Role { kClient, kServer };
enum class Protocol { kTls12, kTls13, kDtls12 };
using PeerLibrary = Library;
enum class ByeHow { kRdwr, kWr };
// The AEAD that protects the records. kDefault: each library's default preference, limited in
// TLS 1.2 and DTLS 1.2 to AEAD suites (AES-256-GCM is what both libraries pick); the others
// pin both sides to that one cipher.
enum class Cipher { kDefault, kChacha20Poly1305, kAes128Ccm };

std::string_view role_name(Role role);
std::string_view protocol_name(Protocol protocol);
std::string_view peer_name(PeerLibrary peer);
std::string_view bye_name(ByeHow how);
std::string_view cipher_name(Cipher cipher);  // "default", "chacha20-poly1305", "aes-128-ccm"
// Each throws std::invalid_argument naming the accepted values.
Role parse_role(std::string_view text);
Protocol parse_protocol(std::string_view text);
PeerLibrary parse_peer(std::string_view text);
ByeHow parse_bye(std::string_view text);
Cipher parse_cipher(std::string_view text);

// Thrown when the runtime library lacks what a case needs (a function newer than the oldest
// supported GnuTLS): the case is reported "skip" with this reason.
class SkipCase : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Status {
  kOk,           // done (handshake complete, bytes moved, bye finished)
  kAgain,        // GNUTLS_E_AGAIN / SSL_ERROR_WANT_*: retry later
  kInterrupted,  // GNUTLS_E_INTERRUPTED: retry
  kEof,          // recv: the peer closed (close_notify)
  kRehandshake,  // GNUTLS_E_REHANDSHAKE: the peer asks for (or starts) a new handshake
  kGotData,      // GNUTLS_E_GOT_APPLICATION_DATA: a renegotiation met application data
  kReauth,       // GNUTLS_E_REAUTH_REQUEST: the server asks for post-handshake auth
  kNotice,       // recv: a warning alert or a heartbeat pong arrived; call again
  kPing,         // recv: GNUTLS_E_HEARTBEAT_PING_RECEIVED: answer with pong(), then call again
  kFatal,        // anything else
};

// A server's TLS 1.3 session tickets outside resumption (which has its own ticket keys).
// kDefault: each library's default (a GnuTLS server has no ticket key, so it sends none and
// gnutls_session_ticket_send returns 0 without I/O; OpenSSL sends two after its handshake).
// kAuto: a GnuTLS server gets a ticket key, so its handshake sends its tickets (and a TLS 1.2
// NewSessionTicket); OpenSSL as by default. kManual: only the script's `ticket` steps send
// tickets (GnuTLS: a key and GNUTLS_NO_AUTO_SEND_TICKET; OpenSSL: SSL_CTX_set_num_tickets 0).
enum class Tickets : std::uint8_t { kDefault, kAuto, kManual };

struct CallOutcome {
  Status status = Status::kFatal;
  int code = 0;    // the library's own code: GnuTLS rc, or SSL_get_error() for OpenSSL
  long bytes = 0;  // send/recv: bytes moved when kOk
  int direction =
      -1;  // gnutls_record_get_direction() after the call; OpenSSL: want read 0 / write 1
};

struct EndpointConfig {
  Role role = Role::kClient;
  Protocol protocol = Protocol::kTls13;
  KeyType key = KeyType::kEd25519;
  Cipher cipher = Cipher::kDefault;
  // GnuTLS priority string; empty derives one from `protocol`, `cipher` and `key`.
  std::string priority;
  unsigned extra_flags = 0;  // added to gnutls_init flags (GNUTLS_NONBLOCK is always set)
  bool socket_io = false;    // GnuTLS reads and writes the fd itself (no callbacks, no faults)
  // GnuTLS only: an application callback that interrupts the handshake once, returning
  // `callback_rc` ("post-client-hello" or "hook-post-client-hello"; empty: none).
  std::string callback;
  int callback_rc = 0;
  // TLS 1.3 post-handshake authentication enabled (GnuTLS GNUTLS_POST_HANDSHAKE_AUTH and a
  // server that requests certificates; OpenSSL SSL_set_post_handshake_auth / verify mode).
  bool post_handshake_auth = false;
  // GnuTLS only: GNUTLS_NONBLOCK at gnutls_init (the default). Without it a DTLS session
  // waits in pull_timeout for its retransmission timer, as a blocking application's would.
  bool nonblock = true;
  // Session resumption: both connections of a case share this (null: a full handshake). The
  // client resumes the session saved in it; the server accepts tickets made with its keys.
  std::shared_ptr<ResumptionState> resumption;
  // TLS 1.3 0-RTT: GNUTLS_ENABLE_EARLY_DATA (the server also enables anti-replay); OpenSSL:
  // SSL_CTX_set_max_early_data (its replay cache off: each connection has its own SSL_CTX).
  bool early_data = false;
  // TLS 1.2 heartbeat (GnuTLS only): gnutls_heartbeat_enable(GNUTLS_HB_PEER_ALLOWED_TO_SEND).
  bool heartbeat = false;
  // Session tickets of a server that does not resume (see Tickets).
  Tickets tickets = Tickets::kDefault;
};

// DTLS retransmission timers of both libraries: the first retransmission after this long
// (doubling after each), and the whole handshake given up after kDtlsTotalMs (GnuTLS).
constexpr unsigned kDtlsRetransmitMs = 100;
constexpr unsigned kDtlsTotalMs = 2000;
// The DTLS link MTU of both libraries: large enough that each handshake flight with RSA-2048
// keys fits one datagram (fragmented flights are not probed yet).
constexpr unsigned kDtlsLinkMtu = 4000;
// TLS 1.3 0-RTT: the most early data a server accepts (both libraries).
constexpr std::uint32_t kMaxEarlyData = 16384;
// Application bytes per DTLS send that fit one record within that MTU (with every cipher).
constexpr std::size_t kMaxDatagramChunk = 1024;

class Endpoint {
 public:
  virtual ~Endpoint() = default;
  virtual CallOutcome handshake() = 0;
  // Retry after kAgain/kInterrupted with the same arguments (or null/0 where the library
  // allows it, see GnutlsEndpoint).
  virtual CallOutcome send(const std::uint8_t* data, std::size_t size) = 0;
  // gnutls_record_send2 with `pad` bytes of record padding (TLS 1.3); OpenSSL sends unpadded.
  virtual CallOutcome send_padded(const std::uint8_t* data, std::size_t size, std::size_t pad) = 0;
  virtual CallOutcome recv(std::uint8_t* buffer, std::size_t size) = 0;
  virtual CallOutcome bye(ByeHow how) = 0;
  // TLS 1.2 renegotiation, first call: gnutls_rehandshake (server) or SSL_renegotiate. The
  // handshake that follows is driven by handshake().
  virtual CallOutcome rehandshake() = 0;
  // TLS 1.3 KeyUpdate: gnutls_session_key_update(request_peer ? GNUTLS_KU_PEER : 0) or
  // SSL_key_update (which only schedules it; handshake() then sends it).
  virtual CallOutcome key_update(bool request_peer) = 0;
  // TLS 1.3 server: send a NewSessionTicket now (gnutls_session_ticket_send, or
  // SSL_new_session_ticket, which only schedules it).
  virtual CallOutcome ticket() = 0;
  // Post-handshake authentication: gnutls_reauth (server: request; client: answer), or
  // SSL_verify_client_post_handshake (server; it only schedules the request).
  virtual CallOutcome reauth() = 0;
  // gnutls_record_send_file(fd, offset, count), looked up at run time (SkipCase if absent);
  // `offset` may be null (the fd's own position is used, as for a pipe). OpenSSL has no
  // equivalent (SkipCase).
  virtual CallOutcome send_file(int fd, long* offset, std::size_t count) = 0;
  // Cork: later sends are buffered (GnuTLS gnutls_record_cork; OpenSSL has no cork and sends
  // at once). Uncork flushes them: gnutls_record_uncork(0 or GNUTLS_RECORD_WAIT).
  virtual void cork() = 0;
  virtual CallOutcome uncork(bool wait) = 0;
  // TLS 1.3 0-RTT: gnutls_record_send_early_data before the handshake, and
  // gnutls_record_recv_early_data on the server after it. OpenSSL: SSL_write_early_data
  // (which does I/O); a server reads early data inside handshake() and hands it out here.
  virtual CallOutcome send_early(const std::uint8_t* data, std::size_t size) = 0;
  virtual CallOutcome recv_early(std::uint8_t* buffer, std::size_t size) = 0;
  // A warning alert (gnutls_alert_send(GNUTLS_AL_WARNING, GNUTLS_A_USER_CANCELED)), a heartbeat
  // ping of `size` bytes (gnutls_heartbeat_ping's data_size, not waiting for the pong;
  // SkipCase when heartbeat was not negotiated) and the answer to a received ping
  // (gnutls_heartbeat_pong). OpenSSL: SkipCase.
  virtual CallOutcome alert() = 0;
  virtual CallOutcome ping(std::size_t size) = 0;
  virtual CallOutcome pong() = 0;
  // Resumption: a client stores its session in the shared state (after the priming
  // connection); resumed() says whether this connection's handshake resumed one.
  virtual void save_session() = 0;
  virtual bool resumed() const = 0;
  // DTLS: milliseconds until the library's retransmission timer fires (0: due now), or -1
  // when no timer runs (TLS, or nothing to retransmit).
  virtual int retransmit_timeout_ms() const { return -1; }
  // DTLS: tells the library its timer fired (OpenSSL DTLSv1_handle_timeout retransmits now;
  // GnuTLS checks its clock inside the next call, so it needs nothing).
  virtual void on_timer() {}
  // True when the initiating call only schedules the event and handshake() must follow.
  virtual bool event_needs_handshake() const = 0;
  // The symbolic name of an outcome's code, e.g. "GNUTLS_E_AGAIN".
  virtual std::string code_name(int code) const = 0;
  // Application bytes the library holds that a recv would return without I/O.
  virtual std::size_t pending() const = 0;
  // Bytes held corked, waiting for an uncork (gnutls_record_check_corked; OpenSSL: 0).
  virtual std::size_t corked() const { return 0; }
  virtual std::string_view library() const = 0;
  // The record cipher the handshake negotiated, as GnuTLS names it ("AES-256-GCM",
  // "CHACHA20-POLY1305", "AES-128-CCM", ...); empty before a handshake completed.
  virtual std::string cipher() const = 0;

  Channel& channel() { return channel_; }
  const Channel& channel() const { return channel_; }
  // The control messages this side's library reported sending and receiving.
  MessageLog& messages() { return messages_; }
  const MessageLog& messages() const { return messages_; }
  // The secrets this side's library exported through its key log callback, in order.
  const std::vector<KeylogEntry>& keylog() const { return keylog_; }
  // False when the library does its own socket I/O: the channel then traces nothing.
  virtual bool traced() const { return true; }

 protected:
  Endpoint(int fd, FaultPlan plan) : channel_(fd, std::move(plan)) {}
  Channel channel_;
  MessageLog messages_;
  std::vector<KeylogEntry> keylog_;
};

std::unique_ptr<Endpoint> make_gnutls_endpoint(const EndpointConfig& config, int fd,
                                               FaultPlan plan);
std::unique_ptr<Endpoint> make_openssl_endpoint(const EndpointConfig& config, int fd,
                                                FaultPlan plan);

// Runtime versions, as the libraries report them.
std::string gnutls_runtime_version();
std::string openssl_runtime_version();

}  // namespace dirprobe
