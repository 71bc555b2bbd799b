#include "harness/side_runner.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <utility>
#include <variant>

#include "harness/loop_model.h"
#include "harness/transport.h"
#include "harness/unique_fd.h"

namespace dirprobe {
namespace {

long long heap_in_use() { return static_cast<long long>(mallinfo2().uordblks); }

// What the current step's activities wait for: the step's own call, its sends, its receives.
struct Waits {
  Wait main, send, recv;
};

// The step being run and what it has done so far: one type per kind of step, replaced when
// the next step starts.

// Handshake, bye, a zero-length send: one call, repeated until it completes.
struct RepeatedCall {
  Api api;
};
// Send and receive interleaved.
struct Transfer {
  bool blocked = false;  // a send of this step returned E_AGAIN
};
struct ExpectEof {};
// A protocol event: the initiating call, then (where the library needs it, and always for a
// renegotiation) the handshake until it completes.
struct Event {
  Api initiate;
  bool renegotiation = false;
  bool initiated = false;
};
// gnutls_record_send_file from one of its sources (FileSource).
struct SendFile {
  UniqueFd file;               // the source: a memory file, or a pipe's read end
  long offset = 0;             // memory file: what GnuTLS reports sent from it
  UniqueFd producer;           // pipe: its write end, until the producer fills it and closes it
  bool found_empty = false;    // empty pipe: a call found it empty, so the producer fills it
  std::uint64_t start = 0;     // pipe: the stream offset of its first byte
  std::uint64_t reported = 0;  // pipe: what the calls returned (all the application learns)
  bool flushing = false;       // pipe, null retry: flush the record E_AGAIN left pending first
};
// A heartbeat ping (retried after E_AGAIN), then receives until its pong arrives.
struct Ping {
  bool sent = false;
};
// Cork, the step's sends, uncork until it completes; a step with `more` sends its last bytes
// once an uncork has returned E_AGAIN (or completed), before uncork is called again.
struct Corked {
  bool corked = false;
  bool uncork_called = false;
};
struct EarlyData {};
struct RecvEarly {};
// A `hold` step: no call at all; the scheduler ends it once the other side has blocked.
struct HoldStep {};
using ActiveStep = std::variant<RepeatedCall, Transfer, ExpectEof, Event, SendFile, Corked,
                                EarlyData, RecvEarly, Ping, HoldStep>;

Event event_step(const Step& step, std::string_view library, Role role) {
  switch (step.kind) {
    case StepKind::kRehandshake:
      // A GnuTLS client renegotiates by calling gnutls_handshake; nothing comes before it.
      return {Api::kRehandshake, true, library == "gnutls" && role == Role::kClient};
    case StepKind::kTicket:
      return {Api::kTicket};
    case StepKind::kReauth:
      return {Api::kReauth};
    default:
      return {Api::kKeyUpdate};
  }
}

ActiveStep start_step(const Step& step, std::string_view library, Role role) {
  switch (step.kind) {
    case StepKind::kHandshake:
      return RepeatedCall{Api::kHandshake};
    case StepKind::kBye:
      return RepeatedCall{Api::kBye};
    case StepKind::kSendEmpty:
      return RepeatedCall{Api::kSend};
    case StepKind::kAlert:
      return RepeatedCall{Api::kAlert};
    case StepKind::kTransfer:
      return Transfer{};
    case StepKind::kExpectEof:
      return ExpectEof{};
    case StepKind::kRehandshake:
    case StepKind::kKeyUpdate:
    case StepKind::kTicket:
    case StepKind::kReauth:
      return event_step(step, library, role);
    case StepKind::kSendFile:
      return SendFile{};
    case StepKind::kCorked:
      return Corked{};
    case StepKind::kEarlyData:
      return EarlyData{};
    case StepKind::kRecvEarly:
      return RecvEarly{};
    case StepKind::kPing:
      return Ping{};
    case StepKind::kHold:
      return HoldStep{};
  }
  return RepeatedCall{Api::kHandshake};
}

// A case whose script asks the peer library for what it does not have is skipped before any
// TLS runs, with the reason.
void check_supported(Side side, const CaseSpec& spec, const std::vector<Step>& steps) {
  if (!spec.not_applicable.empty()) throw SkipCase(spec.not_applicable + " (n/a)");
  bool openssl_peer = spec.peer == PeerLibrary::kOpenssl;
  for (const Step& step : steps) {
    if (side == Side::kSubject && step.kind == StepKind::kPing && openssl_peer)
      throw SkipCase("OpenSSL 3 has no heartbeat: it cannot answer a ping (n/a)");
    if (side == Side::kPeer && step.kind == StepKind::kPing && openssl_peer)
      throw SkipCase("OpenSSL 3 has no heartbeat: it cannot send a ping (n/a)");
    if (side == Side::kPeer && step.kind == StepKind::kSendEmpty && step.pad > 0 && openssl_peer)
      throw SkipCase(
          "OpenSSL has no call that sends an application data record without data: "
          "SSL_write_ex of 0 bytes sends nothing (n/a)");
  }
}

std::uint64_t total_recv(const std::vector<Step>& steps) {
  std::uint64_t total = 0;
  for (const auto& s : steps) {
    if (s.open_ended) return PatternChecker::kOpenEnded;
    total += s.recv_bytes;
  }
  return total;
}

// B1: the heap the library keeps across calls, summed over the calls it samples.
struct HeapMeter {
  bool on = false;
  long long held = 0, max_held = 0;

