// Self-tests of the channel and its trace: the trace records exactly what the transport did,
// injected faults move no data, and short transfers move what they promise.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "harness/channel.h"
#include "harness/transport.h"

namespace dirprobe {
namespace {

// Each push and pull appears once in the trace, with the bytes asked for and moved.
TEST(Channel, TraceIsExact) {
  SocketPair pair = make_socket_pair(TransportKind::kUnix, {});
  Channel a(pair.a.get(), FaultPlan::parse("push@2=eagain+pull@1=short:3"));
  Channel b(pair.b.get(), FaultPlan());
  char data[10] = "abcdefghi", buf[16];
  EXPECT_EQ(a.push(data, 9), 9);
  EXPECT_EQ(a.push(data, 9), -1);
  EXPECT_EQ(a.last_errno(), EAGAIN);
  EXPECT_EQ(b.pull(buf, sizeof buf), 9);
  ASSERT_EQ(a.trace().size(), 2u);
  EXPECT_EQ(a.trace()[0].text(), "push 9 -> 9");
  EXPECT_EQ(a.trace()[1].text(), "push 9 -> EAGAIN (injected)");
  EXPECT_TRUE(a.trace()[1].blocked());
  EXPECT_EQ(a.bytes_pushed(), 9u);
  // The injected EAGAIN moved nothing: the peer got the 9 bytes once.
  EXPECT_EQ(b.pull(buf, sizeof buf), -1);
  EXPECT_EQ(b.last_errno(), EAGAIN);
  EXPECT_FALSE(b.trace().back().injected);
}

// A dropped datagram is lost either way: the pushing side sees success but nothing arrives, and
// a dropping pull discards one datagram and returns the next.
TEST(Channel, DropLosesOneDatagram) {
  SocketPair pair = make_socket_pair(TransportKind::kDgram, {});
  Channel a(pair.a.get(), FaultPlan::parse("push@1=drop"));
  Channel b(pair.b.get(), FaultPlan::parse("pull@2=drop"));
  char buf[16];
  EXPECT_EQ(a.push("one", 3), 3);
  EXPECT_EQ(b.pull(buf, sizeof buf), -1);  // the first datagram never left
  EXPECT_EQ(b.last_errno(), EAGAIN);
  EXPECT_EQ(a.push("two", 3), 3);
  EXPECT_EQ(a.push("three", 5), 5);
  EXPECT_EQ(b.pull(buf, sizeof buf), 5);  // "two" was read and discarded
  EXPECT_EQ(std::string(buf, 5), "three");
  EXPECT_EQ(a.trace()[0].text(), "push 3 -> 3 (injected)");
}

// A poll that finds nothing to read is a blocked read in the trace.
TEST(Channel, EmptyPollIsABlockedRead) {
  SocketPair pair = make_socket_pair(TransportKind::kUnix, {});
  Channel a(pair.a.get(), FaultPlan());
  EXPECT_EQ(a.poll_readable(), 0);
  EXPECT_TRUE(a.trace().back().blocked());
  EXPECT_EQ(a.trace().back().text(), "poll 0 -> EAGAIN");
}

// A short pull moves at most its allowance and leaves the rest in the socket.
TEST(Channel, ShortPullLeavesTheRest) {
  SocketPair pair = make_socket_pair(TransportKind::kUnix, {});
  Channel a(pair.a.get(), FaultPlan());
  Channel b(pair.b.get(), FaultPlan::parse("pull@1=short:3"));
  char data[8] = "1234567", buf[16];
  ASSERT_EQ(a.push(data, 7), 7);
  EXPECT_EQ(b.pull(buf, sizeof buf), 3);
  EXPECT_TRUE(b.trace().back().injected);
  EXPECT_EQ(b.pull(buf, sizeof buf), 4);
  EXPECT_EQ(std::string(buf, 4), "4567");
}

// Natural blocking: a throttled socket fills and the kernel's EAGAIN is traced as not injected.
TEST(Channel, KernelEagainIsNatural) {
  SocketPair pair = make_socket_pair(TransportKind::kUnix, {4096, 4096});
  Channel a(pair.a.get(), FaultPlan());
  std::vector<char> big(1 << 16);
  long rc = 0;
  for (int i = 0; i < 64 && rc >= 0; ++i) rc = a.push(big.data(), big.size());
  ASSERT_EQ(rc, -1);
  EXPECT_EQ(a.last_errno(), EAGAIN);
  EXPECT_FALSE(a.trace().back().injected);
  EXPECT_FALSE(fd_ready(pair.a.get(), 1));
}

// Hard faults: eof makes a pull return 0 and a push fail with EPIPE.
TEST(Channel, HardFaults) {
  SocketPair pair = make_socket_pair(TransportKind::kUnix, {});
  Channel a(pair.a.get(), FaultPlan::parse("pull@1=eof"));
  char buf[4] = {};
  EXPECT_EQ(a.pull(buf, 4), 0);
  EXPECT_EQ(a.push(buf, 4), -1);  // at end of stream a write fails with EPIPE
  EXPECT_EQ(a.last_errno(), EPIPE);
  Channel b(pair.b.get(), FaultPlan::parse("push@1=reset"));
  EXPECT_EQ(b.push(buf, 4), -1);
  EXPECT_EQ(b.last_errno(), ECONNRESET);
  EXPECT_EQ(b.plan().hard_faults(), 1u);
}

// A connection once reset or at end of stream stays so, as a real socket does: every later
// operation repeats the fault, whatever the plan says.
TEST(Channel, HardFaultsAreSticky) {
  SocketPair pair = make_socket_pair(TransportKind::kUnix, {});
  Channel a(pair.a.get(), FaultPlan::parse("pull@1=reset"));
  char buf[4] = {};
  EXPECT_EQ(a.pull(buf, 4), -1);
  EXPECT_EQ(a.pull(buf, 4), -1);
  EXPECT_EQ(a.last_errno(), ECONNRESET);
  EXPECT_EQ(a.push(buf, 4), -1);
  EXPECT_EQ(a.last_errno(), ECONNRESET);
  Channel b(pair.b.get(), FaultPlan::parse("pull@1=eof"));
  EXPECT_EQ(b.pull(buf, 4), 0);
  EXPECT_EQ(b.pull(buf, 4), 0);
}

// A trace that would exceed its limit keeps the first events and counts the rest: the
// operations still happen and still move bytes, and a span that reaches the end of the full
// trace says that its call's I/O may not all be there.
TEST(Channel, TraceStopsAtItsLimit) {
  SocketPair pair = make_socket_pair(TransportKind::kUnix, {});
  Channel a(pair.a.get(), FaultPlan::parse("push@4=eagain"), 3);
  for (int i = 0; i < 6; ++i) a.push("abc", 3);
  EXPECT_EQ(a.trace().size(), 3u);
  EXPECT_EQ(a.trace_size(), 3u);
  EXPECT_EQ(a.trace_dropped(), 3u);
  EXPECT_EQ(a.bytes_pushed(), 15u);  // the EAGAIN moved nothing, dropped or not
  EXPECT_EQ(a.last_errno(), 0);
  EXPECT_TRUE(truncated(a.trace(), {2, 3}, a.trace_dropped()));
  EXPECT_TRUE(truncated(a.trace(), {3, 3}, a.trace_dropped()));
  EXPECT_FALSE(truncated(a.trace(), {0, 2}, a.trace_dropped()));
  EXPECT_FALSE(truncated(a.trace(), {2, 3}, 0));
}

// The default limit bounds a library that spins on a failing transport (as
// gnutls_record_uncork(GNUTLS_RECORD_WAIT) does on EAGAIN).
TEST(Channel, DefaultLimitBoundsASpin) {
  SocketPair pair = make_socket_pair(TransportKind::kUnix, {});
  Channel a(pair.a.get(), FaultPlan::parse("push@1=reset"));  // every push fails from then on
  for (std::size_t i = 0; i < kTraceLimit + 10; ++i) a.push("x", 1);
  EXPECT_EQ(a.trace().size(), kTraceLimit);
  EXPECT_EQ(a.trace_dropped(), 10u);
  EXPECT_EQ(a.last_errno(), ECONNRESET);
}

// The TCP pair is connected, non-blocking, and reports its buffers.
TEST(Transport, TcpPairWorks) {
  SocketPair pair = make_socket_pair(TransportKind::kTcp, {65536, 65536});
  EXPECT_GE(pair.effective_a.sndbuf, 65536);
  Channel a(pair.a.get(), FaultPlan()), b(pair.b.get(), FaultPlan());
  char buf[4];
  EXPECT_EQ(b.pull(buf, 4), -1);
  EXPECT_EQ(b.last_errno(), EAGAIN);
  EXPECT_EQ(a.push("ping", 4), 4);
}

}  // namespace
}  // namespace dirprobe
