// Self-tests of the loop models (loop_model.h) on a real socketpair: edge-triggered epoll gives
// no second edge for data that is already there, and each model waits as docs/design.md says.
#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/loop_model.h"
#include "harness/transport.h"
#include "harness/vocabulary.h"

namespace dirprobe {
namespace {

struct Pair {
  UniqueFd a, b;
  Pair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
    a = UniqueFd(fds[0]);
    b = UniqueFd(fds[1]);
  }
  void send_byte() { ASSERT_EQ(::write(b.get(), "x", 1), 1); }
};

// Data that arrived while the loop was not waiting gives no second edge: the socket stays
// readable (poll says so), yet epoll_wait reports nothing until more data comes.
TEST(LoopModels, EdgeTriggeredEpollGivesNoSecondEdge) {
  Pair p;
  UniqueFd ep = edge_epoll(p.a.get());
  ASSERT_TRUE(ep);
  collect_edges(ep.get());  // the writable edge of registration
  p.send_byte();
  EXPECT_TRUE(collect_edges(ep.get()) & EPOLLIN);
  EXPECT_TRUE(fd_ready(p.a.get(), 0));
  EXPECT_EQ(collect_edges(ep.get()), 0u);
  p.send_byte();
  EXPECT_TRUE(collect_edges(ep.get()) & EPOLLIN);
}

// The edge model: an edge collected before the E_AGAIN is lost; the next one wakes the wait.
// The drain calls a receive while GnuTLS holds data; edge-naive does not.
TEST(LoopModels, EdgeWaitsForAnEdgeAfterItsBlock) {
  for (LoopPolicy policy : {LoopPolicy::kEdge, LoopPolicy::kEdgeNaive}) {
    Pair p;
    std::size_t pending = 0;
    LoopModel loop(policy, p.a.get(), [&] { return pending; });
    Wait w;
    p.send_byte();
    loop.begin_tick(1);  // the edge comes while nobody waits: lost
    loop.blocked(w, 0, false);
    loop.begin_tick(2);
    EXPECT_FALSE(loop.ready(w, true));
    pending = 10;
    EXPECT_EQ(loop.ready(w, true), policy == LoopPolicy::kEdge);
    pending = 0;
    loop.blocked(w, 0, false);
    p.send_byte();
    loop.begin_tick(3);
    EXPECT_TRUE(loop.ready(w, true));
  }
}

// Single-wait: the last E_AGAIN's direction is the side's one wait; then all may call.
TEST(LoopModels, SingleWaitTakesTheLastDirection) {
  Pair p;
  LoopModel loop(LoopPolicy::kSingleWait, p.a.get(), [] { return std::size_t{0}; });
  Wait send, recv;
  loop.begin_tick(1);
  loop.blocked(send, 1, false);
  EXPECT_TRUE(loop.ready(recv, true));  // the rest of the tick still runs
  loop.blocked(recv, 0, false);
  loop.begin_tick(2);
  EXPECT_FALSE(loop.ready(send, false));  // writable, but the wait is for readable
  p.send_byte();
  loop.begin_tick(3);
  EXPECT_TRUE(loop.ready(send, false));
}

// Busy: three immediate retries after E_AGAIN, then a poll for the reported direction.
TEST(LoopModels, BusyRetriesThreeTimesThenPolls) {
  Pair p;
  LoopModel loop(LoopPolicy::kBusy, p.a.get(), [] { return std::size_t{0}; });
  Wait w;
  loop.begin_tick(1);
  loop.blocked(w, 0, false);
  for (std::uint64_t t = 2; t <= 4; ++t) {
    loop.begin_tick(t);
    EXPECT_TRUE(loop.ready(w, true)) << t;
    loop.blocked(w, 0, false);
  }
  loop.begin_tick(5);
  EXPECT_FALSE(loop.ready(w, true));
  p.send_byte();
  EXPECT_TRUE(loop.ready(w, true));
}

// Loop names with a hyphen are read whole from a case id, after an optional "sockio".
TEST(LoopModels, CaseIdsNameTheirLoop) {
  EXPECT_EQ(parse_case_id("s/tls13-client-gnutls-unix-edge-naive-ccm/none/s0").loop, "edge-naive");
  EXPECT_EQ(parse_case_id("s/tls13-client-gnutls-unix-edge-chacha20/none/s0").loop, "edge");
  EXPECT_EQ(parse_case_id("s/tls12-server-openssl-unix-sockio-single-wait/none/s0").loop,
            "single-wait");
  EXPECT_EQ(parse_case_id("s/tls12-server-openssl-tcp-trusting-nullretry/x/s0").loop, "trusting");
  EXPECT_EQ(parse_case_id("s/tls12-server-openssl-tcp-edgy/x/s0").loop, "");
  for (std::size_t i = 0; i < kLoopNames.size(); ++i)
    EXPECT_EQ(parse_policy(policy_name(static_cast<LoopPolicy>(i))), static_cast<LoopPolicy>(i));
}

}  // namespace
}  // namespace dirprobe
