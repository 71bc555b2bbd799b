// The scheduler: sets up one connection, steps both sides in ticks until the case ends, and
// collects what happened. The side runners make the calls (side_runner.h); DTLS timers are
// woken by dtls_timers.h on the case's virtual clock (virtual_clock.h).
#include "harness/driver.h"

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>

#include "harness/dtls_timers.h"
#include "harness/side_runner.h"
#include "harness/transport.h"
#include "harness/virtual_clock.h"

namespace dirprobe {

std::string_view run_end_name(RunEnd end) {
  static constexpr std::string_view kNames[] = {"completed", "fatal", "stalled", "budget"};
  return kNames[static_cast<int>(end)];
}

namespace {

// Consecutive ticks without progress before a case counts as stalled.
constexpr int kIdleLimit = 16;

// One bounded wait for in-flight TCP segments (delayed window updates, persist probes) before
// a TCP case is declared stalled; a socketpair delivers synchronously, so it never waits.
constexpr int kTcpSettleMs = 1000;
void settle(const SocketPair& pair) {
  pollfd fds[2] = {{pair.a.get(), POLLIN, 0}, {pair.b.get(), POLLIN, 0}};
  ::poll(fds, 2, kTcpSettleMs);
}

EndpointConfig peer_config(const CaseSpec& spec) {
  EndpointConfig c;
  c.role = spec.subject.role == Role::kClient ? Role::kServer : Role::kClient;
  c.protocol = spec.subject.protocol;
  c.key = spec.subject.key;
  c.cipher = spec.subject.cipher;
  c.post_handshake_auth = spec.subject.post_handshake_auth;
  c.early_data = spec.subject.early_data;
  c.resumption = spec.subject.resumption;
  c.heartbeat = spec.subject.heartbeat;
  c.tickets = spec.subject.tickets;
  return c;
}

// The transport and the two endpoints of one connection.
struct Connection {
  SocketPair pair;
  std::unique_ptr<Endpoint> subject, peer;
};

Connection connect(const CaseSpec& spec) {
  Connection c{make_socket_pair(spec.transport, spec.buffers), nullptr, nullptr};
  c.subject = make_gnutls_endpoint(spec.subject, c.pair.a.get(), FaultPlan::parse(spec.fault_plan));
  c.peer = spec.peer == PeerLibrary::kGnutls
               ? make_gnutls_endpoint(peer_config(spec), c.pair.b.get(), FaultPlan())
               : make_openssl_endpoint(peer_config(spec), c.pair.b.get(), FaultPlan());
  return c;
}

// Steps both sides, one tick at a time, until both scripts complete, a side fails, nothing
// progresses (stalled) or the tick budget runs out; records how and when the case ended.
class Scheduler {
 public:
  Scheduler(const CaseSpec& spec, Connection& c, SideRunner& subject, SideRunner& peer,
            CaseRun& run)
      : spec_(spec), c_(c), subject_(subject), peer_(peer), run_(run) {}

  void run() {
    run_.end = RunEnd::kBudget;
    run_.end_reason = "tick budget of " + std::to_string(spec_.tick_budget) + " exhausted";
    for (std::uint64_t tick = 0; tick < spec_.tick_budget; ++tick) {
      run_.ticks = tick + 1;
      std::uint64_t before = progress();
      if (!held(Side::kSubject, tick)) subject_.tick(tick);
      run_.max_pending = std::max(run_.max_pending, c_.subject->pending());
      if (!subject_.failed() && !held(Side::kPeer, tick)) peer_.tick(tick);
      if (ended()) break;
      if (progress() != before) {
        idle_ = 0;
        settled_ = false;
      } else if (++idle_ >= kIdleLimit && !unstall()) {
        break;
      }
    }
    run_.timer_waits = timers_.waits();
    run_.holds = holds_.holds();
  }

