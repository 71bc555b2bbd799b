// Application data for transfers: a deterministic byte pattern (a function of seed and offset)
// and a receiver-side checker that verifies every byte, so loss, duplication and reordering
// are caught at the first offset where they show.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dirprobe {

// The byte at `offset` of the stream for `seed`. Neighbouring bytes differ in a way a shifted
// copy does not reproduce, so a dropped or repeated byte changes the next comparison.
std::uint8_t pattern_byte(std::uint64_t seed, std::uint64_t offset);

// Fills `out` with the pattern starting at `offset`.
void fill_pattern(std::uint64_t seed, std::uint64_t offset, std::uint8_t* out, std::size_t size);

struct IntegrityError {
  std::uint64_t offset;  // stream offset of the first bad byte
  int expected;          // pattern value, or -1 when no byte was expected there (excess)
  int got;
  std::string text() const;
};

class PatternChecker {
 public:
  PatternChecker(std::uint64_t seed, std::uint64_t expected_total)
      : seed_(seed), expected_(expected_total) {}

  // Checks newly received bytes; remembers only the first error.
  void consume(const std::uint8_t* data, std::size_t size);

  std::uint64_t received() const { return received_; }
  std::uint64_t expected() const { return expected_; }
  bool complete() const { return received_ == expected_ && !error_; }
  const std::optional<IntegrityError>& error() const { return error_; }

 private:
  std::uint64_t seed_, expected_, received_ = 0;
  std::optional<IntegrityError> error_;
};

}  // namespace dirprobe
