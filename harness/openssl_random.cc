// RAND_set_rand_method is deprecated in OpenSSL 3.0 but still consulted by RAND_bytes_ex and
// RAND_priv_bytes_ex for the default library context, which libssl uses.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "harness/openssl_random.h"

#include <openssl/rand.h>

#include <cstring>

namespace dirprobe {
namespace {

std::uint64_t state = 0;

// SplitMix64: small, fast and fully determined by its state.
std::uint64_t next() {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

int bytes(unsigned char* buf, int num) {
  for (int i = 0; i < num; i += 8) {
    std::uint64_t v = next();
    std::memcpy(buf + i, &v, static_cast<std::size_t>(std::min(8, num - i)));
  }
  return 1;
}

int seed(const void*, int) { return 1; }
int add(const void*, int, double) { return 1; }
int status() { return 1; }

const RAND_METHOD kMethod = {seed, bytes, nullptr, add, bytes, status};

}  // namespace

void restart_openssl_random(std::uint64_t seed_value) {
  static const bool installed = RAND_set_rand_method(&kMethod) == 1;
  (void)installed;
  state = seed_value;
}

std::uint64_t seed_of(std::string_view case_id) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : case_id) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

}  // namespace dirprobe
