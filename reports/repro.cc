#include "reports/repro.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace dirprobe::report {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

json read_json(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file.string() + ": cannot be read");
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    throw std::runtime_error(file.string() + ": not valid JSON: " + e.what());
  }
}

ReproFile file_of(const json& r) {
  ReproFile f{r.at("file"), r.at("case"), r.at("family"), {}, {}};
  for (const auto& e : r.at("entries")) f.entries.push_back(e.at("where"));
  return f;
}

void add_checks(ReproIndex& index, const fs::path& agreement) {
  json doc = read_json(agreement);
  std::string label = "GnuTLS " + doc.at("gnutls_version").get<std::string>() + " (" +
                      doc.at("runtime").get<std::string>() + ")";
  index.runtimes.push_back(label);
  for (const auto& row : doc.at("rows"))
    for (auto& f : index.files)
      if (f.file == row.at("file"))
        f.checks[label] = row.at("agree").get<bool>()
                              ? "agrees"
                              : "harness " + row.at("harness").get<std::string>() +
                                    ", exit " + std::to_string(row.at("exit").get<int>());
}

}  // namespace

const ReproFile* ReproIndex::for_entry(const std::string& where) const {
  for (const auto& f : files)
    for (const auto& e : f.entries)
      if (e == where) return &f;
  return nullptr;
}

ReproIndex load_repro(const fs::path& dir) {
  ReproIndex index;
  index.dir = dir;
  fs::path file = dir / "src" / "index.json";
  json doc = read_json(file);
  try {
    for (const auto& r : doc.at("reproducers")) index.files.push_back(file_of(r));
    for (const auto& u : doc.at("uncovered")) index.uncovered.push_back(u.at("where"));
  } catch (const json::exception& e) {
    throw std::runtime_error(file.string() + ": not a reproducer index: " + e.what());
  }
  std::vector<fs::path> agreements;
  for (const auto& entry : fs::directory_iterator(dir))
    if (fs::is_regular_file(entry.path() / "agreement.json")) agreements.push_back(entry.path() / "agreement.json");
  std::sort(agreements.begin(), agreements.end());
  for (const auto& a : agreements) add_checks(index, a);
  return index;
}

void copy_reproducers(const ReproIndex& index, const fs::path& out) {
  fs::path to = out / "repro";
  fs::remove_all(to);
  fs::create_directories(to);
  fs::copy_file(index.dir / "src" / "Makefile", to / "Makefile");
  for (const auto& f : index.files) fs::copy_file(index.dir / "src" / f.file, to / f.file);
}

}  // namespace dirprobe::report
