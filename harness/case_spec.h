// What one case is: the two endpoints, the transport between them, the step script each side
// follows, the fault plan, the loop policy and the invariants the case asserts. A case is a pure
// function of this spec (and the library versions); id() names it stably.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/endpoint.h"
#include "harness/invariant_ids.h"
#include "harness/other_call.h"
#include "harness/premise.h"
#include "harness/transport.h"

namespace dirprobe {

enum class StepKind {
  kHandshake,    // call the handshake until it completes
  kTransfer,     // send `send_bytes` and receive `recv_bytes`, interleaved, until both are done
  kBye,          // call bye(`how`) until it completes
  kExpectEof,    // call recv until it reports the peer's close (with `open_ended`, reading data)
  kRehandshake,  // TLS 1.2: start a renegotiation and drive it to completion
  kKeyUpdate,    // TLS 1.3: send a KeyUpdate (`request_peer`: ask the peer for one too)
  kTicket,       // TLS 1.3 server: send a NewSessionTicket
  kReauth,       // TLS 1.3 server: request post-handshake authentication and complete it
  kSendFile,     // send `send_bytes` from a file with gnutls_record_send_file (`source`)
  kSendEmpty,    // one send of 0 bytes (`pad` > 0: send2 with padding), repeated until it returns
  kCorked,       // cork, send `send_bytes`, uncork (`wait`: GNUTLS_RECORD_WAIT) until flushed
  kEarlyData,    // TLS 1.3 client, before its handshake: send `send_bytes` as 0-RTT data
  kRecvEarly,    // TLS 1.3 server, after its handshake: read `recv_bytes` of 0-RTT data
  kHold,         // make no call until the other side has blocked (hold.h)
  kPing,         // TLS 1.2: a heartbeat ping of `ping_size` bytes, then recv until its pong
  kAlert,        // a warning alert (user_canceled), repeated until the call returns 0
};

// Where send_file reads from.
enum class FileSource {
  kMemory,     // a memory file holding the step's bytes, read from the offset GnuTLS advances
  kPipe,       // a non-blocking pipe holding the step's bytes, its write end closed (offset
               // NULL: a pipe cannot seek)
  kEmptyPipe,  // the same pipe, empty until a call has found it so, then filled and closed
  kAtEof,      // a memory file of `file_bytes` bytes (0: empty), the offset at its end: the
               // call finds nothing left to read; `send_bytes` is 0
};
// The most a pipe source holds: Linux's default pipe capacity, filled in one write.
inline constexpr std::uint64_t kPipeCapacity = 65536;

struct Step {
  StepKind kind = StepKind::kHandshake;
  std::uint64_t send_bytes = 0;
  std::uint64_t recv_bytes = 0;
  ByeHow how = ByeHow::kRdwr;
  bool request_peer = false;
  bool wait = false;
  std::size_t pad = 0;  // transfer: record padding per send (gnutls_record_send2)
  bool once = false;    // early data: one call per chunk, taken as queued whatever it returns
  // Transfer: the step ends at its first send that returns E_AGAIN (the socket is full); the
  // bytes it did not send carry over to the next step, which retries the pending send.
  bool until_blocked = false;
  // Corked: the last `more` of `send_bytes` are sent once an uncork has returned E_AGAIN (the
  // uncork still pending), before uncork is called again.
  std::uint64_t more = 0;
  FileSource source = FileSource::kMemory;  // send_file: where it reads from
  std::uint64_t file_bytes = 0;             // send_file from FileSource::kAtEof: the file's size
  // Heartbeat: the data_size given to gnutls_heartbeat_ping (a ping step, or an interjected
  // ping); GnuTLS sends MAX(data_size - 16, 0) payload bytes and 16 of padding.
  std::size_t ping_size = 64;
  // The other call made once, the first time this step's pending call returns E_AGAIN (its
  // send, recv, handshake, bye or uncork; docs/design.md, "Interleavings"), before that call is
  // retried: "send N then CALL", or the older "send N alert|ping".
  std::optional<OtherCall> interject;
  // Expect-EOF: the data before the close is any amount of the peer's stream ("recv_all"); the
  // driver sets the amount expected to what the other side reported sending.
  bool open_ended = false;
  // A transfer step: send `send` bytes and receive `recv` bytes, interleaved.
  static Step transfer(std::uint64_t send, std::uint64_t recv) {
    Step s;
    s.kind = StepKind::kTransfer;
    s.send_bytes = send;
    s.recv_bytes = recv;
    return s;
  }
  // "handshake", "transfer(send=1024,recv=0)", "bye(rdwr)", "eof", "handshake then ticket"
  std::string text() const;

