#include "harness/preload/runtime.h"

#include "harness/preload/real.h"

namespace dirprobe::preload {

std::optional<Runtime> gnutls_runtime() {
  using CheckVersion = const char* (*)(const char*);
  auto check = real<CheckVersion>("gnutls_check_version", "GNUTLS_3_4");
  if (check == nullptr) return std::nullopt;
  Runtime r;
  const char* v = check(nullptr);
  r.version = v != nullptr ? v : "";
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(check), &info) != 0 && info.dli_fname != nullptr)
    r.lib = info.dli_fname;
  return r;
}

}  // namespace dirprobe::preload
