#include "harness/events.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace dirprobe {
namespace {

constexpr std::array<std::string_view, kApiCount> kApiShortNames = {
    "handshake", "send",      "recv",       "bye",        "rehandshake",
    "key_update", "ticket",   "uncork",     "reauth",     "send_file",
    "send_early", "recv_early", "alert",    "ping",       "pong",
    "check_pending"};

bool interrupted(const CallOutcome& out) {
  return out.status == Status::kAgain || out.status == Status::kInterrupted;
}

bool push_blocked(const IoTrace& trace, TraceSpan span) {
  for (std::size_t i = span.begin; i < span.end && i < trace.size(); ++i)
    if (!trace[i].poll && trace[i].op == IoOp::kPush && trace[i].blocked()) return true;
  return false;
}

// A push that could not take all its bytes: it blocked, or the socket took only part.
bool full(const IoEvent& e) {
  return !e.poll && e.op == IoOp::kPush &&
         (e.blocked() || (e.moved >= 0 && static_cast<std::size_t>(e.moved) < e.requested));
}

bool push_full(const IoTrace& trace, TraceSpan span) {
  for (std::size_t i = span.begin; i < span.end && i < trace.size(); ++i)
    if (full(trace[i])) return true;
  return false;
}

bool any_blocked(const IoTrace& trace, TraceSpan span) {
  for (std::size_t i = span.begin; i < span.end && i < trace.size(); ++i)
    if (trace[i].blocked()) return true;
  return false;
}

void count_trace(const IoTrace& trace, SideEvents& e) {
  for (const IoEvent& io : trace) {
    e.push_full += full(io);
    e.injected += io.injected;
    if (!io.blocked()) continue;
    ++(io.op == IoOp::kPush ? e.blocked_push : e.blocked_pull);
  }
}

// Holds that a block of the other side ended: the premise of a scenario that holds a side.
void count_holds(const std::vector<Hold>& holds, CaseEvents& events) {
  for (const Hold& h : holds) {
    if (!h.released_by && !h.released_by_call) continue;
    ++(h.holder == Side::kSubject ? events.subject : events.peer).holds;
    ++events.holds;
  }
}

// Messages reported after the call that completed the side's first handshake (all of them if
// it never completed one: nothing is "after").
void count_messages(const SideFacts& facts, SideEvents& e) {
  if (!facts.handshake_done) return;
  for (const auto& m : facts.messages.sent)
    if (m.call > *facts.handshake_done) ++e.sent[m.event()];
  for (const auto& m : facts.messages.received)
    if (m.call > *facts.handshake_done) ++e.received[m.event()];
}

std::vector<std::string> event_forms() {
  std::vector<std::string> forms = {"blocked.push", "blocked.pull", "push_full",
                                    "injected",     "held",         "hold",
                                    "interleaved"};
  for (auto api : kApiShortNames) {
    forms.push_back("ok." + std::string(api));
    forms.push_back("again." + std::string(api));
    forms.push_back("again." + std::string(api) + ".push");
    forms.push_back("again." + std::string(api) + ".unblocked");
  }
  for (const auto& m : message_event_names()) {
    forms.push_back("sent." + m);
    forms.push_back("received." + m);
  }
  return forms;
}

std::uint64_t side_count(const SideEvents& e, std::string_view event) {
  if (event == "blocked.push") return e.blocked_push;
  if (event == "blocked.pull") return e.blocked_pull;
  if (event == "push_full") return e.push_full;
  if (event == "injected") return e.injected;
  if (event == "held") return e.max_held;
  if (event == "hold") return e.holds;
  if (event == "interleaved") return e.interleaved;
  for (std::size_t i = 0; i < kApiCount; ++i) {
    std::string again = "again." + std::string(kApiShortNames[i]);
    if (event == "ok." + std::string(kApiShortNames[i])) return e.ok[i];
    if (event == again) return e.again[i];
    if (event == again + ".push") return e.again_push[i];
    if (event == again + ".unblocked") return e.again_unblocked[i];
  }
  auto lookup = [](const auto& map, std::string_view key) -> std::uint64_t {
    auto it = map.find(key);
    return it == map.end() ? 0 : it->second;
  };
  if (event.starts_with("sent.")) return lookup(e.sent, event.substr(5));
  if (event.starts_with("received.")) return lookup(e.received, event.substr(9));
  return 0;
}

}  // namespace

std::string_view api_short_name(Api api) { return kApiShortNames[static_cast<std::size_t>(api)]; }

CaseEvents count_events(const CaseRun& run) {
  CaseEvents events;
  std::map<std::uint64_t, unsigned> full_ticks;  // tick -> bit 1 subject, 2 peer
  for (const CallRecord& c : run.calls) {
    bool subject = c.side == Side::kSubject;
    SideEvents& e = subject ? events.subject : events.peer;
    const IoTrace& trace = subject ? run.subject_trace : run.peer_trace;
    bool blocked = push_blocked(trace, c.io);
    if (push_full(trace, c.io)) full_ticks[c.tick] |= subject ? 1u : 2u;
    if (c.out.status == Status::kOk) ++e.ok[static_cast<std::size_t>(c.api)];
    if (!interrupted(c.out)) continue;
    auto api = static_cast<std::size_t>(c.api);
    ++e.again[api];
    if (blocked) ++e.again_push[api];
    // Only a traced side can show that nothing blocked.
    bool traced = subject ? run.subject_traced : true;
    std::size_t dropped = subject ? run.subject_trace_dropped : run.peer_trace_dropped;
    if (traced && !truncated(trace, c.io, dropped) && !any_blocked(trace, c.io))
      ++e.again_unblocked[api];
  }
  for (const auto& [tick, sides] : full_ticks) events.both_push_full += sides == 3u;
  events.timer_fired = static_cast<std::uint32_t>(run.timer_waits);
  events.hard_fault = static_cast<std::uint32_t>(run.hard_faults);
  count_trace(run.subject_trace, events.subject);
  count_trace(run.peer_trace, events.peer);
  count_messages(run.subject_facts, events.subject);
  count_messages(run.peer_facts, events.peer);
  events.subject.max_held = run.subject_facts.max_held;
  events.subject.interleaved = run.subject_facts.interleaved;
  events.peer.max_held = run.peer_facts.max_held;
  count_holds(run.holds, events);
  return events;
}

