// The wire invariants of one case: both sides' captures and key logs decoded (wire.h) and
// judged (wire_judge.h) against what the application's calls and both libraries reported.
#pragma once

#include <string>
#include <vector>

#include "harness/case_spec.h"
#include "harness/driver.h"
#include "harness/wire_judge.h"

namespace dirprobe {

// One decoded record, for `--trace`: "client to server", and the record.
struct WireListing {
  std::string direction;
  std::string key;  // the key's name ("handshake", "epoch 1"), or "clear"
  WireRecord record;
};

struct CaseWire {
  // False when the case's bytes could not be captured (GnuTLS's own socket I/O, a case that
  // never ran); `why_not` says so. N1, W1 and M2 are then n/a.
  bool judged = false;
  std::string why_not;
  std::string suite;  // the negotiated cipher suite, as the wire shows it
  WireVerdict verdict;
  std::vector<WireListing> listing;  // every record of both directions, client's first
};

// Decodes and judges the connection of `run`. Moves the captures out of the run (they are
// large and needed only here).
CaseWire judge_case_wire(const CaseSpec& spec, CaseRun& run);

}  // namespace dirprobe
