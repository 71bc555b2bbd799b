// The cost of a case against the TLS work it drives: a bare GnuTLS-to-GnuTLS TLS 1.3
// handshake plus a 16 KiB transfer over a socketpair (GnuTLS's own socket I/O, no harness),
// and the same exchange run as a dirprobe case (traced callbacks, invariants, judge, record),
// in this process and in worker processes, measured in the same run.
#pragma once

#include <string>
#include <vector>

namespace dirprobe {

struct BenchResult {
  std::string name;
  int iterations = 0;
  double ms_per_case = 0;
};

BenchResult bench_bare(int iterations);
BenchResult bench_case(int iterations, bool isolate);

}  // namespace dirprobe