  template <typename Call>
  CallOutcome around(bool sample, Call&& call) {
    sample = sample && on;
    long long before = sample ? heap_in_use() : 0;
    CallOutcome out = call();
    if (sample) {
      held += heap_in_use() - before;
      max_held = std::max(max_held, held);
    }
    return out;
  }
};

// The send in progress: its size until a call completes it (0: none; a retry after E_AGAIN
// offers the same size), the first offer's size, and whether the retry offers other bytes
// (the misuse retry modes).
struct PendingSend {
  std::size_t size = 0;
  std::size_t first = 0;
  bool mutated = false;
};

// The step's other call (Step::interject): due once the step's pending call returned E_AGAIN;
// made before that call's retry; while it is itself pending after E_AGAIN, it and the step's
// calls are each retried when the loop model says so. A call that offers new data offers the
// stream's bytes from `offset`, after those of a send still pending.
enum class OtherState : std::uint8_t { kNone, kDue, kPending, kMade };
struct OtherCallRun {
  OtherState state = OtherState::kNone;
  Wait wait;
  std::uint64_t offset = 0;   // stream offset of the data it offers
  std::uint64_t credited = 0;  // of it, what its calls reported sent
  UniqueFd file;               // send-file: the memory file
  long file_offset = 0;
  Step step;                   // the arguments of its call (request_peer, how, ping size)
  Api api = Api::kHandshake;   // the call it makes next (a rehandshake goes on as a handshake)
};

// The call a step leaves pending after E_AGAIN (what `then CALL` interleaves with).
std::optional<Api> pending_api(const Step& step) {
  switch (step.kind) {
    case StepKind::kTransfer:
      return step.send_bytes > 0 ? Api::kSend : Api::kRecv;
    case StepKind::kHandshake:
      return Api::kHandshake;
    case StepKind::kBye:
      return Api::kBye;
    case StepKind::kCorked:
      return Api::kUncork;
    default:
      return std::nullopt;
  }
}

// Bytes the transport moved in `span` of the trace, either way.
std::size_t moved_in(const IoTrace& trace, TraceSpan span) {
  return bytes_moved(trace, IoOp::kPush, span) + bytes_moved(trace, IoOp::kPull, span);
}

// The size a misuse retry offers after a first offer of `first` bytes.
std::size_t reoffer_size(RetryMode mode, std::size_t first) {
  if (mode == RetryMode::kSmaller) return std::max<std::size_t>(1, first / 2);
  if (mode == RetryMode::kLarger) return first * 2;
  return first;
}

}  // namespace

class SideRunner::State {
 public:
  State(Side side, Role role, Endpoint& ep, const std::vector<Step>& steps, const CaseSpec& spec,
        LoopPolicy loop, std::vector<CallRecord>& log)
      : side_(side),
        role_(role),
        ep_(ep),
        steps_(steps),
        spec_(spec),
        loop_(loop, ep.channel().fd(), [&ep] { return ep.pending(); }),
        log_(log),
        rx_(spec.seed + (side == Side::kSubject ? 1 : 0), total_recv(steps)),
        send_buf_(spec.retry == RetryMode::kLarger ? 2 * spec.send_chunk : spec.send_chunk),
        recv_buf_(spec.recv_buffer) {
    check_supported(side, spec, steps);
    enter_step();
  }

  void run_tick(std::uint64_t tick) {
    tick_ = tick;
    if (done() || failure_) return;
    loop_.begin_tick(tick);
    if (other_call_first()) return;
    if (answering_) return answer_peer();
    if (step_complete_ || std::visit([this](auto& step) { return handle(step); }, active_)) {
      // The step goes on only once its other call is no longer pending.
      step_complete_ = other_.state == OtherState::kPending;
      if (step_complete_) return;
      ++step_;
      ++successes_;
      enter_step();
    }
  }

