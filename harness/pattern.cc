#include "harness/pattern.h"

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
  if (expected < 0)
    return "excess byte at offset " + std::to_string(offset) + " (got " + std::to_string(got) +
           ", stream should have ended)";
  return "byte at offset " + std::to_string(offset) + " is " + std::to_string(got) + ", expected " +
         std::to_string(expected);
}

void PatternChecker::consume(const std::uint8_t* data, std::size_t size) {
  for (std::size_t i = 0; i < size && !error_; ++i) {
    std::uint64_t offset = received_ + i;
    int want = offset < expected_ ? pattern_byte(seed_, offset) : -1;
    if (want != data[i]) error_ = IntegrityError{offset, want, data[i]};
  }
  received_ += size;
}

}  // namespace dirprobe
