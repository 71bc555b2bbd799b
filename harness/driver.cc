#include "harness/driver.h"

#include <malloc.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>

#include "harness/transport.h"
#include "harness/unique_fd.h"

namespace dirprobe {

std::string_view api_name(Api api, std::string_view library) {
  static constexpr std::string_view kGnutls[] = {"gnutls_handshake",
                                                 "gnutls_record_send",
                                                 "gnutls_record_recv",
                                                 "gnutls_bye",
                                                 "gnutls_rehandshake",
                                                 "gnutls_session_key_update",
                                                 "gnutls_session_ticket_send",
                                                 "gnutls_record_uncork",
                                                 "gnutls_reauth",
                                                 "gnutls_record_send_file",
                                                 "gnutls_record_send_early_data",
                                                 "gnutls_record_recv_early_data",
                                                 "gnutls_alert_send",
                                                 "gnutls_heartbeat_ping",
                                                 "gnutls_heartbeat_pong"};
  static constexpr std::string_view kOpenssl[] = {"SSL_do_handshake",
                                                  "SSL_write_ex",
                                                  "SSL_read_ex",
                                                  "SSL_shutdown",
                                                  "SSL_renegotiate",
                                                  "SSL_key_update",
                                                  "SSL_new_session_ticket",
                                                  "(no uncork)",
                                                  "SSL_verify_client_post_handshake",
                                                  "(no send_file)",
                                                  "SSL_write_early_data",
                                                  "SSL_read_early_data",
                                                  "(no alert)",
                                                  "(no heartbeat)",
                                                  "(no heartbeat)"};
  return (library == "openssl" ? kOpenssl : kGnutls)[static_cast<int>(api)];
}

std::string_view call_api_name(const CallRecord& call, std::string_view library) {
  if (call.api == Api::kSend && call.pad > 0 && library == "gnutls") return "gnutls_record_send2";
  return api_name(call.api, library);
}

std::string_view run_end_name(RunEnd end) {
  static constexpr std::string_view kNames[] = {"completed", "fatal", "stalled", "budget"};
  return kNames[static_cast<int>(end)];
}

namespace {

long long heap_in_use() { return static_cast<long long>(mallinfo2().uordblks); }

// Consecutive ticks without progress before a case counts as stalled.
constexpr int kIdleLimit = 16;

struct Wait {
  int dir = -1;  // -1: not waiting; 0/1: waiting for readable/writable
};

// Runs one side's script, one call per pending activity per tick.
class SideRunner {
 public:
  SideRunner(Side side, Role role, Endpoint& ep, const std::vector<Step>& steps,
             const CaseSpec& spec, bool trusting, std::vector<CallRecord>& log)
      : side_(side),
        role_(role),
        ep_(ep),
        steps_(steps),
        spec_(spec),
        trusting_(trusting),
        log_(log),
        rx_(spec.seed + (side == Side::kSubject ? 1 : 0), total_recv(steps)),
        send_buf_(spec.send_chunk),
        recv_buf_(spec.recv_buffer) {
    enter_step();
  }

  bool done() const { return step_ >= steps_.size(); }
  // DTLS: a loop that polls with the retransmission timeout wakes when it expires, whatever
  // direction it was waiting for.
  void timer_fired() { main_ = send_wait_ = recv_wait_ = Wait{}; }
  // In a handshake (its own, or answering the peer's): a DTLS retransmission timer matters.
  bool in_handshake() const {
    return !done() && (answering_ || steps_[step_].kind == StepKind::kHandshake);
  }
  // B1: sums the heap change across this side's API calls after its first step (the
  // handshake), so that only what the library keeps between calls counts. The trace is
  // reserved up front so its own growth during a call does not count.
  void measure_heap(Channel& channel) {
    measure_heap_ = true;
    channel.reserve_trace(1 << 16);
  }
  long long max_heap_held() const { return max_held_; }
  bool failed() const { return failed_; }
  const std::string& failure() const { return failure_; }
  const PatternChecker& rx() const { return rx_; }
  std::uint64_t tx() const { return send_offset_; }
  // Counts calls that succeeded and steps completed: part of the progress measure.
  std::uint64_t successes() const { return successes_; }

