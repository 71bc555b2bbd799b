// Tests of `dirprobe app`'s own parts that do not need a program: the program catalog and the
// interposer log are read strictly (file:line errors), case ids round-trip, and the judge maps
// endings onto outcomes as docs/apps.md states.
#include <gtest/gtest.h>

#include <fstream>

#include "harness/app_judge.h"
#include "harness/toml_reader.h"

namespace dirprobe {
namespace {

std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("dirprobe-selftest-apps-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string load_error(const std::string& text) {
  auto file = temp_dir("programs") / "p.toml";
  std::ofstream(file) << text;
  try {
    load_programs(file);
  } catch (const CatalogError& e) {
    return std::string(e.what()).substr(file.string().size());
  }
  return "no error";
}

// A program description with an unknown or a missing key is refused, naming the line.
TEST(AppCatalog, RefusesUnknownAndMissingKeys) {
  const std::string head = "[[program]]\nname = \"x\"\nwhat = \"w\"\nkind = \"client\"\n";
  EXPECT_EQ(load_error(head + "command = [\"x\"]\ntransfers = [\"download\"]\ncolour = \"red\"\n"),
            ":7: unknown key 'colour' in program");
  EXPECT_EQ(load_error(head + "transfers = [\"download\"]\n"), ":1: program lacks required key 'command'");
  EXPECT_EQ(load_error(head + "command = [\"x\"]\ntransfers = [\"sideways\"]\n"),
            ":6: in 'transfers': 'sideways' is not one of download, upload");
}

// A log line the interposer would not write is an error naming the file and the line.
TEST(AppLog, RefusesABadLine) {
  auto dir = temp_dir("log");
  std::ofstream(dir / "42.jsonl") << "{\"seq\":0,\"ev\":\"process\",\"pid\":42}\n{\"ev\":\"colour\"}\n";
  try {
    read_app_log(dir);
    ADD_FAILURE() << "the bad line was read";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "42.jsonl").string() + ":2: unknown event 'colour'");
  }
}

// A case id names every axis and parses back; a malformed one says what it should be.
TEST(AppCase, IdRoundTrips) {
  AppCase c = parse_app_case_id("wget@get-1m/tls12-client-openssl-tcp-gated/pull@3=eagain/s0");
  EXPECT_EQ(c.program, "wget");
  EXPECT_EQ(c.served, "get-1m");
  EXPECT_EQ(c.protocol, Protocol::kTls12);
  EXPECT_EQ(c.peer, Library::kOpenssl);
  EXPECT_TRUE(c.gated);
  EXPECT_EQ(c.id(), "wget@get-1m/tls12-client-openssl-tcp-gated/pull@3=eagain/s0");
  EXPECT_THROW(parse_app_case_id("wget/get-1m"), std::invalid_argument);
  EXPECT_THROW(parse_app_case_id("wget@get-1m/tls12-client-openssl-udp-gated/none/s0"),
               std::invalid_argument);
}

AppRun run_with(AppEnding ending, bool injected) {
  AppRun run;
  run.ending = ending;
  run.detail = "exit status 4";
  AppSession s;
  s.id = 1;
  s.pid = 7;
  s.gnutls = "3.7.9";
  s.injected = injected ? 1 : 0;
  s.fd = 3;
  run.trace.sessions[1] = s;
  AppProcess p;
  p.pid = 7;
  AppEntry again;
  again.kind = AppEntry::Kind::kCall;
  again.session = 1;
  again.api = "gnutls_record_send";
  again.name = "GNUTLS_E_AGAIN";
  again.dir = 1;
  AppEntry wait;
  wait.kind = AppEntry::Kind::kWaitBegin;
  wait.api = "poll";
  wait.fds = {{3, 4, 0}};
  p.entries = {again, wait};
  run.trace.processes.push_back(p);
  run.served.completed = ending == AppEnding::kCompleted;
  return run;
}

// Endings map onto outcomes: an error under E_AGAIN is a finding, under a reset it is what the
// program must do; a hang waiting for the reported direction violates L1; a run whose fault
// never happened is not a pass.
TEST(AppJudge, MapsEndingsOntoOutcomes) {
  ServedScenario served;
  served.exchange = Exchange::kHttp;
  AppRuntime rt;
  rt.gnutls_version = "3.7.9";
  AppProgram program;
  AppCase c;
  c.plan = "push@2=eagain";
  AppVerdict v = judge_app_run(c, program, served, run_with(AppEnding::kError, true), rt);
  EXPECT_EQ(v.outcome, "fail");
  EXPECT_NE(v.reason.find("under a fault it could survive (push@2=eagain)"), std::string::npos);
  c.plan = "push@2=reset";
  EXPECT_EQ(judge_app_run(c, program, served, run_with(AppEnding::kError, true), rt).outcome, "pass");
  c.plan = "push@2=eagain";
  v = judge_app_run(c, program, served, run_with(AppEnding::kHang, true), rt);
  EXPECT_EQ(v.outcome, "stalled");
  ASSERT_TRUE(v.invariants["L1"].is_object());
  EXPECT_EQ(judge_app_run(c, program, served, run_with(AppEnding::kCompleted, false), rt).outcome,
            "vacuous");
  rt.gnutls_version = "3.8.9";
  v = judge_app_run(c, program, served, run_with(AppEnding::kCompleted, true), rt);
  EXPECT_EQ(v.outcome, "skip");
  EXPECT_NE(v.reason.find("loaded GnuTLS 3.7.9"), std::string::npos);
}

}  // namespace
}  // namespace dirprobe
