#include "harness/cli/repro_command.h"

#include <fnmatch.h>

#include <cctype>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "harness/catalog.h"
#include "harness/endpoint.h"
#include "harness/planner.h"
#include "harness/repro.h"
#include "harness/runner.h"
#include "harness/toml_reader.h"

namespace dirprobe {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// How many candidate cases of one entry are run, at most, to find one that deviates here.
constexpr std::size_t kCandidateBudget = 48;
constexpr std::size_t kBatch = 8;

struct Context {
  std::vector<CaseSpec> specs;
  std::vector<std::string> ids;  // specs[i].id(), made once
  std::vector<ReproFamily> families;
  Expectations expectations;
  fs::path repro_dir;
  std::string host_version;
  int jobs = 1;
};

Context load_context(const ReproArgs& a) {
  Context c;
  fs::path scenarios = a.scenario_dir.empty() ? default_scenario_dir() : fs::path(a.scenario_dir);
  c.specs = plan_catalog(load_catalog(scenarios));
  for (const auto& spec : c.specs) c.ids.push_back(spec.id());
  c.repro_dir = a.repro_dir.empty() ? default_repro_dir() : fs::path(a.repro_dir);
  c.families = load_repro_families(c.repro_dir);
  c.expectations = load_expectations(a.expectations_dir.empty() ? default_expectations_dir()
                                                                : fs::path(a.expectations_dir));
  c.host_version = gnutls_runtime_version();
  c.jobs = a.jobs > 0 ? a.jobs : available_cores();
  return c;
}

// The catalog's case with this id, or null.
const CaseSpec* spec_by_id(const Context& c, const std::string& id) {
  auto at = std::find(c.ids.begin(), c.ids.end(), id);
  return at == c.ids.end() ? nullptr : &c.specs[static_cast<std::size_t>(at - c.ids.begin())];
}

void add_unique(std::vector<std::string>& list, const std::string& v) {
  if (std::find(list.begin(), list.end(), v) == list.end()) list.push_back(v);
}

bool matches_entry(const Expectation& e, const std::string& id) {
  for (const auto& g : e.cases)
    if (fnmatch(g.c_str(), id.c_str(), 0) == 0) return true;
  return false;
}

bool expressible(const CaseSpec& spec, const ReproFamily& family) {
  try {
    case_block(spec, family);
    return true;
  } catch (const ReproError&) {
    return false;
  }
}

// The cases, in catalog order, that both the entry and the family name and a reproducer can
// express.
std::vector<const CaseSpec*> candidates(const Context& c, const Expectation& e, const ReproFamily& f) {
  std::vector<const CaseSpec*> out;
  for (std::size_t i = 0; i < c.specs.size() && out.size() < kCandidateBudget; ++i) {
    const std::string& id = c.ids[i];
    if (f.covers_case(id) && matches_entry(e, id) && expressible(c.specs[i], f)) out.push_back(&c.specs[i]);
  }
  return out;
}

bool shows(const json& record, const CaseSpec& spec, const Expectation& e) {
  return record_shows(record, asserted_names(spec), e.deviation(), e.error);
}

// The first candidate whose run here shows the entry's deviation (-1: none of them).
int first_deviating(const Context& c, const Expectation& e, const std::vector<const CaseSpec*>& cands) {
  RunnerOptions options;
  options.jobs = c.jobs;
  for (std::size_t from = 0; from < cands.size(); from += kBatch) {
    std::vector<CaseSpec> batch;
    for (std::size_t i = from; i < std::min(cands.size(), from + kBatch); ++i) batch.push_back(*cands[i]);
    auto records = run_cases(batch, options);
    for (std::size_t i = 0; i < records.size(); ++i)
      if (shows(records[i], batch[i], e)) return static_cast<int>(from + i);
  }
  return -1;
}

// The results of one run, by case id.
struct RunResults {
  std::string version;
  std::map<std::string, const json*> by_id;
};

std::vector<RunResults> index_results(const std::vector<json>& docs) {
  std::vector<RunResults> out;
  for (const auto& doc : docs) {
    RunResults r{doc.value("gnutls_version", "?"), {}};
    if (doc.contains("cases"))
      for (const auto& rec : doc.at("cases")) r.by_id[rec.value("id", "")] = &rec;
    out.push_back(std::move(r));
  }
  return out;
}

// Where the runs given held this case, and which of them showed the entry's deviation in it.
void note_runs(ReproTarget& t, const std::vector<RunResults>& runs, const Expectation& e) {
  for (const auto& run : runs) {
    auto rec = run.by_id.find(t.spec.id());
    if (rec == run.by_id.end()) continue;
    if (rec->second->value("outcome", "") == "skip") {
      add_unique(t.skipped_on, run.version);
      continue;
    }
    add_unique(t.checked_on, run.version);
    if (record_shows(*rec->second, asserted_names(t.spec), e.deviation(), e.error))
      add_unique(t.seen_on, run.version);
  }
}

struct Plan {
  std::vector<ReproTarget> targets;
  json uncovered = json::array();  // entries (and security cases) without a reproducer
  std::size_t entries_uncovered = 0;
};

// The family's first candidate that deviates here (else its first candidate, not deviating);
// none when the family names no case of the entry.
std::optional<ReproTarget> pick_in(const Context& c, const Expectation& e, const ReproFamily& f,
                                   const std::vector<RunResults>& runs) {
  auto cands = candidates(c, e, f);
  if (cands.empty()) return std::nullopt;
  int at = first_deviating(c, e, cands);
  ReproTarget t{&f, *cands[at < 0 ? 0 : at], {&e}, {}, {}, {}, c.host_version, at >= 0};
  note_runs(t, runs, e);
  return t;
}

void merge_or_add(Plan& plan, ReproTarget pick) {
  for (auto& t : plan.targets)
    if (t.family == pick.family && t.spec.id() == pick.spec.id()) {
      t.entries.push_back(pick.entries.front());
      t.deviated_here = t.deviated_here || pick.deviated_here;
      for (const auto& v : pick.seen_on) add_unique(t.seen_on, v);
      for (const auto& v : pick.checked_on) add_unique(t.checked_on, v);
      for (const auto& v : pick.skipped_on) add_unique(t.skipped_on, v);
      return;
    }
  plan.targets.push_back(std::move(pick));
}

// An entry gets the first family (in name order) whose cases deviate here; a security entry
// (N1) gets one file per family that shows it, so each peer's case has its own.
void add_entry(Plan& plan, const Context& c, const Expectation& e, const std::vector<RunResults>& results) {
  bool security = e.deviation() == "N1";
  std::optional<ReproTarget> pick;
  for (const auto& f : c.families) {
    if (!f.shows(e.deviation())) continue;
    auto mine = pick_in(c, e, f, results);
    if (!mine) continue;
    if (security) {
      merge_or_add(plan, *mine);
      pick = mine;
      continue;
    }
    if (pick && !mine->deviated_here) continue;
    pick = mine;
    if (pick->deviated_here) break;
  }
  if (!pick) {
    ++plan.entries_uncovered;
    plan.uncovered.push_back({{"where", e.where}, {"deviation", e.deviation()}, {"reason", e.reason},
                              {"why", "no family of scenarios/repro/ shows " + e.deviation() +
                                          " in a case this entry names"}});
    return;
  }
  if (!security) merge_or_add(plan, std::move(*pick));
}

// Security deviations (a key and nonce that sealed two different records: N1 violated) are
// reproduced case by case: each case of the results that shows one gets its own file when a
// family reproduces it faithfully, beside the one file of the entry that explains it.
void add_security_cases(Plan& plan, const Context& c, const std::vector<json>& results,
                        const std::vector<RunResults>& runs) {
  std::set<std::string> ids;
  for (const auto& doc : results)
    for (const auto& r : doc.value("cases", json::array())) {
      const json n1 = r.value("invariants", json::object()).value("N1", json());
      if (n1.is_object() && n1.value("verdict", "") == "violated") ids.insert(r.value("id", ""));
    }
  auto written = [&](const std::string& id) {
    return std::any_of(plan.targets.begin(), plan.targets.end(),
                       [&](const ReproTarget& t) { return t.spec.id() == id; });
  };
  for (const auto& id : ids) {
    const CaseSpec* spec = spec_by_id(c, id);
    if (written(id) || spec == nullptr) continue;
    auto entry = std::find_if(c.expectations.entries.begin(), c.expectations.entries.end(),
                              [&](const Expectation& e) { return e.deviation() == "N1" && matches_entry(e, id); });
    for (const auto& f : c.families) {
      if (entry == c.expectations.entries.end() || !f.shows("N1") || !f.covers_case(id) || !expressible(*spec, f))
        continue;
      ReproTarget t{&f, *spec, {&*entry}, {}, {}, {}, c.host_version, first_deviating(c, *entry, {spec}) == 0};
      note_runs(t, runs, *entry);
      plan.targets.push_back(std::move(t));
      break;
    }
    if (!written(id))
      plan.uncovered.push_back({{"where", id}, {"deviation", "N1"}, {"reason", "security: nonce reuse in this case"},
                                {"why", "no family of scenarios/repro/ reproduces this case faithfully"}});
  }
}

std::vector<json> read_results(const std::vector<std::string>& files) {
  std::vector<json> out;
  for (const auto& f : files) {
    try {
      out.push_back(json::parse(read_text_file(f)));
    } catch (const json::exception& e) {
      throw std::runtime_error(f + ": not a results file: " + e.what());
    }
  }
  return out;
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error(path.string() + ": cannot write");
}

std::string makefile(const std::vector<std::string>& stems, const std::vector<bool>& openssl) {
  std::string m =
      "# The reproducers `dirprobe repro --all-known` wrote; `make` builds every one.\n"
      "CC ?= cc\nCFLAGS ?= -Wall -Wextra -O1\nLDLIBS = -lgnutls\n\nPROGRAMS =";
  for (const auto& s : stems) m += " " + s;
  m += "\n\nall: $(PROGRAMS)\n\n";
  for (std::size_t i = 0; i < stems.size(); ++i)
    if (openssl[i]) m += stems[i] + ": LDLIBS += -lssl -lcrypto\n";
  return m + "\nclean:\n\trm -f $(PROGRAMS)\n\n.PHONY: all clean\n";
}

json entries_json(const ReproTarget& t) {
  json out = json::array();
  for (const Expectation* e : t.entries)
    out.push_back({{"where", e->where}, {"deviation", e->deviation()}, {"error", e->error}, {"reason", e->reason}});
  return out;
}

// "<scenario>.c"; a second file of the same scenario adds its variant (and fault plan).
std::string file_name_for(const ReproTarget& t, std::map<std::string, int>& used) {
  if (++used[t.spec.scenario] == 1) return t.spec.scenario + ".c";
  std::string name = t.spec.scenario + "--" + t.spec.variant;
  if (t.spec.fault_plan != "none") name += "--" + t.spec.fault_plan;
  for (char& c : name)
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '_') c = '-';
  return name + ".c";
}