  void tick(std::uint64_t now) {
    now_ = now;
    if (done() || failed_) return;
    if (answering_) return answer_peer();
    const Step& s = steps_[step_];
    switch (s.kind) {
      case StepKind::kHandshake:
        if (ready(main_)) finish_if_ok(call(Api::kHandshake, 0, false), main_);
        break;
      case StepKind::kBye:
        if (ready(main_)) finish_if_ok(call(Api::kBye, 0, false), main_);
        break;
      case StepKind::kTransfer:
        if (interjecting_) {
          if (ready(main_)) interject(s);
        } else if (send_offset_ < send_goal_ && ready(send_wait_)) {
          do_send();
        }
        if (rx_.received() < recv_goal_ && ready(recv_wait_)) do_recv(false);
        if (send_offset_ >= send_goal_ && rx_.received() >= recv_goal_ && !failed_) advance();
        break;
      case StepKind::kExpectEof:
        if (ready(recv_wait_)) do_recv(true);
        break;
      case StepKind::kRehandshake:
      case StepKind::kKeyUpdate:
      case StepKind::kTicket:
      case StepKind::kReauth:
        if (ready(main_)) do_event(s);
        break;
      case StepKind::kSendFile:
        if (ready(send_wait_)) do_send_file();
        break;
      case StepKind::kEarlyData:
        if (ready(send_wait_)) do_send();
        if (send_offset_ >= send_goal_ && !failed_) advance();
        break;
      case StepKind::kRecvEarly:
        if (ready(recv_wait_)) do_recv(false, Api::kRecvEarly);
        if (rx_.received() >= recv_goal_ && !failed_) advance();
        break;
      case StepKind::kSendEmpty:
        if (ready(main_)) finish_if_ok(call(Api::kSend, 0, false), main_);
        break;
      case StepKind::kCorked:
        if (!corked_) {
          ep_.cork();
          corked_ = true;
        }
        if (send_offset_ < send_goal_) {
          if (ready(send_wait_)) do_send();
        } else if (ready(main_)) {
          finish_if_ok(call(Api::kUncork, 0, false), main_);
        }
        break;
    }
  }

 private:
  static std::uint64_t total_recv(const std::vector<Step>& steps) {
    std::uint64_t total = 0;
    for (const auto& s : steps) total += s.recv_bytes;
    return total;
  }

  void enter_step() {
    main_ = send_wait_ = recv_wait_ = Wait{};
    event_phase_ = EventPhase::kInitiate;
    corked_ = false;
    interjecting_ = interjected_ = false;
    // A GnuTLS client renegotiates by calling gnutls_handshake; nothing comes before it.
    if (!done() && steps_[step_].kind == StepKind::kRehandshake && ep_.library() == "gnutls" &&
        role_ == Role::kClient)
      event_phase_ = EventPhase::kHandshake;
    if (done()) return;
    // Goals count from the start of the script, so bytes read ahead (a recv that returned the
    // next step's data, or data read during a renegotiation) count for the step they belong to.
    send_goal_ += steps_[step_].send_bytes;
    recv_goal_ += steps_[step_].recv_bytes;
  }

  void advance() {
    ++step_;
    ++successes_;
    enter_step();
  }

  // A trusting side skips an activity until its fd is ready in the direction it waits for.
  bool ready(Wait& wait) {
    if (wait.dir < 0) return true;
    if (!fd_ready(ep_.channel().fd(), wait.dir)) return false;
    wait.dir = -1;
    return true;
  }

  // The one library call behind `api`, with this side's buffers and the step's arguments.
  CallOutcome invoke(Api api, std::size_t size, bool null_retry) {
    const Step& step = steps_[step_];
    switch (api) {
      case Api::kHandshake:
        return ep_.handshake();
      case Api::kBye:
        return ep_.bye(step.how);
      case Api::kRehandshake:
        return ep_.rehandshake();
      case Api::kKeyUpdate:
        return ep_.key_update(step.request_peer);
      case Api::kTicket:
        return ep_.ticket();
      case Api::kUncork:
        return ep_.uncork(step.wait);
      case Api::kReauth:
        return ep_.reauth();
      case Api::kSendFile:
        return ep_.send_file(file_.get(), &file_offset_, size);
      case Api::kSendEarly:
        return ep_.send_early(send_buf_.data(), size);
      case Api::kRecvEarly:
        return ep_.recv_early(recv_buf_.data(), recv_buf_.size());
      case Api::kAlert:
        return ep_.alert();
      case Api::kPing:
        return ep_.ping();
      case Api::kPong:
        return ep_.pong();
      case Api::kRecv:
        return ep_.recv(recv_buf_.data(), recv_buf_.size());
      case Api::kSend:
        if (null_retry) return ep_.send(nullptr, 0);
        if (step.pad > 0) return ep_.send_padded(send_buf_.data(), size, step.pad);
        return ep_.send(send_buf_.data(), size);
    }
    return {};
  }