  bool done() const { return step_ >= steps_.size(); }
  bool in_handshake() const {
    return !done() && (answering_ || steps_[step_].kind == StepKind::kHandshake);
  }
  void timer_fired() {
    waits_ = Waits{};
    loop_.reset();
  }

 private:
  friend class SideRunner;

  const Step& step() const { return steps_[step_]; }
  std::uint64_t tx_seed() const { return spec_.seed + (side_ == Side::kSubject ? 0 : 1); }

  void enter_step() {
    waits_ = Waits{};
    loop_.reset();
    other_ = OtherCallRun{};
    step_io_ = ep_.channel().trace_size();
    if (done()) return;
    active_ = start_step(step(), ep_.library(), role_);
    // Goals count from the start of the script, so bytes read ahead (a recv that returned the
    // next step's data, or data read during a renegotiation) count for the step they belong to.
    send_goal_ += step().send_bytes;
    recv_goal_ += step().recv_bytes;
  }

  void fail(std::string why) { failure_ = std::move(why); }

  // The loop model decides whether an activity waiting after E_AGAIN may call now.
  bool ready(Wait& wait) { return loop_.ready(wait, &wait == &waits_.recv); }

  // After E_AGAIN the loop model waits as it does; E_INTERRUPTED retries.
  void on_block(const CallOutcome& out, Wait& wait) {
    if (out.status == Status::kAgain) loop_.blocked(wait, out.direction, last_block_injected_);
  }

  // The step's call completed it (true), or it waits, or the stream ended too early.
  bool completes(const CallOutcome& out, Wait& wait) {
    if (out.status == Status::kOk) return true;
    if (out.status == Status::kEof) {
      fail("unexpected end of stream during " + step().text());
    } else {
      on_block(out, wait);
    }
    return false;
  }

  CallArgs args(std::size_t size) {
    return {step(), send_buf_.data(), size, false, recv_buf_.data(), recv_buf_.size()};
  }

  CallOutcome call(Api api, const CallArgs& args);
  void account(Api api, const CallArgs& args, const CallOutcome& out);
  CallOutcome send_chunk();
  void reoffer();
  CallOutcome receive(Api api = Api::kRecv);
  bool receive_eof();
  bool open_file(SendFile& f);
  bool open_pipe(SendFile& f);
  void fill_pipe(SendFile& f);
  bool send_from_pipe(SendFile& f);
  void flush_pipe_record(SendFile& f);
  void note_pending(Api api, const CallRecord& rec);
  bool other_call_first();
  void make_other_call();
  CallOutcome other_data_call(Api api);
  void credit_other(std::uint64_t bytes);
  void answer_peer();

  bool handle(RepeatedCall& c);
  bool handle(Transfer& t);
  bool handle(ExpectEof&);
  bool handle(Event& e);
  bool handle(SendFile& f);
  bool handle(Corked& c);
  bool handle(EarlyData&);
  bool handle(RecvEarly&);
  bool handle(Ping& p);
  bool handle(HoldStep&) { return false; }

