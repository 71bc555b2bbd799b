#include "harness/bare.h"

#include "harness/driver.h"

namespace dirprobe {

CaseSpec bare_handshake_of(const CaseSpec& spec) {
  CaseSpec bare;
  bare.scenario = spec.scenario + "-bare";
  bare.family = spec.family;
  bare.variant = spec.variant;
  bare.subject.role = spec.subject.role;
  bare.subject.protocol = spec.subject.protocol;
  bare.subject.key = spec.subject.key;
  bare.subject.cipher = spec.subject.cipher;
  bare.peer = spec.peer;
  bare.transport = spec.transport;
  std::vector<Step> steps = {Step{}, Step::transfer(1, 1)};
  bare.subject_steps = steps;
  bare.peer_steps = steps;
  return bare;
}

std::vector<std::string> premises_met_by_bare(const CaseSpec& spec, CaseEvents* events) {
  CaseEvents seen = count_events(run_case(bare_handshake_of(spec)));
  std::vector<std::string> met;
  for (const auto& p : spec.premises)
    if (premise_met(p, seen)) met.push_back(p.text);
  if (events != nullptr) *events = seen;
  return met;
}

}  // namespace dirprobe