int write_all(const Context& c, const Plan& plan, const fs::path& dir) {
  fs::create_directories(dir);
  std::map<std::string, int> used;
  std::vector<std::string> stems;
  std::vector<bool> openssl;
  std::string tsv;  // "FILE<TAB>CASE" per reproducer, for scripts
  json index = {{"gnutls_version", c.host_version}, {"reproducers", json::array()},
                {"uncovered", plan.uncovered}};
  for (const auto& t : plan.targets) {
    std::string name = file_name_for(t, used);
    write_file(dir / name, reproducer_source(t, c.repro_dir, name));
    stems.push_back(fs::path(name).stem().string());
    tsv += name + "\t" + t.spec.id() + "\n";
    openssl.push_back(t.family->uses_openssl());
    bool security = std::any_of(t.entries.begin(), t.entries.end(),
                                [](const Expectation* e) { return e->deviation() == "N1"; });
    index["reproducers"].push_back({{"file", name}, {"case", t.spec.id()}, {"family", t.family->name},
                                    {"security", security},
                                    {"deviated_here", t.deviated_here}, {"entries", entries_json(t)}});
  }
  write_file(dir / "Makefile", makefile(stems, openssl));
  write_file(dir / "index.json", index.dump(1) + "\n");
  write_file(dir / "index.tsv", tsv);
  std::size_t entries = c.expectations.entries.size();
  std::cout << plan.targets.size() << " reproducers for " << entries - plan.entries_uncovered << " of "
            << entries << " known deviations in " << dir.string() << " (" << plan.uncovered.size()
            << " entries or security cases without one: index.json)\n";
  return 0;
}

