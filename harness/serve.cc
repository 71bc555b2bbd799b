#include "harness/serve.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "harness/credentials.h"
#include "harness/http.h"
#include "harness/pattern.h"

namespace dirprobe {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kTickMs = 50;                   // the longest single wait: `stop` is read this often
constexpr std::size_t kChunk = 16384;         // bytes per send and per recv call
constexpr std::size_t kInboxCap = 8u << 20;   // unread application bytes kept before reading stops
constexpr std::size_t kHeadLimit = 64 << 10;  // the longest HTTP head accepted
constexpr int kPauseSettleMs = 200;           // a pause ends once the queue stops growing this long
constexpr int kLingerIdleMs = 300;            // after the script: read until the program is quiet
constexpr int kLingerMs = 3000;

// A failed run: thrown inside it, caught by ServeRun::run.
struct Failure {
  std::string what;
  bool abort = false;  // stopped or out of budget: nothing may catch it but the run
};

[[noreturn]] void sys_fail(const std::string& call) {
  throw std::runtime_error(call + " failed: " + std::strerror(errno));
}

void set_buffers(int fd, const ServeOptions& o) {
  if (o.sndbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &o.sndbuf, sizeof o.sndbuf) != 0)
    sys_fail("setsockopt(SO_SNDBUF)");
  if (o.rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &o.rcvbuf, sizeof o.rcvbuf) != 0)
    sys_fail("setsockopt(SO_RCVBUF)");
}

