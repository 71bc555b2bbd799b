#include "harness/scenario_keys.h"

#include <gnutls/gnutls.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <stdexcept>

#include "harness/events.h"
#include "harness/fault_plan.h"
#include "harness/scenario_steps.h"

namespace dirprobe {
namespace {

using V = const KeyValue&;

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

Invariant parse_inv(const std::string& text) {
  auto inv = parse_invariant(text);
  if (!inv)
    throw std::invalid_argument("unknown invariant '" + text +
                                "' (expected " + invariant_names() + ")");
  return *inv;
}

std::string check_plan(const std::string& text) { return FaultPlan::parse(text).text(); }
std::string check_action(const std::string& text) { return parse_fault_action(text).text(); }

// `text` when it is one of `choices`; else std::invalid_argument naming them.
std::string one_of(const std::string& text, std::vector<std::string_view> choices,
                   std::string_view what) {
  if (std::find(choices.begin(), choices.end(), text) != choices.end()) return text;
  std::string list;
  for (std::size_t i = 0; i < choices.size(); ++i)
    list += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + std::string(choices[i]);
  throw std::invalid_argument("unknown " + std::string(what) + " '" + text + "' (expected " + list +
                              ")");
}

// A string value that must be one of `choices` (fails at the value).
std::string choice(V v, std::vector<std::string_view> choices, std::string_view what) {
  try {
    return one_of(v.string(), std::move(choices), what);
  } catch (const std::invalid_argument& e) {
    v.fail(e.what());
  }
}

void apply_name(V v, Scenario& sc) {
  sc.base.scenario = v.string();
  for (char c : sc.base.scenario)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-')
      v.fail("name '" + sc.base.scenario + "' may hold only letters, digits and '-'");
}

void apply_steps(V v, std::vector<Step>& steps) { steps = v.list<Step>(parse_step); }

void apply_subject(V v, Scenario& sc) {
  apply_steps(v, sc.base.subject_steps);
  for (const auto& step : sc.base.subject_steps)
    if (step.interject == OtherCall::kPing || step.interject == OtherCall::kPong ||
        step.kind == StepKind::kPing)
      sc.base.subject.heartbeat = true;
}

// A `ping` step of the peer needs heartbeat on both sides, as the subject's does.
void apply_peer(V v, Scenario& sc) {
  apply_steps(v, sc.base.peer_steps);
  for (const auto& step : sc.base.peer_steps)
    if (step.kind == StepKind::kPing) sc.base.subject.heartbeat = true;
}

void apply_sweep_ops(V v, Scenario& sc) {
  auto ops = v.list<std::string>([](const std::string& s) {
    return one_of(s, {"push", "pull"}, "operation");
  });
  sc.sweep.push = std::count(ops.begin(), ops.end(), "push") > 0;
  sc.sweep.pull = std::count(ops.begin(), ops.end(), "pull") > 0;
}

void apply_seeds(V v, Scenario& sc) {
  sc.seeds.clear();
  for (const auto& item : *v.node.as_array())
    sc.seeds.push_back(static_cast<std::uint64_t>(need_int(v.ctx, item, v.key, 0)));
}

void apply_tickets(V v, Scenario& sc) {
  bool manual = choice(v, {"auto", "manual"}, "ticket setting") == "manual";
  sc.base.subject.tickets = manual ? Tickets::kManual : Tickets::kAuto;
}

// "<where>:<rc>": where = post-client-hello | hook-post-client-hello, rc = again | interrupted.
void apply_callback(V v, Scenario& sc) {
  std::string text = v.string();
  auto colon = text.find(':');
  std::string where = text.substr(0, colon),
              rc = colon == std::string::npos ? "" : text.substr(colon + 1);
  if ((where != "post-client-hello" && where != "hook-post-client-hello") ||
      (rc != "again" && rc != "interrupted"))
    v.fail("callback '" + text +
           "' must be <post-client-hello|hook-post-client-hello>:<again|interrupted>");
  sc.base.subject.callback = where;
  sc.base.subject.callback_rc = rc == "again" ? GNUTLS_E_AGAIN : GNUTLS_E_INTERRUPTED;
}

void apply_flags(V v, Scenario& sc) {
  for (const auto& f : v.list<std::string>([](const std::string& s) { return s; })) {
    auto it = kFlags.find(f);
    if (it == kFlags.end()) v.fail("unknown session flag '" + f + "'");
    sc.base.subject.extra_flags |= it->second;
  }
}

// "<axis values>: <reason>", the values protocol, peer or role names separated by spaces.
NotApplicable parse_not_applicable(const std::string& text) {
  auto colon = text.find(':');
  if (colon == std::string::npos || colon + 1 >= text.size())
    throw std::invalid_argument("'" + text + "' must be '<protocol|peer|role ...>: <reason>'");
  NotApplicable rule;
  rule.reason = text.substr(text.find_first_not_of(' ', colon + 1));
  std::istringstream axes(text.substr(0, colon));
  bool all = false;
  for (std::string word; axes >> word;) {
    if (word == "all")
      all = true;
    else if (word == "tls12" || word == "tls13" || word == "dtls12")
      rule.protocol = parse_protocol(word);
    else if (word == "gnutls" || word == "openssl")
      rule.peer = parse_peer(word);
    else if (word == "client" || word == "server")
      rule.role = parse_role(word);
    else
      throw std::invalid_argument("'" + text + "': '" + word +
                                  "' is not a protocol, peer or role name");
  }
  if (!rule.protocol && !rule.peer && !rule.role && !all)
    throw std::invalid_argument("'" + text + "' names no protocol, peer or role (or 'all')");
  return rule;
}

// One declaration per key. A key's value is applied in this order, after its type is checked.
constexpr ScenarioKey kKeys[] = {
    {"name", true, ValueType::kString, "",
     "unique; letters, digits, `-`; first part of every case id", apply_name},
    {"family", true, ValueType::kString, "",
     "group in reports (`handshake`, `transfer`, `bye`, ...)",
     [](V v, Scenario& sc) { sc.base.family = v.string(); }},
    {"claim", true, ValueType::kString, "", "one line: what must hold, in plain words",
     [](V v, Scenario& sc) { sc.base.claim = v.string(); }},
    {"protocols", true, ValueType::kStrings, "",
     "`tls12`, `tls13`, or `dtls12` alone (with `transports = [\"dgram\"]`, sends of at most "
     "1024 bytes)",
     [](V v, Scenario& sc) { sc.protocols = v.list<Protocol>(parse_protocol); }},
    {"roles", true, ValueType::kStrings, "", "the subject's role: `client`, `server`",
     [](V v, Scenario& sc) { sc.roles = v.list<Role>(parse_role); }},
    {"peers", true, ValueType::kStrings, "", "`gnutls`, `openssl`",
     [](V v, Scenario& sc) { sc.peers = v.list<PeerLibrary>(parse_peer); }},
    {"subject", true, ValueType::kStrings, "", "the subject's step script (steps below)",
     apply_subject},
    {"peer", true, ValueType::kStrings, "", "the peer's step script (steps below)", apply_peer},
    {"assert", true, ValueType::kStrings, "", "invariants whose violation fails the case",
     [](V v, Scenario& sc) {
       for (auto inv : v.list<Invariant>(parse_inv)) sc.base.asserted.add(inv);
     }},
    {"premises", true, ValueType::kStrings, "",
     "the events the claim depends on, all required: `<side>.<event>[>=N]` (see Premises "
     "below). A bare handshake meets none of them; a group of cases none of which meets "
     "them is `vacuous`",
     [](V v, Scenario& sc) { sc.base.premises = v.list<Premise>(parse_premise); }},
    {"record", false, ValueType::kStrings, "",
     "invariants only recorded (any id not asserted is recorded anyway)",
     [](V v, Scenario& sc) { sc.recorded = v.list<Invariant>(parse_inv); }},
    {"transports", false, ValueType::kStrings, R"(["unix"])", "`unix`, `tcp`, `dgram` (DTLS only)",
     [](V v, Scenario& sc) { sc.transports = v.list<TransportKind>(parse_transport); }},
    {"io", false, ValueType::kStrings, R"(["callbacks"])",
     "`callbacks`, `socket` (GnuTLS's own socket I/O; no faults)",
     [](V v, Scenario& sc) {
       sc.socket_io = v.list<bool>([](const std::string& s) {
         return one_of(s, {"callbacks", "socket"}, "io") == "socket";
       });
     }},
    {"policies", false, ValueType::kStrings, R"(["oblivious", "trusting"])",
     "the subject's event loop (`docs/design.md`): `oblivious` (retry every pending call each "
     "round), `trusting` (each call waits for the direction it reported), `single-wait` (one "
     "poll per socket for the last reported direction), `edge` (epoll `EPOLLET`: a new edge in "
     "the reported direction, receives drain `check_pending` first), `edge-naive` (the same "
     "without the drain), `busy` (3 immediate retries, then as `trusting`)",
     [](V v, Scenario& sc) { sc.policies = v.list<LoopPolicy>(parse_policy); }},
    {"retry", false, ValueType::kStrings, R"(["same"])",
     "`same`, `null` (retry a send with NULL, 0); misuse, judged by R2: `different` (other "
     "bytes, same size), `smaller` (other bytes, half the size), `larger` (other bytes, twice "
     "the size)",
     [](V v, Scenario& sc) { sc.retries = v.list<RetryMode>(parse_retry); }},
    {"ciphers", false, ValueType::kStrings, R"(["default"])",
     "record ciphers of both sides: `default` (each library's preference; TLS 1.2 and DTLS 1.2 "
     "limited to AEAD suites), `chacha20-poly1305`, `aes-128-ccm` (with an RSA key in TLS 1.2 "
     "and DTLS 1.2: RSA key exchange); not with `priority`",
     [](V v, Scenario& sc) { sc.ciphers = v.list<Cipher>(parse_cipher); }},
    {"faults", false, ValueType::kStrings, R"(["none"])",
     "fault plans for the subject's transport, see `harness/fault_plan.h`",
     [](V v, Scenario& sc) { sc.faults = v.list<std::string>(check_plan); }},
    {"sweep", false, ValueType::kStrings, "",
     "fault actions swept over every push and pull of the clean run (absent: no sweep)",
     [](V v, Scenario& sc) { sc.sweep.actions = v.list<std::string>(check_action); }},
    {"sweep_ops", false, ValueType::kStrings, R"(["push", "pull"])",
     "which operations the sweep covers: `push`, `pull` (needs `sweep`)", apply_sweep_ops},
    {"sweep_phase", false, ValueType::kString, R"("all")",
     "`all`; `handshake`: only the subject's I/O during its first handshake; `flights`: only "
     "its I/O before its first call that moves application data (the handshake and, say, TLS "
     "1.3 tickets read before any data); `interleaved`: from the call whose E_AGAIN made the "
     "step's `then CALL` due, to the end (needs `sweep`)",
     [](V v, Scenario& sc) {
       std::string phase =
           choice(v, {"all", "handshake", "flights", "interleaved"}, "sweep_phase");
       sc.sweep.phase = phase == "handshake"     ? SweepPhase::kHandshake
                        : phase == "flights"     ? SweepPhase::kFlights
                        : phase == "interleaved" ? SweepPhase::kInterleaved
                                                 : SweepPhase::kAll;
     }},
    {"nonblock", false, ValueType::kBoolean, "true",
     "DTLS only: `false` drops `GNUTLS_NONBLOCK` (pull_timeout then waits, bounded)",
     [](V v, Scenario& sc) { sc.base.subject.nonblock = v.boolean(); }},
    {"resume", false, ValueType::kBoolean, "false",
     "`true`: a clean first connection saves a session, the case's own connection must resume "
     "it",
     [](V v, Scenario& sc) { sc.base.resume = v.boolean(); }},
    {"early_data", false, ValueType::kBoolean, "false",
     "`true` (with `resume`, TLS 1.3, GnuTLS peer): `GNUTLS_ENABLE_EARLY_DATA`, anti-replay on "
     "the server",
     [](V v, Scenario& sc) { sc.base.subject.early_data = v.boolean(); }},
    {"tickets", false, ValueType::kString, "",
     "a server's TLS 1.3 tickets without `resume`: `auto` (its handshake sends them; a GnuTLS "
     "server gets a ticket key), `manual` (only the script's `ticket` steps: GnuTLS with a key and "
     "`GNUTLS_NO_AUTO_SEND_TICKET`, OpenSSL with `SSL_CTX_set_num_tickets(ctx, 0)`); absent: "
     "each library's default (a GnuTLS server has no key and sends none, OpenSSL sends two)",
     apply_tickets},
    {"seeds", false, ValueType::kIntegers, "[0]", "data pattern seeds", apply_seeds},
    {"sndbuf", false, ValueType::kInteger, "0",
     "socket send buffer size to ask for (0: kernel default)",
     [](V v, Scenario& sc) { sc.base.buffers.sndbuf = static_cast<int>(v.integer(0)); }},
    {"rcvbuf", false, ValueType::kInteger, "0",
     "socket receive buffer size to ask for (0: kernel default)",
     [](V v, Scenario& sc) { sc.base.buffers.rcvbuf = static_cast<int>(v.integer(0)); }},
    {"send_chunk", false, ValueType::kInteger, "16384", "bytes per send call",
     [](V v, Scenario& sc) { sc.base.send_chunk = static_cast<std::size_t>(v.integer(1)); }},
    {"recv_buffer", false, ValueType::kInteger, "16384", "bytes offered per recv call",
     [](V v, Scenario& sc) { sc.base.recv_buffer = static_cast<std::size_t>(v.integer(1)); }},
    {"priority", false, ValueType::kString, "",
     "the subject's GnuTLS priority string, used as it is (absent: NORMAL limited to the "
     "protocol and to `ciphers`)",
     [](V v, Scenario& sc) { sc.base.subject.priority = v.string(); }},
    {"flags", false, ValueType::kStrings, "",
     "extra `gnutls_init` flags by name (`GNUTLS_NO_TICKETS`, `GNUTLS_AUTO_REAUTH`, ...)",
     apply_flags},
    {"key", false, ValueType::kString, R"("ed25519")", "`ed25519` or `rsa`",
     [](V v, Scenario& sc) {
       bool rsa = choice(v, {"ed25519", "rsa"}, "key type") == "rsa";
       sc.base.subject.key = rsa ? KeyType::kRsa2048 : KeyType::kEd25519;
     }},
    {"buffer_bound", false, ValueType::kInteger, "",
     "bytes the subject may hold while quenched (needed to assert B1)",
     [](V v, Scenario& sc) {
       sc.base.buffer_bound =
           static_cast<std::uint64_t>(v.integer(0, std::numeric_limits<std::int64_t>::max()));
     }},
    {"timeout_ms", false, ValueType::kInteger, "",
     "wall-clock limit per case for a call that never returns (absent: the runner's, 20000); "
     "the worker is killed and the case is `stalled`",
     [](V v, Scenario& sc) { sc.base.timeout_ms = static_cast<int>(v.integer(1)); }},
    {"tick_budget", false, ValueType::kInteger, "200000",
     "scheduler rounds before the case is cut off",
     [](V v, Scenario& sc) {
       sc.base.tick_budget =
           static_cast<std::uint64_t>(v.integer(1, std::numeric_limits<std::int64_t>::max()));
     }},
    {"callback", false, ValueType::kString, "",
     "`post-client-hello:again`, `post-client-hello:interrupted`, `hook-post-client-hello:again` "
     "or `hook-post-client-hello:interrupted`: a GnuTLS callback interrupts the handshake once",
     apply_callback},
    {"not_applicable", false, ValueType::kStrings, "",
     "`\"<protocol|peer|role ...|all>: <reason>\"`: the cases with those axis values are skipped "
     "with the reason, shown as n/a",
     [](V v, Scenario& sc) { sc.not_applicable = v.list<NotApplicable>(parse_not_applicable); }},
    {"post_handshake_auth", false, ValueType::kBoolean, "false",
     "`true`: TLS 1.3 post-handshake authentication enabled on both sides",
     [](V v, Scenario& sc) { sc.base.subject.post_handshake_auth = v.boolean(); }},
};

const ScenarioKey* find_key(std::string_view name) {
  for (const auto& key : kKeys)
    if (key.name == name) return &key;
  return nullptr;
}

// The fallbacks as one TOML table, parsed once.
const toml::table& fallbacks() {
  static const toml::table table = [] {
    std::string text;
    for (const auto& key : kKeys)
      if (!key.fallback.empty())
        text += std::string(key.name) + " = " + std::string(key.fallback) + "\n";
    return toml::parse(text, std::string_view("scenario_keys.cc"));
  }();
  return table;
}

void check_type(V v, ValueType type) {
  const std::string key(v.key);
  switch (type) {
    case ValueType::kString:
      if (!v.node.is_string()) v.fail("'" + key + "' must be a string");
      break;
    case ValueType::kStrings:
      if (!v.node.is_array()) v.fail("'" + key + "' must be an array of strings");
      break;
    case ValueType::kInteger:
      if (!v.node.is_integer()) v.fail("'" + key + "' must be an integer");
      break;
    case ValueType::kIntegers:
      if (!v.node.is_array() || v.node.as_array()->empty())
        v.fail("'" + key + "' must be a non-empty array of integers");
      break;
    case ValueType::kBoolean:
      if (!v.node.is_boolean()) v.fail("'" + key + "' must be true or false");
      break;
  }
}

// A Markdown table cell: '|' would end it.
std::string cell(std::string_view text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

}  // namespace

std::string_view value_type_name(ValueType type) {
  static constexpr std::string_view kNames[] = {"string", "strings", "integer", "integers",
                                                "boolean"};
  return kNames[static_cast<int>(type)];
}

std::string KeyValue::string() const { return need_string(ctx, node, key); }

std::int64_t KeyValue::integer(std::int64_t min, std::int64_t max) const {
  std::int64_t v = need_int(ctx, node, key, min);
  if (v > max) fail("'" + std::string(key) + "' must be at most " + std::to_string(max));
  return v;
}

bool KeyValue::boolean() const {
  if (!node.is_boolean()) fail("'" + std::string(key) + "' must be true or false");
  return *node.value<bool>();
}

std::span<const ScenarioKey> scenario_keys() { return kKeys; }

void apply_scenario_keys(const TomlCtx& ctx, const toml::table& t, Scenario& scenario) {
  for (auto&& [key, value] : t)
    if (find_key(key.str()) == nullptr)
      ctx.fail(value, "unknown key '" + std::string(key.str()) + "' in scenario");
  static const TomlCtx kFallbackCtx{"scenario_keys.cc"};
  int line = static_cast<int>(t.source().begin.line);
  for (const auto& key : kKeys) {
    const toml::node* node = t.get(key.name);
    if (node == nullptr && key.required)
      ctx.fail(line, "scenario lacks required key '" + std::string(key.name) + "'");
    if (node == nullptr && key.fallback.empty()) continue;
    KeyValue value{node ? ctx : kFallbackCtx, node ? *node : *fallbacks().get(key.name), key.name};
    check_type(value, key.type);
    key.apply(value, scenario);
  }
}

std::string scenario_keys_markdown() {
  std::string out =
      "| key | required | type | default | meaning |\n"
      "|-----|----------|------|---------|---------|\n";
  for (const auto& key : kKeys)
    out += "| `" + std::string(key.name) + "` | " + (key.required ? "yes" : "no") + " | " +
           std::string(value_type_name(key.type)) + " | " +
           (key.fallback.empty() ? "" : "`" + cell(key.fallback) + "`") + " | " + cell(key.doc) +
           " |\n";
  out += "\nSteps of `subject` and `peer` (N, M, P, S, R: byte counts such as `512`, `64k`, `1M`):";
  std::string_view sep = " ";
  for (auto form : step_forms()) {
    out += std::string(sep) + "`" + std::string(form) + "`";
    sep = ", ";
  }
  return out + ".\n";
}

std::string init_flag_names(unsigned flags) {
  std::string out;
  for (const auto& [name, value] : kFlags)
    if ((flags & value) != 0) out += (out.empty() ? "" : " | ") + name;
  return out.empty() ? "0" : "(" + out + ")";
}

}  // namespace dirprobe