  Side side_;
  Role role_;
  Endpoint& ep_;
  const std::vector<Step>& steps_;
  const CaseSpec& spec_;
  LoopModel loop_;
  bool last_block_injected_ = false;  // the last call's deciding transport outcome was injected
  std::vector<CallRecord>& log_;
  PatternChecker rx_;
  std::vector<std::uint8_t> send_buf_, recv_buf_, other_buf_;
  std::uint64_t tick_ = 0;
  std::size_t step_ = 0;
  ActiveStep active_;
  Waits waits_;
  std::uint64_t send_offset_ = 0, send_goal_ = 0, recv_goal_ = 0;
  std::uint64_t successes_ = 0;
  std::optional<std::string> failure_;
  HeapMeter heap_;
  PendingSend pending_;
  SideFacts facts_;
  std::vector<Reoffer> reoffers_;  // the subject's sends completed by a misuse retry
  std::optional<Api> answering_;   // the call that answers a request the peer made
  OtherCallRun other_;             // the step's other call
  std::size_t step_io_ = 0;        // where the step's I/O begins in the side's trace
  bool tolerate_errors_ = false;   // during the other call: an error is its answer, not a failure
  bool step_complete_ = false;     // the step's calls are done; its other call is still pending
  std::uint64_t deferred_credit_ = 0;  // other-call data sent while a send was pending
};

// Bytes the library still holds for sending after a call: what the call's last push was
// asked to take and did not.
std::size_t unpushed(const IoTrace& trace, TraceSpan io) {
  for (std::size_t i = io.end; i > io.begin; --i) {
    const IoEvent& e = trace[i - 1];
    if (e.poll || e.op != IoOp::kPush) continue;
    return e.moved >= static_cast<long>(e.requested) ? 0
                                                     : e.requested - static_cast<std::size_t>(
                                                                         std::max(e.moved, 0L));
  }
  return 0;
}

// Whether the call's last blocked or short transport operation was decided by the fault plan.
bool block_injected(const IoTrace& trace, TraceSpan io) {
  for (std::size_t i = std::min(io.end, trace.size()); i > io.begin; --i) {
    const IoEvent& e = trace[i - 1];
    bool short_push = e.op == IoOp::kPush && e.moved >= 0 && e.moved < static_cast<long>(e.requested);
    if (e.blocked() || short_push) return e.injected;
  }
  return false;
}

// Makes the call and logs it, with the I/O it caused.
CallOutcome SideRunner::State::call(Api api, const CallArgs& args) {
  CallRecord rec{side_, api, args.size, args.null_retry, 0, {}, {ep_.channel().trace_size(), 0},
                 tick_};
  if (api == Api::kSend && !args.null_retry) rec.pad = step().pad;
  rec.other = tolerate_errors_;
  ep_.messages().call = log_.size();
  rec.out = heap_.around(step_ > 0, [&] { return invoke(ep_, api, args); });
  rec.io.end = ep_.channel().trace_size();
  last_block_injected_ = block_injected(ep_.channel().trace(), rec.io);
  if (api == Api::kHandshake && rec.out.status == Status::kOk && !facts_.handshake_done)
    facts_.handshake_done = log_.size();
  std::uint64_t held =
      unpushed(ep_.channel().trace(), rec.io) + ep_.corked() + ep_.pending();
  facts_.max_held = std::max(facts_.max_held, held);
  log_.push_back(rec);
  account(api, args, rec.out);
  note_pending(api, rec);
  return rec.out;
}

// The step's other call becomes due the first time the step's pending call returns E_AGAIN
// in the state it probes: a recv holding bytes of a record it pulled in that call, a handshake
// or bye after its first bytes moved, any send or uncork.
void SideRunner::State::note_pending(Api api, const CallRecord& rec) {
  if (side_ != Side::kSubject || done() || !step().interject || other_.state != OtherState::kNone ||
      rec.out.status != Status::kAgain || pending_api(step()) != api)
    return;
  const IoTrace& trace = ep_.channel().trace();
  bool mid = api == Api::kRecv         ? moved_in(trace, rec.io) > 0
             : api == Api::kHandshake || api == Api::kBye
                 ? moved_in(trace, {step_io_, rec.io.end}) > 0
                 : true;
  if (!mid) return;
  other_.state = OtherState::kDue;
  const OtherCallInfo& info = other_call_info(*step().interject);
  other_.step.request_peer = info.request_peer;
  other_.step.how = info.rdwr ? ByeHow::kRdwr : ByeHow::kWr;
  other_.offset = send_offset_ + pending_.size;
  other_.api = info.api;
}

// Makes the other call when it is due or pending and ready; true when the tick is spent. The
// pending call is retried once the other call is made, in a later tick: in a tick with the
// other call nothing else is called, nor while it is pending after E_AGAIN, except in a
// pending recv (a full-duplex application goes on reading, or a peer blocked writing would
// wait for it).
bool SideRunner::State::other_call_first() {
  if (other_.state == OtherState::kDue) {
    make_other_call();
    return true;
  }
  if (other_.state != OtherState::kPending) return false;
  if (ready(other_.wait)) make_other_call();
  return pending_api(step()) != Api::kRecv;
}

// One call of the other call; its answer, whatever it is, is recorded and the script goes on
// (an error it returns is the library's answer to the interleaving; if it broke the session
// the pending call's retry shows it).
void SideRunner::State::make_other_call() {
  const OtherCallInfo& info = other_call_info(*step().interject);
  if (other_.state == OtherState::kDue) ++facts_.interleaved;
  tolerate_errors_ = true;
  bool recv = other_.api == Api::kRecv;
  CallOutcome out = info.data > 0 ? other_data_call(other_.api)
                                  : call(other_.api, {other_.step, send_buf_.data(),
                                                    recv ? recv_buf_.size() : 0, false,
                                                    recv_buf_.data(), recv_buf_.size()});
  tolerate_errors_ = false;
  if (recv && out.status == Status::kOk)
    rx_.consume(recv_buf_.data(), static_cast<std::size_t>(out.bytes));
  // A recv's E_AGAIN is an answer too: nothing to read yet; the script's later receives read
  // what comes.
  if ((out.status == Status::kAgain || out.status == Status::kInterrupted) && !recv) {
    other_.state = OtherState::kPending;
    on_block(out, other_.wait);
    return;
  }
  // A handshake or reauth that found application data first: read it, then call again (as the
  // manual asks, and as the script's own events do). A HelloRequest sent is followed by the
  // handshake that completes the renegotiation, as the manual of gnutls_rehandshake asks.
  bool renegotiating = other_.api == Api::kRehandshake && out.status == Status::kOk;
  if (renegotiating) other_.api = Api::kHandshake;
  if (out.status == Status::kGotData || renegotiating) {
    other_.state = OtherState::kPending;
    other_.wait = Wait{};
    if (!renegotiating) receive();
    return;
  }
  other_.state = OtherState::kMade;
}

// A send, send_file or early-data send of new bytes of the stream, from `other_.offset`; its
// retry after E_AGAIN offers the same bytes.
CallOutcome SideRunner::State::other_data_call(Api api) {
  const OtherCallInfo& info = other_call_info(*step().interject);
  std::uint64_t left = info.data - other_.credited;
  other_buf_.resize(info.data);
  fill_pattern(tx_seed(), other_.offset + other_.credited, other_buf_.data(), left);
  if (api != Api::kSendFile) {
    CallOutcome out = call(api, {other_.step, other_buf_.data(), left, false, nullptr, 0});
    if (out.status == Status::kOk) credit_other(std::min<std::uint64_t>(out.bytes, left));
    return out;
  }
  if (!other_.file) {
    other_.file = UniqueFd(memfd_create("dirprobe-other-call", MFD_CLOEXEC));
    if (!other_.file ||
        ::write(other_.file.get(), other_buf_.data(), left) != static_cast<long>(left) ||
        ::lseek(other_.file.get(), 0, SEEK_SET) != 0) {
      fail("cannot prepare the memory file for send_file");
      return {};
    }
  }
  CallArgs a{other_.step, nullptr, info.data - static_cast<std::size_t>(other_.file_offset)};
  a.file = other_.file.get();
  a.file_offset = &other_.file_offset;
  long before = other_.file_offset;
  CallOutcome out = call(api, a);
  credit_other(std::min<std::uint64_t>(
      static_cast<std::uint64_t>(std::max(0L, other_.file_offset - before)), left));
  return out;
}

// New bytes of the stream the other call reported sent: they follow a send still pending, so
// they count once that send completes.
void SideRunner::State::credit_other(std::uint64_t bytes) {
  other_.credited += bytes;
  send_goal_ += bytes;
  if (pending_.size > 0)
    deferred_credit_ += bytes;
  else
    send_offset_ += bytes;
}

// What a call's outcome means for the side: progress, a request to answer, or a failure.
void SideRunner::State::account(Api api, const CallArgs& args, const CallOutcome& out) {
  // A send that reports 0 bytes of a non-empty buffer moved nothing: no progress.
  bool empty_send = (api == Api::kSend || api == Api::kSendEarly) && args.size > 0 &&
                    out.bytes == 0 && !args.null_retry;
  if (out.status == Status::kOk && !empty_send) ++successes_;
  // A peer's request that recv reports (a new handshake, a certificate) is a call to answer,
  // not an error: the side repeats the answering call until it completes, then resumes.
  bool request = out.status == Status::kRehandshake || out.status == Status::kReauth ||
                 out.status == Status::kPing;
  if (request && api == Api::kRecv) {
    answering_ = out.status == Status::kRehandshake ? Api::kHandshake
                 : out.status == Status::kReauth    ? Api::kReauth
                                                    : Api::kPong;
    ++successes_;
  }
  // A warning alert or a pong: recv reports it and is called again.
  if (out.status == Status::kNotice) ++successes_;
  bool unexpected =
      (request && api != Api::kRecv) || (out.status == Status::kGotData && api != Api::kHandshake);
  // A flush that finds nothing pending is an answer, not a failure (see CallArgs::flush_only).
  bool nothing_pending = args.flush_only && ep_.code_name(out.code) == "GNUTLS_E_INVALID_REQUEST";
  if (tolerate_errors_) return;
  if ((out.status == Status::kFatal && !nothing_pending) || unexpected)
    fail(std::string(api_name(api, ep_.library())) + " returned " + ep_.code_name(out.code));
}

// One send of the next chunk of the pattern, or the retry of a pending one.
CallOutcome SideRunner::State::send_chunk() {
  bool retry = pending_.size > 0;
  if (!retry) {
    pending_.size = pending_.first = static_cast<std::size_t>(
        std::min<std::uint64_t>(spec_.send_chunk, send_goal_ - send_offset_));
    fill_pattern(tx_seed(), send_offset_, send_buf_.data(), pending_.size);
  }
  bool subject = side_ == Side::kSubject;
  if (retry && subject && !pending_.mutated && retries_other_data(spec_.retry)) reoffer();
  CallArgs a = args(pending_.size);
  a.null_retry = retry && spec_.retry == RetryMode::kNull && subject;
  Api api = step().kind == StepKind::kEarlyData ? Api::kSendEarly : Api::kSend;
  CallOutcome out = call(api, a);
  if (out.status == Status::kOk) {
    if (pending_.mutated)
      reoffers_.push_back(
          {spec_.retry, send_offset_, pending_.first, pending_.size, out.bytes, log_.size() - 1});
    // 'early_once': the whole buffer counts as queued, whatever the count returned.
    bool once = api == Api::kSendEarly && step().once;
    send_offset_ += once ? pending_.size : static_cast<std::uint64_t>(out.bytes);
    send_offset_ += std::exchange(deferred_credit_, 0);
    pending_ = PendingSend{};
  } else {
    on_block(out, waits_.send);
  }
  return out;
}

// The misuse: the retry offers other bytes (the complement of the stream from the first
// offer's offset, so the receiver can tell them apart) in the retry mode's size. What the peer
// then receives shows which bytes GnuTLS sent.
void SideRunner::State::reoffer() {
  pending_.size = reoffer_size(spec_.retry, pending_.first);
  fill_pattern(tx_seed(), send_offset_, send_buf_.data(), pending_.size);
  for (std::size_t i = 0; i < pending_.size; ++i)
    send_buf_[i] = static_cast<std::uint8_t>(~send_buf_[i]);
  pending_.mutated = true;
}

// One receive of application data (recv, or recv_early); the end of the stream is a failure.
CallOutcome SideRunner::State::receive(Api api) {
  CallOutcome out = call(api, args(recv_buf_.size()));
  if (out.status == Status::kOk) {
    rx_.consume(recv_buf_.data(), static_cast<std::size_t>(out.bytes));
  } else if (out.status == Status::kEof) {
    fail("end of stream after " + std::to_string(rx_.received()) + " of " +
         std::to_string(recv_goal_) + " bytes");
  } else {
    on_block(out, waits_.recv);
  }
  return out;
}

// One receive that expects the end of the stream (true once it came); data is an error.
bool SideRunner::State::receive_eof() {
  CallOutcome out = call(Api::kRecv, args(recv_buf_.size()));
  if (out.status == Status::kOk) {
    rx_.consume(recv_buf_.data(), static_cast<std::size_t>(out.bytes));
    if (out.bytes > 0 && rx_.error())
      fail(std::string(step().open_ended ? "received bad data: " : "data after the expected end: ") +
           rx_.error()->text());
  } else if (out.status == Status::kEof) {
    return true;
  } else {
    on_block(out, waits_.recv);
  }
  return false;
}

// send_file's memory file: this step's bytes of the pattern, read from the start. A source at
// its end holds `file_bytes` of the stream's complement (any of them sent is a mismatch the
// receiver sees at once), with the offset after them.
bool SideRunner::State::open_file(SendFile& f) {
  bool at_eof = step().source == FileSource::kAtEof;
  std::uint64_t total = at_eof ? step().file_bytes : step().send_bytes;
  f.file = UniqueFd(memfd_create("dirprobe-send-file", MFD_CLOEXEC));
  std::vector<std::uint8_t> bytes(total);
  fill_pattern(tx_seed(), send_offset_, bytes.data(), bytes.size());
  if (at_eof)
    for (auto& b : bytes) b = static_cast<std::uint8_t>(~b);
  if (!f.file || ::write(f.file.get(), bytes.data(), bytes.size()) != static_cast<long>(total) ||
      ::lseek(f.file.get(), 0, SEEK_SET) != 0) {
    fail("cannot prepare the memory file for send_file");
    return false;
  }
  f.offset = at_eof ? static_cast<long>(total) : 0;
  return true;
}

// send_file's pipe: non-blocking at both ends; filled now, or once a call has found it empty.
bool SideRunner::State::open_pipe(SendFile& f) {
  int fds[2];
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
    fail("cannot create the pipe for send_file");
    return false;
  }
  f.file = UniqueFd(fds[0]);
  f.producer = UniqueFd(fds[1]);
  f.start = send_offset_;
  if (step().source == FileSource::kPipe) fill_pipe(f);
  return true;
}

