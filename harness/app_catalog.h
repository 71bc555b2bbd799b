// The programs `dirprobe app` runs, described as data (scenarios/apps/programs.toml): how to
// start each one, what it transfers, what success looks like, and its retries switched off so
// that an error is seen rather than hidden.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace dirprobe {

enum class AppKind { kClient, kServer };

struct AppProgram {
  std::string name, what;
  AppKind kind = AppKind::kClient;
  // argv templates; placeholders {port} {ca} {cert} {key} {out} {in} {path} {dir} {url}
  // {upload_size} are filled per run. `upload_command` is used for uploads when given.
  std::vector<std::string> command, upload_command;
  std::vector<std::string> transfers;  // "download", "upload"
  std::vector<std::string> exchanges;  // from `exchange`: "http" (default) or "stream"
  std::string success = "exit0";
  std::string output;                  // file that must equal the served body ("{out}")
  std::map<std::string, std::string> env;
  std::string tls_processes = "self";  // "self" or "child"
  std::string stdin_from;              // "{in}": the upload file on stdin; empty: /dev/null
  std::string ready = "port";          // servers: wait until {port} accepts
  std::string notes;
  std::string skip;  // non-empty: every run is skipped with this reason (what is missing)
  std::string file;
  int line = 0;

  bool does(const std::string& transfer) const;
  bool speaks(const std::string& exchange) const;
};

// Throws CatalogError "file:line: ..." for unknown keys, missing keys and bad values.
std::vector<AppProgram> load_programs(const std::filesystem::path& file);
std::filesystem::path default_programs_file();

}  // namespace dirprobe
