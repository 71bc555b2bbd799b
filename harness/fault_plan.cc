#include "harness/fault_plan.h"

#include <charconv>

namespace dirprobe {
namespace {

[[noreturn]] void fail(std::string_view plan, const std::string& what) {
  throw FaultPlanError("fault plan '" + std::string(plan) + "': " + what);
}

std::uint64_t parse_number(std::string_view plan, std::string_view text, const char* what) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty())
    fail(plan, std::string("expected a number for ") + what + ", got '" + std::string(text) + "'");
  return value;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    std::size_t pos = text.find(sep, start);
    parts.push_back(text.substr(start, pos - start));
    if (pos == std::string_view::npos) return parts;
    start = pos + 1;
  }
}

// splitmix64: a tiny, well-mixed generator, so that a seed fully determines the plan.
std::uint64_t next_random(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

FaultPlan::Target parse_target(std::string_view plan, std::string_view text) {
  if (text == "push") return FaultPlan::Target::kPush;
  if (text == "pull") return FaultPlan::Target::kPull;
  if (text == "io") return FaultPlan::Target::kIo;
  fail(plan, "unknown target '" + std::string(text) + "' (expected push, pull or io)");
}

const char* target_text(FaultPlan::Target target) {
  switch (target) {
    case FaultPlan::Target::kPush:
      return "push";
    case FaultPlan::Target::kPull:
      return "pull";
    default:
      return "io";
  }
}

std::vector<FaultAction> parse_actions(std::string_view plan, std::string_view text, char sep) {
  std::vector<FaultAction> actions;
  for (auto part : split(text, sep)) {
    try {
      actions.push_back(parse_fault_action(part));
    } catch (const FaultPlanError& e) {
      fail(plan, e.what());
    }
  }
  return actions;
}

std::string join_actions(const std::vector<FaultAction>& actions, char sep) {
  std::string out;
  for (const auto& a : actions) {
    if (!out.empty()) out += sep;
    out += a.text();
  }
  return out;
}

FaultPlan::Rule parse_rule(std::string_view plan, std::string_view text) {
  using R = FaultPlan::RuleKind;
  FaultPlan::Rule rule{};
  if (text.starts_with("allow:") || text.starts_with("async:")) {
    rule.kind = text.starts_with("allow:") ? R::kAllow : R::kAsync;
    rule.n = parse_number(plan, text.substr(6), "the byte allowance");
    if (rule.n == 0) fail(plan, "a byte allowance must be at least 1");
    return rule;
  }
  std::size_t eq = text.find('=');
  if (eq == std::string_view::npos) fail(plan, "rule '" + std::string(text) + "' lacks '=ACTION'");
  std::string_view head = text.substr(0, eq), tail = text.substr(eq + 1);
  if (head.starts_with("script(") && head.ends_with(")")) {
    rule.kind = R::kScript;
    rule.target = parse_target(plan, head.substr(7, head.size() - 8));
    rule.actions = parse_actions(plan, tail, ',');
  } else if (head.starts_with("random(") && head.ends_with(")")) {
    rule.kind = R::kRandom;
    auto args = split(head.substr(7, head.size() - 8), ',');
    if (args.size() != 2) fail(plan, "random takes (seed,permille)");
    rule.n = parse_number(plan, args[0], "the seed");
    rule.permille = parse_number(plan, args[1], "the permille");
    if (rule.permille > 1000) fail(plan, "permille must be at most 1000");
    rule.rng_state = rule.n;
    rule.actions = parse_actions(plan, tail, '|');
  } else {
    std::size_t sep = head.find_first_of("@%");
    if (sep == std::string_view::npos)
      fail(plan, "rule '" + std::string(head) + "' lacks @N or %K");
    rule.kind = head[sep] == '@' ? R::kAt : R::kEvery;
    rule.target = parse_target(plan, head.substr(0, sep));
    rule.n = parse_number(plan, head.substr(sep + 1), "the index");
    if (rule.n == 0) fail(plan, "indices and periods count from 1");
    rule.actions = parse_actions(plan, tail, ',');
    if (rule.actions.size() != 1) fail(plan, "'" + std::string(head) + "' takes one action");
  }
  return rule;
}

std::string rule_text(const FaultPlan::Rule& r) {
  using R = FaultPlan::RuleKind;
  switch (r.kind) {
    case R::kAllow:
      return "allow:" + std::to_string(r.n);
    case R::kAsync:
      return "async:" + std::to_string(r.n);
    case R::kScript:
      return std::string("script(") + target_text(r.target) + ")=" + join_actions(r.actions, ',');
    case R::kRandom:
      return "random(" + std::to_string(r.n) + "," + std::to_string(r.permille) +
             ")=" + join_actions(r.actions, '|');
    default:
      return std::string(target_text(r.target)) + (r.kind == R::kAt ? "@" : "%") +
             std::to_string(r.n) + "=" + r.actions.front().text();
  }
}

bool claims(FaultPlan::Target target, IoOp op) {
  return target == FaultPlan::Target::kIo ||
         (target == FaultPlan::Target::kPush) == (op == IoOp::kPush);
}

}  // namespace

bool FaultAction::is_hard() const {
  return kind == FaultKind::kReset || kind == FaultKind::kPipe || kind == FaultKind::kEof;
}