// The producer: the step's bytes in one write (they fit the pipe), then the end of the data.
void SideRunner::State::fill_pipe(SendFile& f) {
  std::vector<std::uint8_t> bytes(step().send_bytes);
  fill_pattern(tx_seed(), f.start, bytes.data(), bytes.size());
  if (::write(f.producer.get(), bytes.data(), bytes.size()) != static_cast<long>(bytes.size()))
    fail("cannot fill the pipe for send_file");
  f.producer = UniqueFd();
}

// From a pipe, with a NULL offset (a pipe cannot seek, and GnuTLS fails an offset it cannot
// seek to). The application learns only what the calls return: it asks for what they have not
// yet reported sent, and a call returning 0 (the pipe's end) ends the step. With the null
// retry, it first flushes what an E_AGAIN left pending with gnutls_record_send(NULL, 0).
bool SideRunner::State::send_from_pipe(SendFile& f) {
  if (f.found_empty && f.producer) fill_pipe(f);
  if (!ready(waits_.send)) return false;
  if (f.flushing) {
    flush_pipe_record(f);
    return false;
  }
  std::uint64_t total = step().send_bytes;
  CallArgs a = args(total - std::min(total, f.reported));
  a.file = f.file.get();
  CallOutcome out = call(Api::kSendFile, a);
  if (out.status == Status::kOk) {
    f.reported += static_cast<std::uint64_t>(out.bytes);
    if (out.bytes > 0 && f.reported < total) return false;
    // The pipe is drained: every byte of the step went into GnuTLS, whatever became of it.
    send_offset_ = f.start + total;
    return true;
  }
  if (f.producer) f.found_empty = true;
  f.flushing = spec_.retry == RetryMode::kNull;
  on_block(out, waits_.send);
  return false;
}

