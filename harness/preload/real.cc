#include "harness/preload/real.h"

namespace dirprobe::preload {

void* find_next(const char* name, const char* version) {
  void* p = dlvsym(RTLD_NEXT, name, version);
  return p != nullptr ? p : dlsym(RTLD_NEXT, name);
}

}  // namespace dirprobe::preload
