#include "harness/cli/app_command.h"

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <map>
#include <thread>

#include "harness/app_matrix.h"
#include "harness/catalog.h"
#include "harness/results.h"
#include "harness/toml_reader.h"

namespace dirprobe {
namespace {

std::filesystem::path exe_dir() {
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
}

std::filesystem::path default_preload() { return exe_dir() / "preload" / "libdirprobe-preload.so"; }

// scenarios/apps/programs.toml, and the project's own programs when they are built
// (<build>/tests/apps/*.toml: the teeth, the libcurl upload program).
std::vector<AppProgram> load_all_programs(const std::vector<std::string>& files) {
  std::vector<std::filesystem::path> paths(files.begin(), files.end());
  if (paths.empty()) {
    paths.push_back(default_programs_file());
    std::filesystem::path built = exe_dir().parent_path() / "tests" / "apps";
    if (std::filesystem::is_directory(built))
      for (const auto& f : files_in(built, ".toml")) paths.push_back(f);
  }
  std::vector<AppProgram> all;
  for (const auto& p : paths)
    for (AppProgram& program : load_programs(p)) {
      for (const AppProgram& known : all)
        if (known.name == program.name)
          throw std::runtime_error(program.file + ":" + std::to_string(program.line) + ": program '" +
                                   program.name + "' is already defined in " + known.file);
      all.push_back(std::move(program));
    }
  return all;
}

template <typename T>
std::vector<T> only_named(const std::vector<T>& all, const std::vector<std::string>& names,
                          const std::string& what) {
  if (names.empty()) return all;
  std::vector<T> out;
  for (const auto& n : names) {
    auto it = std::find_if(all.begin(), all.end(), [&](const T& x) { return x.name == n; });
    if (it == all.end()) throw std::runtime_error("unknown " + what + " '" + n + "'");
    out.push_back(*it);
  }
  return out;
}

AppSettings settings_of(const AppArgs& args) {
  AppSettings s;
  s.preload = args.preload.empty() ? default_preload() : std::filesystem::path(args.preload);
  if (!std::filesystem::exists(s.preload))
    throw std::runtime_error(s.preload.string() + ": the interposer is missing (build target dirprobe_preload)");
  // Absolute: the programs run in their run directories and get these paths in their arguments.
  s.work = std::filesystem::absolute(args.work.empty() ? std::filesystem::temp_directory_path() /
                                                             ("dirprobe-app-" + std::to_string(getpid()))
                                                       : std::filesystem::path(args.work));
  std::filesystem::create_directories(s.work);
  s.runtime = args.runtime_dir.empty() ? host_runtime() : load_runtime(args.runtime_dir);
  s.quiet_ms = args.quiet_ms;
  std::filesystem::path known = args.expectations.empty() ? default_scenario_dir() / "apps" / "expectations.toml"
                                                         : std::filesystem::path(args.expectations);
  // Entries are named as in the harness's results: relative to the source tree by default.
  std::string name = args.expectations.empty() ? "scenarios/apps/expectations.toml" : known.string();
  if (!args.no_expectations) s.known = load_expectations_text(read_text_file(known), name);
  return s;
}

template <typename T>
const T& named(const std::vector<T>& all, const std::string& name, const std::string& what) {
  auto it = std::find_if(all.begin(), all.end(), [&](const T& x) { return x.name == name; });
  if (it == all.end()) throw std::runtime_error("unknown " + what + " '" + name + "'");
  return *it;
}

int run_cases(const AppArgs& args, const std::vector<AppProgram>& programs,
              const std::vector<ServedScenario>& served, const AppSettings& settings) {
  ServePool pool;
  int rc = 0;
  for (const std::string& id : args.case_ids) {
    AppCase c = parse_app_case_id(id);
    const AppProgram& p = named(programs, c.program, "program");
    const ServedScenario& s = named(served, c.served, "served scenario");
    AppRun run = run_app_case(c, p, s, settings, pool);
    AppVerdict v = judge_app_run(c, p, s, run, settings.runtime);
    apply_app_known(v, id, settings.runtime.gnutls_version, settings.known);
    std::cout << id << ": " << v.outcome << (v.reason.empty() ? "" : " (" + v.reason + ")") << "\n";
    std::cout << "  ending " << app_ending_name(run.ending) << (run.detail.empty() ? "" : ": " + run.detail)
              << "; " << run.wall_ms << " ms; run directory " << run.dir.string() << "\n";
    if (!v.apart.empty()) std::cout << "  kept apart: " << v.apart << "\n";
    for (const auto& [name, inv] : v.invariants.items())
      std::cout << "  " << name << " " << (inv.is_string() ? inv.get<std::string>() : inv["what"].get<std::string>()) << "\n";
    if (args.trace)
      for (const auto& line : app_trace_lines(run.trace, 100000)) std::cout << "  | " << line << "\n";
    if (!run.stderr_tail.empty() && (args.trace || v.outcome != "pass"))
      std::cout << "  stderr: " << run.stderr_tail << "\n";
    if (!args.keep && !args.trace) std::filesystem::remove_all(run.dir);
    if (v.outcome != "pass" && v.outcome != "skip" && v.outcome != "known") rc = 1;
  }
  return rc;
}

int run_matrix(const AppArgs& args, const std::vector<AppProgram>& programs,
               const std::vector<ServedScenario>& served, const AppSettings& settings) {
  AppMatrixOptions opt;
  opt.tier = parse_app_tier(args.tier);
  opt.jobs = args.jobs > 0 ? args.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  opt.filters = args.filters;
  auto t0 = std::chrono::steady_clock::now();
  auto results = run_app_matrix(programs, served, settings, opt);
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::map<std::string, std::map<std::string, int>> tally;
  for (const auto& r : results) ++tally[r.c.program][r.verdict.apart.empty() ? r.verdict.outcome : "apart"];
  for (const auto& [program, counts] : tally) {
    std::cout << program << ":";
    for (const auto& [outcome, n] : counts) std::cout << " " << outcome << " " << n;
    std::cout << "\n";
  }
  std::cout << results.size() << " runs on GnuTLS " << settings.runtime.gnutls_version << " ("
            << settings.runtime.name << ") in " << wall << " s with " << opt.jobs << " jobs\n";
  if (!args.out.empty())
    write_results_file(args.out, app_results_document(programs, served, results, settings, wall, opt.jobs));
  return 0;
}

}  // namespace

CLI::App* add_app_command(CLI::App& app, AppArgs& a) {
  auto* cmd = app.add_subcommand("app", "run real programs under the interposer against serve");
  cmd->add_option("--programs", a.programs_files, "program descriptions (repeatable)")
      ->default_str(default_programs_file().string() + " and <build>/tests/apps/*.toml");
  cmd->add_option("--served", a.served_file, "served scenarios")->default_str(default_served_file().string());
  cmd->add_option("--program", a.programs, "only this program (repeatable)");
  cmd->add_option("--scenario", a.served, "only this served scenario (repeatable)");
  cmd->add_option("--case", a.case_ids, "run this case id and print its verdict (repeatable)");
  cmd->add_option("--filter", a.filters, "glob over sweep case ids (repeatable)");
  cmd->add_option("--runtime", a.runtime_dir, "GnuTLS runtime directory (scripts/runtimes.sh fetch SUITE)");
  cmd->add_option("--preload", a.preload, "the interposer (default: beside this binary)");
  cmd->add_option("--work", a.work, "directory for run directories and credentials");
  cmd->add_option("--out", a.out, "results file to write (matrix)");
  cmd->add_option("--expectations", a.expectations, "known deviations of applications")
      ->default_str("scenarios/apps/expectations.toml");
  cmd->add_flag("--no-expectations", a.no_expectations, "judge every deviation as a finding");
  cmd->add_option("--tier", a.tier, "ci, full (default) or exhaustive");
  cmd->add_option("-j,--jobs", a.jobs, "parallel runs (default: cores)")->check(CLI::Range(1, 256));
  cmd->add_option("--quiet-ms", a.quiet_ms, "silence that makes a run a hang")->check(CLI::Range(100, 600000));
  cmd->add_flag("--trace", a.trace, "with --case: print every recorded call, operation and wait");
  cmd->add_flag("--keep", a.keep, "keep each run's directory (log, stdout, stderr)");
  return cmd;
}

int cmd_app(const AppArgs& args) {
  auto programs = only_named(load_all_programs(args.programs_files), args.programs, "program");
  auto served = load_served(args.served_file.empty() ? default_served_file() : std::filesystem::path(args.served_file));
  AppSettings settings = settings_of(args);
  if (!args.case_ids.empty()) return run_cases(args, programs, served, settings);
  return run_matrix(args, programs, only_named(served, args.served, "served scenario"), settings);
}

}  // namespace dirprobe
