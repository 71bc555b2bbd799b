// libFuzzer target: the report generator's reader of results files (JSON). Any input must
// either be read or be rejected with an InputError. What was read then goes through what
// dirprobe-report does with it (model, document, both writers, merged results): an input the
// reader accepts must not break anything after it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "reports/merged.h"
#include "reports/model.h"
#include "reports/sections.h"
#include "reports/writers.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace report = dirprobe::report;
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<report::Run> runs;
  try {
    runs.push_back(report::parse_run(text, "fuzz.json"));
  } catch (const report::InputError&) {
    return 0;  // a rejected file: the reader's documented way to fail
  }
  report::Model model = report::build_model(std::move(runs));
  report::Document doc = report::build_document(model);
  report::write_markdown(doc);
  report::write_html(doc);
  report::merged_results(model);
  return 0;
}
