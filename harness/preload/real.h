// The real functions behind the interposed ones: libc's (by GLIBC version node) and GnuTLS's
// (by GNUTLS version node), found with dlvsym(RTLD_NEXT) on first use and cached. The library
// never links libgnutls: a process without GnuTLS simply never calls the GnuTLS side.
#pragma once

#include <dlfcn.h>

namespace dirprobe::preload {

// The next definition of `name` after this library, preferring version node `version`;
// nullptr when no loaded object defines it.
void* find_next(const char* name, const char* version);

// Resolves once per call site: `static auto f = real<decltype(&fn)>("fn", "NODE");`.
template <typename Fn>
Fn real(const char* name, const char* version) {
  return reinterpret_cast<Fn>(find_next(name, version));
}

}  // namespace dirprobe::preload

// The real libc functions the interposer itself uses (never the interposed ones).
#define DP_REAL(fn, node) \
  static const auto real_##fn = ::dirprobe::preload::real<decltype(&::fn)>(#fn, node)
