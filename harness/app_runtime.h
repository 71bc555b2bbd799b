// The GnuTLS runtime a program is run against: the installed library, or one fetched by
// scripts/runtimes.sh (a Debian suite's packages unpacked under DIR/root, described by
// DIR/runtime.env), and how to start a program so that it loads that library.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace dirprobe {

struct AppRuntime {
  std::string name = "installed";  // the suite, or "installed"
  std::string mode = "host";       // host, ld_library_path, loader
  std::string gnutls_version;      // upstream version, e.g. "3.7.1"
  std::filesystem::path dir;

  // Rewrites a command (argv[0] resolved through PATH) and its environment ("KEY=value") so
  // that the program loads this runtime: LD_LIBRARY_PATH, or the suite's dynamic loader.
  // Throws std::runtime_error when the program or the loader is missing.
  void apply(std::vector<std::string>& argv, std::vector<std::string>& env) const;
};

// The installed GnuTLS (the version dirprobe itself loaded).
AppRuntime host_runtime();
// DIR/runtime.env; throws std::runtime_error naming the file and what is wrong.
AppRuntime load_runtime(const std::filesystem::path& dir);

// PATH lookup; empty when not found.
std::string find_program(const std::string& name);

}  // namespace dirprobe
