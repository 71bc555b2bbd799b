// Typed checks on GnuTLS return codes: throw with the call and the error's name, or hand back
// the code when it is one the call site declares acceptable.
#pragma once

#include <initializer_list>
#include <stdexcept>
#include <string>

#include "harness/names.h"

namespace dirprobe {

class GnutlsError : public std::runtime_error {
 public:
  GnutlsError(const char* call, int rc)
      : std::runtime_error(std::string(call) + " failed: " + gnutls_rc_name(rc)), rc_(rc) {}
  int rc() const { return rc_; }

 private:
  int rc_;
};

// Returns rc when it is >= 0; throws GnutlsError otherwise.
inline int check_gnutls(int rc, const char* call) {
  if (rc < 0) throw GnutlsError(call, rc);
  return rc;
}

// Returns rc when it is >= 0 or one of `allowed`; throws GnutlsError otherwise.
inline int check_gnutls_expecting(int rc, const char* call, std::initializer_list<int> allowed) {
  if (rc >= 0) return rc;
  for (int a : allowed)
    if (rc == a) return rc;
  throw GnutlsError(call, rc);
}

}  // namespace dirprobe
