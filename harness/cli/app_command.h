// `dirprobe app`: runs real programs under the interposer against `serve` (one case, or the
// whole application matrix) and writes the results file.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace dirprobe {

struct AppArgs {
  std::vector<std::string> programs_files;
  std::string served_file, runtime_dir, preload, work, out, tier = "full";
  std::vector<std::string> programs, served, case_ids, filters;
  int jobs = 0;
  int quiet_ms = 1000;
  std::string expectations;
  bool trace = false, keep = false, no_expectations = false;
};

CLI::App* add_app_command(CLI::App& app, AppArgs& args);
int cmd_app(const AppArgs& args);

}  // namespace dirprobe
