// The interposer's log (/work/spec/app-interfaces.md section 2): DIR/<pid>.jsonl, one JSON
// object per line, each line one write(2) on an O_APPEND descriptor, so a killed process loses
// nothing. The first line of each process (also of a forked child) is its "process" line; "seq"
// counts lines per process. Writing never changes errno.
#pragma once

#include <string>

namespace dirprobe::preload {

// One log line, fields in the order they are added; write() prepends "seq".
class Line {
 public:
  explicit Line(const char* ev);
  Line& num(const char* key, long long value);
  Line& str(const char* key, const char* value);  // nullptr is written as null
  Line& str(const char* key, const std::string& value) { return str(key, value.c_str()); }
  Line& boolean(const char* key, bool value);
  Line& raw(const char* key, const std::string& json);
  // "ms": milliseconds since the process's first log line (CLOCK_MONOTONIC).
  Line& ms();
  void write();

 private:
  void key(const char* k);
  std::string body_;
};

// Logs {"ev":"error","what":...}, says it on stderr and ends the process with status 97.
[[noreturn]] void fatal(const std::string& what);

// The name of an errno value ("EAGAIN"), or its number as text.
std::string errno_name(int err);

}  // namespace dirprobe::preload
