#include "harness/app_log.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace dirprobe {
namespace {

using nlohmann::json;

std::string str_or(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::int64_t int_or(const json& j, const char* key, std::int64_t fallback = 0) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : fallback;
}

bool bool_or(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

std::vector<std::array<int, 3>> wait_fds(const json& j) {
  std::vector<std::array<int, 3>> out;
  auto it = j.find("fds");
  if (it == j.end() || !it->is_array()) return out;
  for (const json& f : *it) {
    if (!f.is_array() || f.size() < 2) throw std::invalid_argument("'fds' items must be [fd, events(, revents)]");
    out.push_back({f[0].get<int>(), f[1].get<int>(), f.size() > 2 ? f[2].get<int>() : 0});
  }
  return out;
}

AppEntry io_entry(const json& j) {
  AppEntry e;
  e.kind = AppEntry::Kind::kIo;
  e.session = static_cast<int>(int_or(j, "s"));
  std::string op = str_or(j, "op");
  if (op != "push" && op != "pull") throw std::invalid_argument("io 'op' must be push or pull");
  e.push = op == "push";
  e.n = static_cast<std::uint64_t>(int_or(j, "n"));
  e.fd = static_cast<int>(int_or(j, "fd", -1));
  e.len = int_or(j, "len");
  e.rc = int_or(j, "rc");
  e.name = str_or(j, "errno");
  e.fault = str_or(j, "fault");
  e.gated = bool_or(j, "gated");
  e.cont = bool_or(j, "cont");
  if (auto it = j.find("nonblock"); it != j.end() && it->is_boolean()) e.nonblock = it->get<bool>();
  return e;
}

// One line into `proc` (and the session table); throws std::invalid_argument on a bad line.
void take_line(const json& j, AppProcess& proc, AppTrace& trace) {
  std::string ev = str_or(j, "ev");
  AppEntry e;
  if (ev == "process") {
    proc.pid = static_cast<int>(int_or(j, "pid"));
    proc.ppid = static_cast<int>(int_or(j, "ppid"));
    proc.exe = str_or(j, "exe");
    if (proc.gnutls.empty()) proc.gnutls = str_or(j, "gnutls");
    if (proc.lib.empty()) proc.lib = str_or(j, "lib");
    return;
  }
  if (ev == "session") {
    AppSession& s = trace.sessions[static_cast<int>(int_or(j, "s"))];
    s.id = static_cast<int>(int_or(j, "s"));
    s.pid = static_cast<int>(int_or(j, "pid", proc.pid));
    s.gnutls = str_or(j, "gnutls");
    s.lib = str_or(j, "lib");
    s.role = str_or(j, "role");
    s.planned = bool_or(j, "planned");
    proc.gnutls = s.gnutls;
    proc.lib = s.lib;
    e.kind = AppEntry::Kind::kSession;
    e.session = s.id;
  } else if (ev == "call") {
    e.kind = AppEntry::Kind::kCall;
    e.session = static_cast<int>(int_or(j, "s"));
    e.api = str_or(j, "api");
    if (e.api.empty()) throw std::invalid_argument("a call without 'api'");
    e.arg = int_or(j, "arg");
    e.rc = int_or(j, "rc");
    e.name = str_or(j, "name");
    e.dir = static_cast<int>(int_or(j, "dir", -1));
  } else if (ev == "io") {
    e = io_entry(j);
    AppSession& s = trace.sessions[e.session];
    if (s.fd < 0) s.fd = e.fd;
    if (!s.nonblock && e.nonblock) s.nonblock = e.nonblock;
  } else if (ev == "wait_begin" || ev == "wait") {
    e.kind = ev == "wait" ? AppEntry::Kind::kWait : AppEntry::Kind::kWaitBegin;
    e.api = str_or(j, "api");
    e.fds = wait_fds(j);
    e.timeout = int_or(j, "timeout");
    e.rc = int_or(j, "rc");
    e.name = str_or(j, "errno");
    if (auto it = j.find("ms"); it != j.end() && it->is_number()) e.ms = it->get<double>();
  } else if (ev == "gate") {
    e.kind = AppEntry::Kind::kGate;
    e.fd = static_cast<int>(int_or(j, "fd", -1));
    e.api = str_or(j, "dir");
    e.open = str_or(j, "state") == "open";
  } else if (ev == "transport") {
    e.kind = AppEntry::Kind::kTransport;
    e.session = static_cast<int>(int_or(j, "s"));
    e.api = str_or(j, "how");
  } else if (ev == "end") {
    AppSession& s = trace.sessions[static_cast<int>(int_or(j, "s"))];
    s.ended = true;
    s.pushes = static_cast<std::uint64_t>(int_or(j, "pushes"));
    s.pulls = static_cast<std::uint64_t>(int_or(j, "pulls"));
    s.injected = static_cast<std::uint64_t>(int_or(j, "injected"));
    s.unused = static_cast<std::uint64_t>(int_or(j, "unused"));
    e.kind = AppEntry::Kind::kEnd;
    e.session = s.id;
  } else if (ev == "error") {
    e.kind = AppEntry::Kind::kError;
    e.name = str_or(j, "what");
    trace.errors.push_back(e.name);
  } else {
    throw std::invalid_argument("unknown event '" + ev + "'");
  }
  proc.entries.push_back(std::move(e));
}

AppProcess read_process(const std::filesystem::path& file, AppTrace& trace) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file.string() + ": cannot be read");
  AppProcess proc;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    try {
      take_line(json::parse(line), proc, trace);
    } catch (const std::exception& e) {
      throw std::runtime_error(file.string() + ":" + std::to_string(number) + ": " + e.what());
    }
    ++trace.lines;
  }
  return proc;
}

}  // namespace

AppTrace read_app_log(const std::filesystem::path& dir) {
  AppTrace trace;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".jsonl") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) trace.processes.push_back(read_process(f, trace));
  std::sort(trace.processes.begin(), trace.processes.end(),
            [](const AppProcess& a, const AppProcess& b) { return a.pid < b.pid; });
  return trace;
}

std::uint64_t LogActivity::count() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    if (entry.path().extension() != ".jsonl") continue;
    std::uintmax_t& offset = offsets_[entry.path().filename().string()];
    std::uintmax_t size = entry.file_size(ec);
    if (ec || size <= offset) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset));
    std::string chunk(size - offset, '\0');
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    chunk.resize(static_cast<std::size_t>(in.gcount()));
    // Only whole lines: a line being written is counted on the next call.
    std::size_t end = chunk.rfind('\n');
    if (end == std::string::npos) continue;
    offset += end + 1;
    for (std::size_t at = 0; (at = chunk.find("\"ev\":\"", at)) != std::string::npos && at < end; at += 6)
      count_ += chunk.compare(at + 6, 5, "call\"") == 0 || chunk.compare(at + 6, 3, "io\"") == 0;
  }
  return count_;
}

}  // namespace dirprobe