  CallOutcome call(Api api, std::size_t size, bool null_retry) {
    CallRecord rec{side_, api, size, null_retry, 0, {}, {ep_.channel().trace_size(), 0}, now_};
    if (api == Api::kSend && !null_retry) rec.pad = steps_[step_].pad;
    bool sample = measure_heap_ && step_ > 0;
    long long heap_before = sample ? heap_in_use() : 0;
    rec.out = invoke(api, size, null_retry);
    if (sample) {
      held_ += heap_in_use() - heap_before;
      max_held_ = std::max(max_held_, held_);
    }
    rec.io.end = ep_.channel().trace_size();
    log_.push_back(rec);
    // A send that reports 0 bytes of a non-empty buffer moved nothing: no progress.
    bool empty_send = (api == Api::kSend || api == Api::kSendEarly) && size > 0 &&
                      rec.out.bytes == 0 && !null_retry;
    if (rec.out.status == Status::kOk && !empty_send) ++successes_;
    // A peer's request that recv reports (a new handshake, a certificate) is a call to answer,
    // not an error: the side repeats the answering call until it completes, then resumes.
    bool request = rec.out.status == Status::kRehandshake || rec.out.status == Status::kReauth ||
                   rec.out.status == Status::kPing;
    if (request && api == Api::kRecv) {
      answering_ = rec.out.status == Status::kRehandshake ? Api::kHandshake
                   : rec.out.status == Status::kReauth    ? Api::kReauth
                                                          : Api::kPong;
      ++successes_;
    }
    // A warning alert or a pong: recv reports it and is called again.
    if (rec.out.status == Status::kNotice) ++successes_;
    bool unexpected = (request && api != Api::kRecv) ||
                      (rec.out.status == Status::kGotData && api != Api::kHandshake);
    if (rec.out.status == Status::kFatal || unexpected) {
      failed_ = true;
      failure_ =
          std::string(api_name(api, ep_.library())) + " returned " + ep_.code_name(rec.out.code);
    }
    return rec.out;
  }

  // After E_AGAIN a trusting loop waits for the reported direction; E_INTERRUPTED retries.
  void on_block(const CallOutcome& out, Wait& wait) {
    if (trusting_ && out.status == Status::kAgain) wait.dir = out.direction == 1 ? 1 : 0;
  }

  void finish_if_ok(const CallOutcome& out, Wait& wait) {
    if (out.status == Status::kOk) {
      advance();
    } else if (out.status == Status::kEof) {
      fail("unexpected end of stream during " + steps_[step_].text());
    } else {
      on_block(out, wait);
    }
  }

  void do_send() {
    bool retry = in_flight_ > 0;
    if (!retry) {
      in_flight_ = static_cast<std::size_t>(
          std::min<std::uint64_t>(send_buf_.size(), send_goal_ - send_offset_));
      fill_pattern(spec_.seed + (side_ == Side::kSubject ? 0 : 1), send_offset_, send_buf_.data(),
                   in_flight_);
    }
    bool null_retry = retry && spec_.retry == RetryMode::kNull && side_ == Side::kSubject;
    // The misuse: the retry offers other bytes. What the peer then receives shows which
    // bytes GnuTLS sent (the pattern checker expects the first offer's).
    if (retry && !mutated_ && spec_.retry == RetryMode::kDifferent && side_ == Side::kSubject) {
      for (std::size_t i = 0; i < in_flight_; ++i)
        send_buf_[i] = static_cast<std::uint8_t>(~send_buf_[i]);
      mutated_ = true;
    }
    Api api = steps_[step_].kind == StepKind::kEarlyData ? Api::kSendEarly : Api::kSend;
    CallOutcome out = call(api, in_flight_, null_retry);
    if (out.status == Status::kOk) {
      // 'early_once': the whole buffer counts as queued, whatever the count returned.
      bool once = api == Api::kSendEarly && steps_[step_].once;
      send_offset_ += once ? in_flight_ : static_cast<std::uint64_t>(out.bytes);
      in_flight_ = 0;
      mutated_ = false;
    } else {
      on_block(out, send_wait_);
      interjecting_ = interjecting_ || (!interjected_ && !steps_[step_].interject.empty() &&
                                        out.status == Status::kAgain);
    }
  }

