#include "harness/app_runtime.h"

#include <gnutls/gnutls.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace dirprobe {
namespace {

constexpr const char* kTriplet = "x86_64-linux-gnu";

std::string library_path(const AppRuntime& rt) {
  return (rt.dir / "root/usr/lib" / kTriplet).string() + ":" + (rt.dir / "root/lib" / kTriplet).string();
}

}  // namespace

std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string d;
  while (std::getline(dirs, d, ':')) {
    std::string candidate = (d.empty() ? "." : d) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

AppRuntime host_runtime() {
  AppRuntime rt;
  rt.gnutls_version = gnutls_check_version(nullptr);
  return rt;
}

AppRuntime load_runtime(const std::filesystem::path& dir) {
  std::filesystem::path env = dir / "runtime.env";
  std::ifstream in(env);
  if (!in) throw std::runtime_error(env.string() + ": cannot be read (not a runtime directory)");
  std::map<std::string, std::string> kv;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    auto eq = line.find('=');
    if (eq == std::string::npos) throw std::runtime_error(env.string() + ":" + std::to_string(n) + ": expected KEY=value");
    kv[line.substr(0, eq)] = line.substr(eq + 1);
  }
  AppRuntime rt;
  rt.dir = dir;
  rt.mode = kv["mode"];
  rt.name = kv["suite"];
  rt.gnutls_version = kv["gnutls_version"];
  if (rt.mode != "host" && rt.mode != "ld_library_path" && rt.mode != "loader")
    throw std::runtime_error(env.string() + ": unknown mode '" + rt.mode + "'");
  if (rt.gnutls_version.empty()) throw std::runtime_error(env.string() + ": no gnutls_version");
  if (rt.mode == "host") rt.gnutls_version = gnutls_check_version(nullptr);
  return rt;
}

void AppRuntime::apply(std::vector<std::string>& argv, std::vector<std::string>& env) const {
  std::string program = find_program(argv.at(0));
  if (program.empty()) throw std::runtime_error(argv[0] + ": not found on PATH");
  argv[0] = program;
  if (mode == "ld_library_path") {
    env.push_back("LD_LIBRARY_PATH=" + library_path(*this));
  } else if (mode == "loader") {
    std::filesystem::path ld = dir / "root/usr/lib" / kTriplet / "ld-linux-x86-64.so.2";
    if (!std::filesystem::exists(ld)) ld = dir / "root/lib" / kTriplet / "ld-linux-x86-64.so.2";
    if (!std::filesystem::exists(ld)) throw std::runtime_error(dir.string() + ": the suite's dynamic loader is missing");
    argv.insert(argv.begin(), {ld.string(), "--library-path", library_path(*this)});
  }
}

}  // namespace dirprobe
