#include "harness/messages.h"

#include <array>

namespace dirprobe {
namespace {

std::string handshake_name(std::uint8_t type) {
  switch (type) {
    case 0: return "hello_request";
    case 1: return "client_hello";
    case 2: return "server_hello";
    case 3: return "hello_verify_request";
    case 4: return "new_session_ticket";
    case 5: return "end_of_early_data";
    case 8: return "encrypted_extensions";
    case 11: return "certificate";
    case 12: return "server_key_exchange";
    case 13: return "certificate_request";
    case 14: return "server_hello_done";
    case 15: return "certificate_verify";
    case 16: return "client_key_exchange";
    case 20: return "finished";
    case 24: return "key_update";
    default: return "handshake_" + std::to_string(type);
  }
}

std::string alert_name(std::uint8_t description) {
  switch (description) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 47: return "illegal_parameter";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 80: return "internal_error";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 116: return "certificate_required";
    default: return "alert_" + std::to_string(description);
  }
}

}  // namespace

std::string ControlMessage::event() const {
  switch (kind) {
    case MessageKind::kHandshake: return handshake_name(type);
    case MessageKind::kAlert: return type == kCloseNotify ? "close_notify" : "alert";
    case MessageKind::kHeartbeatPing: return "heartbeat_ping";
    case MessageKind::kHeartbeatPong: return "heartbeat_pong";
  }
  return "unknown";
}

std::string ControlMessage::text() const {
  if (kind != MessageKind::kAlert || type == kCloseNotify) return event();
  return "alert(" + std::string(level == kAlertFatal ? "fatal" : "warning") + ", " +
         alert_name(type) + ")";
}

const std::vector<std::string>& message_event_names() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (int type : {0, 1, 2, 4, 5, 8, 11, 12, 13, 14, 15, 16, 20, 24})
      names.push_back(handshake_name(static_cast<std::uint8_t>(type)));
    for (const char* other : {"alert", "close_notify", "heartbeat_ping", "heartbeat_pong"})
      names.emplace_back(other);
    return names;
  }();
  return kNames;
}

}  // namespace dirprobe
