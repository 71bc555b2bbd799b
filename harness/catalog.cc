#include "harness/catalog.h"

#include <gnutls/gnutls.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "harness/driver.h"
#include "harness/fault_plan.h"
#include "harness/toml_reader.h"

namespace dirprobe {
namespace {

using Ctx = TomlCtx;

const std::set<std::string, std::less<>> kKnownKeys = {
    "name",         "family",      "claim",       "protocols",  "roles",    "peers",
    "transports",   "policies",    "retry",       "io",         "sndbuf",   "rcvbuf",
    "subject",      "peer",        "faults",      "seeds",      "sweep",    "assert",
    "record",       "send_chunk",  "recv_buffer", "priority",   "flags",    "key",
    "buffer_bound", "tick_budget", "sweep_ops",   "timeout_ms", "callback", "post_handshake_auth",
    "nonblock",     "sweep_phase", "resume",      "early_data"};

const std::map<std::string, unsigned, std::less<>> kFlags = {
    {"GNUTLS_NO_TICKETS", GNUTLS_NO_TICKETS},
    {"GNUTLS_POST_HANDSHAKE_AUTH", GNUTLS_POST_HANDSHAKE_AUTH},
    {"GNUTLS_AUTO_REAUTH", GNUTLS_AUTO_REAUTH},
    {"GNUTLS_ENABLE_FALSE_START", GNUTLS_ENABLE_FALSE_START},
    {"GNUTLS_ENABLE_EARLY_START", GNUTLS_ENABLE_EARLY_START},
    {"GNUTLS_NO_SIGNAL", GNUTLS_NO_SIGNAL},
    {"GNUTLS_SAFE_PADDING_CHECK", GNUTLS_SAFE_PADDING_CHECK},
    {"GNUTLS_NO_EXTENSIONS", GNUTLS_NO_EXTENSIONS},
};

std::uint64_t parse_size(const std::string& text) {
  std::uint64_t value = 0, scale = 1;
  std::string_view digits = text;
  if (!digits.empty() && (digits.back() == 'k' || digits.back() == 'K')) scale = 1024;
  if (!digits.empty() && digits.back() == 'M') scale = 1024 * 1024;
  if (scale != 1) digits.remove_suffix(1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty())
    throw std::invalid_argument("'" + text + "' is not a byte count (e.g. 512, 64k, 1M)");
  return value * scale;
}

Step parse_step(const std::string& text) {
  std::istringstream in(text);
  std::string verb, a, b, extra;
  in >> verb >> a >> b >> extra;
  auto arity = [&](int n) {
    int got = !a.empty() + !b.empty() + !extra.empty();
    if (got != n)
      throw std::invalid_argument("step '" + text + "' takes " + std::to_string(n) +
                                  " argument(s)");
  };
  Step s;
  if (verb == "handshake") {
    arity(0);
  } else if (verb == "send" && b == "pad") {
    if (extra.empty()) throw std::invalid_argument("step '" + text + "': 'pad' needs a byte count");
    s.kind = StepKind::kTransfer;
    s.send_bytes = parse_size(a);
    s.pad = static_cast<std::size_t>(parse_size(extra));
  } else if (verb == "send" && (b == "alert" || b == "ping")) {
    arity(2);
    s.kind = StepKind::kTransfer;
    s.send_bytes = parse_size(a);
    s.interject = b;
  } else if (verb == "send" || verb == "recv") {
    arity(1);
    s.kind = StepKind::kTransfer;
    (verb == "send" ? s.send_bytes : s.recv_bytes) = parse_size(a);
  } else if (verb == "duplex") {
    arity(2);
    s.kind = StepKind::kTransfer;
    s.send_bytes = parse_size(a);
    s.recv_bytes = parse_size(b);
  } else if (verb == "bye") {
    arity(1);
    s.kind = StepKind::kBye;
    s.how = parse_bye(a);
  } else if (verb == "eof") {
    arity(0);
    s.kind = StepKind::kExpectEof;
  } else if (verb == "early" || verb == "early_once" || verb == "recv_early") {
    arity(1);
    s.kind = verb == "recv_early" ? StepKind::kRecvEarly : StepKind::kEarlyData;
    s.once = verb == "early_once";
    (verb == "recv_early" ? s.recv_bytes : s.send_bytes) = parse_size(a);
  } else if (verb == "send_empty") {
    arity(0);
    s.kind = StepKind::kSendEmpty;
  } else if (verb == "send_file") {
    arity(1);
    s.kind = StepKind::kSendFile;
    s.send_bytes = parse_size(a);
  } else if (verb == "reauth") {
    arity(0);
    s.kind = StepKind::kReauth;
  } else if (verb == "ticket") {
    arity(0);
    s.kind = StepKind::kTicket;
  } else if (verb == "cork" || verb == "cork_wait") {
    arity(1);
    s.kind = StepKind::kCorked;
    s.send_bytes = parse_size(a);
    s.wait = verb == "cork_wait";
  } else if (verb == "rehandshake") {
    arity(0);
    s.kind = StepKind::kRehandshake;
  } else if (verb == "key_update") {
    if (!a.empty() && a != "peer")
      throw std::invalid_argument("step '" + text + "': key_update takes only 'peer'");
    if (!b.empty()) throw std::invalid_argument("step '" + text + "' takes at most 1 argument");
    s.kind = StepKind::kKeyUpdate;
    s.request_peer = a == "peer";
  } else {
    throw std::invalid_argument(
        "unknown step '" + text +
        "' (expected handshake, send N, recv N, duplex S R, bye rdwr|wr, "
        "eof, rehandshake, key_update [peer], ticket, cork N, cork_wait N, "
        "send N pad P, send N alert, send N ping, send_file N, send_empty, early N, early_once N, "
        "recv_early N)");
  }
  return s;
}

Invariant parse_inv(const std::string& text) {
  auto inv = parse_invariant(text);
  if (!inv)
    throw std::invalid_argument("unknown invariant '" + text +
                                "' (expected D1 D2 S1 S2 Q1 Q2 B1 L1 R1)");
  return *inv;
}

std::string check_plan(const std::string& text) {
  try {
    return FaultPlan::parse(text).text();
  } catch (const FaultPlanError& e) {
    throw std::invalid_argument(e.what());
  }
}

std::uint64_t sum(const std::vector<Step>& steps, std::uint64_t Step::*field) {
  std::uint64_t total = 0;
  for (const auto& s : steps) total += s.*field;
  return total;
}

const toml::node& require(const Ctx& ctx, const toml::table& t, std::string_view key, int line) {
  return require_key(ctx, t, key, "scenario", line);
}

// 0-RTT: a TLS 1.3 resumption with early data enabled on both sides; the client
// sends it before its handshake, the server reads it after its own.
void check_early_data(const Ctx& ctx, const Scenario& sc, const toml::table& t) {
  const CaseSpec& b = sc.base;
  auto uses = [](const std::vector<Step>& steps, StepKind kind) {
    return std::any_of(steps.begin(), steps.end(), [&](const Step& s) { return s.kind == kind; });
  };
  for (bool subject_side : {true, false}) {
    const auto& steps = subject_side ? b.subject_steps : b.peer_steps;
    const char* key = subject_side ? "subject" : "peer";
    for (auto [kind, role, verb] :
         {std::tuple{StepKind::kEarlyData, Role::kClient, "early"},
          std::tuple{StepKind::kRecvEarly, Role::kServer, "recv_early"}}) {
      if (!uses(steps, kind)) continue;
      if (kind == StepKind::kEarlyData && steps.front().kind != StepKind::kEarlyData)
        ctx.fail(*t.get(key), "'early N' comes first, before 'handshake'");
      Role side_role =
          subject_side ? role : (role == Role::kClient ? Role::kServer : Role::kClient);
      bool ok = b.resume && b.subject.early_data && sc.protocols == std::vector{Protocol::kTls13} &&
                sc.roles == std::vector{side_role};
      if (!ok)
        ctx.fail(*t.get(key), std::string("'") + verb +
                                  "' needs resume = true, early_data = "
                                  "true, protocols = [\"tls13\"] and this side to be the " +
                                  (role == Role::kClient ? "client" : "server") +
                                  " in every variant");
    }
  }
  if (b.subject.early_data && !b.resume)
    ctx.fail(*t.get("early_data"), "'early_data = true' needs resume = true (0-RTT resumes)");
}

// 'send N alert|ping' are GnuTLS calls of the subject; a heartbeat needs TLS 1.2 and a GnuTLS
// peer (OpenSSL 3 has none).
void check_interjections(const Ctx& ctx, const Scenario& sc, const toml::table& t) {
  for (const auto& step : sc.base.peer_steps)
    if (!step.interject.empty())
      ctx.fail(*t.get("peer"), "'send N " + step.interject + "' is probed on the subject only");
  for (const auto& step : sc.base.subject_steps)
    if (step.interject == "ping" && (sc.protocols != std::vector{Protocol::kTls12} ||
                                     sc.peers != std::vector{PeerLibrary::kGnutls}))
      ctx.fail(*t.get("subject"),
               "'send N ping' needs protocols = [\"tls12\"] and peers = "
               "[\"gnutls\"] (heartbeat is TLS 1.2; OpenSSL 3 has none)");
}

// DTLS runs over datagrams and only there; a datagram moves whole or not at all.
void check_datagram(const Ctx& ctx, const Scenario& sc, const toml::table& t) {
  bool dtls =
      std::find(sc.protocols.begin(), sc.protocols.end(), Protocol::kDtls12) != sc.protocols.end();
  bool dgram = std::find(sc.transports.begin(), sc.transports.end(), TransportKind::kDgram) !=
               sc.transports.end();
  if (dtls && (sc.protocols.size() > 1 || !dgram || sc.transports.size() > 1))
    ctx.fail(*t.get("protocols"), "'dtls12' runs alone, over transports = [\"dgram\"]");
  if (dgram && !dtls)
    ctx.fail(*t.get("transports"), "transport 'dgram' carries only protocols = [\"dtls12\"]");
  if (!sc.base.subject.nonblock && !dtls)
    ctx.fail(*t.get("nonblock"), "'nonblock = false' is probed for DTLS only");
  if (dtls && sc.base.send_chunk > kMaxDatagramChunk)
    ctx.fail(t.get("send_chunk") ? *t.get("send_chunk") : *t.get("protocols"),
             "DTLS sends at most one record per call: 'send_chunk' must be <= " +
                 std::to_string(kMaxDatagramChunk) + " (the data MTU)");
  // Sweep actions are checked as the single-fault plans they become.
  auto check_plans = [&](const std::vector<std::string>& plans, const char* key, bool sweep) {
    for (const auto& text : plans) {
      FaultPlan plan = FaultPlan::parse(sweep ? "io@1=" + text : text);
      if (dgram && plan.moves_part())
        ctx.fail(*t.get(key),
                 "'" + text + "' moves part of a datagram, which a datagram socket cannot do");
      if (!dgram && plan.drops())
        ctx.fail(*t.get(key), "'" + text + "' loses a datagram: it needs transports = [\"dgram\"]");
    }
  };
  check_plans(sc.faults, "faults", false);
  check_plans(sc.sweep.actions, "sweep", true);
  if (!dtls) return;
  for (const auto* steps : {&sc.base.subject_steps, &sc.base.peer_steps})
    for (const auto& step : *steps)
      if (step.kind != StepKind::kHandshake && step.kind != StepKind::kTransfer &&
          step.kind != StepKind::kBye && step.kind != StepKind::kExpectEof)
        ctx.fail(*t.get(steps == &sc.base.subject_steps ? "subject" : "peer"),
                 "step '" + step.text() +
                     "' is not probed over DTLS (handshake, send, recv, "
                     "duplex, bye and eof are)");
}

void check_consistency(const Ctx& ctx, const Scenario& sc, const toml::table& t) {
  const CaseSpec& b = sc.base;
  if (sum(b.subject_steps, &Step::send_bytes) != sum(b.peer_steps, &Step::recv_bytes))
    ctx.fail(*t.get("peer"), "the subject sends " +
                                 std::to_string(sum(b.subject_steps, &Step::send_bytes)) +
                                 " bytes but the peer receives " +
                                 std::to_string(sum(b.peer_steps, &Step::recv_bytes)));
  if (sum(b.peer_steps, &Step::send_bytes) != sum(b.subject_steps, &Step::recv_bytes))
    ctx.fail(*t.get("subject"), "the peer sends " +
                                    std::to_string(sum(b.peer_steps, &Step::send_bytes)) +
                                    " bytes but the subject receives " +
                                    std::to_string(sum(b.subject_steps, &Step::recv_bytes)));
  for (const auto* steps : {&b.subject_steps, &b.peer_steps}) {
    std::size_t first = !steps->empty() && steps->front().kind == StepKind::kEarlyData ? 1 : 0;
    if (steps->size() <= first || (*steps)[first].kind != StepKind::kHandshake)
      ctx.fail(*t.get(steps == &b.subject_steps ? "subject" : "peer"),
               "a script must start with 'handshake' (after 'early N' on a 0-RTT client)");
  }
  check_early_data(ctx, sc, t);
  check_interjections(ctx, sc, t);
  bool socket_io = std::find(sc.socket_io.begin(), sc.socket_io.end(), true) != sc.socket_io.end();
  bool faulty = sc.faults.size() > 1 || sc.faults.front() != "none" || !sc.sweep.actions.empty();
  if (socket_io && faulty)
    ctx.fail(*t.get("io"),
             "io = \"socket\" cannot take fault plans or sweeps: GnuTLS then does "
             "its own socket I/O, which the harness cannot intercept");
  auto has = [](const auto& list, auto value) {
    return std::find(list.begin(), list.end(), value) != list.end();
  };
  bool has12 = has(sc.protocols, Protocol::kTls12), has13 = has(sc.protocols, Protocol::kTls13);
  for (bool subject_side : {true, false}) {
    const char* key = subject_side ? "subject" : "peer";
    // Some variant makes this side the client (the subject's role, or the peer's opposite one).
    bool ever_client = has(sc.roles, subject_side ? Role::kClient : Role::kServer);
    for (const auto& step : subject_side ? b.subject_steps : b.peer_steps) {
      std::string what = step.text();
      if (step.kind == StepKind::kRehandshake && has13)
        ctx.fail(*t.get(key),
                 "'rehandshake' needs protocols = [\"tls12\"]: TLS 1.3 has no "
                 "renegotiation");
      if (step.kind == StepKind::kKeyUpdate && has12)
        ctx.fail(*t.get(key),
                 "'key_update' needs protocols = [\"tls13\"]: TLS 1.2 has no "
                 "KeyUpdate");
      if (step.kind == StepKind::kSendFile && !subject_side)
        ctx.fail(*t.get(key), "'send_file' is a GnuTLS call: only the subject's script has it");
      if ((step.kind == StepKind::kReauth || step.kind == StepKind::kTicket) &&
          (has12 || ever_client))
        ctx.fail(*t.get(key), "'" + what +
                                  "' needs TLS 1.3 and this side to be the server in "
                                  "every variant");
    }
  }
  check_datagram(ctx, sc, t);
  if (b.asserted.contains(Invariant::B1) && !b.buffer_bound)
    ctx.fail(*t.get("assert"), "asserting B1 needs 'buffer_bound'");
}

Scenario parse_scenario(const Ctx& ctx, const toml::table& t) {
  int line = static_cast<int>(t.source().begin.line);
  for (auto&& [key, value] : t)
    if (!kKnownKeys.contains(key.str()))
      ctx.fail(value, "unknown key '" + std::string(key.str()) + "' in scenario");
  Scenario sc;
  sc.file = ctx.file;
  sc.line = line;
  CaseSpec& b = sc.base;
  b.scenario = need_string(ctx, require(ctx, t, "name", line), "name");
  b.family = need_string(ctx, require(ctx, t, "family", line), "family");
  b.claim = need_string(ctx, require(ctx, t, "claim", line), "claim");
  for (char c : b.scenario)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-')
      ctx.fail(*t.get("name"), "name '" + b.scenario + "' may hold only letters, digits and '-'");
  auto ident = [](const std::string& s) { return s; };
  sc.protocols =
      need_list<Protocol>(ctx, require(ctx, t, "protocols", line), "protocols", parse_protocol);
  sc.roles = need_list<Role>(ctx, require(ctx, t, "roles", line), "roles", parse_role);
  sc.peers = need_list<PeerLibrary>(ctx, require(ctx, t, "peers", line), "peers", parse_peer);
  b.subject_steps = need_list<Step>(ctx, require(ctx, t, "subject", line), "subject", parse_step);
  b.peer_steps = need_list<Step>(ctx, require(ctx, t, "peer", line), "peer", parse_step);
  for (auto inv : need_list<Invariant>(ctx, require(ctx, t, "assert", line), "assert", parse_inv))
    b.asserted.add(inv);
  if (auto* n = t.get("record"))
    for (auto inv : need_list<Invariant>(ctx, *n, "record", parse_inv))
      if (b.asserted.contains(inv))
        ctx.fail(*n, std::string(invariant_name(inv)) + " is both asserted and only recorded");
  sc.transports = t.get("transports") ? need_list<TransportKind>(ctx, *t.get("transports"),
                                                                 "transports", parse_transport)
                                      : std::vector{TransportKind::kUnix};
  sc.policies = t.get("policies")
                    ? need_list<LoopPolicy>(ctx, *t.get("policies"), "policies", parse_policy)
                    : std::vector{LoopPolicy::kOblivious, LoopPolicy::kTrusting};
  sc.retries = t.get("retry") ? need_list<RetryMode>(ctx, *t.get("retry"), "retry", parse_retry)
                              : std::vector{RetryMode::kSame};
  sc.socket_io =
      t.get("io")
          ? need_list<bool>(ctx, *t.get("io"), "io",
                            [](const std::string& s) {
                              if (s != "callbacks" && s != "socket")
                                throw std::invalid_argument("unknown io '" + s +
                                                            "' (expected callbacks or socket)");
                              return s == "socket";
                            })
          : std::vector{false};
  sc.faults = t.get("faults") ? need_list<std::string>(ctx, *t.get("faults"), "faults", check_plan)
                              : std::vector<std::string>{"none"};
  if (auto* n = t.get("sweep"))
    sc.sweep.actions = need_list<std::string>(ctx, *n, "sweep", [](const std::string& s) {
      try {
        return parse_fault_action(s).text();
      } catch (const FaultPlanError& e) {
        throw std::invalid_argument(e.what());
      }
    });
  if (auto* n = t.get("sweep_ops")) {
    if (sc.sweep.actions.empty()) ctx.fail(*n, "'sweep_ops' needs 'sweep'");
    auto ops = need_list<std::string>(ctx, *n, "sweep_ops", [](const std::string& s) {
      if (s != "push" && s != "pull")
        throw std::invalid_argument("unknown operation '" + s + "' (expected push or pull)");
      return s;
    });
    sc.sweep.push = std::count(ops.begin(), ops.end(), "push") > 0;
    sc.sweep.pull = std::count(ops.begin(), ops.end(), "pull") > 0;
  }
  if (auto* n = t.get("seeds")) {
    const toml::array* arr = n->as_array();
    if (arr == nullptr || arr->empty())
      ctx.fail(*n, "'seeds' must be a non-empty array of integers");
    for (const auto& item : *arr)
      sc.seeds.push_back(static_cast<std::uint64_t>(need_int(ctx, item, "seeds", 0)));
  } else {
    sc.seeds = {0};
  }
  if (auto* n = t.get("sndbuf"))
    b.buffers.sndbuf = static_cast<int>(need_int(ctx, *n, "sndbuf", 0));
  if (auto* n = t.get("rcvbuf"))
    b.buffers.rcvbuf = static_cast<int>(need_int(ctx, *n, "rcvbuf", 0));
  if (auto* n = t.get("send_chunk"))
    b.send_chunk = static_cast<std::size_t>(need_int(ctx, *n, "send_chunk", 1));
  if (auto* n = t.get("recv_buffer"))
    b.recv_buffer = static_cast<std::size_t>(need_int(ctx, *n, "recv_buffer", 1));
  if (auto* n = t.get("tick_budget"))
    b.tick_budget = static_cast<std::uint64_t>(need_int(ctx, *n, "tick_budget", 1));
  if (auto* n = t.get("callback")) {
    // "<where>:<rc>": where = post-client-hello | hook-post-client-hello, rc = again | interrupted.
    std::string text = need_string(ctx, *n, "callback");
    auto colon = text.find(':');
    std::string where = text.substr(0, colon),
                rc = colon == std::string::npos ? "" : text.substr(colon + 1);
    if ((where != "post-client-hello" && where != "hook-post-client-hello") ||
        (rc != "again" && rc != "interrupted"))
      ctx.fail(*n, "callback '" + text +
                       "' must be <post-client-hello|hook-post-client-hello>:"
                       "<again|interrupted>");
    b.subject.callback = where;
    b.subject.callback_rc = rc == "again" ? GNUTLS_E_AGAIN : GNUTLS_E_INTERRUPTED;
  }
  if (auto* n = t.get("post_handshake_auth")) {
    if (!n->is_boolean()) ctx.fail(*n, "'post_handshake_auth' must be true or false");
    b.subject.post_handshake_auth = *n->value<bool>();
  }
  if (auto* n = t.get("nonblock")) {
    if (!n->is_boolean()) ctx.fail(*n, "'nonblock' must be true or false");
    b.subject.nonblock = *n->value<bool>();
  }
  if (auto* n = t.get("resume")) {
    if (!n->is_boolean()) ctx.fail(*n, "'resume' must be true or false");
    b.resume = *n->value<bool>();
  }
  if (auto* n = t.get("early_data")) {
    if (!n->is_boolean()) ctx.fail(*n, "'early_data' must be true or false");
    b.subject.early_data = *n->value<bool>();
  }
  if (auto* n = t.get("sweep_phase")) {
    if (sc.sweep.actions.empty()) ctx.fail(*n, "'sweep_phase' needs 'sweep'");
    std::string phase = need_string(ctx, *n, "sweep_phase");
    if (phase != "all" && phase != "handshake")
      ctx.fail(*n, "unknown sweep_phase '" + phase + "' (expected all or handshake)");
    sc.sweep.handshake_only = phase == "handshake";
  }
  if (auto* n = t.get("timeout_ms"))
    b.timeout_ms = static_cast<int>(need_int(ctx, *n, "timeout_ms", 1));
  if (auto* n = t.get("buffer_bound"))
    b.buffer_bound = static_cast<std::uint64_t>(need_int(ctx, *n, "buffer_bound", 0));
  if (auto* n = t.get("priority")) b.subject.priority = need_string(ctx, *n, "priority");
  if (auto* n = t.get("key")) {
    std::string k = need_string(ctx, *n, "key");
    if (k != "ed25519" && k != "rsa")
      ctx.fail(*n, "unknown key type '" + k + "' (expected ed25519 or rsa)");
    b.subject.key = k == "rsa" ? KeyType::kRsa2048 : KeyType::kEd25519;
  }
  if (auto* n = t.get("flags"))
    for (const auto& f : need_list<std::string>(ctx, *n, "flags", ident)) {
      auto it = kFlags.find(f);
      if (it == kFlags.end()) ctx.fail(*n, "unknown session flag '" + f + "'");
      b.subject.extra_flags |= it->second;
    }
  for (const auto& step : b.subject_steps)
    if (step.interject == "ping") b.subject.heartbeat = true;
  check_consistency(ctx, sc, t);
  return sc;
}

}  // namespace

std::vector<Scenario> load_scenario_text(const std::string& text, const std::string& name) {
  Ctx ctx{name};
  toml::table root = parse_toml(ctx, text);
  for (auto&& [key, value] : root)
    if (key.str() != "scenario")
      ctx.fail(value, "unknown top-level key '" + std::string(key.str()) +
                          "' (scenarios are [[scenario]] tables)");
  const toml::array* list = root["scenario"].as_array();
  if (list == nullptr || list->empty()) ctx.fail(1, "no [[scenario]] tables in file");
  std::vector<Scenario> out;
  for (const auto& node : *list) {
    const toml::table* t = node.as_table();
    if (t == nullptr) ctx.fail(node, "'scenario' must be an array of tables ([[scenario]])");
    out.push_back(parse_scenario(ctx, *t));
  }
  return out;
}

std::vector<Scenario> load_scenario_file(const std::filesystem::path& file) {
  return load_scenario_text(read_text_file(file), file.string());
}

Catalog load_catalog(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir))
    throw CatalogError(dir.string() + ": scenario directory not found");
  auto files = files_in(dir, ".toml");
  Catalog catalog;
  std::map<std::string, std::string> seen;
  for (const auto& file : files)
    for (auto& sc : load_scenario_file(file)) {
      auto [it, fresh] = seen.emplace(sc.base.scenario, sc.file + ":" + std::to_string(sc.line));
      if (!fresh)
        throw CatalogError(sc.file + ":" + std::to_string(sc.line) + ": scenario name '" +
                           sc.base.scenario + "' is already used at " + it->second);
      catalog.scenarios.push_back(std::move(sc));
    }
  if (catalog.scenarios.empty()) throw CatalogError(dir.string() + ": no scenario files (*.toml)");
  return catalog;
}