// gnutls_record_send(NULL, 0) until the pending record is out; GNUTLS_E_INVALID_REQUEST says
// nothing was pending (the E_AGAIN was the pipe's, not the socket's).
void SideRunner::State::flush_pipe_record(SendFile& f) {
  CallArgs a = args(0);
  a.null_retry = true;
  a.flush_only = true;
  CallOutcome out = call(Api::kSend, a);
  if (out.status == Status::kOk) f.reported += static_cast<std::uint64_t>(out.bytes);
  if (out.status == Status::kOk || out.status == Status::kFatal) {
    f.flushing = false;
    return;
  }
  on_block(out, waits_.send);
}

// Answering the peer (gnutls_handshake for its renegotiation, gnutls_reauth for its
// certificate request, gnutls_heartbeat_pong for its ping) until done; application data
// arriving during a renegotiation (GNUTLS_E_GOT_APPLICATION_DATA) is read first.
void SideRunner::State::answer_peer() {
  if (!ready(waits_.main)) return;
  CallOutcome out = call(*answering_, args(0));
  if (out.status == Status::kOk) {
    answering_.reset();
    waits_.main = Wait{};
  } else if (out.status == Status::kGotData) {
    receive();
  } else {
    on_block(out, waits_.main);
  }
}

// The step handlers: each makes the step's calls for this tick and returns true when the step
// is complete.

