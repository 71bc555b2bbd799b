// Runs one AppCase: prepares its files, starts `serve` (reused across the runs of a worker)
// and the program under the interposer, watches both until the program ends or goes quiet,
// and collects what happened. Judging is app_judge.h's.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>

#include "harness/app_case.h"
#include "harness/app_catalog.h"
#include "harness/app_log.h"
#include "harness/app_process.h"
#include "harness/app_runtime.h"
#include "harness/expectations.h"
#include "harness/serve.h"
#include "harness/served_catalog.h"

namespace dirprobe {

struct AppSettings {
  std::filesystem::path preload;  // libdirprobe-preload.so
  std::filesystem::path work;     // run directories and the credentials
  AppRuntime runtime;
  // A run is a hang when, while the program is alive, no byte moves at `serve` and no line
  // reaches the log for this long (the program is then waiting, or stuck).
  int quiet_ms = 1000;
  int budget_ms = 60000;  // the most a run may take, whatever it does
  Expectations known;     // scenarios/apps/expectations.toml
};

// How a run ended, before judging.
enum class AppEnding { kCompleted, kError, kHang, kCorrupted, kCrash, kNotRun };
std::string_view app_ending_name(AppEnding ending);

struct AppRun {
  AppEnding ending = AppEnding::kNotRun;
  std::string detail;          // why (the program's last stderr line, the wait it hung in, ...)
  std::optional<ProcessExit> exit;
  bool killed = false;         // by the watchdog (hang) or at the end (a server)
  AppTrace trace;
  ServeResult served;
  std::uint64_t expect_download = 0, expect_upload = 0;
  std::uint64_t output_bytes = 0, output_matching = 0;  // the program's copy of the download
  bool output_checked = false;
  std::string stderr_tail;
  double wall_ms = 0;
  std::filesystem::path dir;   // the run's directory (kept: log, stdout, stderr)
};

// The serve instances of one worker, one per (served scenario, protocol, library), each
// listening on its own port for the runs that use it.
class ServePool {
 public:
  Serve& get(const ServedScenario& served, const AppCase& c, const std::filesystem::path& credentials);

 private:
  std::map<std::tuple<std::string, int, int>, std::unique_ptr<Serve>> serves_;
};

// Runs `c`; never throws for what the program does (that is the result), only for a broken
// setup (a missing program, an unwritable work directory).
AppRun run_app_case(const AppCase& c, const AppProgram& program, const ServedScenario& served,
                    const AppSettings& settings, ServePool& pool);

// The credentials directory under `work` (CA, server and client certificates), created once.
std::filesystem::path app_credentials(const std::filesystem::path& work);

}  // namespace dirprobe
