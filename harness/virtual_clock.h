// The virtual clock of a DTLS case. While one runs, the time both TLS libraries read stands
// still and moves only when the driver advances it (to a retransmission timer, or through a
// blocking pull_timeout), so a timer costs no wall-clock time and expires at the same point of
// every run, however loaded the machine. GnuTLS reads time with clock_gettime(CLOCK_REALTIME)
// (3.7.1 to 3.8.13), OpenSSL 3.0's DTLS timers with gettimeofday: virtual_clock.cc defines
// both in the executable, which exports them, so the dynamic linker binds the libraries' calls
// to them ahead of the C library's. Other clocks (CLOCK_MONOTONIC: std::chrono::steady_clock)
// stay real.
#pragma once

namespace dirprobe {

// Runs a virtual clock on the calling thread for its lifetime. It starts at the real time
// (so the first reading is plausible) and then moves only by advance(). A clock started inside
// another replaces it until it ends.
class VirtualClock {
 public:
  VirtualClock();
  ~VirtualClock();
  VirtualClock(const VirtualClock&) = delete;
  VirtualClock& operator=(const VirtualClock&) = delete;

  // True when the calling thread runs a virtual clock.
  static bool running();
  // Moves the calling thread's virtual clock forward by `ms`; false (and nothing) if none runs.
  static bool advance(unsigned ms);
  // How far the calling thread's virtual clock has been advanced since it started (0: none).
  static unsigned long long advanced_ms();
  // True when the TLS libraries read time through this file's functions: the running program
  // exports clock_gettime and gettimeofday (every program linked with dirprobe::harness does).
  static bool interposed();

 private:
  bool was_running_;
  long long saved_start_ns_, saved_advanced_ns_;
};

}  // namespace dirprobe