bool SideRunner::State::handle(RepeatedCall& c) {
  return ready(waits_.main) && completes(call(c.api, args(0)), waits_.main);
}

bool SideRunner::State::handle(Transfer& t) {
  if (send_offset_ < send_goal_ && ready(waits_.send)) {
    CallOutcome out = send_chunk();
    t.blocked = t.blocked || out.status == Status::kAgain;
  }
  if (rx_.received() < recv_goal_ && ready(waits_.recv)) receive();
  bool sent = send_offset_ >= send_goal_ || (step().until_blocked && t.blocked);
  return sent && rx_.received() >= recv_goal_ && !failure_;
}

bool SideRunner::State::handle(ExpectEof&) { return ready(waits_.recv) && receive_eof(); }

bool SideRunner::State::handle(Event& e) {
  if (!ready(waits_.main)) return false;
  if (!e.initiated) {
    CallOutcome out = call(e.initiate, args(0));
    if (out.status != Status::kOk) {
      on_block(out, waits_.main);
      return false;
    }
    if (!e.renegotiation && !ep_.event_needs_handshake()) return true;
    e.initiated = true;
    return false;
  }
  CallOutcome out = call(Api::kHandshake, args(0));
  if (out.status != Status::kGotData) return completes(out, waits_.main);
  receive();
  return false;
}

