// `dirprobe repro --check DIR --results R.json --exits EXITS`: does each reproducer's exit
// status on one runtime agree with the harness's verdict for its case on that runtime?
// Harness shows one of the reproducer's entries' deviations -> exit 1; it does not -> 0;
// the harness skipped the case (a function the runtime lacks) -> 77.
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/cli/repro_command.h"
#include "harness/repro.h"
#include "harness/toml_reader.h"

namespace dirprobe {
namespace {

using nlohmann::json;

json parse_file(const std::string& file, const char* what) {
  try {
    return json::parse(read_text_file(file));
  } catch (const json::exception& e) {
    throw std::runtime_error(file + ": not " + what + ": " + e.what());
  }
}

std::map<std::string, int> read_exits(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file + ": cannot read");
  std::map<std::string, int> out;
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    std::istringstream fields(line);
    std::string name;
    int status = -1;
    if (!(fields >> name >> status))
      throw std::runtime_error(file + ":" + std::to_string(n) + ": expected 'FILE EXIT'");
    out[name] = status;
  }
  return out;
}

std::set<std::string> asserted_of(const json& doc, const std::string& scenario) {
  std::set<std::string> out;
  std::istringstream list(doc.at("scenarios").at(scenario).value("asserted", ""));
  for (std::string inv; std::getline(list, inv, ',');) out.insert(inv);
  return out;
}

// "deviation", "none" or "skip": what the harness's record says of the reproducer's entries.
std::string harness_verdict(const json& doc, const json& record, const json& repro) {
  if (record.value("outcome", "") == "skip") return "skip";
  std::string id = record.at("id");
  auto asserted = asserted_of(doc, id.substr(0, id.find('/')));
  for (const auto& entry : repro.at("entries"))
    if (record_shows(record, asserted, entry.at("deviation"), entry.value("error", "")))
      return "deviation";
  return "none";
}

int expected_exit(const std::string& verdict) {
  return verdict == "deviation" ? 1 : verdict == "skip" ? 77 : 0;
}

}  // namespace

int cmd_repro_check(const ReproArgs& a) {
  if (a.results.size() != 1 || a.exits_file.empty())
    throw std::invalid_argument("--check needs one --results file and --exits");
  json index = parse_file(a.check_dir + "/index.json", "a reproducer index");
  json doc = parse_file(a.results[0], "a results file");
  std::map<std::string, const json*> records;
  for (const auto& r : doc.at("cases")) records[r.at("id")] = &r;
  auto exits = read_exits(a.exits_file);
  json rows = json::array();
  int disagree = 0;
  for (const auto& repro : index.at("reproducers")) {
    std::string file = repro.at("file"), id = repro.at("case");
    auto rec = records.find(id);
    auto ex = exits.find(file);
    std::string verdict = rec == records.end() ? "no record" : harness_verdict(doc, *rec->second, repro);
    int status = ex == exits.end() ? -1 : ex->second;
    bool agree = rec != records.end() && status == expected_exit(verdict);
    disagree += agree ? 0 : 1;
    std::cout << (agree ? "agree     " : "DISAGREE  ") << file << "  harness: " << verdict
              << "  reproducer exit: " << status << "\n";
    rows.push_back({{"file", file}, {"case", id}, {"harness", verdict}, {"exit", status}, {"agree", agree}});
  }
  std::cout << rows.size() - disagree << " of " << rows.size() << " reproducers agree with the harness on GnuTLS "
            << doc.value("gnutls_version", "?") << "\n";
  if (!a.agreement_out.empty()) {
    std::ofstream out(a.agreement_out);
    out << json({{"runtime", doc.value("runtime", "")}, {"gnutls_version", doc.value("gnutls_version", "")},
                 {"rows", rows}}).dump(1) << "\n";
  }
  return disagree == 0 ? 0 : 1;
}

}  // namespace dirprobe
