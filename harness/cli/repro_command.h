// `dirprobe repro`: writes the standalone C reproducer of a case, or one per known deviation
// (--all-known, with a Makefile and index.json), and checks reproducers' exit statuses against
// the harness's results on one runtime (--check). docs/repro.md.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace dirprobe {

struct ReproArgs {
  std::string case_id, out, entry, repro_dir, scenario_dir, expectations_dir;
  std::string check_dir, exits_file, agreement_out;
  std::vector<std::string> results;
  bool all_known = false;
  int jobs = 0;
};

CLI::App* add_repro_command(CLI::App& app, ReproArgs& args);
int cmd_repro(const ReproArgs& args);

}  // namespace dirprobe
