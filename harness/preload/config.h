// The interposer's settings, read from the environment once per process at first use
// (/work/spec/app-interfaces.md section 1). Without DIRPROBE_APP_LOG the interposer is a pure
// pass-through: no log, no faults, no gate.
#pragma once

#include <string>

namespace dirprobe::preload {

struct Config {
  bool enabled = false;       // DIRPROBE_APP_LOG is set
  std::string log_dir;        // DIRPROBE_APP_LOG
  std::string plan = "none";  // DIRPROBE_APP_PLAN
  long planned_session = 1;  // DIRPROBE_APP_SESSION: the global 1-based session the plan applies to
  bool gate = false;         // DIRPROBE_APP_GATE=1
};

const Config& config();

}  // namespace dirprobe::preload
