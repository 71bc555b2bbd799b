// The calls an application may make on a session while one of its calls is pending after
// E_AGAIN, before that call's documented retry: the `then CALL` of a step (docs/design.md,
// "Interleavings"). Each names the library call it makes and the new application data it
// offers, if any.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dirprobe {

enum class Api : std::uint8_t;  // api_table.h

enum class OtherCall : std::uint8_t {
  kSendOther,      // gnutls_record_send of 16 KiB of new data (the size of a full record)
  kSendSmall,      // gnutls_record_send of 1 KiB of new data
  kRecv,           // gnutls_record_recv
  kAlert,          // gnutls_alert_send(WARNING, USER_CANCELED)
  kKeyUpdate,      // gnutls_session_key_update(0)
  kKeyUpdatePeer,  // gnutls_session_key_update(GNUTLS_KU_PEER)
  kPing,           // gnutls_heartbeat_ping (no wait flag)
  kPong,           // gnutls_heartbeat_pong
  kHandshake,      // gnutls_handshake
  kRehandshake,    // gnutls_rehandshake
  kReauth,         // gnutls_reauth
  kTicket,         // gnutls_session_ticket_send
  kBye,            // gnutls_bye(GNUTLS_SHUT_WR)
  kUncork,         // gnutls_record_uncork(0)
  kSendFile,       // gnutls_record_send_file of 1 KiB of new data from a memory file
  kCheckPending,   // gnutls_record_check_pending
  kEarly,          // gnutls_record_send_early_data of 1 KiB
  kSendEmpty,      // gnutls_record_send of 0 bytes
  kByeRdwr,        // gnutls_bye(GNUTLS_SHUT_RDWR)
};

struct OtherCallInfo {
  std::string_view name;  // as a step writes it: "key-update-peer"
  Api api;
  std::size_t data = 0;  // bytes of new application data it offers (0: none)
  bool request_peer = false;
  bool rdwr = false;  // bye: GNUTLS_SHUT_RDWR (else GNUTLS_SHUT_WR)
};

const OtherCallInfo& other_call_info(OtherCall call);
std::optional<OtherCall> parse_other_call(std::string_view name);
std::string other_call_names();  // "send-other, send-small, ..." for error messages

}  // namespace dirprobe
