#include "harness/app_catalog.h"

#include <algorithm>
#include <set>

#include "harness/catalog.h"
#include "harness/toml_reader.h"

namespace dirprobe {
namespace {

std::vector<std::string> string_list(const TomlCtx& ctx, const toml::node& node,
                                     std::string_view key) {
  return need_list<std::string>(ctx, node, key, [](const std::string& s) { return s; });
}

std::vector<std::string> one_of_list(const TomlCtx& ctx, const toml::node& node,
                                     std::string_view key, const std::set<std::string>& allowed) {
  return need_list<std::string>(ctx, node, key, [&](const std::string& s) {
    if (!allowed.contains(s)) {
      std::string names;
      for (const auto& a : allowed) names += (names.empty() ? "" : ", ") + a;
      throw std::invalid_argument("'" + s + "' is not one of " + names);
    }
    return s;
  });
}

void read_key(const TomlCtx& ctx, AppProgram& p, std::string_view key, const toml::node& value) {
  auto str = [&] { return need_string(ctx, value, key); };
  if (key == "name") p.name = str();
  else if (key == "what") p.what = str();
  else if (key == "kind") {
    std::string k = str();
    if (k != "client" && k != "server") ctx.fail(value, "'kind' must be \"client\" or \"server\"");
    p.kind = k == "client" ? AppKind::kClient : AppKind::kServer;
  } else if (key == "command") p.command = string_list(ctx, value, key);
  else if (key == "upload_command") p.upload_command = string_list(ctx, value, key);
  else if (key == "transfers") p.transfers = one_of_list(ctx, value, key, {"download", "upload"});
  else if (key == "exchange") {
    std::string e = str();
    if (e != "http" && e != "stream") ctx.fail(value, "'exchange' must be \"http\" or \"stream\"");
    p.exchanges = {e};
  }
  else if (key == "success") {
    p.success = str();
    if (p.success != "exit0") ctx.fail(value, "'success' must be \"exit0\"");
  } else if (key == "output") p.output = str();
  else if (key == "stdin") p.stdin_from = str();
  else if (key == "ready") p.ready = str();
  else if (key == "tls_processes") {
    p.tls_processes = str();
    if (p.tls_processes != "self" && p.tls_processes != "child")
      ctx.fail(value, "'tls_processes' must be \"self\" or \"child\"");
  } else if (key == "notes") p.notes = str();
  else if (key == "skip") p.skip = str();
  else if (key == "env") {
    const toml::table* t = value.as_table();
    if (t == nullptr) ctx.fail(value, "'env' must be a table of strings");
    for (const auto& [k, v] : *t) p.env[std::string(k.str())] = need_string(ctx, v, "env");
  } else {
    ctx.fail(value, "unknown key '" + std::string(key) + "' in program");
  }
}

AppProgram read_program(const TomlCtx& ctx, const toml::table& t) {
  AppProgram p;
  p.file = ctx.file;
  p.line = static_cast<int>(t.source().begin.line);
  for (const auto& [key, value] : t) read_key(ctx, p, key.str(), value);
  for (const char* key : {"name", "what", "kind", "command", "transfers"})
    require_key(ctx, t, key, "program", p.line);
  if (p.exchanges.empty()) p.exchanges = {"http"};
  return p;
}

}  // namespace

bool AppProgram::does(const std::string& transfer) const {
  return std::find(transfers.begin(), transfers.end(), transfer) != transfers.end();
}

bool AppProgram::speaks(const std::string& exchange) const {
  return std::find(exchanges.begin(), exchanges.end(), exchange) != exchanges.end();
}

std::filesystem::path default_programs_file() {
  return default_scenario_dir() / "apps" / "programs.toml";
}

std::vector<AppProgram> load_programs(const std::filesystem::path& file) {
  TomlCtx ctx{file.string()};
  toml::table doc = parse_toml(ctx, read_text_file(file));
  std::vector<AppProgram> out;
  std::set<std::string> names;
  for (const auto& [key, value] : doc) {
    if (key.str() != "program") ctx.fail(value, "unknown table '" + std::string(key.str()) + "' (expected [[program]])");
    const toml::array* arr = value.as_array();
    if (arr == nullptr) ctx.fail(value, "'program' must be an array of tables ([[program]])");
    for (const toml::node& item : *arr) {
      const toml::table* t = item.as_table();
      if (t == nullptr) ctx.fail(item, "each [[program]] must be a table");
      AppProgram p = read_program(ctx, *t);
      if (!names.insert(p.name).second) ctx.fail(p.line, "program '" + p.name + "' is defined twice");
      out.push_back(std::move(p));
    }
  }
  if (out.empty()) ctx.fail(1, "no [[program]] table");
  return out;
}

}  // namespace dirprobe