// gnutls_record_send_file from the step's memory file; the offset GnuTLS advances says what
// was sent, also when the call returns E_AGAIN.
// A source at its end is asked for a chunk; its step completes when a call returns.
bool SideRunner::State::handle(SendFile& f) {
  bool pipe = step().source == FileSource::kPipe || step().source == FileSource::kEmptyPipe;
  if (!f.file && !(pipe ? open_pipe(f) : open_file(f))) return false;
  if (pipe) return send_from_pipe(f);
  if (!ready(waits_.send)) return false;
  bool at_eof = step().source == FileSource::kAtEof;
  std::uint64_t total = step().send_bytes;
  long before = f.offset;
  CallArgs a = args(at_eof ? spec_.send_chunk : total - static_cast<std::uint64_t>(f.offset));
  a.file = f.file.get();
  a.file_offset = &f.offset;
  CallOutcome out = call(Api::kSendFile, a);
  send_offset_ += static_cast<std::uint64_t>(f.offset - before);
  if (out.status != Status::kOk) {
    on_block(out, waits_.send);
    return false;
  }
  return at_eof || static_cast<std::uint64_t>(f.offset) >= total;
}

bool SideRunner::State::handle(Ping& p) {
  if (!p.sent) {
    if (!ready(waits_.main)) return false;
    CallOutcome out = call(Api::kPing, args(0));
    if (out.status == Status::kOk) p.sent = true;
    on_block(out, waits_.main);
    return false;
  }
  if (!ready(waits_.recv)) return false;
  CallOutcome out = receive();
  return out.status == Status::kNotice &&
         ep_.code_name(out.code) == "GNUTLS_E_HEARTBEAT_PONG_RECEIVED";
}

bool SideRunner::State::handle(Corked& c) {
  if (!c.corked) {
    ep_.cork();
    c.corked = true;
  }
  std::uint64_t sent_corked = send_goal_ - step().more;  // the rest waits for an uncork
  if (send_offset_ < (c.uncork_called ? send_goal_ : sent_corked)) {
    if (ready(waits_.send)) send_chunk();
    return false;
  }
  if (!ready(waits_.main)) return false;
  c.uncork_called = true;
  return completes(call(Api::kUncork, args(0)), waits_.main) && send_offset_ >= send_goal_;
}

bool SideRunner::State::handle(EarlyData&) {
  if (ready(waits_.send)) send_chunk();
  return send_offset_ >= send_goal_ && !failure_;
}

bool SideRunner::State::handle(RecvEarly&) {
  if (ready(waits_.recv)) receive(Api::kRecvEarly);
  return rx_.received() >= recv_goal_ && !failure_;
}

SideRunner::SideRunner(Side side, Role role, Endpoint& endpoint, const std::vector<Step>& steps,
                       const CaseSpec& spec, LoopPolicy loop, std::vector<CallRecord>& log)
    : state_(std::make_unique<State>(side, role, endpoint, steps, spec, loop, log)) {}
SideRunner::~SideRunner() = default;

void SideRunner::tick(std::uint64_t tick) { state_->run_tick(tick); }
bool SideRunner::at_hold() const {
  return !done() && !failed() && state_->step().kind == StepKind::kHold;
}
void SideRunner::end_hold() {
  if (!at_hold()) return;
  ++state_->step_;
  ++state_->successes_;
  state_->enter_step();
}
bool SideRunner::done() const { return state_->done(); }
bool SideRunner::failed() const { return state_->failure_.has_value(); }
const std::string& SideRunner::failure() const {
  static const std::string kNone;
  return state_->failure_ ? *state_->failure_ : kNone;
}
bool SideRunner::in_handshake() const { return state_->in_handshake(); }
void SideRunner::timer_fired() { state_->timer_fired(); }
void SideRunner::measure_heap(Channel& channel) {
  state_->heap_.on = true;
  channel.reserve_trace(1 << 16);
}
long long SideRunner::max_heap_held() const { return state_->heap_.max_held; }
const SideFacts& SideRunner::facts() const { return state_->facts_; }
const PatternChecker& SideRunner::rx() const { return state_->rx_; }
const std::vector<Reoffer>& SideRunner::reoffers() const { return state_->reoffers_; }
std::uint64_t SideRunner::tx() const { return state_->send_offset_; }
std::uint64_t SideRunner::pending_offer() const {
  return state_->pending_.first + state_->deferred_credit_;
}
std::uint64_t SideRunner::successes() const { return state_->successes_; }

}  // namespace dirprobe
