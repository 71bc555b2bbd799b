// The scripted other side of a real program, over TCP loopback: a served scenario's script run
// by a harness endpoint (GnuTLS or OpenSSL) on a non-blocking socket, one connection per run.
// Server role: binds 127.0.0.1 and accepts the program's connection; client role: connects to
// the program. Every wait is bounded and the caller's stop flag is read at least every 50 ms.
// Serve reads whatever arrives while one of its sends is pending (so a duplex never stalls on
// serve's side). With GnuTLS as serve's library, a KeyUpdate request or a renegotiation that the
// program starts and that arrives then makes GnuTLS resend the pending record (docs/findings.md:
// a record written between E_AGAIN and the retry); use OpenSSL for serve's side against such
// programs.
#pragma once

#include <atomic>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "harness/endpoint.h"
#include "harness/served_catalog.h"
#include "harness/unique_fd.h"

namespace dirprobe {

struct ServeOptions {
  Protocol protocol = Protocol::kTls13;
  PeerLibrary library = PeerLibrary::kGnutls;  // the library of serve's side
  KeyType key = KeyType::kEd25519;             // a server presents program_credentials(key)
  std::uint64_t seed = 0;                      // the pattern of bodies and stream data
  std::uint16_t port = 0;                      // server role: port on 127.0.0.1 (0: any free)
  std::string connect_host = "127.0.0.1";      // client role: where the program listens
  std::uint16_t connect_port = 0;
  int sndbuf = 0, rcvbuf = 0;  // SO_SNDBUF / SO_RCVBUF of the connection (0: kernel default)
  int accept_ms = 30000;       // server role: how long run() waits for the connection
  int budget_ms = 60000;       // a run's limit from its connection on
  int answer_ms = 2000;        // how long an event waits, idle, for the program's answer
};

// An event the script fired (key_update peer, rehandshake, ticket, reauth, alert, an early
// bye) and what the program's library did about it, as serve's own library reported it.
struct ServedEvent {
  std::string step;  // the step's text
  std::size_t step_index = 0;
  std::uint64_t sent = 0;        // pattern bytes serve had sent when it fired
  std::uint64_t received = 0;    // pattern bytes serve had read when it fired
  bool fired = false;            // the initiating call succeeded
  std::optional<bool> answered;  // none: nothing to answer (key_update, ticket, alert, bye)
  std::string detail;            // e.g. "peer's key_update received", "GNUTLS_E_INVALID_REQUEST"
};

// A `pause` step: how long serve read nothing and what was waiting in the socket at its end.
struct ServedPause {
  std::size_t step_index = 0;
  std::uint64_t waiting = 0;  // FIONREAD at the end
  int ms = 0;
  bool reached = false;  // `waiting` reached the step's count (else: the program stopped sending)
};

struct ServeResult {
  bool completed = false;      // the script ran to its end
  std::string failure;         // why not (empty when completed)
  int failed_step = -1;        // index of the step that failed, -1 for none
  std::string failed_text;     // that step's text
  std::uint64_t sent = 0;      // pattern (body or stream) bytes sent
  std::uint64_t received = 0;  // pattern bytes read by the script's steps
  std::uint64_t matched = 0;   // of those, the prefix equal to the pattern
  std::string mismatch;        // the first integrity error, if any
  std::uint64_t unread = 0;    // application bytes that arrived but no step read
  std::uint64_t expected_sent = 0, expected_received = 0;  // the scenario's totals
  std::string request_method, request_target;              // the last request (HTTP)
  std::optional<std::uint64_t> request_length;             // its Content-Length
  std::vector<ServedEvent> events;
  std::vector<ServedPause> pauses;
  std::vector<std::string> alerts_received;  // "close_notify", "alert(warning, user_canceled)"
  bool peer_closed = false;                  // the program's close_notify arrived
  std::string protocol, library, cipher;     // negotiated (the protocol is the one pinned)
  int ms = 0;                                // the run, from connection to close
};

nlohmann::json to_json(const ServeResult& result);

class Serve {
 public:
  // Server role: binds and listens at once (throws std::runtime_error naming the call that
  // failed); client role: only checks the options.
  Serve(const ServedScenario& scenario, ServeOptions options);
  // Server role: the listening port; client role: the port it connects to.
  std::uint16_t port() const { return port_; }
  // Runs the script once on the next connection. `activity` grows by the bytes moved on the
  // socket as they move (a runner takes no growth for a hang), except during a pause.
  ServeResult run(const std::atomic<bool>& stop, std::atomic<std::uint64_t>& activity);
  // True while a `pause` step deliberately reads nothing (a runner's hang check skips it).
  bool pausing() const { return pausing_.load(); }
  // Pause steps entered so far, over all runs.
  std::uint64_t pauses() const { return pauses_.load(); }

 private:
  ServedScenario scenario_;
  ServeOptions options_;
  UniqueFd listener_;
  std::uint16_t port_ = 0;
  std::atomic<bool> pausing_{false};
  std::atomic<std::uint64_t> pauses_{0};
};

}  // namespace dirprobe
