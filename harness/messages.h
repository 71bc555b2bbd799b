// Control messages as each side's own library reports them: the handshake messages its hook or
// message callback saw, and the alerts and heartbeats its calls sent or returned. The evidence
// M1 and the premises are judged on; never inferred from the other side's return codes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dirprobe {

enum class MessageKind : std::uint8_t { kHandshake, kAlert, kHeartbeatPing, kHeartbeatPong };

struct ControlMessage {
  MessageKind kind = MessageKind::kHandshake;
  std::uint8_t type = 0;   // handshake message type, or alert description
  std::uint8_t level = 0;  // alerts: 1 warning, 2 fatal
  std::size_t call = 0;    // index in CaseRun::calls of the call during which it was reported

  // The same message: kind and type (an alert's description). An alert's level is not part
  // of it: TLS 1.3 gives levels no meaning, and a receiver may report another level than the
  // sender's (GnuTLS reports every TLS 1.3 alert but close_notify as fatal).
  bool same(const ControlMessage& other) const { return kind == other.kind && type == other.type; }
  // As a premise names it: "new_session_ticket", "close_notify", "alert", "heartbeat_ping".
  std::string event() const;
  // In full: "new_session_ticket", "alert(warning, user_canceled)", "heartbeat_pong".
  std::string text() const;
};

// Alert levels and the close_notify description (RFC 5246 numbering, as both libraries use).
inline constexpr std::uint8_t kAlertWarning = 1, kAlertFatal = 2, kCloseNotify = 0;

// Every event name a premise may use after "sent." or "received.".
const std::vector<std::string>& message_event_names();

// One endpoint's reports, in the order its library made them. `call` is the index the next
// report is stamped with; the side runner sets it before each call.
struct MessageLog {
  std::vector<ControlMessage> sent, received;
  std::size_t call = 0;
  void note(bool outgoing, ControlMessage m) {
    m.call = call;
    (outgoing ? sent : received).push_back(m);
  }
};

}  // namespace dirprobe