std::vector<CaseSpec> expand(const Scenario& sc) {
  std::vector<CaseSpec> out;
  for (auto protocol : sc.protocols)
    for (auto role : sc.roles)
      for (auto peer : sc.peers)
        for (auto transport : sc.transports)
          for (bool socket_io : sc.socket_io)
            for (auto policy : sc.policies)
              for (auto retry : sc.retries)
                for (const auto& plan : sc.faults)
                  for (auto seed : sc.seeds) {
                    CaseSpec c = sc.base;
                    c.subject.protocol = protocol;
                    c.subject.role = role;
                    c.subject.socket_io = socket_io;
                    c.peer = peer;
                    c.transport = transport;
                    c.policy = policy;
                    c.retry = retry;
                    c.fault_plan = plan;
                    c.seed = seed;
                    c.variant = std::string(protocol_name(protocol)) + "-" +
                                std::string(role_name(role)) + "-" + std::string(peer_name(peer)) +
                                "-" + std::string(transport_name(transport)) +
                                (socket_io ? "-sockio" : "") + "-" +
                                std::string(policy_name(policy)) +
                                (retry == RetryMode::kNull        ? "-nullretry"
                                 : retry == RetryMode::kDifferent ? "-diffretry"
                                                                  : "");
                    out.push_back(std::move(c));
                  }
  return out;
}