int ms_since(Clock::time_point t) {
  return static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

bool has_step(const ServedScenario& sc, StepKind kind) {
  return std::any_of(sc.script.begin(), sc.script.end(), [&](const ServedStep& s) {
    return s.kind == ServedKind::kTls && s.tls.kind == kind;
  });
}

EndpointConfig endpoint_config(const ServedScenario& sc, const ServeOptions& o) {
  EndpointConfig config;
  config.role = sc.role;
  config.protocol = o.protocol;
  config.key = o.key;
  if (has_step(sc, StepKind::kTicket)) config.tickets = Tickets::kManual;
  config.post_handshake_auth = sc.role == Role::kServer && has_step(sc, StepKind::kReauth);
  return config;
}

// The handshake messages that answer an event, as serve's library reports receiving them.
struct Answer {
  std::uint8_t first;  // the program started answering
  std::uint8_t last;   // ... and finished (same as `first` for a one-message answer)
  const char* done;
  const char* started;
};

std::optional<Answer> expected_answer(const Step& step, Role role) {
  switch (step.kind) {
    case StepKind::kKeyUpdate:
      if (!step.request_peer) return std::nullopt;
      return Answer{24, 24, "the program's key_update arrived", ""};
    case StepKind::kRehandshake:
      if (role == Role::kServer)
        return Answer{1, 20, "renegotiation done (client_hello .. finished)",
                      "the program's client_hello arrived, no finished"};
      return Answer{2, 20, "renegotiation done (server_hello .. finished)",
                    "the program's server_hello arrived, no finished"};
    case StepKind::kReauth:
      return Answer{11, 20, "the program's certificate and finished arrived",
                    "the program's certificate arrived, no finished"};
    default:
      return std::nullopt;
  }
}

// One connection: the script's steps on an endpoint, in a bounded poll loop.
class ServeRun {
 public:
  ServeRun(const ServedScenario& sc, const ServeOptions& o, UniqueFd fd,
           const std::atomic<bool>& stop, std::atomic<std::uint64_t>& activity,
           std::atomic<bool>& pausing, std::atomic<std::uint64_t>& pauses)
      : sc_(sc),
        o_(o),
        fd_(std::move(fd)),
        stop_(stop),
        activity_(activity),
        pausing_(pausing),
        pauses_(pauses),
        checker_(o.seed, PatternChecker::kOpenEnded),
        deadline_(Clock::now() + std::chrono::milliseconds(o.budget_ms)) {
    ProgramLeafScope leaf;  // a server presents the leaf programs verify
    EndpointConfig config = endpoint_config(sc, o);
    ep_ = o.library == PeerLibrary::kGnutls ? make_gnutls_endpoint(config, fd_.get(), FaultPlan())
                                            : make_openssl_endpoint(config, fd_.get(), FaultPlan());
    r_.expected_sent = sc.sends;
    r_.expected_received = sc.receives;
    r_.protocol = std::string(protocol_name(o.protocol));
    r_.library = std::string(peer_name(o.library));
  }

  ServeResult run() {
    auto started = Clock::now();
    try {
      for (step_ = 0; step_ < sc_.script.size(); ++step_) run_step(sc_.script[step_]);
      r_.completed = true;
      linger();
    } catch (const Failure& f) {
      r_.failure = f.what;
      r_.failed_step = static_cast<int>(step_);
      if (step_ < sc_.script.size()) r_.failed_text = sc_.script[step_].text;
    }
    pausing_ = false;
    finish();
    r_.ms = ms_since(started);
    return r_;
  }

 private:
  // --- waiting -------------------------------------------------------------------------------

  void note_activity() {
    std::uint64_t moved = ep_->channel().bytes_pushed() + ep_->channel().bytes_pulled();
    if (moved != moved_) activity_ += moved - moved_;
    moved_ = moved;
  }

  void check_limits() {
    note_activity();
    if (stop_.load()) throw Failure{"stopped by the caller", true};
    if (Clock::now() > deadline_)
      throw Failure{"the run's budget of " + std::to_string(o_.budget_ms) + " ms ran out", true};
  }

  // One bounded wait for `events` (0: just sleep); returns the revents.
  short poll_for(short events, int max_ms = kTickMs) {
    check_limits();
    pollfd p{fd_.get(), events, 0};
    int rc = ::poll(&p, events != 0 ? 1 : 0, std::min(max_ms, kTickMs));
    if (rc < 0 && errno != EINTR)
      throw Failure{std::string("poll failed: ") + std::strerror(errno)};
    check_limits();
    return rc > 0 ? p.revents : 0;
  }

  bool can_pump() const { return !eof_ && recv_error_.empty() && inbox_.size() < kInboxCap; }

  // Waits for the direction a call reported blocked (0 read, 1 write, -1 either), reading up
  // to `pump` bytes of whatever arrives meanwhile (kNoPump: none; kAny: as much as comes).
  static constexpr std::uint64_t kNoPump = 0, kAny = ~std::uint64_t{0};
  void wait_io(int direction, std::uint64_t pump) {
    bool reading = pump != kNoPump && can_pump();
    if (reading && ep_->pending() > 0) return this->pump(pump);
    short events = direction == 1 ? POLLOUT : direction == 0 ? POLLIN : POLLIN | POLLOUT;
    if (reading) events |= POLLIN;
    short rev = poll_for(events);
    if (reading && (rev & (POLLIN | POLLHUP | POLLERR)) != 0) this->pump(pump);
  }

  // Reads what the program sent into the inbox, at most `max` bytes, until the library would
  // block. A step reads no further than it needs, so a later pause finds the rest in the
  // socket; only a blocked send reads ahead (so that a duplex never stalls on serve's side).
  void pump(std::uint64_t max = kAny) {
    std::uint8_t buf[kChunk];
    for (std::uint64_t got = 0; can_pump() && got < max;) {
      auto size = static_cast<std::size_t>(std::min<std::uint64_t>(sizeof buf, max - got));
      CallOutcome out = ep_->recv(buf, size);
      if (out.status == Status::kOk) got += static_cast<std::uint64_t>(out.bytes);
      switch (out.status) {
        case Status::kOk:
          inbox_.insert(inbox_.end(), buf, buf + out.bytes);
          app_read_ += static_cast<std::uint64_t>(out.bytes);
          continue;
        case Status::kNotice:
        case Status::kInterrupted:
          continue;
        case Status::kPing:
          ep_->pong();
          continue;
        case Status::kEof:
          eof_ = true;
          break;
        case Status::kRehandshake:
          renegotiate_ = true;
          break;
        case Status::kReauth:
          reauth_ = true;
          break;
        case Status::kAgain:
          break;
        default:
          recv_error_ = ep_->code_name(out.code);
          break;
      }
      break;
    }
    note_activity();
  }

  // Answers what the program started while no send is pending: a renegotiation, a request
  // for post-handshake authentication.
  void service() {
    if (renegotiate_) {
      renegotiate_ = false;
      repeat([&] { return ep_->handshake(); }, "the renegotiation's handshake");
    }
    if (reauth_) {
      reauth_ = false;
      repeat([&] { return ep_->reauth(); }, "the answer to the program's certificate request");
    }
  }

  // Calls `call` until it completes, waiting as each E_AGAIN says. A renegotiation that meets
  // application data reads it and goes on.
  template <typename F>
  CallOutcome repeat(F call, const std::string& what) {
    for (;;) {
      CallOutcome out = call();
      switch (out.status) {
        case Status::kOk:
          note_activity();
          return out;
        case Status::kAgain:
        case Status::kInterrupted:
          wait_io(out.direction, false);
          continue;
        case Status::kGotData:
          pump();
          continue;
        default:
          throw Failure{what + " failed: " + ep_->code_name(out.code)};
      }
    }
  }

  // --- sending and receiving -----------------------------------------------------------------

  // Sends all of `data`, retrying each E_AGAIN with the same bytes; reads meanwhile.
  void offer(const std::uint8_t* data, std::size_t size, bool pattern) {
    for (std::size_t done = 0; done < size;) {
      CallOutcome out = ep_->send(data + done, size - done);
      if (out.status == Status::kOk) {
        done += static_cast<std::size_t>(out.bytes);
        if (pattern) r_.sent += static_cast<std::uint64_t>(out.bytes);
        note_activity();
      } else if (out.status == Status::kAgain || out.status == Status::kInterrupted) {
        wait_io(out.direction, unread_ ? kNoPump : kAny);
      } else {
        throw Failure{"send failed: " + ep_->code_name(out.code)};
      }
    }
    service();
  }

  void send_text(const std::string& text) {
    offer(reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), false);
  }

  void send_pattern(std::uint64_t n) {
    std::uint8_t buf[kChunk];
    for (std::uint64_t end = r_.sent + n; r_.sent < end;) {
      auto k = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, end - r_.sent));
      fill_pattern(o_.seed, r_.sent, buf, k);
      offer(buf, k, true);
    }
  }

  // Moves up to `max` inbox bytes into the pattern check.
  void consume(std::uint64_t max) {
    auto k = static_cast<std::size_t>(std::min<std::uint64_t>(max, inbox_.size()));
    checker_.consume(inbox_.data(), k);
    inbox_.erase(inbox_.begin(), inbox_.begin() + static_cast<long>(k));
    r_.received += k;
  }

  // Waits for up to `max` more bytes to read; fails when nothing more can come.
  void await_data(const std::string& wanted, std::uint64_t max) {
    if (!recv_error_.empty()) throw Failure{"recv failed: " + recv_error_ + " " + wanted};
    if (eof_) throw Failure{"the program closed (close_notify) " + wanted};
    service();
    wait_io(0, max);
  }

  void recv_pattern(std::uint64_t n) {
    for (std::uint64_t end = r_.received + n; r_.received < end;) {
      consume(end - r_.received);
      if (r_.received < end)
        await_data("after " + std::to_string(r_.received) + " bytes, " +
                       std::to_string(end - r_.received) + " short of this step's end",
                   end - r_.received - inbox_.size());
    }
  }

  // The next HTTP head in the inbox (taken out of it).
  std::string read_head(const std::string& what) {
    for (;;) {
      std::string_view view(reinterpret_cast<const char*>(inbox_.data()), inbox_.size());
      if (std::size_t size = http_head_size(view); size > 0) {
        std::string head(view.substr(0, size));
        inbox_.erase(inbox_.begin(), inbox_.begin() + static_cast<long>(size));
        return head;
      }
      if (inbox_.size() > kHeadLimit)
        throw Failure{"no end of the " + what + " head in " + std::to_string(kHeadLimit) +
                      " bytes"};
      await_data("before the end of the " + what + " head", kChunk);
    }
  }

  // --- steps ---------------------------------------------------------------------------------

  void run_step(const ServedStep& s) {
    switch (s.kind) {
      case ServedKind::kTls:
        return run_tls(s.tls);
      case ServedKind::kRequest:
        return sc_.role == Role::kServer ? read_request() : send_request(s);
      case ServedKind::kResponse:
        return sc_.role == Role::kServer ? send_response(s) : read_response(s);
      case ServedKind::kPause:
        return pause(s.bytes);
      case ServedKind::kUnread:
        unread_ = true;
        send_pattern(s.bytes);
        unread_ = false;
        return;
    }
  }

  void run_tls(const Step& step) {
    switch (step.kind) {
      case StepKind::kHandshake:
        repeat([&] { return ep_->handshake(); }, "the handshake");
        r_.cipher = ep_->cipher();
        return;
      case StepKind::kTransfer:
        send_pattern(step.send_bytes);
        return recv_pattern(step.recv_bytes);
      case StepKind::kExpectEof:
        return step.open_ended ? recv_all() : expect_eof();
      case StepKind::kBye:
        return bye(step.how);
      default:
        return fire(step);
    }
  }

  // recv_all: the rest of the request or response body (HTTP), or everything up to the
  // program's close (stream).
  void recv_all() {
    if (sc_.exchange == Exchange::kHttp) {
      std::uint64_t read = r_.received - body_start_;
      return recv_pattern(body_length_ > read ? body_length_ - read : 0);
    }
    while (!eof_) {
      consume(inbox_.size());
      if (!recv_error_.empty()) throw Failure{"recv failed: " + recv_error_};
      service();
      wait_io(0, kAny);
    }
    consume(inbox_.size());
  }

  void expect_eof() {
    while (!eof_) await_data("", kAny);
  }

  void bye(ByeHow how) {
    std::uint64_t sent = r_.sent - body_sent_start_;
    if (body_announced_ && sent < *body_announced_) {
      ServedEvent e = event_at("early close_notify");
      e.fired = true;
      e.detail = "close_notify after " + std::to_string(sent) + " of " +
                 std::to_string(*body_announced_) + " body bytes";
      add_event(e, kNoAnswer);
    }
    repeat([&] { return ep_->bye(how); }, "bye");
  }

  ServedEvent event_at(const std::string& what) const {
    ServedEvent e;
    e.step = what.empty() ? sc_.script[step_].text : what;
    e.step_index = step_;
    e.sent = r_.sent;
    e.received = r_.received;
    return e;
  }

  // The step's initiating call (and the handshake some events need).
  CallOutcome initiate(const Step& step) {
    switch (step.kind) {
      case StepKind::kKeyUpdate:
        return ep_->key_update(step.request_peer);
      case StepKind::kTicket:
        return ep_->ticket();
      case StepKind::kAlert:
        return ep_->alert();
      case StepKind::kReauth:
        return ep_->reauth();
      default:  // rehandshake: a GnuTLS client renegotiates by calling gnutls_handshake
        if (ep_->library() == "gnutls" && sc_.role == Role::kClient) return ep_->handshake();
        return ep_->rehandshake();
    }
  }

  void fire(const Step& step) {
    ServedEvent e = event_at("");
    std::size_t messages = ep_->messages().received.size();
    try {
      if (step.kind == StepKind::kReauth && ep_->library() == "gnutls")
        reauth_gnutls(e);
      else
        initiate_event(step, e);
    } catch (const Failure& f) {
      if (f.abort) throw;
      e.detail = f.what;  // the event could not fire; the script goes on
    } catch (const SkipCase& skip) {
      e.detail = skip.what();
    }
    add_event(e, messages);
  }

  static constexpr std::size_t kNoAnswer = ~std::size_t{0};
  // `messages`: how many messages serve's library had received when the event fired.
  void add_event(const ServedEvent& e, std::size_t messages) {
    r_.events.push_back(e);
    messages_at_fire_.push_back(messages);
    app_at_fire_.push_back(app_read_);
  }

  void initiate_event(const Step& step, ServedEvent& e) {
    repeat([&] { return initiate(step); }, sc_.script[step_].text);
    bool gnutls_client_reneg = step.kind == StepKind::kRehandshake && ep_->library() == "gnutls" &&
                               sc_.role == Role::kClient;
    if (ep_->event_needs_handshake() && step.kind != StepKind::kAlert && !gnutls_client_reneg)
      repeat([&] { return ep_->handshake(); }, sc_.script[step_].text + " (its handshake)");
    e.fired = true;
    e.detail = step.kind == StepKind::kAlert ? "alert(warning, user_canceled) sent" : "sent";
  }

  // gnutls_reauth sends the certificate request and returns once the program answered: it is
  // retried (reading application data it meets) until then, or until the program has been
  // quiet for answer_ms.
  void reauth_gnutls(ServedEvent& e) {
    auto idle_since = Clock::now();
    std::uint64_t moved = moved_;
    for (;;) {
      CallOutcome out = ep_->reauth();
      e.fired = e.fired || out.status == Status::kOk || out.status == Status::kAgain;
      if (out.status == Status::kOk) {
        e.detail = "sent";
        return;
      }
      if (out.status == Status::kGotData) {
        pump();
      } else if (out.status == Status::kAgain || out.status == Status::kInterrupted) {
        wait_io(out.direction, kNoPump);
      } else {
        e.detail = "gnutls_reauth failed: " + ep_->code_name(out.code);
        return;
      }
      if (moved_ != moved) idle_since = Clock::now(), moved = moved_;
      if (ms_since(idle_since) > o_.answer_ms) {
        e.detail = "no answer within " + std::to_string(o_.answer_ms) + " ms";
        return;
      }
    }
  }

  void pause(std::uint64_t n) {
    pausing_ = true;
    ++pauses_;
    ServedPause p;
    p.step_index = step_;
    auto started = Clock::now(), grew = started;
    for (;;) {
      int waiting = 0;
      if (::ioctl(fd_.get(), FIONREAD, &waiting) != 0) waiting = 0;
      if (static_cast<std::uint64_t>(waiting) > p.waiting) grew = Clock::now();
      p.waiting = static_cast<std::uint64_t>(waiting);
      p.reached = p.waiting >= n;
      if (p.reached || ms_since(grew) >= kPauseSettleMs) break;
      poll_for(0, 10);
    }
    p.ms = ms_since(started);
    pausing_ = false;
    r_.pauses.push_back(p);
  }

  // --- HTTP ----------------------------------------------------------------------------------

  void read_request() {
    HttpRequest req;
    try {
      req = parse_http_request(read_head("request"));
    } catch (const std::invalid_argument& e) {
      throw Failure{std::string("bad request: ") + e.what()};
    }
    r_.request_method = req.method;
    r_.request_target = req.target;
    r_.request_length = req.content_length;
    if (req.chunked)
      throw Failure{
          "the request's body is chunked (Transfer-Encoding: chunked); serve reads "
          "only bodies of a given Content-Length"};
    body_length_ = req.content_length.value_or(0);
    body_start_ = r_.received;
    body_announced_.reset();
    if (req.expect_continue) send_text(format_http_continue());
  }

  void send_response(const ServedStep& s) {
    std::uint64_t read = r_.received - body_start_;
    if (read != body_length_)
      throw Failure{"the request announced a body of " + std::to_string(body_length_) +
                    " bytes, the script read " + std::to_string(read)};
    send_text(format_http_response(s.bytes));
    start_body(s);
  }

  void send_request(const ServedStep& s) {
    send_text(format_http_request(s.method, s.path, "localhost", s.bytes));
    start_body(s);
  }

  void start_body(const ServedStep& s) {
    body_announced_ = s.bytes;
    body_sent_start_ = r_.sent;
    if (s.auto_body) send_pattern(s.bytes);
  }

  void read_response(const ServedStep& s) {
    HttpResponse resp;
    do {  // interim responses (100 Continue) first
      try {
        resp = parse_http_response(read_head("response"));
      } catch (const std::invalid_argument& e) {
        throw Failure{std::string("bad response: ") + e.what()};
      }
    } while (resp.status >= 100 && resp.status < 200);
    body_announced_.reset();
    if (resp.status >= 300)
      throw Failure{"the program answered " + std::to_string(resp.status) + " " + resp.reason};
    if (resp.chunked)
      throw Failure{"the response's body is chunked; serve reads only a given Content-Length"};
    if (resp.content_length && *resp.content_length != s.bytes)
      throw Failure{"the response announces " + std::to_string(*resp.content_length) +
                    " body bytes, the script expects " + std::to_string(s.bytes)};
    body_length_ = s.bytes;
    body_start_ = r_.received;
    if (s.auto_body) recv_pattern(s.bytes);
  }

  // --- the end -------------------------------------------------------------------------------

  // Serve's side is done: its write side closes, and it reads until the program closes (or is
  // quiet), so that answers still on their way are seen and no unread byte turns the close
  // into a reset that could cut the program's last reads.
  void linger() {
    ::shutdown(fd_.get(), SHUT_WR);
    auto started = Clock::now(), quiet = started;
    int idle = unanswered() ? o_.answer_ms : kLingerIdleMs;
    std::uint64_t moved = moved_;
    while (!eof_ && recv_error_.empty() && ms_since(quiet) < idle &&
           ms_since(started) < std::max(kLingerMs, idle)) {
      r_.unread += inbox_.size();
      inbox_.clear();
      wait_io(0, kAny);
      if (moved_ != moved) quiet = Clock::now(), moved = moved_;
    }
  }

  std::optional<Answer> answer_of(std::size_t i) const {
    if (messages_at_fire_[i] == kNoAnswer || !r_.events[i].fired) return std::nullopt;
    return expected_answer(sc_.script[r_.events[i].step_index].tls, sc_.role);
  }

  bool unanswered() const {
    for (std::size_t i = 0; i < r_.events.size(); ++i)
      if (auto want = answer_of(i); want && !received_after(i, want->last)) return true;
    return false;
  }

  // Whether handshake message `type` arrived after event i fired.
  bool received_after(std::size_t i, std::uint8_t type) const {
    const auto& got = ep_->messages().received;
    std::size_t from = messages_at_fire_[i];
    for (std::size_t k = from; k < got.size(); ++k)
      if (got[k].kind == MessageKind::kHandshake && got[k].type == type) return true;
    return false;
  }

  void judge_answers() {
    for (std::size_t i = 0; i < r_.events.size(); ++i) {
      ServedEvent& e = r_.events[i];
      auto want = answer_of(i);
      if (!want) continue;
      bool first = received_after(i, want->first), last = received_after(i, want->last);
      e.answered = first && last;
      bool silent = app_read_ == app_at_fire_[i];
      e.detail = e.answered.value() ? want->done
                 : first            ? want->started
                 : silent           ? "no answer; the program sent no application data after it"
                                    : "no answer from the program";
    }
  }

  void finish() {
    judge_answers();
    r_.unread += inbox_.size();
    r_.matched = checker_.error() ? checker_.error()->offset : checker_.received();
    if (checker_.error()) r_.mismatch = checker_.error()->text();
    for (const auto& m : ep_->messages().received)
      if (m.kind == MessageKind::kAlert) r_.alerts_received.push_back(m.text());
    r_.peer_closed = eof_;
    if (r_.cipher.empty()) r_.cipher = ep_->cipher();
  }

  const ServedScenario& sc_;
  const ServeOptions& o_;
  UniqueFd fd_;
  const std::atomic<bool>& stop_;
  std::atomic<std::uint64_t>& activity_;
  std::atomic<bool>& pausing_;
  std::atomic<std::uint64_t>& pauses_;
  std::unique_ptr<Endpoint> ep_;
  PatternChecker checker_;
  Clock::time_point deadline_;
  ServeResult r_;
  std::size_t step_ = 0;
  std::uint64_t moved_ = 0;
  std::vector<std::uint8_t> inbox_;  // application bytes read, not yet taken by a step
  bool eof_ = false, renegotiate_ = false, reauth_ = false;
  std::string recv_error_;
  bool unread_ = false;  // a `send N unread` step: a blocked send does not read ahead
  std::vector<std::size_t> messages_at_fire_;  // per event: messages received before it
  std::vector<std::uint64_t> app_at_fire_;     // per event: app_read_ before it
  std::uint64_t app_read_ = 0;                 // application bytes the library returned
  // HTTP: the body being read (its length and where it began) and the one being sent.
  std::uint64_t body_length_ = 0, body_start_ = 0, body_sent_start_ = 0;
  std::optional<std::uint64_t> body_announced_;
};

