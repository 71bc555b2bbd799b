#include "harness/interleavings.h"

#include <algorithm>
#include <set>
#include <string>

namespace dirprobe {
namespace {

// The keys the table itself reads; a call's other keys (post_handshake_auth, resume, ...) go
// into its cells' scenarios as they are, and are checked there.
const std::set<std::string, std::less<>> kStateKeys = {
    "name", "what", "retry", "role", "forms", "subject", "peer", "same_call"};
const std::set<std::string, std::less<>> kCallKeys = {"name",    "what",    "role",
                                                      "states",  "elsewhere", "subject",
                                                      "peer",    "not_applicable"};

int line_of(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

const toml::array& tables(const TomlCtx& ctx, const toml::table& t, std::string_view key) {
  const toml::array* list = t[key].as_array();
  if (list == nullptr || list->empty() ||
      !std::all_of(list->begin(), list->end(), [](const toml::node& n) { return n.is_table(); }))
    ctx.fail(t, "[interleavings] needs [[interleavings." + std::string(key) + "]] tables");
  return *list;
}

std::string text_of(const TomlCtx& ctx, const toml::table& t, std::string_view key) {
  const toml::node* node = t.get(key);
  if (node == nullptr) ctx.fail(t, "missing key '" + std::string(key) + "'");
  return need_string(ctx, *node, key);
}

void check_keys(const TomlCtx& ctx, const toml::table& t, const std::set<std::string, std::less<>>& known,
                std::string_view what) {
  for (auto&& [key, value] : t)
    if (!known.contains(key.str()))
      ctx.fail(value, "unknown key '" + std::string(key.str()) + "' in " + std::string(what));
}

// The script with `{call}` replaced by the call's name.
toml::array script(const TomlCtx& ctx, const toml::node& node, const std::string& call) {
  const toml::array* steps = node.as_array();
  if (steps == nullptr) ctx.fail(node, "a script must be an array of strings");
  toml::array out;
  for (const toml::node& step : *steps) {
    std::string text = need_string(ctx, step, "script");
    if (auto at = text.find("{call}"); at != std::string::npos) text.replace(at, 6, call);
    out.push_back(text);
  }
  return out;
}

toml::table cell(const TomlCtx& ctx, const toml::table& common, const toml::table& state,
                 const toml::table& call) {
  std::string state_name = text_of(ctx, state, "name"), call_name = text_of(ctx, call, "name");
  toml::table t = common;
  for (auto&& [key, value] : call)
    if (!kCallKeys.contains(key.str())) t.insert_or_assign(key.str(), value);
  t.insert_or_assign("name", "interleave-" + state_name + "-" + call_name);
  t.insert_or_assign("claim", text_of(ctx, call, "what") + " while " + text_of(ctx, state, "what") +
                                  ", then " + text_of(ctx, state, "retry") +
                                  ": each E_AGAIN names the blocked direction, a loop that "
                                  "waits for it completes, every byte and control message "
                                  "arrives exactly once, and no send reports more than it was "
                                  "offered.");
  const toml::table& role_from = call.contains("role") ? call : state;
  t.insert_or_assign("roles", toml::array{text_of(ctx, role_from, "role")});
  if (const toml::node* forms = state.get("forms")) t.insert_or_assign("retry", *forms);
  for (std::string_view side : {"subject", "peer"}) {
    const toml::node* steps = call.contains(side) ? call.get(side) : state.get(side);
    if (steps == nullptr) ctx.fail(state, "missing key '" + std::string(side) + "'");
    t.insert_or_assign(side, script(ctx, *steps, call_name));
  }
  toml::array na;
  if (const toml::node* rules = call.get("not_applicable")) {
    if (!rules->is_array()) ctx.fail(*rules, "'not_applicable' must be an array of strings");
    na = *rules->as_array();
  }
  if (const toml::node* states = call.get("states")) {
    const toml::array* list = states->as_array();
    if (list == nullptr) ctx.fail(*states, "'states' must be an array of strings");
    bool here = std::any_of(list->begin(), list->end(), [&](const toml::node& n) {
      return n.value<std::string>() == state_name;
    });
    if (!here) na.push_back("all: " + text_of(ctx, call, "elsewhere"));
  }
  if (const toml::node* same = state.get("same_call"); same && same->value<std::string>() == call_name)
    na.push_back("all: " + call_name + " is the pending call itself: calling it is the retry");
  if (!na.empty()) t.insert_or_assign("not_applicable", na);
  return t;
}

}  // namespace

std::vector<GeneratedScenario> expand_interleavings(const TomlCtx& ctx, const toml::table& table) {
  toml::table common = table;
  common.erase("pending");
  common.erase("call");
  std::vector<GeneratedScenario> out;
  const toml::array& states = tables(ctx, table, "pending");
  const toml::array& calls = tables(ctx, table, "call");
  for (const toml::node& s : states) check_keys(ctx, *s.as_table(), kStateKeys, "a pending state");
  for (const toml::node& s : states)
    for (const toml::node& c : calls)
      out.push_back({cell(ctx, common, *s.as_table(), *c.as_table()), line_of(c)});
  return out;
}

}  // namespace dirprobe
