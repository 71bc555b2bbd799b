// A send retried with other data or another size than its first offer (the misuse retry
// modes different, smaller and larger): what the application offered each time and what the
// completing call returned. R2 compares it with what the receiver got at that offset.
#pragma once

#include <cstddef>
#include <cstdint>

#include "harness/case_spec.h"

namespace dirprobe {

struct Reoffer {
  RetryMode mode = RetryMode::kDifferent;
  std::uint64_t offset = 0;  // stream offset of the first offer's first byte
  std::size_t first = 0;     // bytes of the first offer (the stream's own)
  std::size_t retry = 0;     // bytes the completing retry passed (the complement's)
  long returned = 0;         // what the completing retry returned
  std::size_t call = 0;      // index of the completing call in CaseRun::calls
};

}  // namespace dirprobe
