// libFuzzer target: the expectations loader (known deviations, TOML). Any input must either
// load or be rejected with a CatalogError; anything else is a bug in the loader.
#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/expectations.h"
#include "harness/toml_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    dirprobe::load_expectations_text(text, "fuzz.toml");
  } catch (const dirprobe::CatalogError&) {
    // A rejected file: the loader's documented way to fail.
  }
  return 0;
}