UniqueFd listen_loopback(const ServeOptions& o, std::uint16_t& port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) sys_fail("socket");
  int one = 1;
  if (setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
    sys_fail("setsockopt(SO_REUSEADDR)");
  set_buffers(fd.get(), o);  // accepted sockets inherit them (before the window is agreed)
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(o.port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    sys_fail("bind(127.0.0.1:" + std::to_string(o.port) + ")");
  if (::listen(fd.get(), 16) != 0) sys_fail("listen");
  socklen_t len = sizeof addr;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    sys_fail("getsockname");
  port = ntohs(addr.sin_port);
  return fd;
}

// Waits (bounded, in ticks) for the program's connection.
UniqueFd accept_one(int listener, const ServeOptions& o, const std::atomic<bool>& stop) {
  auto started = Clock::now();
  while (!stop.load() && ms_since(started) < o.accept_ms) {
    pollfd p{listener, POLLIN, 0};
    if (::poll(&p, 1, kTickMs) <= 0) continue;
    int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) return UniqueFd(fd);
  }
  return UniqueFd();
}

// Connects to the program (retrying while it is not listening yet), bounded like accept_one.
UniqueFd connect_to(const ServeOptions& o, const std::atomic<bool>& stop, std::string& error) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(o.connect_port);
  if (::inet_pton(AF_INET, o.connect_host.c_str(), &addr.sin_addr) != 1) {
    error = "not an IPv4 address: '" + o.connect_host + "'";
    return UniqueFd();
  }
  auto started = Clock::now();
  while (!stop.load() && ms_since(started) < o.accept_ms) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) sys_fail("socket");
    set_buffers(fd.get(), o);
    int rc = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    pollfd p{fd.get(), POLLOUT, 0};
    if (rc != 0 && errno == EINPROGRESS) rc = ::poll(&p, 1, kTickMs) > 0 ? 0 : -1;
    int err = 0;
    socklen_t len = sizeof err;
    if (rc == 0 && getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
      return fd;
    error = std::strerror(rc == 0 ? err : errno);
    ::poll(nullptr, 0, kTickMs);
  }
  return UniqueFd();
}

}  // namespace

