#include "harness/bench.h"

#include <gnutls/gnutls.h>

#include <chrono>
#include <stdexcept>

#include "harness/credentials.h"
#include "harness/gnutls_check.h"
#include "harness/handles.h"
#include "harness/judge.h"
#include "harness/results.h"
#include "harness/runner.h"
#include "harness/transport.h"

namespace dirprobe {
namespace {

constexpr std::size_t kTransfer = 16384;
constexpr int kRoundLimit = 100000;  // a bare exchange takes a handful of rounds

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start, int iterations) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count() / iterations;
}

GnutlsPtr<gnutls_session_t> bare_session(bool server, int fd) {
  gnutls_session_t raw;
  check_gnutls(gnutls_init(&raw, (server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_NONBLOCK),
               "gnutls_init");
  GnutlsPtr<gnutls_session_t> s(raw);
  check_gnutls(gnutls_priority_set_direct(raw, "NORMAL:-VERS-ALL:+VERS-TLS1.3", nullptr),
               "gnutls_priority_set_direct");
  check_gnutls(gnutls_credentials_set(raw, GNUTLS_CRD_CERTIFICATE,
                                      gnutls_test_credentials(KeyType::kEd25519, server)),
               "gnutls_credentials_set");
  if (!server) gnutls_session_set_verify_cert(raw, kServerName, 0);
  gnutls_transport_set_int(raw, fd);
  return s;
}

bool retryable(int rc) { return rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED; }

void bare_exchange() {
  SocketPair pair = make_socket_pair(TransportKind::kUnix, {});
  auto client = bare_session(false, pair.a.get());
  auto server = bare_session(true, pair.b.get());
  bool c_done = false, s_done = false;
  for (int round = 0; !(c_done && s_done); ++round) {
    if (round == kRoundLimit) throw std::runtime_error("bare handshake did not finish");
    for (auto [s, done] : {std::pair{client.get(), &c_done}, std::pair{server.get(), &s_done}}) {
      if (*done) continue;
      int rc = gnutls_handshake(s);
      if (rc == 0) *done = true;
      if (rc < 0 && !retryable(rc)) throw std::runtime_error("bare handshake failed");
    }
  }
  static const std::vector<char> data(kTransfer, 'x');
  std::vector<char> in(kTransfer);
  std::size_t sent = 0, received = 0;
  for (int round = 0; received < kTransfer; ++round) {
    if (round == kRoundLimit) throw std::runtime_error("bare transfer did not finish");
    if (sent < kTransfer) {
      auto rc = gnutls_record_send(client.get(), data.data() + sent, kTransfer - sent);
      if (rc > 0) sent += static_cast<std::size_t>(rc);
      if (rc < 0 && !retryable(static_cast<int>(rc))) throw std::runtime_error("bare send failed");
    }
    auto rc = gnutls_record_recv(server.get(), in.data(), kTransfer - received);
    if (rc > 0) received += static_cast<std::size_t>(rc);
    if (rc <= 0 && !retryable(static_cast<int>(rc))) throw std::runtime_error("bare recv failed");
  }
}

CaseSpec bench_spec() {
  CaseSpec s;
  s.scenario = "bench";
  s.family = "bench";
  s.claim = "the bare baseline's exchange, as a case";
  s.variant = "tls13-client-gnutls-unix-oblivious";
  s.subject.role = Role::kClient;
  s.subject.protocol = Protocol::kTls13;
  s.peer = PeerLibrary::kGnutls;
  Step send = Step::transfer(kTransfer, 0);
  Step recv = Step::transfer(0, kTransfer);
  s.subject_steps = {Step{}, send};
  s.peer_steps = {Step{}, recv};
  for (auto inv : kAllInvariants) s.asserted.add(inv);
  s.asserted.remove(Invariant::B1);
  return s;
}

}  // namespace

BenchResult bench_bare(int iterations) {
  bare_exchange();  // warm-up: credentials, library initialisation
  auto start = Clock::now();
  for (int i = 0; i < iterations; ++i) bare_exchange();
  return {"bare GnuTLS TLS 1.3 handshake + 16 KiB", iterations, ms_since(start, iterations)};
}

BenchResult bench_case(int iterations, bool isolate) {
  CaseSpec spec = bench_spec();
  if (run_and_judge(spec).outcome != Outcome::kPass)
    throw std::runtime_error("the benchmark case does not pass; run it with --trace");
  auto start = Clock::now();
  if (isolate) {
    std::vector<CaseSpec> specs(static_cast<std::size_t>(iterations), spec);
    RunnerOptions options;
    run_cases(specs, options);
  } else {
    for (int i = 0; i < iterations; ++i) case_to_json(run_and_judge(spec));
  }
  return {isolate ? "dirprobe case, worker process (as 'dirprobe run')"
                  : "dirprobe case, in process (as CTest)",
          iterations, ms_since(start, iterations)};
}

}  // namespace dirprobe
