// Which GnuTLS the process really runs: the version the loaded library reports
// (gnutls_check_version(NULL)) and the file it was loaded from (dladdr), or nothing when no
// GnuTLS is loaded yet.
#pragma once

#include <optional>
#include <string>

namespace dirprobe::preload {

struct Runtime {
  std::string version;
  std::string lib;
};

std::optional<Runtime> gnutls_runtime();

}  // namespace dirprobe::preload