Serve::Serve(const ServedScenario& scenario, ServeOptions options)
    : scenario_(scenario), options_(std::move(options)) {
  if (scenario_.role == Role::kServer) {
    listener_ = listen_loopback(options_, port_);
  } else {
    if (options_.connect_port == 0)
      throw std::runtime_error("served scenario '" + scenario_.name +
                               "' has serve as the client: give the program's port to connect to");
    port_ = options_.connect_port;
  }
}

ServeResult Serve::run(const std::atomic<bool>& stop, std::atomic<std::uint64_t>& activity) {
  UniqueFd fd;
  std::string error = "no connection";
  if (scenario_.role == Role::kServer) {
    fd = accept_one(listener_.get(), options_, stop);
    error = "no connection within " + std::to_string(options_.accept_ms) + " ms";
  } else {
    fd = connect_to(options_, stop, error);
    error =
        "cannot connect to " + options_.connect_host + ":" + std::to_string(port_) + ": " + error;
  }
  if (!fd) {
    ServeResult r;
    r.failure = stop.load() ? "stopped by the caller" : error;
    r.expected_sent = scenario_.sends;
    r.expected_received = scenario_.receives;
    return r;
  }
  int one = 1;
  setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return ServeRun(scenario_, options_, std::move(fd), stop, activity, pausing_, pauses_).run();
}

