#include "harness/virtual_clock.h"

#include <dlfcn.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

namespace dirprobe {
namespace {

constexpr long long kNsPerSecond = 1000000000LL;

// Constant-initialized, so reading it is safe from the first clock call of the process.
struct ClockState {
  bool running = false;
  long long start_ns = 0;     // CLOCK_REALTIME when the clock started
  long long advanced_ns = 0;  // moved by advance() since
};
thread_local ClockState tls_clock;

using ClockGettime = int (*)(clockid_t, timespec*);
using Gettimeofday = int (*)(timeval*, void*);

// The C library's own function (the next definition after the executable's); a system call
// if the lookup fails.
int real_clock_gettime(clockid_t id, timespec* ts) {
  static const auto next = reinterpret_cast<ClockGettime>(dlsym(RTLD_NEXT, "clock_gettime"));
  if (next != nullptr) return next(id, ts);
  return static_cast<int>(syscall(SYS_clock_gettime, id, ts));
}

int real_gettimeofday(timeval* tv, void* tz) {
  static const auto next = reinterpret_cast<Gettimeofday>(dlsym(RTLD_NEXT, "gettimeofday"));
  if (next != nullptr) return next(tv, tz);
  return static_cast<int>(syscall(SYS_gettimeofday, tv, tz));
}

long long real_now_ns() {
  timespec ts{};
  real_clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * kNsPerSecond + ts.tv_nsec;
}

long long virtual_now_ns() { return tls_clock.start_ns + tls_clock.advanced_ns; }

bool virtualized(clockid_t id) { return id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE; }

}  // namespace

VirtualClock::VirtualClock()
    : was_running_(tls_clock.running),
      saved_start_ns_(tls_clock.start_ns),
      saved_advanced_ns_(tls_clock.advanced_ns) {
  tls_clock = ClockState{true, real_now_ns(), 0};
}

VirtualClock::~VirtualClock() {
  tls_clock = ClockState{was_running_, saved_start_ns_, saved_advanced_ns_};
}

bool VirtualClock::running() { return tls_clock.running; }

bool VirtualClock::advance(unsigned ms) {
  if (!tls_clock.running) return false;
  tls_clock.advanced_ns += static_cast<long long>(ms) * 1000000;
  return true;
}

unsigned long long VirtualClock::advanced_ms() {
  return tls_clock.running ? static_cast<unsigned long long>(tls_clock.advanced_ns / 1000000) : 0;
}

bool VirtualClock::interposed() {
  return dlsym(RTLD_DEFAULT, "clock_gettime") == reinterpret_cast<void*>(&::clock_gettime) &&
         dlsym(RTLD_DEFAULT, "gettimeofday") == reinterpret_cast<void*>(&::gettimeofday);
}

}  // namespace dirprobe

// The interposed functions. The linker option in harness/CMakeLists.txt puts them in the
// executable's dynamic symbol table, where every library's call resolves first.
extern "C" int clock_gettime(clockid_t id, timespec* ts) noexcept {
  if (!dirprobe::tls_clock.running || !dirprobe::virtualized(id))
    return dirprobe::real_clock_gettime(id, ts);
  long long now = dirprobe::virtual_now_ns();
  ts->tv_sec = static_cast<time_t>(now / dirprobe::kNsPerSecond);
  ts->tv_nsec = static_cast<long>(now % dirprobe::kNsPerSecond);
  return 0;
}

extern "C" int gettimeofday(timeval* __restrict tv, void* __restrict tz) noexcept {
  if (!dirprobe::tls_clock.running) return dirprobe::real_gettimeofday(tv, tz);
  if (tz != nullptr) {
    timeval ignored{};
    dirprobe::real_gettimeofday(&ignored, tz);  // the (obsolete) time zone stays real
  }
  long long now = dirprobe::virtual_now_ns();
  tv->tv_sec = static_cast<time_t>(now / dirprobe::kNsPerSecond);
  tv->tv_usec = static_cast<suseconds_t>(now % dirprobe::kNsPerSecond / 1000);
  return 0;
}
