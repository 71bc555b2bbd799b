#include "harness/preload/fault_schedule.h"

#include <charconv>
#include <string>
#include <vector>

namespace dirprobe::preload {
namespace {

std::vector<std::string_view> split_rules(std::string_view text) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    std::size_t pos = text.find('+', start);
    parts.push_back(text.substr(start, pos - start));
    if (pos == std::string_view::npos) return parts;
    start = pos + 1;
  }
}

std::size_t byte_rule(std::string_view rule) {
  std::size_t n = 0;
  std::from_chars(rule.data() + 6, rule.data() + rule.size(), n);
  return n;
}

}  // namespace

FaultSchedule::FaultSchedule(std::string_view plan_text) {
  FaultPlan whole = FaultPlan::parse(plan_text);  // validates the whole text
  std::string canonical = whole.text();
  if (whole.drops() || canonical.find("hold") != std::string::npos)
    throw FaultPlanError("fault plan '" + canonical +
                         "': hold and drop are not supported by the interposer");
  std::string rest;
  for (auto rule : split_rules(canonical)) {
    if (rule.starts_with("allow:")) {
      allow_ = byte_rule(rule);
    } else if (rule.starts_with("async:")) {
      async_ = byte_rule(rule);
    } else if (rule != "none") {
      if (!rest.empty()) rest += '+';
      rest += rule;
    }
  }
  points_ = FaultPlan::parse(rest.empty() ? "none" : rest);
}

FaultAction FaultSchedule::count(FaultAction a) {
  if (a.injects()) ++injected_;
  return a;
}

FaultAction FaultSchedule::at_point(IoOp op) {
  FaultAction a = points_.next(op);
  if (a.injects()) return count(a);
  if (async_ != 0) {
    async_blocked_[op == IoOp::kPush ? 0 : 1] = true;
    return count({FaultKind::kEagain, 0});
  }
  if (allow_ != 0) return count({FaultKind::kShort, allow_});
  return {};
}

FaultAction FaultSchedule::at_continuation(IoOp op) {
  if (async_ != 0) {
    bool& blocked = async_blocked_[op == IoOp::kPush ? 0 : 1];
    blocked = !blocked;
    return count(blocked ? FaultAction{FaultKind::kEagain, 0}
                         : FaultAction{FaultKind::kShort, async_});
  }
  if (allow_ != 0) return count({FaultKind::kShort, allow_});
  return {};
}

}  // namespace dirprobe::preload
