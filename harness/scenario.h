// A scenario as loaded from its [[scenario]] table: pure data. Its scenario-wide settings, the
// axes its cases run on and how its clean runs are swept; nothing here runs TLS.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/case_spec.h"

namespace dirprobe {

// Which of the subject's operations a sweep covers: all, those of its first handshake, or its
// flights (those before its first call that moves application data: the handshake and the
// post-handshake messages that come before any data, such as TLS 1.3 tickets).
enum class SweepPhase : std::uint8_t { kAll, kHandshake, kFlights };

struct SweepSpec {
  std::vector<std::string> actions;  // e.g. "eagain", "eintr", "short:1"
  bool push = true, pull = true;     // which operations become sweep points
  SweepPhase phase = SweepPhase::kAll;
};

struct Scenario {
  std::string file;
  int line = 0;
  // The scenario's table re-serialized (keys sorted, comments and layout dropped): what the
  // planner digests, so that editing a scenario changes its digest.
  std::string canonical;
  CaseSpec base;  // scenario-wide settings; axes below fill the rest
  std::vector<Protocol> protocols;
  std::vector<Role> roles;
  std::vector<PeerLibrary> peers;
  std::vector<TransportKind> transports;
  std::vector<LoopPolicy> policies;
  std::vector<RetryMode> retries;
  std::vector<Cipher> ciphers;      // record ciphers, both sides pinned to each in turn
  std::vector<bool> socket_io;      // false: callbacks; true: GnuTLS's own socket I/O
  std::vector<std::string> faults;  // fault plans (validated)
  std::vector<std::uint64_t> seeds;
  std::vector<Invariant> recorded;  // only recorded (checked against `base.asserted`)
  SweepSpec sweep;                  // empty: no sweep; else swept from each clean variant
};

}  // namespace dirprobe
