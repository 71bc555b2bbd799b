// libFuzzer target: the scenario loader (TOML text to validated scenarios). Any input must
// either load or be rejected with a CatalogError; anything else (another exception, a crash, a
// sanitizer report) is a bug in the loader.
#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/catalog.h"
#include "harness/toml_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    dirprobe::load_scenario_text(text, "fuzz.toml");
  } catch (const dirprobe::CatalogError&) {
    // A rejected file: the loader's documented way to fail.
  }
  return 0;
}
