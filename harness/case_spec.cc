#include "harness/case_spec.h"

#include <stdexcept>

namespace dirprobe {

std::string Step::text() const {
  switch (kind) {
    case StepKind::kHandshake:
      return "handshake";
    case StepKind::kTransfer:
      if (pad > 0)
        return "transfer(send=" + std::to_string(send_bytes) + ",pad=" + std::to_string(pad) + ")";
      if (until_blocked) return "fill(" + std::to_string(send_bytes) + ")";
      if (!interject.empty())
        return "transfer(send=" + std::to_string(send_bytes) + ",then " + interject + ")";
      return "transfer(send=" + std::to_string(send_bytes) + ",recv=" + std::to_string(recv_bytes) +
             ")";
    case StepKind::kBye:
      return "bye(" + std::string(bye_name(how)) + ")";
    case StepKind::kRehandshake:
      return "rehandshake";
    case StepKind::kTicket:
      return "ticket";
    case StepKind::kReauth:
      return "reauth";
    case StepKind::kSendEmpty:
      return "send_empty";
    case StepKind::kSendFile:
      return "send_file(" + std::to_string(send_bytes) + ")";
    case StepKind::kCorked:
      if (more > 0)
        return "cork(" + std::to_string(send_bytes - more) + ",then " + std::to_string(more) + ")";
      return std::string(wait ? "cork_wait(" : "cork(") + std::to_string(send_bytes) + ")";
    case StepKind::kHold:
      return "hold";
    case StepKind::kPing:
      return "ping";
    case StepKind::kKeyUpdate:
      return request_peer ? "key_update(peer)" : "key_update";
    case StepKind::kExpectEof:
      return "eof";
    case StepKind::kEarlyData:
      return std::string(once ? "early_once(" : "early(") + std::to_string(send_bytes) + ")";
    case StepKind::kRecvEarly:
      return "recv_early(" + std::to_string(recv_bytes) + ")";
  }
  return "?";
}

std::string_view policy_name(LoopPolicy policy) {
  return policy == LoopPolicy::kOblivious ? "oblivious" : "trusting";
}
std::string_view retry_name(RetryMode mode) {
  return mode == RetryMode::kSame ? "same" : mode == RetryMode::kNull ? "null" : "different";
}

LoopPolicy parse_policy(std::string_view text) {
  if (text == "oblivious") return LoopPolicy::kOblivious;
  if (text == "trusting") return LoopPolicy::kTrusting;
  throw std::invalid_argument("unknown loop policy '" + std::string(text) +
                              "' (expected oblivious or trusting)");
}

RetryMode parse_retry(std::string_view text) {
  if (text == "same") return RetryMode::kSame;
  if (text == "null") return RetryMode::kNull;
  if (text == "different") return RetryMode::kDifferent;
  throw std::invalid_argument("unknown retry mode '" + std::string(text) +
                              "' (expected same, null or different)");
}

std::string CaseSpec::id() const {
  return scenario + "/" + variant + "/" + fault_plan + "/s" + std::to_string(seed);
}

}  // namespace dirprobe
