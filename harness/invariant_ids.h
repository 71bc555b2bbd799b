// The invariant ids (fixed: reports and expectations refer to them) and a small set type.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dirprobe {

enum class Invariant : std::uint8_t { D1, D2, S1, S2, Q1, Q2, B1, L1, R1 };
inline constexpr std::array<Invariant, 9> kAllInvariants = {
    Invariant::D1, Invariant::D2, Invariant::S1, Invariant::S2, Invariant::Q1,
    Invariant::Q2, Invariant::B1, Invariant::L1, Invariant::R1};

std::string_view invariant_name(Invariant inv);
// One line: what the invariant states.
std::string_view invariant_statement(Invariant inv);
std::optional<Invariant> parse_invariant(std::string_view text);

class InvariantSet {
 public:
  InvariantSet() = default;
  InvariantSet(std::initializer_list<Invariant> list) {
    for (auto inv : list) add(inv);
  }
  void add(Invariant inv) { bits_ |= 1u << static_cast<unsigned>(inv); }
  void remove(Invariant inv) { bits_ &= ~(1u << static_cast<unsigned>(inv)); }
  bool contains(Invariant inv) const { return (bits_ >> static_cast<unsigned>(inv)) & 1u; }
  std::string text() const;  // "D1,S1,S2"
  bool operator==(const InvariantSet&) const = default;

 private:
  std::uint32_t bits_ = 0;
};

}  // namespace dirprobe
