#include "harness/planner.h"

#include <cstdlib>
#include <iterator>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>

#include "harness/driver.h"
#include "harness/plan_cache.h"

namespace dirprobe {
namespace {

// The end of the subject's first handshake in its trace (its calls before any other call).
std::size_t handshake_trace_end(const CaseRun& run) {
  std::size_t end = 0;
  for (const auto& call : run.calls) {
    if (call.side != Side::kSubject || call.api == Api::kSendEarly) continue;
    if (call.api != Api::kHandshake) break;
    end = call.io.end;
  }
  return end;
}

// Calls that move application data: the end of the subject's flights.
bool moves_data(const CallRecord& call) {
  bool data_api = call.api == Api::kSend || call.api == Api::kRecv || call.api == Api::kSendFile ||
                  call.api == Api::kUncork || call.api == Api::kSendEarly ||
                  call.api == Api::kRecvEarly;
  return data_api && call.out.status == Status::kOk && call.out.bytes > 0;
}

// The end of the subject's flights in its trace: its I/O before its first call that moved
// application data.
std::size_t flights_trace_end(const CaseRun& run) {
  for (const auto& call : run.calls)
    if (call.side == Side::kSubject && moves_data(call)) return call.io.begin;
  return run.subject_trace.size();
}

// Where the interleaved phase begins in the subject's trace: the call before its first other
// call (the pending call that made it due); nullopt when it made none.
std::optional<std::size_t> interleaved_trace_begin(const CaseRun& run) {
  std::optional<std::size_t> pending;
  for (const auto& call : run.calls) {
    if (call.side != Side::kSubject) continue;
    if (call.other) return pending;
    pending = call.io.begin;
  }
  return std::nullopt;
}

std::size_t phase_end(const CaseRun& run, SweepPhase phase) {
  switch (phase) {
    case SweepPhase::kHandshake:
      return handshake_trace_end(run);
    case SweepPhase::kFlights:
      return flights_trace_end(run);
    default:
      return run.subject_trace.size();
  }
}

// Runs one clean case and counts the subject's pushes and pulls within the sweep's phase.
CleanCount count_clean_run(const CaseSpec& clean, const SweepSpec& sweep) {
  CleanCount count{clean.id()};
  CaseRun run;
  try {
    run = run_case(clean);
  } catch (const SkipCase&) {
    count.skipped = true;  // the runtime cannot run the case: its clean variant reports the skip
    return count;
  }
  // Operations past the trace limit were counted but not kept: they cannot be planned.
  if (run.subject_trace_dropped > 0)
    throw std::runtime_error(clean.id() + ": the clean run made more than " +
                             std::to_string(kTraceLimit) +
                             " transport operations, too many to sweep");
  std::size_t begin = 0, end = phase_end(run, sweep.phase);
  if (sweep.phase == SweepPhase::kInterleaved) {
    auto from = interleaved_trace_begin(run);
    begin = from.value_or(end);
  }
  for (std::size_t i = 0; i < end; ++i) {
    if (run.subject_trace[i].poll) continue;
    bool push = run.subject_trace[i].op == IoOp::kPush;
    if (i < begin)
      ++(push ? count.first_push : count.first_pull);
    else
      ++(push ? count.pushes : count.pulls);
  }
  return count;
}

// One case per (action, operation index): that action there and nowhere else.
void add_sweep_points(const CaseSpec& clean, const CleanCount& count, const SweepSpec& sweep,
                      std::vector<CaseSpec>& out) {
  if (count.skipped) return;
  for (const auto& action : sweep.actions)
    for (auto [op, first, n] :
         {std::tuple{"push", count.first_push, sweep.push ? count.pushes : 0},
          std::tuple{"pull", count.first_pull, sweep.pull ? count.pulls : 0}})
      for (std::size_t i = first; i < first + n; ++i) {
        CaseSpec c = clean;
        c.fault_plan = std::string(op) + "@" + std::to_string(i) + "=" + action;
        c.sweep_point = true;
        out.push_back(std::move(c));
      }
}

}  // namespace

PlanOptions PlanOptions::from_environment() {
  PlanOptions options;
  const char* off = std::getenv("DIRPROBE_NO_PLAN_CACHE");
  options.use_cache = off == nullptr || *off == '\0' || std::string(off) == "0";
  options.cache_root = dirprobe::cache_root();
  return options;
}

namespace {

// A fault plan the scenario lists that its sweep also makes would run one case id twice.
void refuse_duplicates(const Scenario& scenario, const std::vector<CaseSpec>& cases) {
  std::set<std::string> seen;
  for (const auto& c : cases)
    if (!seen.insert(c.id()).second)
      throw std::runtime_error(scenario.file + ":" + std::to_string(scenario.line) +
                               ": case '" + c.id() +
                               "' comes twice (a listed fault plan the sweep also makes?)");
}

}  // namespace

Plan plan_scenario(const Scenario& scenario, const PlanOptions& options) {
  Plan plan;
  plan.cases = expand(scenario);
  if (scenario.sweep.actions.empty()) return plan;
  std::vector<std::size_t> clean;  // indices of the clean variants in plan.cases
  std::vector<std::string> clean_ids;
  for (std::size_t i = 0; i < plan.cases.size(); ++i)
    if (plan.cases[i].fault_plan == "none") {
      clean.push_back(i);
      clean_ids.push_back(plan.cases[i].id());
    }
  std::optional<std::vector<CleanCount>> counts;
  if (options.use_cache) counts = read_plan_cache(options.cache_root, scenario, clean_ids);
  plan.from_cache = counts.has_value();
  if (!counts) {
    counts.emplace();
    for (std::size_t i : clean) counts->push_back(count_clean_run(plan.cases[i], scenario.sweep));
    plan.clean_runs = clean.size();
    if (options.use_cache) write_plan_cache(options.cache_root, scenario, *counts);
  }
  std::size_t points = 0;
  for (const auto& count : *counts) points += count.pushes + count.pulls;
  plan.cases.reserve(plan.cases.size() + points * scenario.sweep.actions.size());
  for (std::size_t k = 0; k < clean.size(); ++k)
    add_sweep_points(CaseSpec(plan.cases[clean[k]]), (*counts)[k], scenario.sweep, plan.cases);
  refuse_duplicates(scenario, plan.cases);
  return plan;
}

std::vector<CaseSpec> plan_catalog(const Catalog& catalog, const PlanOptions& options) {
  std::vector<Plan> plans;
  std::size_t total = 0;
  for (const auto& scenario : catalog.scenarios) {
    plans.push_back(plan_scenario(scenario, options));
    total += plans.back().cases.size();
  }
  std::vector<CaseSpec> out;
  out.reserve(total);
  for (auto& plan : plans) std::move(plan.cases.begin(), plan.cases.end(), std::back_inserter(out));
  return out;
}

}  // namespace dirprobe