 private:
  // A side held by the fault plan or by its `hold` step sits its turn out (hold.h); the step
  // ends once the hold is over.
  bool held(Side side, std::uint64_t tick) {
    SideRunner& runner = side == Side::kSubject ? subject_ : peer_;
    bool other_done = side == Side::kSubject ? peer_.done() : subject_.done();
    CaseRunView view{run_.calls, c_.subject->channel().trace(), c_.peer->channel().trace()};
    bool at_step = runner.at_hold();
    bool holding = holds_.holding(side, tick, view, other_done, at_step);
    if (at_step && !holding) runner.end_hold();
    return holding;
  }

  // Bytes moved by either transport, successful calls and completed steps.
  std::uint64_t progress() const {
    return c_.subject->channel().bytes_pushed() + c_.subject->channel().bytes_pulled() +
           c_.peer->channel().bytes_pushed() + c_.peer->channel().bytes_pulled() +
           subject_.successes() + peer_.successes();
  }

  bool ended() {
    if (subject_.failed() || peer_.failed()) {
      run_.end = RunEnd::kFatal;
      run_.end_reason =
          subject_.failed() ? "subject: " + subject_.failure() : "peer: " + peer_.failure();
      return true;
    }
    if (subject_.done() && peer_.done()) {
      run_.end = RunEnd::kCompleted;
      run_.end_reason = "both scripts completed";
      return true;
    }
    return false;
  }

  // Nothing moved for kIdleLimit ticks. A DTLS timer, or TCP segments still in flight, may
  // yet move something (true: go on); otherwise the case is stalled (false).
  bool unstall() {
    if (spec_.transport == TransportKind::kDgram &&
        timers_.wake(subject_, *c_.subject, peer_, *c_.peer)) {
      idle_ = 0;
      return true;
    }
    if (settled_ || spec_.transport != TransportKind::kTcp) {
      run_.end = RunEnd::kStalled;
      run_.end_reason = "no progress for " + std::to_string(kIdleLimit) + " ticks (subject " +
                        (subject_.done() ? "done" : "waiting") + ", peer " +
                        (peer_.done() ? "done" : "waiting") + ")" +
                        (holds_.pending().empty() ? "" : "; " + holds_.pending());
      return false;
    }
    settle(c_.pair);
    settled_ = true;
    idle_ = 0;
    return true;
  }

