#include "harness/invariant_ids.h"

namespace dirprobe {

std::string_view invariant_name(Invariant inv) {
  static constexpr std::string_view kNames[] = {"D1", "D2", "S1", "S2", "Q1",
                                                "Q2", "B1", "L1", "R1"};
  return kNames[static_cast<unsigned>(inv)];
}

std::string_view invariant_statement(Invariant inv) {
  switch (inv) {
    case Invariant::D1:
      return "after E_AGAIN/E_INTERRUPTED the reported direction is that of the last transport "
             "operation that blocked during the call (pull 0, push 1)";
    case Invariant::D2:
      return "E_AGAIN/E_INTERRUPTED is returned only when a transport operation blocked during "
             "the call";
    case Invariant::S1:
      return "after gnutls_record_send returns E_AGAIN/E_INTERRUPTED, direction is 1";
    case Invariant::S2:
      return "after gnutls_record_recv returns E_AGAIN/E_INTERRUPTED, direction is 0";
    case Invariant::Q1:
      return "gnutls_record_send never calls pull";
    case Invariant::Q2:
      return "gnutls_record_recv never calls push";
    case Invariant::B1:
      return "buffering stays bounded while one side is quenched";
    case Invariant::L1:
      return "a loop that waits only for the reported direction completes the case";
    case Invariant::R1:
      return "with the documented retry the peer receives every byte exactly once, in order";
  }
  return "";
}

std::optional<Invariant> parse_invariant(std::string_view text) {
  for (auto inv : kAllInvariants)
    if (invariant_name(inv) == text) return inv;
  return std::nullopt;
}

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
