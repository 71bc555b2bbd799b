#include "harness/case_spec.h"

#include <stdexcept>
#include <utility>

#include "harness/vocabulary.h"

namespace dirprobe {

std::string Step::text() const {
  std::string plain = plain_text();
  if (!interject || kind == StepKind::kTransfer) return plain;
  return plain + " then " + std::string(other_call_info(*interject).name);
}

std::string Step::plain_text() const {
  switch (kind) {
    case StepKind::kHandshake:
      return "handshake";
    case StepKind::kTransfer:
      if (pad > 0)
        return "transfer(send=" + std::to_string(send_bytes) + ",pad=" + std::to_string(pad) + ")";
      if (until_blocked) return "fill(" + std::to_string(send_bytes) + ")";
      if (interject && recv_bytes == 0)
        return "transfer(send=" + std::to_string(send_bytes) + ",then " +
               std::string(other_call_info(*interject).name) + ")";
      if (interject)
        return "transfer(recv=" + std::to_string(recv_bytes) + ",then " +
               std::string(other_call_info(*interject).name) + ")";
      return "transfer(send=" + std::to_string(send_bytes) + ",recv=" + std::to_string(recv_bytes) +
             ")";
    case StepKind::kBye:
      return "bye(" + std::string(bye_name(how)) + ")";
    case StepKind::kRehandshake:
      return "rehandshake";
    case StepKind::kTicket:
      return "ticket";
    case StepKind::kAlert:
      return "alert";
    case StepKind::kReauth:
      return "reauth";
    case StepKind::kSendEmpty:
      return pad > 0 ? "send_empty(pad=" + std::to_string(pad) + ")" : "send_empty";
    case StepKind::kSendFile:
      if (source == FileSource::kPipe || source == FileSource::kEmptyPipe)
        return "send_file(" + std::to_string(send_bytes) +
               (source == FileSource::kPipe ? ",pipe)" : ",empty_pipe)");
      if (source == FileSource::kAtEof) return "send_file_eof(" + std::to_string(file_bytes) + ")";
      return "send_file(" + std::to_string(send_bytes) + ")";
    case StepKind::kPing:
      return "ping(" + std::to_string(ping_size) + ")";
    case StepKind::kCorked:
      if (more > 0)
        return "cork(" + std::to_string(send_bytes - more) + ",then " + std::to_string(more) + ")";
      return std::string(wait ? "cork_wait(" : "cork(") + std::to_string(send_bytes) + ")";
    case StepKind::kHold:
      return "hold";
    case StepKind::kKeyUpdate:
      return request_peer ? "key_update(peer)" : "key_update";
    case StepKind::kExpectEof:
      return open_ended ? "recv_all" : "eof";
    case StepKind::kEarlyData:
      return std::string(once ? "early_once(" : "early(") + std::to_string(send_bytes) + ")";
    case StepKind::kRecvEarly:
      return "recv_early(" + std::to_string(recv_bytes) + ")";
  }
  return "?";
}

std::string_view policy_name(LoopPolicy policy) {
  return kLoopNames[static_cast<unsigned>(policy)];
}
namespace {
constexpr std::pair<std::string_view, RetryMode> kRetries[] = {{"same", RetryMode::kSame},
                                                               {"null", RetryMode::kNull},
                                                               {"different", RetryMode::kDifferent},
                                                               {"smaller", RetryMode::kSmaller},
                                                               {"larger", RetryMode::kLarger}};
}  // namespace

std::string_view retry_name(RetryMode mode) {
  for (const auto& [name, value] : kRetries)
    if (value == mode) return name;
  return "?";
}

LoopPolicy parse_policy(std::string_view text) {
  for (std::size_t i = 0; i < kLoopNames.size(); ++i)
    if (kLoopNames[i] == text) return static_cast<LoopPolicy>(i);
  throw std::invalid_argument("unknown loop policy '" + std::string(text) +
                              "' (expected oblivious, trusting, single-wait, edge, edge-naive or "
                              "busy)");
}

RetryMode parse_retry(std::string_view text) {
  for (const auto& [name, value] : kRetries)
    if (name == text) return value;
  throw std::invalid_argument("unknown retry mode '" + std::string(text) +
                              "' (expected same, null, different, smaller or larger)");
}

bool retries_other_data(RetryMode mode) {
  return mode == RetryMode::kDifferent || mode == RetryMode::kSmaller || mode == RetryMode::kLarger;
}

std::string CaseSpec::id() const {
  return scenario + "/" + variant + "/" + fault_plan + "/s" + std::to_string(seed);
}

}  // namespace dirprobe
