// OpenSSL's random numbers, made a function of the case: OpenSSL encodes random values (such as
// a TLS 1.3 ticket's age_add) in a variable number of bytes, so with a real generator the
// size of its session tickets, and with it the calls and bytes of a case, vary from run to
// run. Before each case the harness restarts OpenSSL's generator from the case's seed. Only
// the peer library is affected: GnuTLS keeps its own generator. Test keys are not secrets.
#pragma once

#include <cstdint>
#include <string_view>

namespace dirprobe {

// Installs the generator on first use (RAND_set_rand_method) and restarts it from `seed`.
void restart_openssl_random(std::uint64_t seed);

// A stable 64-bit hash of a case id (FNV-1a), to seed it.
std::uint64_t seed_of(std::string_view case_id);

}  // namespace dirprobe