  // The call a step makes while its send is pending (after E_AGAIN), until it completes.
  void interject(const Step& s) {
    CallOutcome out = call(s.interject == "alert" ? Api::kAlert : Api::kPing, 0, false);
    if (out.status != Status::kOk) return on_block(out, main_);
    interjecting_ = false;
    interjected_ = true;
  }

  void do_recv(bool want_eof, Api api = Api::kRecv) {
    CallOutcome out = call(api, recv_buf_.size(), false);
    if (out.status == Status::kOk) {
      rx_.consume(recv_buf_.data(), static_cast<std::size_t>(out.bytes));
      if (want_eof && out.bytes > 0 && rx_.error())
        fail("data after the expected end: " + rx_.error()->text());
    } else if (out.status == Status::kEof) {
      if (want_eof)
        advance();
      else
        fail("end of stream after " + std::to_string(rx_.received()) + " of " +
             std::to_string(recv_goal_) + " bytes");
    } else {
      on_block(out, recv_wait_);
    }
  }

  // gnutls_record_send_file from a memory file holding this step's bytes of the pattern; the
  // offset GnuTLS advances says what was sent, also when the call returns E_AGAIN.
  void do_send_file() {
    std::uint64_t total = steps_[step_].send_bytes;
    if (!file_) {
      file_ = UniqueFd(memfd_create("dirprobe-send-file", MFD_CLOEXEC));
      std::vector<std::uint8_t> bytes(total);
      fill_pattern(spec_.seed + (side_ == Side::kSubject ? 0 : 1), send_offset_, bytes.data(),
                   bytes.size());
      if (!file_ || ::write(file_.get(), bytes.data(), bytes.size()) != static_cast<long>(total) ||
          ::lseek(file_.get(), 0, SEEK_SET) != 0)
        return fail("cannot prepare the memory file for send_file");
      file_offset_ = 0;
    }
    long before = file_offset_;
    CallOutcome out = call(Api::kSendFile, total - static_cast<std::uint64_t>(file_offset_), false);
    send_offset_ += static_cast<std::uint64_t>(file_offset_ - before);
    if (out.status != Status::kOk) return on_block(out, send_wait_);
    if (static_cast<std::uint64_t>(file_offset_) >= total) {
      file_ = UniqueFd();
      advance();
    }
  }

  // A step that starts a protocol event: the initiating call, then (where the library needs
  // it, and always for a renegotiation) the handshake until it completes.
  void do_event(const Step& s) {
    bool reneg = s.kind == StepKind::kRehandshake;
    if (event_phase_ == EventPhase::kInitiate) {
      Api api = reneg                         ? Api::kRehandshake
                : s.kind == StepKind::kTicket ? Api::kTicket
                : s.kind == StepKind::kReauth ? Api::kReauth
                                              : Api::kKeyUpdate;
      CallOutcome out = call(api, 0, false);
      if (out.status != Status::kOk) return on_block(out, main_);
      if (!reneg && !ep_.event_needs_handshake()) return advance();
      event_phase_ = EventPhase::kHandshake;
      return;
    }
    CallOutcome out = call(Api::kHandshake, 0, false);
    if (out.status == Status::kGotData) return do_recv(false);
    finish_if_ok(out, main_);
  }

  // Answering the peer (gnutls_handshake for its renegotiation, gnutls_reauth for its
  // certificate request) until done; application data arriving during a renegotiation
  // (GNUTLS_E_GOT_APPLICATION_DATA) is read first.
  void answer_peer() {
    if (!ready(main_)) return;
    CallOutcome out = call(*answering_, 0, false);
    if (out.status == Status::kOk) {
      answering_.reset();
      main_ = Wait{};
    } else if (out.status == Status::kGotData) {
      do_recv(false);
    } else {
      on_block(out, main_);
    }
  }

  void fail(std::string why) {
    failed_ = true;
    failure_ = std::move(why);
  }

  enum class EventPhase { kInitiate, kHandshake };

