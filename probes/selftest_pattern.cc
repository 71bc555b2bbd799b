// Self-tests of the integrity checker: it accepts the exact stream and catches a dropped,
// duplicated, reordered or excess byte at the offset where it shows.
#include <gtest/gtest.h>

#include <algorithm>

#include "harness/pattern.h"

namespace dirprobe {
namespace {

std::vector<std::uint8_t> stream(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  fill_pattern(9, 0, v.data(), n);
  return v;
}

TEST(Pattern, AcceptsExactStreamInPieces) {
  auto v = stream(1000);
  PatternChecker c(9, 1000);
  c.consume(v.data(), 333);
  c.consume(v.data() + 333, 667);
  EXPECT_TRUE(c.complete());
}

TEST(Pattern, CatchesDroppedByte) {
  auto v = stream(1000);
  v.erase(v.begin() + 500);
  PatternChecker c(9, 1000);
  c.consume(v.data(), v.size());
  ASSERT_TRUE(c.error());
  EXPECT_GE(c.error()->offset, 500u);
  EXPECT_LE(c.error()->offset, 510u);
  EXPECT_FALSE(c.complete());
}

TEST(Pattern, CatchesDuplicatedChunk) {
  auto v = stream(100);
  std::vector<std::uint8_t> dup(v.begin(), v.begin() + 50);
  dup.insert(dup.end(), v.begin() + 40, v.end());
  PatternChecker c(9, 100);
  c.consume(dup.data(), dup.size());
  ASSERT_TRUE(c.error());
  EXPECT_EQ(c.error()->offset, 50u);
}

TEST(Pattern, CatchesReorderAndExcess) {
  auto v = stream(64);
  std::swap(v[10], v[20]);
  PatternChecker c(9, 64);
  c.consume(v.data(), v.size());
  ASSERT_TRUE(c.error());
  EXPECT_EQ(c.error()->offset, 10u);
  auto w = stream(65);
  PatternChecker d(9, 64);
  d.consume(w.data(), w.size());
  ASSERT_TRUE(d.error());
  EXPECT_EQ(d.error()->offset, 64u);
  EXPECT_EQ(d.error()->expected, -1);
}

}  // namespace
}  // namespace dirprobe