// The subject's trace up to the end of its first handshake (calls before its first other call).
std::size_t handshake_trace_end(const CaseRun& run) {
  std::size_t end = 0;
  for (const auto& call : run.calls) {
    if (call.side != Side::kSubject || call.api == Api::kSendEarly) continue;
    if (call.api != Api::kHandshake) break;
    end = call.io.end;
  }
  return end;
}

std::vector<CaseSpec> sweep_points(const CaseSpec& clean, const SweepSpec& sweep) {
  CaseRun run;
  try {
    run = run_case(clean);
  } catch (const SkipCase&) {
    return {};  // the runtime cannot run the case at all: its clean variant reports the skip
  }
  std::size_t end = run.subject_trace.size();
  if (sweep.handshake_only) end = handshake_trace_end(run);
  std::size_t pushes = 0, pulls = 0;
  for (std::size_t i = 0; i < end; ++i)
    if (!run.subject_trace[i].poll) ++(run.subject_trace[i].op == IoOp::kPush ? pushes : pulls);
  std::vector<CaseSpec> out;
  for (const auto& action : sweep.actions)
    for (auto [op, count] :
         {std::pair{"push", sweep.push ? pushes : 0}, std::pair{"pull", sweep.pull ? pulls : 0}})
      for (std::size_t i = 1; i <= count; ++i) {
        CaseSpec c = clean;
        c.fault_plan = std::string(op) + "@" + std::to_string(i) + "=" + action;
        out.push_back(std::move(c));
      }
  return out;
}

std::vector<CaseSpec> expand_all(const Scenario& sc) {
  std::vector<CaseSpec> out = expand(sc);
  if (sc.sweep.actions.empty()) return out;
  std::size_t base = out.size();
  for (std::size_t i = 0; i < base; ++i)
    if (out[i].fault_plan == "none")
      for (auto& c : sweep_points(out[i], sc.sweep)) out.push_back(std::move(c));
  return out;
}

std::filesystem::path default_scenario_dir() {
  if (const char* env = std::getenv("DIRPROBE_SCENARIO_DIR")) return env;
  return DIRPROBE_SCENARIO_DIR;
}

}  // namespace dirprobe
