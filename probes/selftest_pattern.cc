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

// A stretch of complemented bytes (what a misuse retry offers) is told apart from other bytes,
// and a stretch is classified against the stream byte by byte, missing bytes included.
TEST(Pattern, ClassifiesComplementAndOtherBytes) {
  auto v = stream(100);
  for (std::size_t i = 20; i < 30; ++i) v[i] = static_cast<std::uint8_t>(~v[i]);
  v[50] = static_cast<std::uint8_t>(v[50] + 1);
  PatternChecker c(9, 100);
  c.consume(v.data(), 90);
  ASSERT_EQ(c.mismatches().size(), 2u);
  EXPECT_EQ(c.mismatches()[0].offset, 20u);
  EXPECT_EQ(c.mismatches()[0].length, 10u);
  EXPECT_TRUE(c.mismatches()[0].complement);
  EXPECT_FALSE(c.mismatches()[1].complement);
  ASSERT_TRUE(c.error());
  EXPECT_EQ(c.error()->offset, 20u);
  StretchBytes all = c.classify(0, 100);
  EXPECT_EQ(all.stream, 79u);
  EXPECT_EQ(all.complement, 10u);
  EXPECT_EQ(all.other, 1u);
  EXPECT_EQ(all.missing, 10u);
  StretchBytes retried = c.classify(20, 10);
  EXPECT_EQ(retried.complement, 10u);
  EXPECT_EQ(retried.stream + retried.other + retried.missing, 0u);
}

// A stream out of step mismatches almost everywhere: past kMaxMismatches runs nothing more is
// recorded, and what follows counts as other bytes, never as the stream's.
TEST(Pattern, StopsRecordingMismatchesAtTheCap) {
  auto v = stream(4000);
  for (std::size_t i = 0; i < v.size(); i += 2) v[i] = static_cast<std::uint8_t>(~v[i]);
  PatternChecker c(9, 4000);
  c.consume(v.data(), v.size());
  EXPECT_EQ(c.mismatches().size(), PatternChecker::kMaxMismatches);
  StretchBytes tail = c.classify(3000, 1000);
  EXPECT_EQ(tail.stream, 0u);
  EXPECT_EQ(tail.other, 1000u);
}

}  // namespace dirprobe
