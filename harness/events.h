// The events of a finished case, counted on both sides from its call log, its transport traces
// and what each library reported: what premises are judged on. A premise names an event and
// how often it must have happened ("subject.again.send", "peer.received.key_update>=2").
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/driver.h"
#include "harness/premise.h"

namespace dirprobe {

inline constexpr std::size_t kApiCount = static_cast<std::size_t>(Api::kCheckPending) + 1;

// Short API names as premises spell them: "send", "key_update", "send_file", ...
std::string_view api_short_name(Api api);

struct SideEvents {
  std::array<std::uint32_t, kApiCount> ok{};          // calls that succeeded
  std::array<std::uint32_t, kApiCount> again{};       // calls that returned E_AGAIN/E_INTERRUPTED
  std::array<std::uint32_t, kApiCount> again_push{};  // ... during which a push blocked
  std::array<std::uint32_t, kApiCount> again_unblocked{};  // ... during which nothing blocked
  std::uint32_t blocked_push = 0, blocked_pull = 0;        // transport operations that blocked
  std::uint32_t push_full = 0;  // pushes that could not take all their bytes (blocked or short)
  std::uint32_t injected = 0;   // transport operations whose outcome the fault plan decided
  // Control messages after the side's first handshake completed, by event name (messages.h).
  std::map<std::string, std::uint32_t, std::less<>> sent, received;
  std::uint64_t max_held = 0;  // SideFacts::max_held
  std::uint32_t holds = 0;     // holds of this side that a block of the other side ended (hold.h)
  std::uint32_t interleaved = 0;  // SideFacts::interleaved
};

struct CaseEvents {
  SideEvents subject, peer;
  std::uint32_t both_push_full = 0;  // ticks in which a push of each side could not take all
  std::uint32_t timer_fired = 0;     // DTLS: waits for a retransmission timer
  std::uint32_t hard_fault = 0;      // hard transport faults injected (reset, EOF, broken pipe)
  std::uint32_t holds = 0;           // holds of either side that a block of the other ended
};

CaseEvents count_events(const CaseRun& run);
// The counts that are not zero, as results JSON.
nlohmann::json events_json(const CaseEvents& events);

// How often the premise's event happened in the case.
std::uint64_t premise_count(const Premise& premise, const CaseEvents& events);
bool premise_met(const Premise& premise, const CaseEvents& events);

// Whether a case met its scenario's premises (all of them).
enum class PremiseStatus : std::uint8_t {
  kNone,  // the scenario declares none
  kMet,
  kUnmet,  // the case ran its course without the event
  kCut,    // the case ended by an error (an injected fault, a failure) before the event
};
std::string_view premise_status_name(PremiseStatus status);
// The premises not met, "" when all were (for the case's note).
std::string unmet_premises(const std::vector<Premise>& premises, const CaseEvents& events);

}  // namespace dirprobe
