#include "harness/pattern.h"

#include <algorithm>

namespace dirprobe {

std::uint8_t pattern_byte(std::uint64_t seed, std::uint64_t offset) {
  std::uint64_t z = (offset + 1) * 0x9e3779b97f4a7c15ULL ^ (seed * 0xbf58476d1ce4e5b9ULL);
  z ^= z >> 29;
  z *= 0x94d049bb133111ebULL;
  return static_cast<std::uint8_t>(z >> 56);
}

void fill_pattern(std::uint64_t seed, std::uint64_t offset, std::uint8_t* out, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) out[i] = pattern_byte(seed, offset + i);
}

std::string IntegrityError::text() const {
  if (expected < 0 && got < 0)
    return "more bytes than the sender reported sending: the stream should have ended at offset " +
           std::to_string(offset);
  if (expected < 0)
    return "excess byte at offset " + std::to_string(offset) + " (got " + std::to_string(got) +
           ", stream should have ended)";
  return "byte at offset " + std::to_string(offset) + " is " + std::to_string(got) + ", expected " +
         std::to_string(expected);
}

void PatternChecker::consume(const std::uint8_t* data, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) {
    std::uint64_t offset = received_ + i;
    int want = offset < expected_ ? pattern_byte(seed_, offset) : -1;
    if (want == data[i]) continue;
    if (!error_) error_ = IntegrityError{offset, want, data[i]};
    note_mismatch(offset, want >= 0 && data[i] == static_cast<std::uint8_t>(~want));
  }
  received_ += size;
}

void PatternChecker::close_at(std::uint64_t total) {
  expected_ = total;
  if (received_ > total && !error_) error_ = IntegrityError{total, -1, -1};
}

void PatternChecker::note_mismatch(std::uint64_t offset, bool complement) {
  if (unrecorded_from_) return;
  if (!mismatches_.empty()) {
    Mismatch& last = mismatches_.back();
    if (last.offset + last.length == offset && last.complement == complement) {
      ++last.length;
      return;
    }
  }
  if (mismatches_.size() == kMaxMismatches) {
    unrecorded_from_ = offset;
    return;
  }
  mismatches_.push_back({offset, 1, complement});
}

StretchBytes PatternChecker::classify(std::uint64_t offset, std::uint64_t length) const {
  StretchBytes out;
  std::uint64_t end = offset + length;
  std::uint64_t got_end = std::min(end, received_);
  out.missing = end - std::max(got_end, offset);
  if (got_end <= offset) return out;
  // Bytes past the point where mismatches stopped being recorded are not classified.
  std::uint64_t known_end =
      unrecorded_from_ ? std::clamp(*unrecorded_from_, offset, got_end) : got_end;
  out.other = got_end - known_end;
  for (const Mismatch& m : mismatches_) {
    std::uint64_t lo = std::max(m.offset, offset), hi = std::min(m.offset + m.length, known_end);
    if (lo >= hi) continue;
    (m.complement ? out.complement : out.other) += hi - lo;
  }
  out.stream = got_end - offset - out.complement - out.other;
  return out;
}

}  // namespace dirprobe
