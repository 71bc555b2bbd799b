#include "harness/scenario_rules.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "harness/fault_plan.h"

namespace dirprobe {
namespace {

// Where a rule about `key` fails: its value, or the scenario's table when it is absent.
const toml::node& at(const toml::table& t, std::string_view key) {
  const toml::node* node = t.get(key);
  return node ? *node : t;
}

template <typename List, typename Value>
bool has(const List& list, const Value& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool uses(const std::vector<Step>& steps, StepKind kind) {
  return std::any_of(steps.begin(), steps.end(), [&](const Step& s) { return s.kind == kind; });
}

std::uint64_t sum(const std::vector<Step>& steps, std::uint64_t Step::*field) {
  std::uint64_t total = 0;
  for (const auto& s : steps) total += s.*field;
  return total;
}

// Keys that only refine another key.
void check_key_needs(const TomlCtx& ctx, const Scenario& sc, const toml::table& t) {
  for (auto inv : sc.recorded)
    if (sc.base.asserted.contains(inv))
      ctx.fail(at(t, "record"),
               std::string(invariant_name(inv)) + " is both asserted and only recorded");
  for (const char* key : {"sweep_ops", "sweep_phase"})
    if (t.get(key) != nullptr && sc.sweep.actions.empty())
      ctx.fail(at(t, key), "'" + std::string(key) + "' needs 'sweep'");
  if (sc.base.asserted.contains(Invariant::B1) && !sc.base.buffer_bound)
    ctx.fail(at(t, "assert"), "asserting B1 needs 'buffer_bound'");
}

// A scenario's own priority string is used as it is (for the subject only): it would replace
// the one each cipher is set in, so the two keys exclude each other.
void check_ciphers(const TomlCtx& ctx, const toml::table& t) {
  if (t.get("ciphers") != nullptr && t.get("priority") != nullptr)
    ctx.fail(at(t, "ciphers"),
             "'ciphers' and 'priority' do not go together: a scenario's own priority string "
             "chooses its ciphers itself");
}

// What one side sends, the other receives (a side that reads "any amount" with recv_all at
// least what it reads before); every script starts with its handshake.
void check_scripts(const TomlCtx& ctx, const Scenario& sc, const toml::table& t) {
  const CaseSpec& b = sc.base;
  auto sent = [&](const std::vector<Step>& s) { return sum(s, &Step::send_bytes); };
  auto received = [&](const std::vector<Step>& s) { return sum(s, &Step::recv_bytes); };
  auto open = [](const std::vector<Step>& s) {
    return std::any_of(s.begin(), s.end(), [](const Step& step) { return step.open_ended; });
  };
  if (open(b.peer_steps) ? sent(b.subject_steps) < received(b.peer_steps)
                         : sent(b.subject_steps) != received(b.peer_steps))
    ctx.fail(at(t, "peer"), "the subject sends " + std::to_string(sent(b.subject_steps)) +
                                " bytes but the peer receives " +
                                std::to_string(received(b.peer_steps)));
  if (open(b.subject_steps) ? sent(b.peer_steps) < received(b.subject_steps)
                            : sent(b.peer_steps) != received(b.subject_steps))
    ctx.fail(at(t, "subject"), "the peer sends " + std::to_string(sent(b.peer_steps)) +
                                   " bytes but the subject receives " +
                                   std::to_string(received(b.subject_steps)));
  for (const auto* steps : {&b.subject_steps, &b.peer_steps}) {
    std::size_t first = !steps->empty() && steps->front().kind == StepKind::kEarlyData ? 1 : 0;
    if (steps->size() <= first || (*steps)[first].kind != StepKind::kHandshake)
      ctx.fail(at(t, steps == &b.subject_steps ? "subject" : "peer"),
               "a script must start with 'handshake' (after 'early N' on a 0-RTT client)");
  }
}

// Whether every protocol of the scenario is `protocol`, or skipped as n/a by a rule that names
// only a protocol (or all cases).
bool runs_only(const Scenario& sc, Protocol protocol) {
  return std::all_of(sc.protocols.begin(), sc.protocols.end(), [&](Protocol p) {
    return p == protocol ||
           std::any_of(sc.not_applicable.begin(), sc.not_applicable.end(), [&](const auto& rule) {
             return (!rule.protocol || rule.protocol == p) && !rule.peer && !rule.role;
           });
  });
}

// 0-RTT: a TLS 1.3 resumption with early data enabled on both sides; the client sends it
// before its handshake, the server reads it after its own.
void check_early_data(const TomlCtx& ctx, const Scenario& sc, const toml::table& t) {
  const CaseSpec& b = sc.base;
  for (bool subject_side : {true, false}) {
    const auto& steps = subject_side ? b.subject_steps : b.peer_steps;
    const char* key = subject_side ? "subject" : "peer";
    for (auto [kind, role, verb] :
         {std::tuple{StepKind::kEarlyData, Role::kClient, "early"},
          std::tuple{StepKind::kRecvEarly, Role::kServer, "recv_early"}}) {
      if (!uses(steps, kind)) continue;
      if (kind == StepKind::kEarlyData && steps.front().kind != StepKind::kEarlyData)
        ctx.fail(at(t, key), "'early N' comes first, before 'handshake'");
      Role side_role =
          subject_side ? role : (role == Role::kClient ? Role::kServer : Role::kClient);
      bool ok = b.resume && b.subject.early_data && runs_only(sc, Protocol::kTls13) &&
                sc.roles == std::vector{side_role};
      if (!ok)
        ctx.fail(at(t, key), std::string("'") + verb +
                                 "' needs resume = true, early_data = "
                                 "true, protocols = [\"tls13\"] and this side to be the " +
                                 (role == Role::kClient ? "client" : "server") +
                                 " in every variant");
    }
  }
  if (b.subject.early_data && !b.resume)
    ctx.fail(at(t, "early_data"), "'early_data = true' needs resume = true (0-RTT resumes)");
}

// 'then CALL' (and 'send N alert|ping') are GnuTLS calls of the subject; a heartbeat needs
// TLS 1.2 and a GnuTLS peer (OpenSSL 3 has none), unless `not_applicable` skips the others.
void check_interjections(const TomlCtx& ctx, const Scenario& sc, const toml::table& t) {
  for (const auto& step : sc.base.peer_steps)
    if (step.interject)
      ctx.fail(at(t, "peer"), "a step's other call ('" +
                                  std::string(other_call_info(*step.interject).name) +
                                  "') is probed on the subject only");
  for (const auto& step : sc.base.subject_steps)
    if (step.interject == OtherCall::kPing && sc.not_applicable.empty() &&
        (sc.protocols != std::vector{Protocol::kTls12} ||
         sc.peers != std::vector{PeerLibrary::kGnutls}))
      ctx.fail(at(t, "subject"),
               "'send N ping' needs protocols = [\"tls12\"] and peers = "
               "[\"gnutls\"] (heartbeat is TLS 1.2; OpenSSL 3 has none)");
}

// A server's own tickets are set outside resumption only (resumption shares its ticket keys
// between two connections); tickets sent only by the script exist in TLS 1.3 only.
void check_tickets(const TomlCtx& ctx, const Scenario& sc, const toml::table& t) {
  Tickets tickets = sc.base.subject.tickets;
  if (tickets != Tickets::kDefault && sc.base.resume)
    ctx.fail(at(t, "tickets"),
             "'tickets' is for connections that do not resume (resume = true "
             "brings its own ticket keys)");
  if (tickets == Tickets::kManual && sc.protocols != std::vector{Protocol::kTls13})
    ctx.fail(at(t, "tickets"),
             "'tickets = \"manual\"' needs protocols = [\"tls13\"]: a script sends tickets "
             "with 'ticket', a TLS 1.3 step");
}

// One hold at a time: a side at its `hold` step would wait behind a hold of the fault plan.
void check_hold_steps(const TomlCtx& ctx, const Scenario& sc, const toml::table& t) {
  bool steps = false;
  for (const auto* script : {&sc.base.subject_steps, &sc.base.peer_steps})
    for (const auto& step : *script) steps = steps || step.kind == StepKind::kHold;
  auto holds = [](const std::vector<std::string>& plans) {
    return std::any_of(plans.begin(), plans.end(),
                       [](const std::string& p) { return p.find("hold") != std::string::npos; });
  };
  if (steps && (holds(sc.faults) || holds(sc.sweep.actions)))
    ctx.fail(at(t, holds(sc.faults) ? "faults" : "sweep"),
             "a 'hold' step and the fault action 'hold' do not go together (one hold at a time)");
}

// Record-layer steps that exist in one protocol version only, or have a size limit: a
// heartbeat is TLS 1.2 (RFC 8446 has none), record padding TLS 1.3, and a pipe holds 64 KiB
// (Linux's default capacity) before its producer would block.
void check_record_steps(const TomlCtx& ctx, const Scenario& sc, const toml::table& t) {
  bool only12 = sc.protocols == std::vector{Protocol::kTls12};
  bool only13 = sc.protocols == std::vector{Protocol::kTls13};
  for (bool subject_side : {true, false}) {
    const char* key = subject_side ? "subject" : "peer";
    for (const auto& step : subject_side ? sc.base.subject_steps : sc.base.peer_steps) {
      if (step.kind == StepKind::kPing && !only12)
        ctx.fail(at(t, key), "'ping N' needs protocols = [\"tls12\"]: TLS 1.3 has no heartbeat");
      if (step.kind == StepKind::kSendEmpty && step.pad > 0 && !only13)
        ctx.fail(at(t, key),
                 "'send_empty pad P' needs protocols = [\"tls13\"]: record padding is TLS 1.3");
      bool pipe = step.source == FileSource::kPipe || step.source == FileSource::kEmptyPipe;
      if (pipe && step.send_bytes > kPipeCapacity)
        ctx.fail(at(t, key), "'send_file N pipe|empty_pipe' takes at most 64k (a pipe's capacity)");
    }
  }
}

// GnuTLS's own socket I/O cannot be intercepted, so it takes no faults.
void check_socket_io(const TomlCtx& ctx, const Scenario& sc, const toml::table& t) {
  bool faulty = sc.faults.size() > 1 || sc.faults.front() != "none" || !sc.sweep.actions.empty();
  if (has(sc.socket_io, true) && faulty)
    ctx.fail(at(t, "io"),
             "io = \"socket\" cannot take fault plans or sweeps: GnuTLS then does "
             "its own socket I/O, which the harness cannot intercept");
}

// Steps that exist in one protocol version only, or on one side only.
void check_protocol_steps(const TomlCtx& ctx, const Scenario& sc, const toml::table& t) {
  bool has12 = has(sc.protocols, Protocol::kTls12), has13 = has(sc.protocols, Protocol::kTls13);
  for (bool subject_side : {true, false}) {
    const char* key = subject_side ? "subject" : "peer";
    // Some variant makes this side the client (the subject's role, or the peer's opposite one).
    bool ever_client = has(sc.roles, subject_side ? Role::kClient : Role::kServer);
    for (const auto& step : subject_side ? sc.base.subject_steps : sc.base.peer_steps) {
      if (step.kind == StepKind::kRehandshake && has13)
        ctx.fail(at(t, key),
                 "'rehandshake' needs protocols = [\"tls12\"]: TLS 1.3 has no renegotiation");
      if (step.kind == StepKind::kKeyUpdate && has12)
        ctx.fail(at(t, key),
                 "'key_update' needs protocols = [\"tls13\"]: TLS 1.2 has no KeyUpdate");
      if (step.kind == StepKind::kSendFile && !subject_side)
        ctx.fail(at(t, key), "'send_file' is a GnuTLS call: only the subject's script has it");
      if ((step.kind == StepKind::kReauth || step.kind == StepKind::kTicket) &&
          (has12 || ever_client))
        ctx.fail(at(t, key), "'" + step.text() +
                                 "' needs TLS 1.3 and this side to be the server in every "
                                 "variant");
    }
  }
}

// DTLS runs over datagrams and only there; a datagram moves whole or not at all.
void check_datagram_axes(const TomlCtx& ctx, const Scenario& sc, const toml::table& t) {
  bool dtls = has(sc.protocols, Protocol::kDtls12);
  bool dgram = has(sc.transports, TransportKind::kDgram);
  if (dtls && (sc.protocols.size() > 1 || !dgram || sc.transports.size() > 1))
    ctx.fail(at(t, "protocols"), "'dtls12' runs alone, over transports = [\"dgram\"]");
  if (dgram && !dtls)
    ctx.fail(at(t, "transports"), "transport 'dgram' carries only protocols = [\"dtls12\"]");
  if (!sc.base.subject.nonblock && !dtls)
    ctx.fail(at(t, "nonblock"), "'nonblock = false' is probed for DTLS only");
  if (dtls && sc.base.send_chunk > kMaxDatagramChunk)
    ctx.fail(t.get("send_chunk") ? at(t, "send_chunk") : at(t, "protocols"),
             "DTLS sends at most one record per call: 'send_chunk' must be <= " +
                 std::to_string(kMaxDatagramChunk) + " (the data MTU)");
}

// Fault plans (and sweep actions, as the single-fault plans they become) that a datagram
// socket can carry, and losses only where there are datagrams to lose.
void check_datagram_plans(const TomlCtx& ctx, const Scenario& sc, const toml::table& t) {
  bool dgram = has(sc.transports, TransportKind::kDgram);
  auto check_plans = [&](const std::vector<std::string>& plans, const char* key, bool sweep) {
    for (const auto& text : plans) {
      FaultPlan plan = FaultPlan::parse(sweep ? "io@1=" + text : text);
      if (dgram && plan.moves_part())
        ctx.fail(at(t, key),
                 "'" + text + "' moves part of a datagram, which a datagram socket cannot do");
      if (!dgram && plan.drops())
        ctx.fail(at(t, key), "'" + text + "' loses a datagram: it needs transports = [\"dgram\"]");
    }
  };
  check_plans(sc.faults, "faults", false);
  check_plans(sc.sweep.actions, "sweep", true);
}

void check_datagram_steps(const TomlCtx& ctx, const Scenario& sc, const toml::table& t) {
  if (!has(sc.protocols, Protocol::kDtls12)) return;
  for (const auto* steps : {&sc.base.subject_steps, &sc.base.peer_steps})
    for (const auto& step : *steps)
      if (step.kind != StepKind::kHandshake && step.kind != StepKind::kTransfer &&
          step.kind != StepKind::kBye && step.kind != StepKind::kExpectEof)
        ctx.fail(at(t, steps == &sc.base.subject_steps ? "subject" : "peer"),
                 "step '" + step.text() +
                     "' is not probed over DTLS (handshake, send, recv, duplex, bye and eof are)");
}

}  // namespace

void check_scenario_rules(const TomlCtx& ctx, const Scenario& sc, const toml::table& t) {
  check_key_needs(ctx, sc, t);
  check_ciphers(ctx, t);
  check_scripts(ctx, sc, t);
  check_early_data(ctx, sc, t);
  check_interjections(ctx, sc, t);
  check_tickets(ctx, sc, t);
  check_hold_steps(ctx, sc, t);
  check_record_steps(ctx, sc, t);
  check_socket_io(ctx, sc, t);
  check_protocol_steps(ctx, sc, t);
  check_datagram_axes(ctx, sc, t);
  check_datagram_plans(ctx, sc, t);
  check_datagram_steps(ctx, sc, t);
}

}  // namespace dirprobe
