// A scenario as loaded from its [[scenario]] table: pure data. Its scenario-wide settings, the
// axes its cases run on and how its clean runs are swept; nothing here runs TLS.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/case_spec.h"

namespace dirprobe {

// Which of the subject's operations a sweep covers: all, those of its first handshake, or its
// flights (those before its first call that moves application data: the handshake and the
// post-handshake messages that come before any data, such as TLS 1.3 tickets).
// Interleaved: from the subject's call whose E_AGAIN made its step's other call due (see
// Step::interject) to the end; nothing when no other call was made.
enum class SweepPhase : std::uint8_t { kAll, kHandshake, kFlights, kInterleaved };

struct SweepSpec {
  std::vector<std::string> actions;  // e.g. "eagain", "eintr", "short:1"
  bool push = true, pull = true;     // which operations become sweep points
  SweepPhase phase = SweepPhase::kAll;
};

// A combination of axes where the scenario's calls cannot apply: its cases are skipped with the
// reason, shown as n/a ("tls12: KeyUpdate is a TLS 1.3 message" in TOML). Each axis value is
// matched when given.
struct NotApplicable {
  std::optional<Protocol> protocol;
  std::optional<PeerLibrary> peer;
  std::optional<Role> role;
  std::string reason;
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
  std::vector<NotApplicable> not_applicable;
};

}  // namespace dirprobe