  const CaseSpec& spec_;
  Connection& c_;
  SideRunner &subject_, &peer_;
  CaseRun& run_;
  int idle_ = 0;
  bool settled_ = false;  // TCP: the one wait for in-flight segments was made
  DtlsTimers timers_;
  HoldTracker holds_;
};

// What the connection left behind: session state for resumption, traces, transfers, faults.
void collect(const CaseSpec& spec, Connection& c, const SideRunner& subject, const SideRunner& peer,
             CaseRun& run) {
  if (spec.subject.resumption && !spec.resume) {
    (spec.subject.role == Role::kClient ? *c.subject : *c.peer).save_session();
  } else if (spec.resume && run.end == RunEnd::kCompleted && !c.subject->resumed()) {
    run.end = RunEnd::kFatal;
    run.end_reason = "the handshake did not resume the saved session";
  }
  run.subject_cipher = c.subject->cipher();
  run.peer_cipher = c.peer->cipher();
  run.subject_trace = c.subject->channel().trace();
  run.peer_trace = c.peer->channel().trace();
  run.subject_trace_dropped = c.subject->channel().trace_dropped();
  run.peer_trace_dropped = c.peer->channel().trace_dropped();
  run.heap_growth = subject.max_heap_held();
  run.subject_rx = subject.rx();
  run.peer_rx = peer.rx();
  // A side that read "any amount" expected what the other side reported sending, and at most
  // the first offer of a send left pending (which may be on the wire, as W1 allows).
  if (run.subject_rx.expected() == PatternChecker::kOpenEnded)
    run.subject_rx.close_at(peer.tx() + peer.pending_offer());
  if (run.peer_rx.expected() == PatternChecker::kOpenEnded)
    run.peer_rx.close_at(subject.tx() + subject.pending_offer());
  run.reoffers = subject.reoffers();
  run.subject_tx = subject.tx();
  run.peer_tx = peer.tx();
  run.subject_pending = subject.pending_offer();
  run.peer_pending = peer.pending_offer();
  run.subject_facts = subject.facts();
  run.subject_facts.messages = std::move(c.subject->messages());
  run.peer_facts = peer.facts();
  run.peer_facts.messages = std::move(c.peer->messages());
  run.subject_facts.wire = c.subject->channel().take_capture();
  run.peer_facts.wire = c.peer->channel().take_capture();
  run.subject_facts.keylog = c.subject->keylog();
  run.peer_facts.keylog = c.peer->keylog();
  const FaultPlan& plan = c.subject->channel().plan();
  run.faults_injected = plan.injected();
  run.hard_faults = plan.hard_faults();
  run.unused_script_steps = plan.unused_script_steps();
}

// One connection of a case. A DTLS connection runs on a virtual clock, started before the
// endpoints exist so that every time they read is on it, and stopped after they are gone.
CaseRun run_connection(const CaseSpec& spec) {
  std::optional<VirtualClock> clock;
  if (spec.transport == TransportKind::kDgram) {
    static const bool interposed = VirtualClock::interposed();
    if (!interposed)
      throw std::runtime_error(
          "DTLS needs the virtual clock, but this program does not export clock_gettime and "
          "gettimeofday (link it with dirprobe::harness)");
    clock.emplace();
  }
  CaseRun run;
  Connection c = connect(spec);
  run.subject_buffers = c.pair.effective_a;
  run.peer_buffers = c.pair.effective_b;
  run.library_subject = c.subject->library();
  run.library_peer = c.peer->library();
  run.subject_traced = c.subject->traced();
  SideRunner subject(Side::kSubject, spec.subject.role, *c.subject, spec.subject_steps, spec,
                     spec.policy, run.calls);
  if (spec.buffer_bound) subject.measure_heap(c.subject->channel());
  SideRunner peer(Side::kPeer, peer_config(spec).role, *c.peer, spec.peer_steps, spec,
                  LoopPolicy::kOblivious, run.calls);
  Scheduler(spec, c, subject, peer, run).run();
  collect(spec, c, subject, peer, run);
  return run;
}

// Resumption: a clean first connection (the client reads the server's 1-byte greeting, and
// with it a TLS 1.3 ticket), after which the client saves its session in the shared state.
void prime_resumption(const CaseSpec& spec) {
  CaseSpec first = spec;
  first.resume = false;
  first.fault_plan = "none";
  first.policy = LoopPolicy::kOblivious;
  first.buffers = {};
  bool client = spec.subject.role == Role::kClient;
  std::vector<Step> greet = {Step{}, Step::transfer(1, 0)};
  std::vector<Step> read = {Step{}, Step::transfer(0, 1)};
  first.subject_steps = client ? read : greet;
  first.peer_steps = client ? greet : read;
  // The first connection's server must enable early data too: its ticket then allows it.
  CaseRun run = run_case(first);
  if (run.end != RunEnd::kCompleted)
    throw std::runtime_error("the first connection (for resumption) did not complete: " +
                             run.end_reason);
  auto& keys = spec.subject.resumption->first_keylog;
  for (const auto* log : {&run.subject_facts.keylog, &run.peer_facts.keylog})
    keys.insert(keys.end(), log->begin(), log->end());
}

}  // namespace

CaseRun run_case(const CaseSpec& spec) {
  if (spec.resume && !spec.subject.resumption) {
    CaseSpec with_state = spec;
    with_state.subject.resumption = std::make_shared<ResumptionState>();
    prime_resumption(with_state);
    CaseRun run = run_case(with_state);
    run.first_keylog = std::move(with_state.subject.resumption->first_keylog);
    return run;
  }
  auto started = std::chrono::steady_clock::now();
  CaseRun run = run_connection(spec);
  run.wall_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return run;
}

}  // namespace dirprobe
