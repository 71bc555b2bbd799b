// What the interposer (harness/preload/) wrote about one run of a program: every process, every
// GnuTLS session, the calls the program made, the transport operations under them and the
// program's readiness waits, in each process's order. Format: docs/apps.md, "The log".
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dirprobe {

struct AppEntry {
  enum class Kind { kCall, kIo, kWaitBegin, kWait, kGate, kTransport, kSession, kEnd, kError };
  Kind kind = Kind::kCall;
  int session = 0;     // calls, io, transport, session, end
  std::string api;     // calls, waits: the function; transport: how; gate: "read"/"write"
  std::int64_t arg = 0, rc = 0;
  std::string name;    // calls: the rc's name; io: errno name; error: the text
  int dir = -1;        // calls: direction after the call
  bool push = false;   // io
  std::uint64_t n = 0; // io: the fault plan's point index
  int fd = -1;         // io, gate
  std::int64_t len = 0;
  std::string fault;   // io: the injected action ("" when none)
  bool gated = false, cont = false, open = false;  // io: refused by the gate / continuation; gate: opened
  std::optional<bool> nonblock;                    // io: O_NONBLOCK at the session's first operation
  std::vector<std::array<int, 3>> fds;             // waits: fd, events asked, events reported
  std::int64_t timeout = 0;
  double ms = 0;                                   // waits: since the process's first line
};

struct AppSession {
  int id = 0, pid = 0;
  std::string gnutls, lib, role;
  bool planned = false, ended = false;
  std::optional<bool> nonblock;
  int fd = -1;  // the descriptor of its first transport operation
  std::uint64_t pushes = 0, pulls = 0, injected = 0, unused = 0;
};

struct AppProcess {
  int pid = 0, ppid = 0;
  std::string exe, gnutls, lib;
  std::vector<AppEntry> entries;
};

struct AppTrace {
  std::vector<AppProcess> processes;     // in pid order
  std::map<int, AppSession> sessions;    // by global session index
  std::vector<std::string> errors;       // the interposer's own error lines
  std::size_t lines = 0;
};

// Reads every DIR/<pid>.jsonl. A line that is not what the interposer writes is an error
// naming the file and line (std::runtime_error).
AppTrace read_app_log(const std::filesystem::path& dir);

// The watchdog's measure of the program's activity: the GnuTLS calls and transport operations
// logged so far (readiness waits do not count: a program that waits in a loop with a timeout
// and never moves a byte is quiet). Reads only what was appended since the last call.
class LogActivity {
 public:
  explicit LogActivity(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::uint64_t count();

 private:
  std::filesystem::path dir_;
  std::map<std::string, std::uintmax_t> offsets_;
  std::uint64_t count_ = 0;
};

}  // namespace dirprobe
