#include "harness/other_call.h"

#include <array>

#include "harness/api_table.h"

namespace dirprobe {
namespace {

constexpr std::size_t kOtherCalls = static_cast<std::size_t>(OtherCall::kByeRdwr) + 1;

constexpr std::array<OtherCallInfo, kOtherCalls> kTable = {{
    {"send-other", Api::kSend, 16384},
    {"send-small", Api::kSend, 1024},
    {"recv", Api::kRecv},
    {"alert", Api::kAlert},
    {"key-update", Api::kKeyUpdate},
    {"key-update-peer", Api::kKeyUpdate, 0, true},
    {"ping", Api::kPing},
    {"pong", Api::kPong},
    {"handshake", Api::kHandshake},
    {"rehandshake", Api::kRehandshake},
    {"reauth", Api::kReauth},
    {"ticket", Api::kTicket},
    {"bye", Api::kBye},
    {"uncork", Api::kUncork},
    {"send-file", Api::kSendFile, 1024},
    {"check-pending", Api::kCheckPending},
    {"early", Api::kSendEarly, 1024},
    {"send-empty", Api::kSend},
    {"bye-rdwr", Api::kBye, 0, false, true},
}};

}  // namespace

const OtherCallInfo& other_call_info(OtherCall call) {
  return kTable[static_cast<std::size_t>(call)];
}

std::optional<OtherCall> parse_other_call(std::string_view name) {
  for (std::size_t i = 0; i < kTable.size(); ++i)
    if (kTable[i].name == name) return static_cast<OtherCall>(i);
  return std::nullopt;
}

std::string other_call_names() {
  std::string out;
  for (const auto& info : kTable) out += (out.empty() ? "" : ", ") + std::string(info.name);
  return out;
}

}  // namespace dirprobe
