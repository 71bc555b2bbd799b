// Tests of `dirprobe repro`'s own parts: family files are read strictly (file:line errors), a
// case becomes the case block the kit expects (or is refused when a reproducer cannot express
// it), every family of scenarios/repro/ loads and names only cases that exist, and the
// deviations read out of a results record are the judge's.
#include <fnmatch.h>
#include <gtest/gtest.h>

#include <fstream>

#include "harness/catalog.h"
#include "harness/planner.h"
#include "harness/repro.h"
#include "harness/toml_reader.h"

namespace dirprobe {
namespace {

std::filesystem::path temp_dir() {
  auto dir = std::filesystem::temp_directory_path() / "dirprobe-selftest-repro";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string load_error(const std::string& toml) {
  auto dir = temp_dir();
  std::ofstream(dir / "fam.toml") << toml;
  std::ofstream(dir / "fam.c") << "int main(void) { return 0; }\n";
  try {
    load_repro_families(dir);
  } catch (const CatalogError& e) {
    return std::string(e.what()).substr((dir / "fam.toml").string().size());
  }
  return "no error";
}

const std::string kFamily =
    "[family]\ntemplate = \"fam.c\"\nsummary = \"s\"\ncontradicts = \"c\"\ncases = [\"x/*\"]\n"
    "deviations = [\"R1\"]\nexpected_output = \"o\"\n";

TEST(ReproFamilies, RefuseUnknownMissingAndBadKeys) {
  EXPECT_EQ(load_error(kFamily), "no error");
  EXPECT_EQ(load_error(kFamily + "colour = \"red\"\n"), ":8: unknown key 'colour' in [family]");
  EXPECT_EQ(load_error("[family]\ntemplate = \"fam.c\"\n"), ":1: [family] lacks required key 'summary'");
  EXPECT_EQ(load_error(kFamily + "kits = [\"gnutls\"]\n"), ":8: unknown kit 'gnutls' (no kit-gnutls.c beside this file)");
  EXPECT_EQ(load_error(kFamily + "[[variant]]\ncases = [\"x/a\"]\n"), ":8: [[variant]] lacks required key 'defines'");
  EXPECT_EQ(load_error(kFamily + "[colour]\n"), ":8: unknown table 'colour' (expected [family], [[variant]])");
  EXPECT_EQ(load_error(kFamily.substr(0, kFamily.find("summary")) + "template2 = 1\n"),
            ":3: unknown key 'template2' in [family]");
}

const std::vector<CaseSpec>& catalog() {
  static const std::vector<CaseSpec> specs = plan_catalog(load_catalog(default_scenario_dir()));
  return specs;
}

const CaseSpec& spec_of(const std::string& id) {
  for (const auto& s : catalog())
    if (s.id() == id) return s;
  throw std::runtime_error("no case " + id);
}

TEST(ReproCaseBlock, WritesTheCaseAndItsFaultTable) {
  ReproFamily f;
  f.variants.push_back({{"ku-send-pending/*"}, {{"EXTRA", "42"}}, ""});
  std::string b = case_block(spec_of("ku-send-pending/tls13-client-gnutls-unix-trusting-nullretry/none/s0"), f);
  for (const char* line : {"#define PRIORITY \"NORMAL:-VERS-ALL:+VERS-TLS1.3\"", "#define SUBJECT_IS_CLIENT 1",
                           "#define SOCKET_SNDBUF 4096", "#define RETRY_NULL 1", "#define LOOP_WAITS 1",
                           "#define EXTRA 42", "{{OP_PUSH, 0, F_EAGAIN, 0}}"})
    EXPECT_NE(b.find(line), std::string::npos) << line << " not in\n" << b;
  std::string swept = case_block(spec_of("interleave-handshake-early/tls13-client-gnutls-unix-trusting/push@2=eagain/s0"), f);
  EXPECT_NE(swept.find("fault_plan[] = {{OP_PUSH, 2, F_EAGAIN, 0}};"), std::string::npos) << swept;
}

TEST(ReproCaseBlock, RefusesWhatAReproducerCannotExpress) {
  ReproFamily f;
  for (const auto& s : catalog()) {
    if (s.fault_plan.find("reset") == std::string::npos) continue;
    EXPECT_THROW(case_block(s, f), ReproError) << s.id();
    return;
  }
  ADD_FAILURE() << "no case with a reset fault in the catalog";
}

// Every family loads, its template exists, and each of its globs names a case of the catalog.
TEST(ReproFamilies, EveryGlobNamesACase) {
  auto families = load_repro_families(default_repro_dir());
  ASSERT_FALSE(families.empty());
  for (const auto& f : families)
    for (const auto& glob : f.cases) {
      bool found = false;
      for (const auto& s : catalog())
        if (!found && fnmatch(glob.c_str(), s.id().c_str(), 0) == 0) found = true;
      EXPECT_TRUE(found) << f.where << ": glob '" << glob << "' names no case";
    }
}

TEST(ReproDeviations, ReadsTheJudgesDeviationsFromARecord) {
  auto record = nlohmann::json::parse(R"({"id": "x/y/none/s0", "outcome": "known", "raw_outcome": "stalled",
    "end": "stalled", "invariants": {"D2": {"verdict": "violated", "causes": ["after-short-push"]},
    "R1": {"verdict": "violated"}, "L1": "held", "S1": {"verdict": "violated"}}})");
  EXPECT_EQ(record_deviations(record, {"D2", "R1", "L1"}),
            (std::vector<std::string>{"D2:after-short-push", "R1", "outcome stalled"}));
  auto failed = nlohmann::json::parse(R"({"id": "x/y/none/s0", "outcome": "fail", "end": "fatal"})");
  EXPECT_EQ(record_deviations(failed, {}), (std::vector<std::string>{"outcome fail"}));
  EXPECT_TRUE(deviation_covers("D2", "D2:after-short-push"));
  EXPECT_FALSE(deviation_covers("D2:after-eof", "D2:after-short-push"));
  EXPECT_FALSE(deviation_covers("outcome fail", "outcome failed"));
}

}  // namespace
}  // namespace dirprobe
