#include "harness/preload/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <mutex>

#include "harness/preload/config.h"
#include "harness/preload/real.h"
#include "harness/preload/runtime.h"

namespace dirprobe::preload {
namespace {

struct LogFile {
  std::mutex mu;
  pid_t pid = 0;  // the process the file belongs to; a forked child opens its own
  int fd = -1;
  long long seq = 0;
  timespec start{};
};

LogFile& log_file() {
  static LogFile f;
  return f;
}

void append_escaped(std::string& out, const char* s) {
  out += '"';
  for (; *s != '\0'; ++s) {
    auto c = static_cast<unsigned char>(*s);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

void write_all(int fd, const std::string& text) {
  DP_REAL(write, "GLIBC_2.2.5");
  real_write(fd, text.data(), text.size());  // one write: O_APPEND keeps lines whole
}

std::string process_line(LogFile& f) {
  std::string line = "{\"seq\":" + std::to_string(f.seq++) + ",\"ev\":\"process\"";
  line += ",\"pid\":" + std::to_string(getpid()) + ",\"ppid\":" + std::to_string(getppid());
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = '\0';
  line += ",\"exe\":";
  append_escaped(line, exe);
  auto rt = gnutls_runtime();
  line += ",\"gnutls\":";
  if (rt)
    append_escaped(line, rt->version.c_str());
  else
    line += "null";
  line += ",\"lib\":";
  if (rt)
    append_escaped(line, rt->lib.c_str());
  else
    line += "null";
  return line + "}\n";
}

// Opens this process's file on its first line (again after a fork). Caller holds f.mu.
bool ensure_open(LogFile& f) {
  pid_t pid = getpid();
  if (f.pid == pid) return f.fd >= 0;
  if (f.fd >= 0) close(f.fd);
  f.pid = pid;
  f.seq = 0;
  clock_gettime(CLOCK_MONOTONIC, &f.start);
  std::string path = config().log_dir + "/" + std::to_string(pid) + ".jsonl";
  f.fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (f.fd >= 0) write_all(f.fd, process_line(f));
  return f.fd >= 0;
}

}  // namespace

Line::Line(const char* ev) {
  body_ = "\"ev\":";
  append_escaped(body_, ev);
}

void Line::key(const char* k) {
  body_ += ",\"";
  body_ += k;
  body_ += "\":";
}

Line& Line::num(const char* k, long long value) {
  key(k);
  body_ += std::to_string(value);
  return *this;
}

Line& Line::str(const char* k, const char* value) {
  key(k);
  if (value == nullptr)
    body_ += "null";
  else
    append_escaped(body_, value);
  return *this;
}

Line& Line::boolean(const char* k, bool value) {
  key(k);
  body_ += value ? "true" : "false";
  return *this;
}

Line& Line::raw(const char* k, const std::string& json) {
  key(k);
  body_ += json;
  return *this;
}

Line& Line::ms() {
  if (!config().enabled) return *this;
  LogFile& f = log_file();
  {
    std::lock_guard lock(f.mu);
    ensure_open(f);
  }
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  long long ms = (now.tv_sec - f.start.tv_sec) * 1000LL + (now.tv_nsec - f.start.tv_nsec) / 1000000;
  return num("ms", ms);
}

void Line::write() {
  if (!config().enabled) return;
  int saved = errno;
  LogFile& f = log_file();
  {
    std::lock_guard lock(f.mu);
    if (ensure_open(f))
      write_all(f.fd, "{\"seq\":" + std::to_string(f.seq++) + "," + body_ + "}\n");
  }
  errno = saved;
}

void fatal(const std::string& what) {
  Line("error").str("what", what).write();
  std::string msg = "dirprobe-preload: " + what + "\n";
  write_all(2, msg);
  _exit(97);
}

std::string errno_name(int err) {
  const char* name = strerrorname_np(err);
  return name != nullptr ? name : std::to_string(err);
}

}  // namespace dirprobe::preload