int cmd_all_known(const ReproArgs& a) {
  if (a.out.empty()) throw std::invalid_argument("--all-known needs -o DIR");
  Context c = load_context(a);
  auto results = read_results(a.results);
  auto runs = index_results(results);
  Plan plan;
  for (const auto& e : c.expectations.entries) add_entry(plan, c, e, runs);
  add_security_cases(plan, c, results, runs);
  return write_all(c, plan, a.out);
}

const Expectation& entry_for(const Context& c, const std::string& id, const std::string& where) {
  for (const auto& e : c.expectations.entries) {
    if (!where.empty() ? e.where.ends_with(where) : matches_entry(e, id)) {
      for (const auto& f : c.families)
        if (f.covers_case(id) && f.shows(e.deviation())) return e;
      if (!where.empty()) throw std::invalid_argument("--entry " + where + ": no family shows its deviation in " + id);
    }
  }
  throw std::invalid_argument(id + ": no known deviation that a family of scenarios/repro/ shows"
                              " names this case (--entry FILE:LINE chooses one)");
}

int cmd_one(const ReproArgs& a) {
  Context c = load_context(a);
  const CaseSpec* spec = spec_by_id(c, a.case_id);
  if (spec == nullptr) throw std::invalid_argument("'" + a.case_id + "': no such case (see 'dirprobe list')");
  const Expectation& e = entry_for(c, a.case_id, a.entry);
  const ReproFamily* family = nullptr;
  for (const auto& f : c.families)
    if (!family && f.covers_case(a.case_id) && f.shows(e.deviation())) family = &f;
  std::vector<const CaseSpec*> one{spec};
  ReproTarget t{family, *spec, {&e}, {}, {}, {}, c.host_version, first_deviating(c, e, one) == 0};
  auto results = read_results(a.results);
  note_runs(t, index_results(results), e);
  std::string name = a.out.empty() ? spec->scenario + ".c" : fs::path(a.out).filename().string();
  std::string text = reproducer_source(t, c.repro_dir, name);
  if (a.out.empty()) std::cout << text;
  else write_file(a.out, text);
  return 0;
}

}  // namespace