nlohmann::json to_json(const ServeResult& r) {
  nlohmann::json events = nlohmann::json::array(), pauses = nlohmann::json::array();
  for (const auto& e : r.events)
    events.push_back({{"step", e.step},
                      {"index", e.step_index},
                      {"sent", e.sent},
                      {"received", e.received},
                      {"fired", e.fired},
                      {"answered", e.answered ? nlohmann::json(*e.answered) : nullptr},
                      {"detail", e.detail}});
  for (const auto& p : r.pauses)
    pauses.push_back(
        {{"index", p.step_index}, {"waiting", p.waiting}, {"ms", p.ms}, {"reached", p.reached}});
  nlohmann::json j = {{"completed", r.completed},
                      {"failure", r.failure},
                      {"failed_step", r.failed_step},
                      {"failed_text", r.failed_text},
                      {"sent", r.sent},
                      {"received", r.received},
                      {"matched", r.matched},
                      {"mismatch", r.mismatch},
                      {"unread", r.unread},
                      {"expected_sent", r.expected_sent},
                      {"expected_received", r.expected_received},
                      {"events", events},
                      {"pauses", pauses},
                      {"alerts_received", r.alerts_received},
                      {"peer_closed", r.peer_closed},
                      {"protocol", r.protocol},
                      {"library", r.library},
                      {"cipher", r.cipher},
                      {"ms", r.ms}};
  if (!r.request_method.empty())
    j["request"] = {
        {"method", r.request_method},
        {"target", r.request_target},
        {"content_length", r.request_length ? nlohmann::json(*r.request_length) : nullptr}};
  return j;
}

}  // namespace dirprobe
