// The words dirprobe's results are written in, spelled once for the harness and the report:
// invariants, verdicts, outcomes, directions and libraries. Header-only and free of any TLS
// library, so that the report generator (which reads only JSON) shares it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dirprobe {

// Invariant ids are fixed: reports and expectations refer to them.
// N1, W1 and M2 are judged from the wire (wire_judge.h) and asserted in every scenario.
enum class Invariant : std::uint8_t { D1, D2, S1, S2, Q1, Q2, B1, L1, R1, M1, R2, N1, W1, M2 };
inline constexpr std::array<Invariant, 14> kAllInvariants = {
    Invariant::D1, Invariant::D2, Invariant::S1, Invariant::S2, Invariant::Q1,
    Invariant::Q2, Invariant::B1, Invariant::L1, Invariant::R1, Invariant::M1,
    Invariant::R2, Invariant::N1, Invariant::W1, Invariant::M2};
// The ones every scenario asserts, whatever its `assert` list says.
inline constexpr std::array<Invariant, 3> kWireInvariants = {Invariant::N1, Invariant::W1,
                                                             Invariant::M2};

constexpr std::string_view invariant_name(Invariant inv) {
  constexpr std::array<std::string_view, 14> kNames = {"D1", "D2", "S1", "S2", "Q1",
                                                       "Q2", "B1", "L1", "R1", "M1",
                                                       "R2", "N1", "W1", "M2"};
  return kNames[static_cast<unsigned>(inv)];
}

// One line: what the invariant states.
constexpr std::string_view invariant_statement(Invariant inv) {
  constexpr std::array<std::string_view, 14> kStatements = {
      "after E_AGAIN/E_INTERRUPTED the reported direction is that of the last transport "
      "operation that blocked during the call (pull 0, push 1)",
      "E_AGAIN/E_INTERRUPTED is returned only when a transport operation blocked during the call",
      "after gnutls_record_send returns E_AGAIN/E_INTERRUPTED, direction is 1",
      "after gnutls_record_recv returns E_AGAIN/E_INTERRUPTED, direction is 0",
      "gnutls_record_send never calls pull",
      "gnutls_record_recv never calls push",
      "buffering stays bounded while one side is quenched",
      "a loop that waits only for the reported direction completes the case",
      "with the documented retry the peer receives every byte exactly once, in order",
      "every control message a call reports as sent (alert, heartbeat, ticket, KeyUpdate, "
      "renegotiation, certificate request, close_notify) reaches the other side exactly once, "
      "in order, as that side's library reports it",
      "a send retried with other data or another size than its first offer returns no more "
      "than the first offer, and the peer receives one of the offers' bytes, never a mix",
      "no key and nonce seals two different records (AEAD nonce reuse discloses the XOR of "
      "two plaintexts and, for GCM, lets an attacker forge records)",
      "each direction's application data on the wire, decrypted with the key log, is what the "
      "sender's calls reported sent, byte for byte and exactly once, and every record opens",
      "the control messages decrypted from the wire are the ones the sending library reported "
      "sending and the receiving library reported receiving"};
  return kStatements[static_cast<unsigned>(inv)];
}

// "D1 D2 ... M2", for error messages.
inline std::string invariant_names() {
  std::string out;
  for (auto inv : kAllInvariants) out += (out.empty() ? "" : " ") + std::string(invariant_name(inv));
  return out;
}

constexpr std::optional<Invariant> parse_invariant(std::string_view text) {
  for (auto inv : kAllInvariants)
    if (invariant_name(inv) == text) return inv;
  return std::nullopt;
}

// An invariant's verdict in one case.
enum class Verdict : std::uint8_t { kNa, kHeld, kViolated };
constexpr std::string_view verdict_name(Verdict v) {
  constexpr std::array<std::string_view, 3> kNames = {"n/a", "held", "violated"};
  return kNames[static_cast<unsigned>(v)];
}
constexpr std::optional<Verdict> parse_verdict(std::string_view text) {
  for (auto v : {Verdict::kNa, Verdict::kHeld, Verdict::kViolated})
    if (verdict_name(v) == text) return v;
  return std::nullopt;
}

