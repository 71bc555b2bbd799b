// A small set of invariants (the ids themselves are in vocabulary.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "harness/vocabulary.h"

namespace dirprobe {

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
