#include "reports/apps.h"

namespace dirprobe::report {
namespace {

using nlohmann::json;

constexpr Key kAppDocumentKeys[] = {{"schema", Kind::kString, true},
                                    {"schema_version", Kind::kInteger, true},
                                    {"runtime", Kind::kString, true},
                                    {"gnutls_version", Kind::kString, true},
                                    {"openssl_version", Kind::kString, true},
                                    {"host", Kind::kObject, true},
                                    {"subject", Kind::kString, true},
                                    {"programs", Kind::kObject, true},
                                    {"scenarios", Kind::kObject, true},
                                    {"case_count", Kind::kInteger, true},
                                    {"cases", Kind::kArray, true}};
constexpr Key kAppHostKeys[] = {{"wall_seconds", Kind::kNumber, true}, {"jobs", Kind::kInteger, true}};
constexpr Key kProgramKeys[] = {{"what", Kind::kString, true},
                                {"kind", Kind::kString, true},
                                {"notes", Kind::kString, true},
                                {"command", Kind::kStrings, true}};
constexpr Key kAppScenarioKeys[] = {{"family", Kind::kString, true},
                                    {"claim", Kind::kString, true},
                                    {"asserted", Kind::kString, true},
                                    {"premises", Kind::kStrings, true}};
constexpr Key kAppCaseKeys[] = {{"id", Kind::kString, true},
                                {"outcome", Kind::kString, true},
                                {"reason", Kind::kString, false},
                                {"raw_outcome", Kind::kString, false},
                                {"expected", Kind::kStrings, false},
                                {"app", Kind::kObject, true},
                                {"invariants", Kind::kObject, false},
                                {"end", Kind::kString, false},
                                {"end_reason", Kind::kString, false},
                                {"faults", Kind::kObject, false},
                                {"transfer", Kind::kArray, false},
                                {"calls", Kind::kStrings, false}};
constexpr Key kAppKeys[] = {{"program", Kind::kString, true},
                            {"served", Kind::kString, true},
                            {"mode", Kind::kString, true},
                            {"ending", Kind::kString, true},
                            {"exit", Kind::kString, false},
                            {"nonblocking", Kind::kBool, false},
                            {"gnutls_used", Kind::kStrings, true},
                            {"calls", Kind::kCount, true},
                            {"waits", Kind::kCount, true},
                            {"direction_calls", Kind::kCount, true},
                            {"apart", Kind::kString, false}};

AppCaseRow read_app_case(const json& c, const Place& place) {
  check_keys(c, kAppCaseKeys, place);
  const json& app = c["app"];
  check_keys(app, kAppKeys, place.at("app"));
  AppCaseRow row;
  row.id = text(c, "id");
  row.program = text(app, "program");
  row.served = text(app, "served");
  row.mode = text(app, "mode");
  place.require(row.id.rfind(row.program + "@" + row.served + "/", 0) == 0,
                "id '" + row.id + "' does not start with app.program@app.served");
  auto parts = row.id.substr(row.program.size() + row.served.size() + 2);
  row.variant = parts.substr(0, parts.find('/'));
  row.plan = parts.substr(parts.find('/') + 1, parts.rfind('/') - parts.find('/') - 1);
  auto outcome = parse_outcome(text(c, "outcome"));
  place.require(outcome.has_value(), "unknown outcome '" + text(c, "outcome") + "'");
  row.outcome = *outcome;
  row.reason = text(c, "reason");
  row.ending = text(app, "ending");
  row.end_reason = text(c, "end_reason");
  row.apart = text(app, "apart");
  if (app.contains("nonblocking")) row.nonblocking = app["nonblocking"].get<bool>();
  row.gnutls_used = texts(app, "gnutls_used");
  row.calls = texts(c, "calls");
  row.waits = app["waits"].get<std::uint64_t>();
  row.direction_calls = app["direction_calls"].get<std::uint64_t>();
  return row;
}

}  // namespace

Run read_app_results(const json& doc, const std::string& file, const Lines& lines) {
  Place top{file, ""};
  check_keys(doc, kAppDocumentKeys, top);
  Run run;
  run.file = file;
  run.runtime = text(doc, "runtime");
  run.gnutls_version = text(doc, "gnutls_version");
  run.openssl_version = text(doc, "openssl_version");
  check_keys(doc["host"], kAppHostKeys, Place{file, "host", lines.member("host")});
  run.host = {doc["host"]["wall_seconds"].get<double>(), doc["host"]["jobs"].get<long>(), false};
  AppResults apps;
  for (const auto& [name, p] : doc["programs"].items()) {
    check_keys(p, kProgramKeys, Place{file, "programs." + name, lines.member("programs")});
    apps.programs[name] = {text(p, "what"), text(p, "kind"), text(p, "notes")};
  }
  for (const auto& [name, s] : doc["scenarios"].items()) {
    check_keys(s, kAppScenarioKeys, Place{file, "scenarios." + name, lines.member("scenarios")});
    apps.claims[name.substr(name.find('@') + 1)] = text(s, "claim");
  }
  Place{file, "", lines.member("case_count")}.require(
      doc["case_count"] == doc["cases"].size(),
      "case_count does not match the number of case records (truncated file?)");
  const json& cases = doc["cases"];
  for (std::size_t i = 0; i < cases.size(); ++i) {
    Place at{file, "cases[" + std::to_string(i) + "]", i < lines.cases.size() ? lines.cases[i] : 0};
    AppCaseRow row = read_app_case(cases[i], at);
    at.require(apps.programs.contains(row.program), "program '" + row.program + "' is not in 'programs'");
    apps.cases.push_back(std::move(row));
  }
  run.apps = std::move(apps);
  return run;
}

}  // namespace dirprobe::report
