/* The stream bytes of harness/pattern.h, in C, for the test-subject programs of tests/apps/:
 * byte `offset` of the stream for `seed`. Must stay equal to dirprobe::pattern_byte
 * (harness/pattern.cc), which serve uses to send and check the same stream. */
#ifndef DIRPROBE_APPS_PATTERN_H
#define DIRPROBE_APPS_PATTERN_H

#include <stddef.h>
#include <stdint.h>

static inline uint8_t dp_pattern_byte(uint64_t seed, uint64_t offset) {
  uint64_t z = ((offset + 1) * 0x9e3779b97f4a7c15ULL) ^ (seed * 0xbf58476d1ce4e5b9ULL);
  z ^= z >> 29;
  z *= 0x94d049bb133111ebULL;
  return (uint8_t)(z >> 56);
}

static inline void dp_fill_pattern(uint64_t seed, uint64_t offset, uint8_t* out, size_t size) {
  for (size_t i = 0; i < size; ++i) out[i] = dp_pattern_byte(seed, offset + i);
}

#endif