  Side side_;
  Role role_;
  Endpoint& ep_;
  const std::vector<Step>& steps_;
  const CaseSpec& spec_;
  bool trusting_;
  std::vector<CallRecord>& log_;
  std::size_t step_ = 0;
  std::uint64_t now_ = 0;
  std::uint64_t send_offset_ = 0, send_goal_ = 0, recv_goal_ = 0;
  PatternChecker rx_;
  std::vector<std::uint8_t> send_buf_, recv_buf_;
  std::size_t in_flight_ = 0;  // size of a send awaiting its retry
  Wait main_, send_wait_, recv_wait_;
  bool failed_ = false;
  std::optional<Api> answering_;  // the call that answers a request the peer made
  bool corked_ = false;
  bool interjecting_ = false, interjected_ = false;  // the step's interjected call: due, made
  bool mutated_ = false;
  UniqueFd file_;         // send_file: the memory file of the current step
  long file_offset_ = 0;  // send_file: what GnuTLS reports sent from it  // the pending send's
                          // buffer was changed for a kDifferent retry
  EventPhase event_phase_ = EventPhase::kInitiate;
  std::string failure_;
  std::uint64_t successes_ = 0;
  bool measure_heap_ = false;
  long long held_ = 0, max_held_ = 0;
};

EndpointConfig peer_config(const CaseSpec& spec) {
  EndpointConfig c;
  c.role = spec.subject.role == Role::kClient ? Role::kServer : Role::kClient;
  c.protocol = spec.subject.protocol;
  c.key = spec.subject.key;
  c.post_handshake_auth = spec.subject.post_handshake_auth;
  c.early_data = spec.subject.early_data;
  c.resumption = spec.subject.resumption;
  c.heartbeat = spec.subject.heartbeat;
  return c;
}

// One bounded wait for in-flight TCP segments (delayed window updates, persist probes) before
// a TCP case is declared stalled; a socketpair delivers synchronously, so it never waits.
constexpr int kTcpSettleMs = 1000;
void settle(const SocketPair& pair) {
  pollfd fds[2] = {{pair.a.get(), POLLIN, 0}, {pair.b.get(), POLLIN, 0}};
  ::poll(fds, 2, kTcpSettleMs);
}

// DTLS: when nothing moves while a side is in its handshake, a lost datagram can only be
// recovered by a retransmission timer. Each side's loop wakes when its own timer is due, as an
// application polling with gnutls_dtls_get_timeout() would: first every side whose timer is
// already due (0), without waiting; if that changed nothing, the driver waits for the earliest
// running timer and wakes the sides it belongs to. Timers less than kTimerSlackMs apart were
// started by flights of the same round, so they fire together: which of two timers a few
// microseconds apart expires first is the wall clock's choice, and must not decide a case.
// This is the one wall-clock wait of a DTLS case, bounded in length and number.
constexpr int kMaxTimerWaitMs = 1000;
constexpr int kTimerSlackMs = static_cast<int>(kDtlsRetransmitMs / 2);
constexpr std::size_t kMaxTimerWaits = 24;

class TimerWaker {
 public:
  bool wake(SideRunner& s, Endpoint& subject, SideRunner& p, Endpoint& peer) {
    std::pair<SideRunner*, Endpoint*> sides[] = {{&s, &subject}, {&p, &peer}};
    int left[2], earliest = -1;
    bool due = false;
    for (int i = 0; i < 2; ++i) {
      left[i] = sides[i].first->in_handshake() ? sides[i].second->retransmit_timeout_ms() : -1;
      due = due || left[i] == 0;
      if (left[i] > 0 && (earliest < 0 || left[i] < earliest)) earliest = left[i];
    }
    // A timer at 0 that was woken last time without effect is not running (GnuTLS reports 0
    // before its first flight); the next wake waits for a running one.
    int limit = due && !woke_due_ ? 0 : earliest + kTimerSlackMs;
    woke_due_ = limit == 0;
    if (earliest < 0 && !woke_due_) return false;
    int wait = 0;
    for (int i = 0; i < 2; ++i)
      if (left[i] >= 0 && left[i] <= limit) wait = std::max(wait, left[i]);
    if (wait > 0) ::poll(nullptr, 0, std::min(wait, kMaxTimerWaitMs) + 1);
    for (int i = 0; i < 2; ++i)
      if (left[i] >= 0 && left[i] <= limit) {
        sides[i].second->on_timer();
        sides[i].first->timer_fired();
      }
    return true;
  }

