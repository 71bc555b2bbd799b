// A premise: an event a scenario's claim depends on, as its TOML names it (events.h counts
// the events and judges premises).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dirprobe {

// "<side>.<event>[>=N]": side subject, peer or both; the event happened at least N times (1).
struct Premise {
  std::string text;
  std::string side;   // "subject", "peer" or "both"
  std::string event;  // "again.send", "again.handshake.push", "blocked.push", "sent.alert", ...
  std::uint64_t at_least = 1;
  bool operator==(const Premise& other) const { return text == other.text; }
};

// Throws std::invalid_argument naming what is wrong and the accepted forms.
Premise parse_premise(std::string_view text);

}  // namespace dirprobe
