#include "harness/served_catalog.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "harness/scenario_keys.h"
#include "harness/scenario_steps.h"
#include "harness/toml_reader.h"

namespace dirprobe {
namespace {

using V = const KeyValue&;

// One step form: literal words, sizes (N, S, R), GET|POST|PUT, PATH (starts with '/').
// `catalog`: the catalog's own parser (parse_step) fills the step.
struct ServedForm {
  std::string_view pattern;
  ServedKind kind;
  bool catalog;
  std::string_view shown = {};  // as listed, when not the pattern ("" with `hidden`)
  bool hidden = false;
};

constexpr ServedForm kForms[] = {
    {"handshake", ServedKind::kTls, true},
    {"send N", ServedKind::kTls, true},
    {"recv N", ServedKind::kTls, true},
    {"duplex S R", ServedKind::kTls, true},
    {"recv_all", ServedKind::kTls, true},
    {"eof", ServedKind::kTls, true},
    {"bye rdwr|wr", ServedKind::kTls, true},
    {"key_update", ServedKind::kTls, true},
    {"key_update peer", ServedKind::kTls, true},
    {"rehandshake", ServedKind::kTls, true},
    {"ticket", ServedKind::kTls, true},
    {"reauth", ServedKind::kTls, true},
    {"alert", ServedKind::kTls, true},
    {"request", ServedKind::kRequest, false},
    {"request GET|POST|PUT PATH", ServedKind::kRequest, false, "request GET|POST|PUT PATH [N]"},
    {"request GET|POST|PUT PATH N", ServedKind::kRequest, false, {}, true},
    {"response N", ServedKind::kResponse, false},
    {"pause N", ServedKind::kPause, false},
    {"send N unread", ServedKind::kUnread, false},
};

std::vector<std::string> words(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool word_matches(std::string_view want, const std::string& got) {
  if (want.find('|') != std::string_view::npos) {
    std::string bars = "|" + std::string(want) + "|";
    return bars.find("|" + got + "|") != std::string::npos;
  }
  if (want == "PATH") return !got.empty() && got[0] == '/';
  if (want == "N" || want == "S" || want == "R") return true;  // checked by parse_size
  return want == got;
}

const ServedForm* match_form(const std::vector<std::string>& got) {
  for (const auto& form : kForms) {
    auto want = words(form.pattern);
    if (want.size() != got.size()) continue;
    bool ok = true;
    for (std::size_t i = 0; i < want.size() && ok; ++i) ok = word_matches(want[i], got[i]);
    if (ok) return &form;
  }
  return nullptr;
}

std::string forms_list() {
  std::string out;
  for (auto form : served_step_forms()) out += (out.empty() ? "" : ", ") + std::string(form);
  return out;
}

// One step's text as a ServedStep; std::invalid_argument names what is wrong.
ServedStep parse_served_step(const std::string& text) {
  auto got = words(text);
  const ServedForm* form = match_form(got);
  if (form == nullptr)
    throw std::invalid_argument("unknown step '" + text + "' (expected " + forms_list() + ")");
  ServedStep step;
  step.text = text;
  step.kind = form->kind;
  if (form->catalog) {
    step.tls = parse_step(text);
  } else if (form->kind == ServedKind::kRequest && got.size() > 1) {
    step.method = got[1];
    step.path = got[2];
    if (got.size() == 4) step.bytes = parse_size(got[3]);
  } else if (got.size() == 2 || form->kind == ServedKind::kUnread) {
    step.bytes = parse_size(got[1]);
  }
  if (step.kind == ServedKind::kPause && step.bytes == 0)
    throw std::invalid_argument("step '" + text + "': pause needs a byte count above 0");
  return step;
}

// What a step does to the byte streams, for the script checks.
std::uint64_t step_sends(const ServedStep& s) {
  if (s.kind == ServedKind::kUnread) return s.bytes;
  return s.kind == ServedKind::kTls && s.tls.kind == StepKind::kTransfer ? s.tls.send_bytes : 0;
}
std::uint64_t step_recvs(const ServedStep& s) {
  return s.kind == ServedKind::kTls && s.tls.kind == StepKind::kTransfer ? s.tls.recv_bytes : 0;
}
bool is_recv_all(const ServedStep& s) {
  return s.kind == ServedKind::kTls && s.tls.kind == StepKind::kExpectEof && s.tls.open_ended;
}
bool is_bye(const ServedStep& s) {
  return s.kind == ServedKind::kTls && s.tls.kind == StepKind::kBye;
}
// A step that writes anything (after a bye it would write after close_notify).
bool writes(const ServedStep& s) {
  if (s.kind == ServedKind::kRequest || s.kind == ServedKind::kResponse) return true;
  if (s.kind == ServedKind::kUnread) return true;
  if (s.kind != ServedKind::kTls) return false;
  switch (s.tls.kind) {
    case StepKind::kTransfer:
      return s.tls.send_bytes > 0;
    case StepKind::kExpectEof:
      return false;
    default:
      return true;
  }
}

struct ScriptCheck {
  const TomlCtx& ctx;
  ServedScenario& sc;
  const std::vector<int>& lines;

  [[noreturn]] void fail(std::size_t i, const std::string& what) const {
    ctx.fail(lines[i], "in 'script': step '" + sc.script[i].text + "' " + what);
  }
  bool has(Protocol p) const {
    return std::find(sc.protocols.begin(), sc.protocols.end(), p) != sc.protocols.end();
  }

  void run() {
    if (sc.script.empty()) ctx.fail(sc.line, "'script' must not be empty");
    for (std::size_t i = 0; i < sc.script.size(); ++i) check_step(i);
    check_closing();
    check_http();
    count_totals();
  }

  void check_step(std::size_t i) {
    const ServedStep& s = sc.script[i];
    bool handshake = s.kind == ServedKind::kTls && s.tls.kind == StepKind::kHandshake;
    if (i == 0 && !handshake) ctx.fail(lines[0], "in 'script': the first step must be 'handshake'");
    if (i > 0 && handshake) fail(i, "may only be the first step");
    if (s.kind == ServedKind::kRequest || s.kind == ServedKind::kResponse) {
      if (sc.exchange != Exchange::kHttp) fail(i, "needs exchange = \"http\"");
      bool client_form = !s.method.empty();
      if (s.kind == ServedKind::kRequest && client_form != (sc.role == Role::kClient))
        fail(i, sc.role == Role::kClient
                    ? "is the server's form; serve is the client here (request METHOD PATH [N])"
                    : "is the client's form; serve is the server here (use 'request')");
    }
    if (s.kind != ServedKind::kTls) return;
    StepKind k = s.tls.kind;
    bool tls13_only = k == StepKind::kKeyUpdate || k == StepKind::kTicket || k == StepKind::kReauth;
    if (tls13_only && has(Protocol::kTls12)) fail(i, "is TLS 1.3 only, but 'protocols' has tls12");
    if (k == StepKind::kRehandshake && has(Protocol::kTls13))
      fail(i, "is TLS 1.2 only, but 'protocols' has tls13");
    if ((k == StepKind::kTicket || k == StepKind::kReauth) && sc.role != Role::kServer)
      fail(i, "is the server's, but serve is the client here");
    if (k == StepKind::kAlert &&
        std::find(sc.peers.begin(), sc.peers.end(), PeerLibrary::kOpenssl) != sc.peers.end())
      fail(i,
           "needs GnuTLS (OpenSSL has no call that sends a warning alert), but 'peers' has "
           "openssl");
  }

  // Nothing writes after a bye; nothing at all follows bye rdwr.
  void check_closing() const {
    std::optional<std::size_t> bye;
    for (std::size_t i = 0; i < sc.script.size(); ++i) {
      const ServedStep& s = sc.script[i];
      if (bye && sc.script[*bye].tls.how == ByeHow::kRdwr)
        fail(i, "follows 'bye rdwr': the connection is closed");
      if (bye && writes(s)) fail(i, "writes after '" + sc.script[*bye].text + "'");
      if (is_bye(s)) bye = i;
    }
  }

  // HTTP: bodies sit between their request and response; each announced body is sent in full
  // (or ended early by a bye, on purpose), or by serve itself when no step sends it.
  void check_http() {
    if (sc.exchange != Exchange::kHttp) return;
    bool server = sc.role == Role::kServer;
    std::optional<std::size_t> request, response;
    for (std::size_t i = 0; i < sc.script.size(); ++i) {
      const ServedStep& s = sc.script[i];
      if (s.kind == ServedKind::kRequest) {
        if (request && !response) fail(i, "comes before the response to the previous request");
        request = i;
        response.reset();
      } else if (s.kind == ServedKind::kResponse) {
        if (!request) fail(i, "comes before any request");
        if (response) fail(i, "is a second response to one request");
        response = i;
      } else if (step_sends(s) > 0) {
        bool in_body = server ? response.has_value() : request && !response;
        if (!in_body)
          fail(i, server ? "sends outside a response body (after 'response N')"
                         : "sends outside a request body (between 'request METHOD PATH N' and "
                           "'response N')");
      } else if (step_recvs(s) > 0 || is_recv_all(s)) {
        bool in_body = server ? request && !response : response.has_value();
        if (!in_body)
          fail(i, server ? "reads outside a request body (between 'request' and 'response N')"
                         : "reads outside a response body (after 'response N')");
      }
    }
    for (std::size_t i = 0; i < sc.script.size(); ++i) {
      ServedKind k = sc.script[i].kind;
      if (server && k == ServedKind::kResponse) close_body(i);
      if (!server && k == ServedKind::kRequest) close_body(i);
      if (!server && k == ServedKind::kResponse) close_read_body(i);
    }
  }

  // The steps after `at` up to the next request or response.
  template <typename F>
  void for_body(std::size_t at, F f) const {
    for (std::size_t i = at + 1; i < sc.script.size(); ++i) {
      ServedKind k = sc.script[i].kind;
      if (k == ServedKind::kRequest || k == ServedKind::kResponse) break;
      f(sc.script[i]);
    }
  }

  // The body announced at step `at` (a server's response, a client's request).
  void close_body(std::size_t at) {
    ServedStep& head = sc.script[at];
    std::uint64_t sent = 0;
    bool bye = false;
    for_body(at, [&](const ServedStep& s) {
      sent += step_sends(s);
      bye = bye || is_bye(s);
    });
    if (sent == 0) head.auto_body = head.bytes > 0;
    std::string announced = "announces " + std::to_string(head.bytes) + " body bytes, but the ";
    if (sent > head.bytes) fail(at, announced + "script sends " + std::to_string(sent));
    if (sent > 0 && sent < head.bytes && !bye)
      fail(at, announced + "script sends " + std::to_string(sent) +
                   " (end the body early with 'bye wr' if that is the point)");
  }

  // A client's response: the recv steps after it read its body, or serve reads it itself.
  void close_read_body(std::size_t at) {
    ServedStep& head = sc.script[at];
    std::uint64_t read = 0;
    bool all = false;
    for_body(at, [&](const ServedStep& s) {
      read += step_recvs(s);
      all = all || is_recv_all(s);
    });
    if (read == 0 && !all) head.auto_body = head.bytes > 0;
    if (read != head.bytes && read > 0)
      fail(at, "announces " + std::to_string(head.bytes) + " body bytes, but the script reads " +
                   std::to_string(read));
  }

  void count_totals() {
    bool client = sc.role == Role::kClient;
    for (const ServedStep& s : sc.script) {
      sc.sends += step_sends(s);
      sc.receives += step_recvs(s);
      sc.receives_open_ended = sc.receives_open_ended || is_recv_all(s);
      if (!s.auto_body) continue;
      bool serve_sends = client == (s.kind == ServedKind::kRequest);
      (serve_sends ? sc.sends : sc.receives) += s.bytes;
    }
  }
};

// The schema: every key is required.
struct ServedKey {
  std::string_view name;
  void (*apply)(V value, ServedScenario& sc);
};

template <typename E>
using Choices = std::initializer_list<std::pair<std::string_view, E>>;

template <typename E>
E choose(V v, Choices<E> choices, std::string_view what) {
  std::string text = v.string(), names;
  for (const auto& [name, value] : choices) {
    if (name == text) return value;
    names += (names.empty() ? "" : " or ") + std::string(name);
  }
  v.fail("unknown " + std::string(what) + " '" + text + "' (expected " + names + ")");
}

Protocol tcp_protocol(const std::string& text) {
  Protocol p = parse_protocol(text);
  if (p == Protocol::kDtls12)
    throw std::invalid_argument("protocol 'dtls12': serve runs over TCP (expected tls12 or tls13)");
  return p;
}

constexpr ServedKey kKeys[] = {
    {"name",
     [](V v, ServedScenario& sc) {
       sc.name = v.string();
       for (char c : sc.name)
         if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-')
           v.fail("name '" + sc.name + "' may hold only letters, digits and '-'");
     }},
    {"what", [](V v, ServedScenario& sc) { sc.what = v.string(); }},
    {"exchange",
     [](V v, ServedScenario& sc) {
       sc.exchange = choose<Exchange>(v, {{"http", Exchange::kHttp}, {"stream", Exchange::kStream}},
                                      "exchange");
     }},
    {"role",
     [](V v, ServedScenario& sc) {
       sc.role = choose<Role>(v, {{"server", Role::kServer}, {"client", Role::kClient}}, "role");
     }},
    {"protocols",
     [](V v, ServedScenario& sc) {
       sc.protocols = v.list<Protocol>([](const std::string& s) { return tcp_protocol(s); });
     }},
    {"peers",
     [](V v, ServedScenario& sc) {
       sc.peers = v.list<PeerLibrary>([](const std::string& s) { return parse_peer(s); });
     }},
    {"script", [](V v, ServedScenario& sc) { sc.script = v.list<ServedStep>(parse_served_step); }},
};

ServedScenario parse_served(const TomlCtx& ctx, const toml::table& t) {
  ServedScenario sc;
  sc.file = ctx.file;
  sc.line = static_cast<int>(t.source().begin.line);
  for (auto&& [key, value] : t) {
    std::string_view name = key.str();  // a structured binding cannot be captured (clang 14)
    bool known = std::any_of(std::begin(kKeys), std::end(kKeys),
                             [&](const ServedKey& k) { return k.name == name; });
    if (!known)
      ctx.fail(value, "unknown key '" + std::string(name) +
                          "' in served scenario (expected name, what, exchange, role, protocols, "
                          "peers, script)");
  }
  for (const auto& key : kKeys) {
    const toml::node& node = require_key(ctx, t, key.name, "served scenario", sc.line);
    key.apply(KeyValue{ctx, node, key.name}, sc);
  }
  std::vector<int> lines;
  for (const auto& item : *t.get("script")->as_array())
    lines.push_back(static_cast<int>(item.source().begin.line));
  ScriptCheck{ctx, sc, lines}.run();
  return sc;
}

}  // namespace

std::vector<std::string_view> served_step_forms() {
  std::vector<std::string_view> out;
  for (const auto& form : kForms)
    if (!form.hidden) out.push_back(form.shown.empty() ? form.pattern : form.shown);
  return out;
}

std::vector<ServedScenario> load_served_text(const std::string& text, const std::string& name) {
  TomlCtx ctx{name};
  toml::table root = parse_toml(ctx, text);
  for (auto&& [key, value] : root)
    if (key.str() != "served")
      ctx.fail(value, "unknown top-level key '" + std::string(key.str()) +
                          "' (served scenarios are [[served]] tables)");
  const toml::node* list = root.get("served");
  if (list == nullptr) ctx.fail(1, "no [[served]] tables in file");
  const toml::array* arr = list->as_array();
  if (arr == nullptr) ctx.fail(*list, "'served' must be an array of tables ([[served]])");
  std::vector<ServedScenario> out;
  std::map<std::string, int> seen;
  for (const auto& node : *arr) {
    const toml::table* t = node.as_table();
    if (t == nullptr) ctx.fail(node, "'served' must be an array of tables ([[served]])");
    out.push_back(parse_served(ctx, *t));
    auto [it, fresh] = seen.emplace(out.back().name, out.back().line);
    if (!fresh)
      ctx.fail(out.back().line, "served scenario name '" + out.back().name +
                                    "' is already used at line " + std::to_string(it->second));
  }
  return out;
}

std::vector<ServedScenario> load_served(const std::filesystem::path& file) {
  return load_served_text(read_text_file(file), file.string());
}

const ServedScenario& find_served(const std::vector<ServedScenario>& all, std::string_view name) {
  std::string names;
  for (const auto& sc : all) {
    if (sc.name == name) return sc;
    names += (names.empty() ? "" : ", ") + sc.name;
  }
  throw std::runtime_error("no served scenario '" + std::string(name) + "' (there are " + names +
                           ")");
}

std::filesystem::path default_served_file() {
  if (const char* env = std::getenv("DIRPROBE_SCENARIO_DIR"))
    return std::filesystem::path(env) / "apps" / "served.toml";
  return std::filesystem::path(DIRPROBE_SCENARIO_DIR) / "apps" / "served.toml";
}

}  // namespace dirprobe