std::string FaultAction::text() const {
  switch (kind) {
    case FaultKind::kPass:
      return "pass";
    case FaultKind::kEagain:
      return "eagain";
    case FaultKind::kEintr:
      return "eintr";
    case FaultKind::kShort:
      return "short:" + std::to_string(limit);
    case FaultKind::kReset:
      return "reset";
    case FaultKind::kPipe:
      return "pipe";
    case FaultKind::kEof:
      return "eof";
    case FaultKind::kZero:
      return "zero";
    case FaultKind::kDrop:
      return "drop";
    case FaultKind::kHold:
      return "hold";
  }
  return "?";
}

FaultAction parse_fault_action(std::string_view text) {
  static constexpr std::pair<std::string_view, FaultKind> kSimple[] = {
      {"pass", FaultKind::kPass},   {"eagain", FaultKind::kEagain}, {"eintr", FaultKind::kEintr},
      {"reset", FaultKind::kReset}, {"pipe", FaultKind::kPipe},     {"eof", FaultKind::kEof},
      {"zero", FaultKind::kZero},   {"drop", FaultKind::kDrop},     {"hold", FaultKind::kHold}};
  for (auto [name, kind] : kSimple)
    if (text == name) return {kind, 0};
  if (text.starts_with("short:")) {
    std::uint64_t n = parse_number(text, text.substr(6), "the short transfer");
    if (n == 0) fail(text, "short:N needs N >= 1 (use eagain to move nothing)");
    return {FaultKind::kShort, static_cast<std::size_t>(n)};
  }
  throw FaultPlanError("unknown fault action '" + std::string(text) +
                       "' (expected pass, eagain, eintr, short:N, reset, pipe, eof, zero, drop or "
                       "hold)");
}

FaultPlan FaultPlan::parse(std::string_view text) {
  FaultPlan plan;
  if (text == "none") return plan;
  if (text.empty()) fail(text, "empty plan (write 'none' for no faults)");
  for (auto part : split(text, '+')) plan.rules_.push_back(parse_rule(text, part));
  return plan;
}

FaultPlan FaultPlan::single(IoOp op, std::size_t index, FaultAction action) {
  FaultPlan plan;
  Rule rule{};
  rule.kind = RuleKind::kAt;
  rule.target = op == IoOp::kPush ? Target::kPush : Target::kPull;
  rule.n = index;
  rule.actions = {action};
  plan.rules_.push_back(rule);
  return plan;
}

bool FaultPlan::moves_part() const {
  for (const auto& r : rules_) {
    if (r.kind == RuleKind::kAllow || r.kind == RuleKind::kAsync) return true;
    for (const auto& a : r.actions)
      if (a.kind == FaultKind::kShort) return true;
  }
  return false;
}

bool FaultPlan::drops() const {
  for (const auto& r : rules_)
    for (const auto& a : r.actions)
      if (a.kind == FaultKind::kDrop) return true;
  return false;
}

std::string FaultPlan::text() const {
  if (rules_.empty()) return "none";
  std::string out;
  for (const auto& rule : rules_) {
    if (!out.empty()) out += '+';
    out += rule_text(rule);
  }
  return out;
}

std::size_t FaultPlan::unused_script_steps() const {
  std::size_t unused = 0;
  for (const auto& rule : rules_)
    if (rule.kind == RuleKind::kScript) unused += rule.actions.size() - rule.cursor;
  return unused;
}

FaultAction FaultPlan::decide(Rule& rule, IoOp op, std::size_t op_index, std::size_t io_index) {
  std::size_t index = rule.target == Target::kIo ? io_index : op_index;
  switch (rule.kind) {
    case RuleKind::kAt:
      return index == rule.n ? rule.actions.front() : FaultAction{};
    case RuleKind::kEvery:
      return index % rule.n == 0 ? rule.actions.front() : FaultAction{};
    case RuleKind::kScript:
      return rule.cursor < rule.actions.size() ? rule.actions[rule.cursor++] : FaultAction{};
    case RuleKind::kRandom: {
      std::uint64_t draw = next_random(rule.rng_state);
      if (draw % 1000 >= rule.permille) return {};
      return rule.actions[(draw / 1000) % rule.actions.size()];
    }
    case RuleKind::kAllow:
      return {FaultKind::kShort, static_cast<std::size_t>(rule.n)};
    case RuleKind::kAsync: {
      bool& blocked = rule.async_blocked[op == IoOp::kPush ? 0 : 1];
      blocked = !blocked;
      return blocked ? FaultAction{FaultKind::kEagain, 0}
                     : FaultAction{FaultKind::kShort, static_cast<std::size_t>(rule.n)};
    }
  }
  return {};
}

FaultAction FaultPlan::next(IoOp op) {
  std::size_t op_index = op == IoOp::kPush ? ++pushes_ : ++pulls_;
  std::size_t io_index = pushes_ + pulls_;
  for (auto& rule : rules_) {
    if (!claims(rule.target, op)) continue;
    FaultAction action = decide(rule, op, op_index, io_index);
    if (!action.injects()) continue;
    ++injected_;
    if (action.is_hard()) ++hard_;
    return action;
  }
  return {};
}

}  // namespace dirprobe