// How a case ended, as the judge decides it. kKnown: it deviated, and an entry of the
// expectations explains every deviation. The order is the order of severity (the worst
// outcome of a group of cases is the one with the highest value).
// kVacuous: the case passed, but no case of its group (scenario x protocol x role x peer x
// loop) met the scenario's premise, so the pass proves nothing.
enum class Outcome : std::uint8_t { kPass, kSkip, kKnown, kVacuous, kFail, kStalled, kCrash };
inline constexpr std::array<Outcome, 7> kAllOutcomes = {
    Outcome::kPass, Outcome::kSkip,    Outcome::kKnown, Outcome::kVacuous,
    Outcome::kFail, Outcome::kStalled, Outcome::kCrash};
constexpr std::string_view outcome_name(Outcome outcome) {
  constexpr std::array<std::string_view, 7> kNames = {"pass", "skip",    "known", "vacuous",
                                                      "fail", "stalled", "crash"};
  return kNames[static_cast<unsigned>(outcome)];
}
constexpr std::optional<Outcome> parse_outcome(std::string_view text) {
  for (auto o : kAllOutcomes)
    if (outcome_name(o) == text) return o;
  return std::nullopt;
}
// Vacuous, fail, stalled and crash fail a run; pass, skip and known do not.
constexpr bool is_failure(Outcome outcome) {
  return outcome == Outcome::kVacuous || outcome == Outcome::kFail ||
         outcome == Outcome::kStalled || outcome == Outcome::kCrash;
}

// gnutls_record_get_direction(): what the application should wait for.
enum class Direction : std::int8_t { kNone = -1, kRead = 0, kWrite = 1 };
constexpr std::string_view direction_word(int direction) {
  return direction == 0 ? "read" : direction == 1 ? "write" : "none";
}

// The two TLS libraries; the subject is always GnuTLS.
enum class Library : std::uint8_t { kGnutls, kOpenssl };
constexpr std::string_view library_name(Library library) {
  return library == Library::kGnutls ? "gnutls" : "openssl";
}
constexpr std::optional<Library> parse_library(std::string_view text) {
  if (text == "gnutls") return Library::kGnutls;
  if (text == "openssl") return Library::kOpenssl;
  return std::nullopt;
}

// The subject's event loop models (the `policies` of a scenario, a word of the case id), in
// the order of LoopPolicy. Two contain a hyphen; no name is followed by a hyphen and another
// word that makes a longer name, except `edge` by `edge-naive`, so ids match the longest.
inline constexpr std::array<std::string_view, 6> kLoopNames = {
    "oblivious", "trusting", "single-wait", "edge", "edge-naive", "busy"};

// The loop name at the start of `rest` when a whole word (or two, hyphenated) of it; empty if
// none.
constexpr std::string_view loop_name_at(std::string_view rest) {
  std::string_view best;
  for (auto name : kLoopNames)
    if (rest.substr(0, name.size()) == name &&
        (rest.size() == name.size() || rest[name.size()] == '-') && name.size() > best.size())
      best = name;
  return best;
}

// What a case id says: "<scenario>/<protocol>-<role>-<peer>-<transport>[-sockio]-<loop>...
// /<fault plan>/s<seed>". Empty fields when the id does not have that shape. (Results files
// do not repeat these: readers take them from the id.)
struct CaseIdParts {
  std::string_view scenario, variant, protocol, peer, loop;
  bool valid() const { return !scenario.empty() && !protocol.empty() && !peer.empty(); }
};
constexpr CaseIdParts parse_case_id(std::string_view id) {
  CaseIdParts p;
  auto slash = id.find('/');
  if (slash == std::string_view::npos) return p;
  auto end = id.find('/', slash + 1);
  if (end == std::string_view::npos) return p;
  std::string_view variant = id.substr(slash + 1, end - slash - 1);
  auto dash1 = variant.find('-');
  auto dash2 = dash1 == std::string_view::npos ? dash1 : variant.find('-', dash1 + 1);
  auto dash3 = dash2 == std::string_view::npos ? dash2 : variant.find('-', dash2 + 1);
  if (dash3 == std::string_view::npos) return p;
  p = {id.substr(0, slash), variant, variant.substr(0, dash1),
       variant.substr(dash2 + 1, dash3 - dash2 - 1), {}};
  // The loop follows the transport and the optional "sockio".
  auto dash4 = variant.find('-', dash3 + 1);
  if (dash4 == std::string_view::npos) return p;
  std::string_view rest = variant.substr(dash4 + 1);
  if (rest.substr(0, 7) == "sockio-") rest = rest.substr(7);
  p.loop = loop_name_at(rest);
  return p;
}

}  // namespace dirprobe
