#include "harness/invariant_ids.h"

namespace dirprobe {

std::string InvariantSet::text() const {
  std::string out;
  for (auto inv : kAllInvariants) {
    if (!contains(inv)) continue;
    if (!out.empty()) out += ',';
    out += invariant_name(inv);
  }
  return out;
}

}  // namespace dirprobe
