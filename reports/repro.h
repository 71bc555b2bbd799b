// The standalone reproducers beside a run (scripts/repro.sh's directory): which file shows which
// known deviation, and whether it agreed with the harness on each runtime. docs/repro.md.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace dirprobe::report {

struct ReproFile {
  std::string file, case_id, family;
  std::vector<std::string> entries;           // the expectation entries it shows ("file:line")
  std::map<std::string, std::string> checks;  // per runtime label: "agrees" or what disagreed
};

struct ReproIndex {
  std::filesystem::path dir;  // the directory repro.sh wrote (src/ holds the C files)
  std::vector<ReproFile> files;
  std::vector<std::string> uncovered;  // entries without a reproducer ("file:line")
  std::vector<std::string> runtimes;   // labels of the runtimes checked, in directory order
  // The reproducer that shows `where`, or null.
  const ReproFile* for_entry(const std::string& where) const;
};

// Reads DIR/src/index.json and every DIR/*/agreement.json; a file that is not what it should be
// is an error naming it.
ReproIndex load_repro(const std::filesystem::path& dir);
// Copies the C files and the Makefile into OUT/repro/, where the report's links point.
void copy_reproducers(const ReproIndex& index, const std::filesystem::path& out);

}  // namespace dirprobe::report
