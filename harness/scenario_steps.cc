#include "harness/scenario_steps.h"

#include <algorithm>
#include <charconv>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace dirprobe {
namespace {

using Args = std::vector<std::string>;

// A step form: words of its pattern are literals, byte counts (N, M, P, S, R: upper case) or one
// of several literals (a|b). `fill` gets the words that are not plain literals, in order.
struct StepForm {
  std::string_view pattern;
  void (*fill)(Step& step, const Args& args);
};

void transfer(Step& s, const std::string& send, const std::string& recv) {
  s.kind = StepKind::kTransfer;
  if (!send.empty()) s.send_bytes = parse_size(send);
  if (!recv.empty()) s.recv_bytes = parse_size(recv);
}

constexpr StepForm kForms[] = {
    {"handshake", [](Step& s, const Args&) { s.kind = StepKind::kHandshake; }},
    {"send N", [](Step& s, const Args& a) { transfer(s, a[0], ""); }},
    {"recv N", [](Step& s, const Args& a) { transfer(s, "", a[0]); }},
    {"fill N",
     [](Step& s, const Args& a) {
       transfer(s, a[0], "");
       s.until_blocked = true;
     }},
    {"duplex S R", [](Step& s, const Args& a) { transfer(s, a[0], a[1]); }},
    {"bye rdwr|wr",
     [](Step& s, const Args& a) {
       s.kind = StepKind::kBye;
       s.how = parse_bye(a[0]);
     }},
    {"eof", [](Step& s, const Args&) { s.kind = StepKind::kExpectEof; }},
    {"recv_all",
     [](Step& s, const Args&) {
       s.kind = StepKind::kExpectEof;
       s.open_ended = true;
     }},
    {"rehandshake", [](Step& s, const Args&) { s.kind = StepKind::kRehandshake; }},
    {"key_update", [](Step& s, const Args&) { s.kind = StepKind::kKeyUpdate; }},
    {"key_update peer",
     [](Step& s, const Args&) {
       s.kind = StepKind::kKeyUpdate;
       s.request_peer = true;
     }},
    {"ticket", [](Step& s, const Args&) { s.kind = StepKind::kTicket; }},
    {"alert", [](Step& s, const Args&) { s.kind = StepKind::kAlert; }},
    {"reauth", [](Step& s, const Args&) { s.kind = StepKind::kReauth; }},
    {"cork N",
     [](Step& s, const Args& a) {
       s.kind = StepKind::kCorked;
       s.send_bytes = parse_size(a[0]);
     }},
    {"cork N send M",
     [](Step& s, const Args& a) {
       s.kind = StepKind::kCorked;
       s.more = parse_size(a[1]);
       s.send_bytes = parse_size(a[0]) + s.more;
     }},
    {"cork_wait N",
     [](Step& s, const Args& a) {
       s.kind = StepKind::kCorked;
       s.send_bytes = parse_size(a[0]);
       s.wait = true;
     }},
    {"send N pad P",
     [](Step& s, const Args& a) {
       transfer(s, a[0], "");
       s.pad = static_cast<std::size_t>(parse_size(a[1]));
     }},
    {"send N alert|ping",
     [](Step& s, const Args& a) {
       transfer(s, a[0], "");
       s.interject = parse_other_call(a[1]);
     }},
    {"send_file N",
     [](Step& s, const Args& a) {
       s.kind = StepKind::kSendFile;
       s.send_bytes = parse_size(a[0]);
     }},
    {"send_file N pipe|empty_pipe",
     [](Step& s, const Args& a) {
       s.kind = StepKind::kSendFile;
       s.send_bytes = parse_size(a[0]);
       s.source = a[1] == "pipe" ? FileSource::kPipe : FileSource::kEmptyPipe;
     }},
    {"send_file_eof N",
     [](Step& s, const Args& a) {
       s.kind = StepKind::kSendFile;
       s.file_bytes = parse_size(a[0]);
       s.source = FileSource::kAtEof;
     }},
    {"send_empty", [](Step& s, const Args&) { s.kind = StepKind::kSendEmpty; }},
    {"hold", [](Step& s, const Args&) { s.kind = StepKind::kHold; }},
    {"send_empty pad P",
     [](Step& s, const Args& a) {
       s.kind = StepKind::kSendEmpty;
       s.pad = static_cast<std::size_t>(parse_size(a[0]));
     }},
    {"ping N",
     [](Step& s, const Args& a) {
       s.kind = StepKind::kPing;
       s.ping_size = static_cast<std::size_t>(parse_size(a[0]));
     }},
    {"early N",
     [](Step& s, const Args& a) {
       s.kind = StepKind::kEarlyData;
       s.send_bytes = parse_size(a[0]);
     }},
    {"early_once N",
     [](Step& s, const Args& a) {
       s.kind = StepKind::kEarlyData;
       s.send_bytes = parse_size(a[0]);
       s.once = true;
     }},
    {"recv_early N",
     [](Step& s, const Args& a) {
       s.kind = StepKind::kRecvEarly;
       s.recv_bytes = parse_size(a[0]);
     }},
};

std::vector<std::string> words(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool is_count(std::string_view word) {
  return std::all_of(word.begin(), word.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool is_choice_of(std::string_view choices, std::string_view word) {
  for (std::string_view rest = choices;;) {
    auto bar = rest.find('|');
    if (rest.substr(0, bar) == word) return true;
    if (bar == std::string_view::npos) return false;
    rest.remove_prefix(bar + 1);
  }
}

// The captured words when `got` has the shape of `form`'s pattern.
bool match(const StepForm& form, const std::vector<std::string>& got, Args& args) {
  auto want = words(form.pattern);
  if (want.size() != got.size()) return false;
  args.clear();
  for (std::size_t i = 0; i < want.size(); ++i) {
    bool choice = want[i].find('|') != std::string::npos;
    if (is_count(want[i]) || (choice && is_choice_of(want[i], got[i])))
      args.push_back(got[i]);
    else if (choice || want[i] != got[i])
      return false;
  }
  return true;
}

std::string forms_of(std::string_view verb) {
  std::string out;
  for (const auto& form : kForms)
    if (verb.empty() || words(form.pattern)[0] == verb)
      out += (out.empty() ? "" : ", ") + std::string(form.pattern);
  return out;
}

// The steps that leave one call pending after E_AGAIN, which `then CALL` may follow.
bool takes_other_call(const Step& step) {
  switch (step.kind) {
    case StepKind::kTransfer:
      return (step.send_bytes == 0) != (step.recv_bytes == 0) && step.pad == 0 &&
             !step.until_blocked && !step.interject;
    case StepKind::kHandshake:
    case StepKind::kBye:
      return true;
    case StepKind::kCorked:
      return step.more == 0;
    default:
      return false;
  }
}

Step parse_plain_step(const std::string& text);

// "STEP then CALL": the step, and the other call made once its pending call returned E_AGAIN.
Step parse_then(const std::string& text, std::size_t at) {
  std::string call = text.substr(at + 6);
  Step step = parse_plain_step(text.substr(0, at));
  auto other = parse_other_call(words(call).size() == 1 ? words(call)[0] : call);
  if (!other)
    throw std::invalid_argument("step '" + text + "': unknown call '" + call + "' after 'then' (expected " +
                                other_call_names() + ")");
  if (!takes_other_call(step))
    throw std::invalid_argument("step '" + text +
                                "': 'then CALL' follows send N, recv N, handshake, bye or cork N");
  step.interject = other;
  return step;
}

Step parse_plain_step(const std::string& text) {
  auto got = words(text);
  Args args;
  for (const auto& form : kForms)
    if (match(form, got, args)) {
      Step step;
      form.fill(step, args);
      return step;
    }
  std::string verb = got.empty() ? "" : got[0];
  std::string same_verb = verb.empty() ? "" : forms_of(verb);
  if (!same_verb.empty())
    throw std::invalid_argument("step '" + text + "' does not match " + same_verb);
  throw std::invalid_argument("unknown step '" + text + "' (expected " + forms_of("") +
                              ", each of send N, recv N, handshake, bye and cork N may be "
                              "followed by 'then CALL')");
}

}  // namespace

std::uint64_t parse_size(const std::string& text) {
  std::uint64_t value = 0, scale = 1;
  std::string_view digits = text;
  if (!digits.empty() && (digits.back() == 'k' || digits.back() == 'K')) scale = 1024;
  if (!digits.empty() && digits.back() == 'M') scale = 1024 * 1024;
  if (scale != 1) digits.remove_suffix(1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() ||
      value > (std::uint64_t{1} << 40) / scale)
    throw std::invalid_argument("'" + text + "' is not a byte count (e.g. 512, 64k, 1M)");
  return value * scale;
}

Step parse_step(const std::string& text) {
  auto at = text.find(" then ");
  return at == std::string::npos ? parse_plain_step(text) : parse_then(text, at);
}

std::vector<std::string_view> step_forms() {
  std::vector<std::string_view> out;
  for (const auto& form : kForms) out.push_back(form.pattern);
  return out;
}

}  // namespace dirprobe