namespace {

nlohmann::json side_json(const SideEvents& e) {
  nlohmann::json j = nlohmann::json::object();
  for (std::size_t i = 0; i < kApiCount; ++i) {
    if (e.ok[i] > 0) j["ok"][std::string(kApiShortNames[i])] = e.ok[i];
    if (e.again[i] > 0) j["again"][std::string(kApiShortNames[i])] = e.again[i];
    if (e.again_push[i] > 0) j["again_push"][std::string(kApiShortNames[i])] = e.again_push[i];
    if (e.again_unblocked[i] > 0)
      j["again_unblocked"][std::string(kApiShortNames[i])] = e.again_unblocked[i];
  }
  if (e.blocked_push > 0) j["blocked_push"] = e.blocked_push;
  if (e.blocked_pull > 0) j["blocked_pull"] = e.blocked_pull;
  if (e.push_full > 0) j["push_full"] = e.push_full;
  if (e.injected > 0) j["injected"] = e.injected;
  if (!e.sent.empty()) j["sent"] = e.sent;
  if (!e.received.empty()) j["received"] = e.received;
  if (e.max_held > 0) j["held"] = e.max_held;
  if (e.holds > 0) j["hold"] = e.holds;
  if (e.interleaved > 0) j["interleaved"] = e.interleaved;
  return j;
}

}  // namespace

nlohmann::json events_json(const CaseEvents& events) {
  nlohmann::json j = {{"subject", side_json(events.subject)}, {"peer", side_json(events.peer)}};
  if (events.both_push_full > 0) j["both_push_full"] = events.both_push_full;
  if (events.timer_fired > 0) j["timer_fired"] = events.timer_fired;
  if (events.hard_fault > 0) j["hard_fault"] = events.hard_fault;
  if (events.holds > 0) j["hold"] = events.holds;
  return j;
}

Premise parse_premise(std::string_view text) {
  Premise p;
  p.text = std::string(text);
  std::string_view body = text;
  if (auto at = body.find(">="); at != std::string_view::npos) {
    std::string_view n = body.substr(at + 2);
    auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), p.at_least);
    if (ec != std::errc() || end != n.data() + n.size() || p.at_least == 0)
      throw std::invalid_argument("premise '" + p.text +
                                  "': the count after >= must be a number > 0");
    body = body.substr(0, at);
  }
  auto dot = body.find('.');
  p.side = std::string(body.substr(0, dot));
  p.event = dot == std::string_view::npos ? "" : std::string(body.substr(dot + 1));
  if (p.side == "both" || p.side == "case") {
    bool known = p.side == "both"
                     ? p.event == "push_full"
                     : p.event == "timer_fired" || p.event == "hard_fault" || p.event == "hold";
    if (!known)
      throw std::invalid_argument(
          "premise '" + p.text +
          "': the forms are both.push_full, case.timer_fired, case.hard_fault and case.hold");
    return p;
  }
  if (p.side != "subject" && p.side != "peer")
    throw std::invalid_argument("premise '" + p.text +
                                "': must start with subject., peer., both. or case.");
  static const std::vector<std::string> kForms = event_forms();
  if (std::find(kForms.begin(), kForms.end(), p.event) == kForms.end())
    throw std::invalid_argument(
        "premise '" + p.text +
        "': unknown event (expected again.<api>[.push|.unblocked], blocked.push, blocked.pull, "
        "push_full, held, hold, "
        "sent.<message> or received.<message>; see docs/scenarios.md)");
  return p;
}

std::uint64_t premise_count(const Premise& p, const CaseEvents& events) {
  if (p.side == "both") return events.both_push_full;
  if (p.side == "case")
    return p.event == "timer_fired" ? events.timer_fired
           : p.event == "hold"      ? events.holds
                                    : events.hard_fault;
  return side_count(p.side == "subject" ? events.subject : events.peer, p.event);
}

bool premise_met(const Premise& p, const CaseEvents& events) {
  return premise_count(p, events) >= p.at_least;
}

std::string_view premise_status_name(PremiseStatus status) {
  static constexpr std::string_view kNames[] = {"none", "met", "unmet", "cut"};
  return kNames[static_cast<int>(status)];
}

std::string unmet_premises(const std::vector<Premise>& premises, const CaseEvents& events) {
  std::string out;
  for (const auto& p : premises) {
    if (premise_met(p, events)) continue;
    out += (out.empty() ? "" : ", ") + p.text + " (seen " +
           std::to_string(premise_count(p, events)) + ")";
  }
  return out;
}

}  // namespace dirprobe