 private:
  std::string plain_text() const;  // without the other call
};

// The subject's event loop (docs/design.md has each model's table; names in vocabulary.h).
enum class LoopPolicy {
  kOblivious,   // retry every pending call on every tick
  kTrusting,    // after E_AGAIN an activity waits (poll) only for the direction reported
  kSingleWait,  // one wait per side, its direction from the last E_AGAIN; then all may call
  kEdge,        // epoll EPOLLET: a new edge in the reported direction; drains check_pending
  kEdgeNaive,   // the same without the check_pending drain
  kBusy,        // retries at once in the 3 ticks after E_AGAIN, then waits as trusting
};
// How a send is retried after E_AGAIN/E_INTERRUPTED. The manual asks for the same data (or
// NULL, 0); the other modes are misuse, judged by R2 instead of R1. Their retry offers the
// bitwise complement of the stream's bytes from the same offset, so the receiver can tell the
// first offer's bytes from the retry's.
enum class RetryMode {
  kSame,       // retry a send with the same buffer and size
  kNull,       // retry a send with NULL and 0 (GnuTLS documents this as equivalent)
  kDifferent,  // misuse: other bytes of the same size
  kSmaller,    // misuse: other bytes, half the first offer's size (at least 1)
  kLarger,     // misuse: other bytes, twice the first offer's size
};

std::string_view policy_name(LoopPolicy policy);
std::string_view retry_name(RetryMode mode);
LoopPolicy parse_policy(std::string_view text);  // throws std::invalid_argument
RetryMode parse_retry(std::string_view text);    // throws std::invalid_argument
// True for the misuse modes (different, smaller, larger): the retry offers other bytes.
bool retries_other_data(RetryMode mode);

struct CaseSpec {
  std::string scenario;  // e.g. "transfer-64k"
  std::string family;    // e.g. "transfer"
  std::string claim;     // one line in plain words: what must hold
  std::string variant;   // generated part of the id, e.g. "tls13-client-openssl-unix-trusting"

  EndpointConfig subject;  // always GnuTLS
  PeerLibrary peer = PeerLibrary::kGnutls;
  TransportKind transport = TransportKind::kUnix;
  BufferSizes buffers;
  std::vector<Step> subject_steps, peer_steps;

  std::string fault_plan = "none";  // applied to the subject's transport
  std::uint64_t seed = 0;           // data pattern seed (random plans carry their own seed)
  LoopPolicy policy = LoopPolicy::kOblivious;
  RetryMode retry = RetryMode::kSame;
  std::size_t send_chunk = 16384;   // bytes per send call
  std::size_t recv_buffer = 16384;  // bytes offered per recv call

  InvariantSet asserted;                      // a violation of these fails the case
  std::vector<Premise> premises;              // the events the claim depends on (all of them)
  std::optional<std::uint64_t> buffer_bound;  // B1: bytes the subject may hold while quenched
  std::uint64_t tick_budget = 200000;         // scheduler rounds before the case is cut off
  int timeout_ms = 0;  // wall-clock limit for a call that never returns (0: the runner's)
  // Resume a session from a first, clean connection (made before the case's own); the case
  // fails if the handshake does not resume it.
  bool resume = false;
  // Not empty: the scenario's calls cannot apply to this combination of axes (its
  // `not_applicable`); the case is skipped with this reason, before any TLS runs.
  std::string not_applicable;
  // Planned as a sweep point: the fault plan's one fault sits at an operation a clean run
  // reached. The judge fails such a case if the fault was never injected (a stale plan).
  bool sweep_point = false;

  // "<scenario>/<variant>/<fault plan>/s<seed>": stable, and the handle to replay the case.
  std::string id() const;
};

}  // namespace dirprobe
