// Marks a function the library exports (the version script, preload.map, names its node).
#pragma once

#define DP_EXPORT extern "C" __attribute__((visibility("default")))

// The real GnuTLS function `fn` at version node `node`, resolved once per call site.
#define DP_REAL_GNUTLS(fn, node) \
  static const auto real_##fn = ::dirprobe::preload::real<decltype(&::fn)>(#fn, node)
