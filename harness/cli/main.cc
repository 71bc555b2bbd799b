// dirprobe: list the catalog's cases, run all or some of them, replay one with its call trace,
// and write the results file.
#include <fnmatch.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>

#include "harness/bench.h"
#include "harness/cli/app_command.h"
#include "harness/cli/repro_command.h"
#include "harness/catalog.h"
#include "harness/expectations.h"
#include "harness/judge.h"
#include "harness/planner.h"
#include "harness/results.h"
#include "harness/scenario_keys.h"
#include "harness/runner.h"
#include "harness/serve.h"
#include "harness/trace_log.h"

namespace {

using namespace dirprobe;
using nlohmann::json;

struct Selection {
  std::string scenario_dir;
  std::string expectations_dir;
  bool no_expectations = false;
  std::vector<std::string> case_ids;
  std::vector<std::string> filters;  // globs over case ids; a case matching any is selected
  bool unswept = false;  // leave out the planned sweep points (the CI tier on other runtimes)
};

void add_selection(CLI::App* cmd, Selection& sel) {
  cmd->add_option("--scenarios", sel.scenario_dir, "scenario directory")
      ->default_str(default_scenario_dir().string());
  cmd->add_option("--case", sel.case_ids, "exact case id (repeatable)");
  cmd->add_option("--expectations", sel.expectations_dir, "directory of known deviations")
      ->default_str(default_expectations_dir().string());
  cmd->add_flag("--no-expectations", sel.no_expectations,
                "judge every deviation as a failure (raw outcomes)");
  cmd->add_option("--filter", sel.filters,
                  "glob over case ids, e.g. 'transfer-*/tls13-*' (repeatable)");
  cmd->add_flag("--unswept", sel.unswept,
                "leave out the sweep points (a swept group is then judged in part: no premise "
                "or staleness verdict for it)");
}

std::filesystem::path scenario_dir(const Selection& sel) {
  return sel.scenario_dir.empty() ? default_scenario_dir()
                                  : std::filesystem::path(sel.scenario_dir);
}

Expectations load_selected_expectations(const Selection& sel) {
  if (sel.no_expectations) return {};
  return load_expectations(sel.expectations_dir.empty()
                               ? default_expectations_dir()
                               : std::filesystem::path(sel.expectations_dir));
}

// The premise groups of the whole plan with their sizes: a selection that holds a group only
// in part does not judge it (judge_premise_groups).
GroupSizes whole_groups;
// The expectation ledger's group ("<scenario>/<protocol>/<peer>") of a case.
std::string ledger_group_of(const CaseSpec& c) {
  return c.scenario + "/" + std::string(protocol_name(c.subject.protocol)) + "/" +
         std::string(peer_name(c.peer));
}
// How many cases each ledger group has in the whole plan.
std::map<std::string, std::size_t> whole_ledger_groups;

std::vector<CaseSpec> select_cases(const Selection& sel) {
  std::vector<CaseSpec> out = plan_catalog(load_catalog(scenario_dir(sel)));
  whole_groups = premise_group_sizes(out);
  whole_ledger_groups.clear();
  for (const auto& c : out) ++whole_ledger_groups[ledger_group_of(c)];
  std::set<std::string> wanted(sel.case_ids.begin(), sel.case_ids.end()), found;
  bool everything = sel.case_ids.empty() && sel.filters.empty();
  std::erase_if(out, [&](const CaseSpec& c) {  // visits each case once, in order
    std::string id = c.id();
    bool match = everything || wanted.contains(id);
    for (const auto& f : sel.filters) match = match || fnmatch(f.c_str(), id.c_str(), 0) == 0;
    if (wanted.contains(id)) found.insert(id);
    return !match || (sel.unswept && c.sweep_point && !wanted.contains(id));
  });
  for (const auto& id : wanted)
    if (!found.contains(id))
      throw std::runtime_error("--case '" + id + "': no such case (see 'dirprobe list')");
  if (out.empty()) throw std::runtime_error("the selection matches no case");
  return out;
}

int cmd_list(const Selection& sel, bool scenarios_only, bool keys_markdown) {
  if (keys_markdown) {
    std::cout << scenario_keys_markdown();
    return 0;
  }
  if (scenarios_only) {
    Catalog catalog = load_catalog(scenario_dir(sel));
    for (const auto& sc : catalog.scenarios)
      std::cout << sc.base.scenario << "\t" << sc.base.family << "\t"
                << plan_scenario(sc).cases.size() << " cases\t" << sc.base.claim << "\n";
    return 0;
  }
  for (const auto& c : select_cases(sel)) std::cout << c.id() << "\n";
  return 0;
}

struct RunArgs {
  std::string out, runtime = "installed";
  bool trace = false, no_isolate = false, quiet = false;
  int timeout_ms = 20000;
  int jobs = 0;  // 0: every available core
};

// The expectation ledger's groups ("<scenario>/<protocol>/<peer>") the selection holds only in
// part: a stale expectation there may just be a case that was not run.
std::set<std::string> partial_ledger_groups(const std::vector<CaseSpec>& selected) {
  std::map<std::string, std::size_t> in_selection;
  for (const auto& c : selected) ++in_selection[ledger_group_of(c)];
  std::set<std::string> partial;
  for (const auto& [group, n] : in_selection)
    if (whole_ledger_groups[group] != n) partial.insert(group);
  return partial;
}

// The runner's options for `run`: workers (or this process) and the wall-clock limit.
RunnerOptions runner_options(const RunArgs& args, const KnownDeviations& known) {
  RunnerOptions options;
  options.isolate = !args.no_isolate;
  options.jobs = args.no_isolate ? 1 : args.jobs > 0 ? args.jobs : available_cores();
  options.case_timeout_ms = args.timeout_ms;
  options.known = known;
  options.group_sizes = &whole_groups;
  return options;
}

// --trace: each case runs in a worker under the same time limit as in a plain run, so a hang
// or a crash ends as the same outcome, and the worker sends back the case's bounded text with
// its record. The cases of one scenario run together (premise groups never span scenarios):
// their text is printed once the groups are judged, with each case's final outcome.
int cmd_trace(const std::vector<CaseSpec>& specs, const RunArgs& args,
              const KnownDeviations& known) {
  RunnerOptions options = runner_options(args, known);
  options.run_one = [](const CaseSpec& spec, const KnownDeviations& k) {
    CaseResult r = run_and_judge(spec, k);
    json j = case_to_json(r);
    j["trace"] = trace_log(r);
    return j;
  };
  for (std::size_t from = 0, to = 0; from < specs.size(); from = to) {
    while (to < specs.size() && specs[to].scenario == specs[from].scenario) ++to;
    std::vector<CaseSpec> scenario(specs.begin() + static_cast<long>(from),
                                   specs.begin() + static_cast<long>(to));
    auto records = run_cases(scenario, options);
    for (std::size_t i = 0; i < records.size(); ++i) {
      auto lines = records[i].contains("trace")
                       ? records[i]["trace"].get<std::vector<std::string>>()
                       : lost_trace_log(scenario[i], records[i]);
      for (const auto& line : lines) std::cout << line << "\n";
      std::cout << outcome_line(records[i]) << "\n";
    }
    std::cout.flush();
  }
  return 0;
}

int cmd_run(const Selection& sel, const RunArgs& args) {
  auto specs = select_cases(sel);
  Expectations expectations = load_selected_expectations(sel);
  ExpectationLedger ledger(expectations, gnutls_runtime_version());
  KnownDeviations known{sel.no_expectations ? nullptr : &expectations, ledger.version()};
  if (args.trace) return cmd_trace(specs, args, known);
  const std::string& out = args.out;
  bool quiet = args.quiet;
  auto started = std::chrono::steady_clock::now();
  std::map<std::string, int> counts;
  RunnerOptions options = runner_options(args, known);
  options.on_case = [&](std::size_t i, const json&) {
    std::size_t step = std::max<std::size_t>(specs.size() / 10, 1);  // ten progress lines
    if (!quiet && ((i + 1) % step == 0 || i + 1 == specs.size()))
      std::cerr
          << "[" << i + 1 << "/" << specs.size() << " cases, "
          << static_cast<int>(
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count())
          << " s]\n";
  };
  auto records = run_cases(specs, options);
  for (std::size_t i = 0; i < records.size(); ++i) {
    const json& j = records[i];
    ledger.count(j);
    std::string outcome = j["outcome"];
    ++counts[outcome];
    if (outcome != "pass" && outcome != "known" && !quiet)
      std::cout << "  " << outcome << "  " << j["id"].get<std::string>() << "\n      "
                << j.value("reason", "") << "\n      replay: " << replay_command(specs[i])
                << "\n";
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto stale = ledger.stale(partial_ledger_groups(specs));
  if (!out.empty()) {
    json doc = results_document(specs, records, {args.runtime, secs, options.jobs, sel.unswept});
    doc["expectations"] = ledger.summary();
    doc["stale_expectations"] = stale;
    write_results_file(out, doc);
  }
  for (const auto& line : stale) std::cout << "  stale  " << line << "\n";
  std::printf("%zu cases in %.2f s (%.3f ms/case, %d jobs):", specs.size(), secs,
              1000 * secs / specs.size(), options.jobs);
  for (const auto& [k, v] : counts) std::printf(" %d %s", v, k.c_str());
  if (!stale.empty()) std::printf(" (%zu stale expectations)", stale.size());
  std::printf("\n");
  if (!out.empty()) std::printf("results: %s\n", out.c_str());
  bool bad = false;
  for (const auto& [name, n] : counts) bad = bad || is_failure(*parse_outcome(name));
  return bad || !stale.empty() ? 1 : 0;
}

int cmd_bench(int iterations, double max_ratio) {
  std::vector<BenchResult> results = {bench_bare(iterations), bench_case(iterations, false),
                                      bench_case(iterations, true)};
  double bare = results[0].ms_per_case;
  std::printf("%-52s %10s %8s\n", "what", "ms/case", "x bare");
  for (const auto& r : results)
    std::printf("%-52s %10.3f %8.2f\n", r.name.c_str(), r.ms_per_case, r.ms_per_case / bare);
  std::printf("(%d iterations each, GnuTLS %s)\n", iterations, gnutls_runtime_version().c_str());
  double ratio = results[1].ms_per_case / bare;
  if (max_ratio > 0 && ratio > max_ratio) {
    std::printf("FAIL: an in-process case costs %.2fx the bare exchange (limit %.2fx)\n", ratio,
                max_ratio);
    return 1;
  }
  return 0;
}

struct ServeArgs {
  std::string scenario, served, protocol = "tls13", peer = "gnutls", connect, credentials;
  std::uint16_t port = 0;
  std::uint64_t seed = 0;
  int runs = 1, sndbuf = 0, rcvbuf = 0, accept_ms = 120000, budget_ms = 60000;
};

void add_serve_options(CLI::App* cmd, ServeArgs& a) {
  cmd->add_option("--scenario", a.scenario, "served scenario name")->required();
  cmd->add_option("--served", a.served, "served scenario file")
      ->default_str(default_served_file().string());
  cmd->add_option("--protocol", a.protocol, "tls12 or tls13")->default_str("tls13");
  cmd->add_option("--peer", a.peer, "serve's own library: gnutls or openssl")->default_str("gnutls");
  cmd->add_option("--port", a.port, "port on 127.0.0.1 to listen on (default: any free one)");
  cmd->add_option("--connect", a.connect, "HOST:PORT of the program (serve as the client)");
  cmd->add_option("--credentials", a.credentials,
                  "directory to write the CA, server and client PEM files to (default: a new "
                  "temporary directory)");
  cmd->add_option("--seed", a.seed, "pattern seed of bodies and stream data");
  cmd->add_option("--runs", a.runs, "connections to serve, one after the other")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--sndbuf", a.sndbuf, "SO_SNDBUF of the connection (0: kernel default)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--rcvbuf", a.rcvbuf, "SO_RCVBUF of the connection (0: kernel default)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--accept-ms", a.accept_ms, "how long to wait for each connection")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--budget-ms", a.budget_ms, "limit of each run once connected")
      ->check(CLI::PositiveNumber);
}

ServeOptions serve_options(const ServeArgs& a) {
  ServeOptions o;
  o.protocol = parse_protocol(a.protocol);
  if (o.protocol == Protocol::kDtls12) throw std::invalid_argument("--protocol: tls12 or tls13");
  o.library = parse_peer(a.peer);
  o.seed = a.seed;
  o.port = a.port;
  o.sndbuf = a.sndbuf;
  o.rcvbuf = a.rcvbuf;
  o.accept_ms = a.accept_ms;
  o.budget_ms = a.budget_ms;
  if (!a.connect.empty()) {
    auto colon = a.connect.rfind(':');
    int port = colon == std::string::npos ? 0 : std::atoi(a.connect.c_str() + colon + 1);
    if (port <= 0 || port > 65535)
      throw std::invalid_argument("--connect '" + a.connect + "': expected HOST:PORT");
    o.connect_host = a.connect.substr(0, colon);
    if (o.connect_host == "localhost") o.connect_host = "127.0.0.1";
    o.connect_port = static_cast<std::uint16_t>(port);
  }
  return o;
}

// serve: the port and the CA first (one JSON line), then one JSON line per run.
int cmd_serve(const ServeArgs& a) {
  auto all = load_served(a.served.empty() ? default_served_file() : std::filesystem::path(a.served));
  const ServedScenario& sc = find_served(all, a.scenario);
  ServeOptions options = serve_options(a);
  if ((sc.role == Role::kClient) != !a.connect.empty())
    throw std::invalid_argument("served scenario '" + sc.name + "' has serve as the " +
                                std::string(role_name(sc.role)) +
                                (sc.role == Role::kClient ? ": give --connect HOST:PORT"
                                                          : ": --connect does not apply"));
  std::filesystem::path dir = a.credentials;
  if (dir.empty()) {
    char tmpl[] = "/tmp/dirprobe-serve-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir = tmpl;
  }
  CredentialFiles files = write_program_credentials(dir, options.key);
  Serve serve(sc, options);
  std::cout << json{{"port", serve.port()}, {"ca", files.ca.string()},
                    {"credentials", dir.string()}}.dump()
            << std::endl;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> activity{0};
  bool ok = true;
  for (int i = 0; i < a.runs; ++i) {
    ServeResult r = serve.run(stop, activity);
    ok = ok && r.completed;
    std::cout << to_json(r).dump() << std::endl;
  }
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dirprobe: empirical conformance probes of GnuTLS's non-blocking I/O contract"};
  app.require_subcommand(1);
  Selection sel;
  bool scenarios_only = false;
  RunArgs args;
  auto* list = app.add_subcommand("list", "list scenarios or case ids");
  add_selection(list, sel);
  list->add_flag("--scenarios-only", scenarios_only, "one line per scenario instead of case ids");
  bool keys_markdown = false;
  list->add_flag("--keys-markdown", keys_markdown,
                 "the scenario key table of docs/scenarios.md, from the schema");
  auto* run = app.add_subcommand("run", "run cases and write the results file");
  add_selection(run, sel);
  run->add_option("--out", args.out, "results JSON file to write");
  run->add_option("--runtime", args.runtime, "name of the GnuTLS runtime, recorded in the results")
      ->default_str("installed");
  run->add_option("-j,--jobs", args.jobs, "worker processes (default: every available core)")
      ->check(CLI::Range(1, 1024));
  auto* version = app.add_subcommand("version", "print the GnuTLS and OpenSSL runtime versions");
  run->add_flag("--trace", args.trace,
                "print each case's call log (at most " + std::to_string(kTraceCalls) +
                    " calls) and verdicts instead of a results file");
  run->add_flag("--no-isolate", args.no_isolate, "run in this process (a library crash ends the run)");
  run->add_option("--timeout-ms", args.timeout_ms, "wall-clock limit per case before it counts as hung")
      ->check(CLI::PositiveNumber);
  run->add_flag("-q,--quiet", args.quiet, "print only the summary");
  int iterations = 500;
  double max_ratio = 0;
  auto* bench = app.add_subcommand("bench", "cost per case against a bare GnuTLS exchange");
  bench->add_option("--iterations", iterations, "exchanges per measurement")
      ->check(CLI::Range(1, 1000000));
  bench->add_option("--max-ratio", max_ratio,
                    "fail when an in-process case costs more than this many bare exchanges");
  ServeArgs serve_args;
  auto* serve = app.add_subcommand("serve", "be the scripted other side of a real program over TCP");
  add_serve_options(serve, serve_args);
  AppArgs app_args;
  auto* app_cmd = add_app_command(app, app_args);
  ReproArgs repro_args;
  auto* repro = add_repro_command(app, repro_args);
  CLI11_PARSE(app, argc, argv);
  try {
    if (serve->parsed()) return cmd_serve(serve_args);
    if (app_cmd->parsed()) return cmd_app(app_args);
    if (repro->parsed()) return cmd_repro(repro_args);
    if (list->parsed()) return cmd_list(sel, scenarios_only, keys_markdown);
    if (bench->parsed()) return cmd_bench(iterations, max_ratio);
    if (version->parsed()) {
      std::printf("gnutls %s\nopenssl %s\n", gnutls_runtime_version().c_str(),
                  openssl_runtime_version().c_str());
      return 0;
    }
    return cmd_run(sel, args);
  } catch (const std::exception& e) {
    std::cerr << "dirprobe: " << e.what() << "\n";
    return 2;
  }
}
