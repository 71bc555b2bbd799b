#include "reports/merged.h"

#include <nlohmann/json.hpp>

namespace dirprobe::report {
namespace {

using nlohmann::ordered_json;

// "D1,S1,R1": the invariants of a case with verdict `v`, as a scenario's `asserted` lists them.
std::string with_verdict(const CaseRecord& c, Verdict v) {
  std::string out;
  for (auto inv : kAllInvariants)
    if (c.verdicts[static_cast<unsigned>(inv)] == v)
      out += (out.empty() ? "" : ",") + std::string(invariant_name(inv));
  return out;
}

// The event counts nested again as in the run's file: "subject.again.send" -> subject/again/send.
ordered_json nested_events(const Events& events) {
  ordered_json j = {{"subject", ordered_json::object()}, {"peer", ordered_json::object()}};
  for (const auto& [path, count] : events) {
    ordered_json* at = &j;
    std::string_view rest = path;
    for (auto dot = rest.find('.'); dot != std::string_view::npos; dot = rest.find('.')) {
      at = &(*at)[std::string(rest.substr(0, dot))];
      rest.remove_prefix(dot + 1);
    }
    (*at)[std::string(rest)] = count;
  }
  return j;
}

std::string case_line(const CaseRecord& c) {
  ordered_json j = {{"id", c.id}, {"outcome", outcome_name(c.outcome)}};
  if (c.raw_outcome) j["raw_outcome"] = outcome_name(*c.raw_outcome);
  for (auto v : {Verdict::kHeld, Verdict::kViolated}) {
    std::string list = with_verdict(c, v);
    if (!list.empty()) j[std::string(verdict_name(v))] = list;
  }
  if (c.premise != PremiseStatus::kNone) j["premise"] = premise_status_name(c.premise);
  if (!c.premise_unmet.empty()) j["premise_unmet"] = c.premise_unmet;
  if (c.stale_direction > 0) j["stale_direction"] = c.stale_direction;
  if (c.events) j["events"] = nested_events(*c.events);
  return j.dump();
}

std::string run_header(const Run& run) {
  ordered_json host = {{"wall_seconds", run.host.wall_seconds}, {"jobs", run.host.jobs}};
  if (run.host.unswept) host["unswept"] = true;
  ordered_json j = {{"runtime", run.runtime},
                    {"gnutls_version", run.gnutls_version},
                    {"openssl_version", run.openssl_version},
                    {"host", std::move(host)},
                    {"source", run.file},
                    {"stale_expectations", run.stale},
                    {"replay", replay_template(run)},
                    {"case_count", run.cases.size()}};
  std::string text = j.dump();
  text.pop_back();  // the closing brace: the cases follow
  return text + ",\"cases\":[";
}

// Every scenario of every run, one line each; the first run that has it describes it.
std::string scenario_lines(const Model& m) {
  std::map<std::string, const Scenario*> all;
  for (const auto& run : m.runs)
    for (const auto& [name, s] : run.scenarios) all.try_emplace(name, &s);
  std::string out;
  for (const auto& [name, s] : all) {
    ordered_json j = {{"family", s->family},
                      {"claim", s->claim},
                      {"asserted", s->asserted_text},
                      {"premises", s->premises}};
    out += (out.empty() ? "\n" : ",\n") + ordered_json(name).dump() + ":" + j.dump();
  }
  return out;
}

}  // namespace

std::string merged_results(const Model& m) {
  std::string out = "{\"schema\":" + ordered_json(kMatrixSchema).dump() +
                    ",\"schema_version\":" + std::to_string(kMatrixVersion) +
                    ",\"case_count\":" + std::to_string(m.case_count) + ",\n\"scenarios\":{" +
                    scenario_lines(m) + "},\n\"runs\":[";
  for (std::size_t r = 0; r < m.runs.size(); ++r) {
    out += (r == 0 ? "\n" : ",\n") + run_header(m.runs[r]);
    const auto& cases = m.runs[r].cases;
    for (std::size_t i = 0; i < cases.size(); ++i)
      out += (i == 0 ? "\n" : ",\n") + case_line(cases[i]);
    out += "]}";
  }
  return out + "]}\n";
}

}  // namespace dirprobe::report
