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

// A run of received bytes that differ from the stream: every byte the bitwise complement of
// the stream's (what a retry with other data offers, see RetryMode), or other bytes.
struct Mismatch {
  std::uint64_t offset = 0;  // stream offset of the first byte
  std::uint64_t length = 0;
  bool complement = false;
};

// How the received bytes of one stretch of the stream compare with it, byte by byte.
struct StretchBytes {
  std::uint64_t stream = 0;      // equal to the stream
  std::uint64_t complement = 0;  // the stream's complement
  std::uint64_t other = 0;       // anything else (or not classified: too many mismatches)
  std::uint64_t missing = 0;     // not received
};

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

  // The runs of mismatching bytes, in stream order: at most kMaxMismatches, after which
  // mismatches are no longer classified (a stream out of step mismatches almost everywhere).
  static constexpr std::size_t kMaxMismatches = 256;
  const std::vector<Mismatch>& mismatches() const { return mismatches_; }
  // The bytes received at [offset, offset + length), classified against the stream.
  StretchBytes classify(std::uint64_t offset, std::uint64_t length) const;

  // A receiver that read "any amount" (Step::open_ended): the amount is now known (what the
  // sender reported sending); bytes past it are an error.
  void close_at(std::uint64_t total);
  static constexpr std::uint64_t kOpenEnded = ~std::uint64_t{0};

  std::uint64_t received() const { return received_; }
  std::uint64_t expected() const { return expected_; }
  bool complete() const { return received_ == expected_ && !error_; }
  const std::optional<IntegrityError>& error() const { return error_; }

 private:
  std::uint64_t seed_, expected_, received_ = 0;
  std::optional<IntegrityError> error_;
  std::vector<Mismatch> mismatches_;
  // Mismatches from here on were not recorded (kMaxMismatches reached).
  std::optional<std::uint64_t> unrecorded_from_;

  void note_mismatch(std::uint64_t offset, bool complement);
};

}  // namespace dirprobe
