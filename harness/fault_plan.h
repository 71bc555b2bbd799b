// A fault plan decides, for each push or pull the transport is asked to do, whether to pass it
// through or to inject a fault. It is a pure function of its text and of the sequence of calls:
// never of the clock.
//
// Plan text (also its canonical form, used in case ids):
//   none                       no faults
//   push@3=eagain              the 3rd push (1-based) gets EAGAIN; `pull@N`, `io@N` likewise
//                              (io counts pushes and pulls together)
//   pull%4=eintr               every 4th pull gets EINTR
//   script(push)=short:10,eagain,pass
//                              successive pushes take the listed actions, then pass
//   random(7,250)=eagain|short:1
//                              seed 7; each I/O is hit with probability 250/1000, the action
//                              drawn from the list
//   allow:N                    every push and pull moves at most N bytes
//   async:N                    every push and pull first gets EAGAIN, then moves at most N bytes
// Rules combine with '+'; the first rule that claims a call decides it.
// Actions: pass, eagain, eintr, short:N (move at most N > 0 bytes), reset (ECONNRESET),
// pipe (EPIPE), eof (pull returns 0; push fails with EPIPE), zero (push returns 0), drop
// (datagram transports: a push reports success but nothing is sent; a pull discards the
// datagram it would have read and reads the next one - a lost packet either way), hold (the
// operation passes, and one side stops taking turns until the other side has blocked: at a
// pull the subject, after the call that made it; at a push the peer, which does not read the
// pushed bytes until the subject has blocked; see hold.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dirprobe {

enum class IoOp { kPush, kPull };

enum class FaultKind { kPass, kEagain, kEintr, kShort, kReset, kPipe, kEof, kZero, kDrop, kHold };

struct FaultAction {
  FaultKind kind = FaultKind::kPass;
  std::size_t limit = 0;  // for kShort: at most this many bytes move

  bool injects() const { return kind != FaultKind::kPass; }
  // True for faults after which the connection is unusable (reset, pipe, eof).
  bool is_hard() const;
  std::string text() const;
  bool operator==(const FaultAction&) const = default;
};

class FaultPlanError : public std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

class FaultPlan {
 public:
  FaultPlan() = default;  // "none"
  // Throws FaultPlanError with the offending text and what was expected.
  static FaultPlan parse(std::string_view text);
  // A plan with exactly one fault at the `index`-th (1-based) operation of kind `op`.
  static FaultPlan single(IoOp op, std::size_t index, FaultAction action);

  // Decides the next operation of kind `op` and advances the counters.
  FaultAction next(IoOp op);

  std::string text() const;
  // True when some push or pull may move only part of its bytes (short:N, allow:N, async:N),
  // or some datagram may be lost (drop): what a datagram transport can and cannot carry.
  bool moves_part() const;
  bool drops() const;
  std::size_t pushes() const { return pushes_; }
  std::size_t pulls() const { return pulls_; }
  std::size_t injected() const { return injected_; }
  std::size_t hard_faults() const { return hard_; }
  // Scripted steps never reached: a plan that promised a fault it did not get to inject.
  std::size_t unused_script_steps() const;

  enum class Target { kPush, kPull, kIo };
  enum class RuleKind { kAt, kEvery, kScript, kRandom, kAllow, kAsync };
  struct Rule {
    RuleKind kind;
    Target target = Target::kIo;
    std::uint64_t n = 0;  // index for kAt, period for kEvery, seed for kRandom, bytes for kAllow
    std::uint64_t permille = 0;
    std::vector<FaultAction> actions;
    std::size_t cursor = 0;                  // script position
    std::uint64_t rng_state = 0;             // kRandom
    bool async_blocked[2] = {false, false};  // kAsync: last push / pull got EAGAIN
  };

 private:
  FaultAction decide(Rule& rule, IoOp op, std::size_t op_index, std::size_t io_index);

  std::vector<Rule> rules_;
  std::size_t pushes_ = 0, pulls_ = 0, injected_ = 0, hard_ = 0;
};

// Parses one action ("eagain", "short:5", ...); throws FaultPlanError.
FaultAction parse_fault_action(std::string_view text);

}  // namespace dirprobe