 private:
  bool woke_due_ = false;
};

}  // namespace

namespace {

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
}

}  // namespace

CaseRun run_case(const CaseSpec& spec) {
  if (spec.resume && !spec.subject.resumption) {
    CaseSpec with_state = spec;
    with_state.subject.resumption = std::make_shared<ResumptionState>();
    prime_resumption(with_state);
    return run_case(with_state);
  }
  auto started = std::chrono::steady_clock::now();
  CaseRun run;
  SocketPair pair = make_socket_pair(spec.transport, spec.buffers);
  run.subject_buffers = pair.effective_a;
  run.peer_buffers = pair.effective_b;
  auto subject =
      make_gnutls_endpoint(spec.subject, pair.a.get(), FaultPlan::parse(spec.fault_plan));
  auto peer = spec.peer == PeerLibrary::kGnutls
                  ? make_gnutls_endpoint(peer_config(spec), pair.b.get(), FaultPlan())
                  : make_openssl_endpoint(peer_config(spec), pair.b.get(), FaultPlan());
  run.library_subject = subject->library();
  run.library_peer = peer->library();
  run.subject_traced = subject->traced();

  SideRunner s(Side::kSubject, spec.subject.role, *subject, spec.subject_steps, spec,
               spec.policy == LoopPolicy::kTrusting, run.calls);
  if (spec.buffer_bound) s.measure_heap(subject->channel());
  SideRunner p(Side::kPeer, peer_config(spec).role, *peer, spec.peer_steps, spec, false, run.calls);

  auto progress = [&] {
    return subject->channel().bytes_pushed() + subject->channel().bytes_pulled() +
           peer->channel().bytes_pushed() + peer->channel().bytes_pulled() + s.successes() +
           p.successes();
  };
  int idle = 0;
  bool settled = false;
  TimerWaker timers;
  run.end = RunEnd::kBudget;
  run.end_reason = "tick budget of " + std::to_string(spec.tick_budget) + " exhausted";
  for (std::uint64_t tick = 0; tick < spec.tick_budget; ++tick) {
    run.ticks = tick + 1;
    auto before = progress();
    s.tick(tick);
    run.max_pending = std::max(run.max_pending, subject->pending());

    if (!s.failed()) p.tick(tick);
    if (s.failed() || p.failed()) {
      run.end = RunEnd::kFatal;
      run.end_reason = s.failed() ? "subject: " + s.failure() : "peer: " + p.failure();
      break;
    }
    if (s.done() && p.done()) {
      run.end = RunEnd::kCompleted;
      run.end_reason = "both scripts completed";
      break;
    }
    if (progress() != before) {
      idle = 0;
      settled = false;
    } else if (++idle >= kIdleLimit) {
      if (spec.transport == TransportKind::kDgram && run.timer_waits < kMaxTimerWaits &&
          timers.wake(s, *subject, p, *peer)) {
        ++run.timer_waits;
        idle = 0;
        continue;
      }
      if (settled || spec.transport != TransportKind::kTcp) {
        run.end = RunEnd::kStalled;
        run.end_reason = "no progress for " + std::to_string(kIdleLimit) + " ticks (subject " +
                         (s.done() ? "done" : "waiting") + ", peer " +
                         (p.done() ? "done" : "waiting") + ")";
        break;
      }
      settle(pair);
      settled = true;
      idle = 0;
    }
  }

  if (spec.subject.resumption && !spec.resume) {
    (spec.subject.role == Role::kClient ? *subject : *peer).save_session();
  } else if (spec.resume && run.end == RunEnd::kCompleted && !subject->resumed()) {
    run.end = RunEnd::kFatal;
    run.end_reason = "the handshake did not resume the saved session";
  }
  run.subject_trace = subject->channel().trace();
  run.peer_trace = peer->channel().trace();
  run.heap_growth = s.max_heap_held();
  run.subject_rx = s.rx();
  run.peer_rx = p.rx();
  run.subject_tx = s.tx();
  run.peer_tx = p.tx();
  const FaultPlan& plan = subject->channel().plan();
  run.faults_injected = plan.injected();
  run.hard_faults = plan.hard_faults();
  run.unused_script_steps = plan.unused_script_steps();
  run.wall_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return run;
}

}  // namespace dirprobe
