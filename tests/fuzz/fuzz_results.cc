// libFuzzer target: the report generator's reader of results files (JSON). Any input must
// either be read or be rejected with an InputError; then a model is built from what was read,
// since that is what dirprobe-report does next with it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "reports/model.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using dirprobe::report::InputError;
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    std::vector<dirprobe::report::Run> runs;
    runs.push_back(dirprobe::report::parse_run(text, "fuzz.json"));
    dirprobe::report::build_model(std::move(runs));
  } catch (const InputError&) {
    // A rejected file: the reader's documented way to fail.
  }
  return 0;
}