int cmd_repro_check(const ReproArgs& a);  // repro_check.cc

CLI::App* add_repro_command(CLI::App& app, ReproArgs& a) {
  auto* cmd = app.add_subcommand("repro", "write standalone C reproducers of known deviations");
  cmd->add_option("case", a.case_id, "case id to write the reproducer of");
  cmd->add_option("-o,--out", a.out, "file to write (one case; default stdout) or directory (--all-known)");
  cmd->add_option("--entry", a.entry, "FILE:LINE of the expectation entry to show (one case)");
  cmd->add_flag("--all-known", a.all_known, "one reproducer per known deviation, with a Makefile and index.json");
  cmd->add_option("--results", a.results, "results file(s): the versions each deviation was seen on (--check: the runtime's)");
  cmd->add_option("--check", a.check_dir, "directory written by --all-known: compare its reproducers' exits with --results");
  cmd->add_option("--exits", a.exits_file, "with --check: lines 'FILE<TAB>EXIT' of the reproducers run on that runtime");
  cmd->add_option("--agreement", a.agreement_out, "with --check: JSON file of the comparison to write");
  cmd->add_option("--repro-dir", a.repro_dir, "directory of reproducer families")->default_str(default_repro_dir().string());
  cmd->add_option("--scenarios", a.scenario_dir, "scenario directory")->default_str(default_scenario_dir().string());
  cmd->add_option("--expectations", a.expectations_dir, "directory of known deviations")
      ->default_str(default_expectations_dir().string());
  cmd->add_option("-j,--jobs", a.jobs, "worker processes (default: every available core)")->check(CLI::Range(1, 1024));
  return cmd;
}

int cmd_repro(const ReproArgs& a) {
  int modes = (a.all_known ? 1 : 0) + (a.check_dir.empty() ? 0 : 1) + (a.case_id.empty() ? 0 : 1);
  if (modes != 1) throw std::invalid_argument("repro: give a CASE-ID, --all-known or --check DIR");
  if (!a.check_dir.empty()) return cmd_repro_check(a);
  return a.all_known ? cmd_all_known(a) : cmd_one(a);
}

}  // namespace dirprobe
