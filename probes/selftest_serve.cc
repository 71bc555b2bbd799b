// Self-tests of serve, the scripted other side of real programs: the served catalog loads and
// rejects broken files with file:line; a Serve run against a harness GnuTLS client (in a thread,
// over TCP loopback) moves pattern bytes both ways, fires its events and sees them answered;
// serve as a client completes a stream script against serve as a server. Every wait is bounded.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <fstream>
#include <future>
#include <thread>

#include "harness/credentials.h"
#include "harness/http.h"
#include "harness/pattern.h"
#include "harness/serve.h"
#include "harness/served_catalog.h"
#include "harness/toml_reader.h"
#include "harness/unique_fd.h"

namespace dirprobe {
namespace {

using Clock = std::chrono::steady_clock;

const std::vector<ServedScenario>& catalog() {
  static const auto all = load_served(default_served_file());
  return all;
}

std::string error_of(const std::string& text) {
  try {
    load_served_text(text, "bad.toml");
  } catch (const CatalogError& e) {
    return e.what();
  }
  return "(accepted)";
}

const char* kGood = R"([[served]]
name = "x"
what = "w"
exchange = "http"
role = "server"
protocols = ["tls13"]
peers = ["gnutls"]
script = ["handshake", "request", "response 1k", "bye wr"]
)";

std::string with(const std::string& from, const std::string& to) {
  std::string s = kGood;
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  return s.replace(pos, from.size(), to);
}

// The catalog file loads, has the scenarios the runner names, and counts what each side sends.
TEST(ServedCatalog, Loads) {
  const auto& all = catalog();
  for (const char* name : {"get-0",
                           "get-16k",
                           "get-1m",
                           "get-keyupdate",
                           "get-rehandshake",
                           "get-tickets",
                           "get-alert",
                           "get-early-close",
                           "post-0",
                           "post-100k",
                           "post-4m",
                           "post-keyupdate",
                           "post-pause",
                           "post-reauth",
                           "stream-duplex",
                           "stream-keyupdate",
                           "stream-rehandshake",
                           "client-get-1m",
                           "client-put-1m",
                           "client-stream-echo"}) {
    const ServedScenario& sc = find_served(all, name);
    EXPECT_FALSE(sc.what.empty()) << name;
  }
  EXPECT_EQ(find_served(all, "get-1m").sends, 1u << 20);
  EXPECT_TRUE(find_served(all, "get-1m").script[2].auto_body);
  EXPECT_EQ(find_served(all, "get-early-close").sends, 512u << 10);
  EXPECT_EQ(find_served(all, "post-100k").receives, 100u << 10);
  EXPECT_EQ(find_served(all, "post-pause").receives, 4u << 20);
  EXPECT_EQ(find_served(all, "client-put-1m").sends, 1u << 20);
  EXPECT_EQ(find_served(all, "client-get-1m").receives, 1u << 20);
  EXPECT_TRUE(find_served(all, "stream-duplex").receives_open_ended);
  EXPECT_THROW(find_served(all, "nope"), std::runtime_error);
}

// Broken files name file, line and what is wrong.
TEST(ServedCatalog, ErrorsNameFileAndLine) {
  EXPECT_EQ(error_of(with("what = \"w\"", "what = \"w\"\ncolour = 3")),
            "bad.toml:4: unknown key 'colour' in served scenario (expected name, what, exchange, "
            "role, protocols, peers, script)");
  EXPECT_EQ(error_of(with("what = \"w\"\n", "")),
            "bad.toml:1: served scenario lacks required key 'what'");
  std::string key_update = with("\"response 1k\"", "\"key_update peer\", \"response 1k\"");
  EXPECT_EQ(error_of(key_update), "(accepted)");
  key_update.replace(key_update.find("[\"tls13\"]"), 9, "[\"tls12\"]");
  EXPECT_EQ(error_of(key_update),
            "bad.toml:8: in 'script': step 'key_update peer' is TLS 1.3 only, but 'protocols' "
            "has tls12");
  EXPECT_EQ(error_of(with("\"response 1k\", \"bye wr\"", "\"response 1k\", \"send 512\"")),
            "bad.toml:8: in 'script': step 'response 1k' announces 1024 body bytes, but the "
            "script sends 512 (end the body early with 'bye wr' if that is the point)");
  EXPECT_EQ(error_of(with("\"handshake\", ", "")),
            "bad.toml:8: in 'script': the first step must be 'handshake'");
  EXPECT_EQ(error_of(with("exchange = \"http\"", "exchange = \"udp\"")),
            "bad.toml:4: unknown exchange 'udp' (expected http or stream)");
  EXPECT_EQ(error_of(with("protocols = [\"tls13\"]", "protocols = [\"dtls12\"]")),
            "bad.toml:6: in 'protocols': protocol 'dtls12': serve runs over TCP (expected tls12 "
            "or tls13)");
  EXPECT_EQ(error_of(with("\"request\"", "\"request GET /x\"")),
            "bad.toml:8: in 'script': step 'request GET /x' is the client's form; serve is the "
            "server here (use 'request')");
  EXPECT_EQ(error_of(with("\"bye wr\"", "\"bye wr\", \"send 1k\"")),
            "bad.toml:8: in 'script': step 'send 1k' writes after 'bye wr'");
  EXPECT_EQ(error_of(with("\"bye wr\"", "\"pause 0\"")),
            "bad.toml:8: in 'script': step 'pause 0': pause needs a byte count above 0");
  std::string unknown = error_of(with("\"bye wr\"", "\"cork 1k\""));
  EXPECT_EQ(unknown.rfind("bad.toml:8: in 'script': unknown step 'cork 1k' (expected handshake, "
                          "send N, recv N,",
                          0),
            0u)
      << unknown;
  EXPECT_EQ(error_of(std::string(kGood) + kGood).substr(0, 59),
            "bad.toml:9: served scenario name 'x' is already used at lin");
}

// --- a client made of the harness's own GnuTLS endpoint, in a thread --------------------

// What the client saw: the body (or stream) bytes it read, and whether they were the pattern.
struct ClientOutcome {
  std::string error;
  std::uint64_t body = 0, matched = 0;
  std::string head;
};

class TestClient {
 public:
  TestClient(std::uint16_t port, Protocol protocol, PeerLibrary library) {
    fd_ = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = ::connect(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    if (rc != 0 && errno != EINPROGRESS) throw std::runtime_error("connect failed");
    EndpointConfig config;
    config.role = Role::kClient;
    config.protocol = protocol;
    ep_ = library == PeerLibrary::kGnutls ? make_gnutls_endpoint(config, fd_.get(), FaultPlan())
                                          : make_openssl_endpoint(config, fd_.get(), FaultPlan());
  }

  // Calls `call` until it completes (bounded by the test's deadline).
  template <typename F>
  CallOutcome until_done(F call) {
    for (;;) {
      CallOutcome out = call();
      if (out.status != Status::kAgain && out.status != Status::kInterrupted) return out;
      wait(out.direction == 1 ? POLLOUT : POLLIN);
    }
  }
  void wait(short events) {
    if (Clock::now() > deadline_) throw std::runtime_error("client: out of time");
    pollfd p{fd_.get(), events, 0};
    ::poll(&p, 1, 50);
  }

  void handshake() {
    expect_ok(until_done([&] { return ep_->handshake(); }), "handshake");
  }
  void send_all(const std::uint8_t* data, std::size_t size) {
    for (std::size_t done = 0; done < size;) {
      CallOutcome out = until_done([&] { return ep_->send(data + done, size - done); });
      expect_ok(out, "send");
      done += static_cast<std::size_t>(out.bytes);
    }
  }
  void send_text(const std::string& s) {
    send_all(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  }
  void send_pattern(std::uint64_t seed, std::uint64_t n) {
    std::vector<std::uint8_t> buf(16384);
    for (std::uint64_t off = 0; off < n;) {
      auto k = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), n - off));
      fill_pattern(seed, off, buf.data(), k);
      send_all(buf.data(), k);
      off += k;
    }
  }
  // Reads until the peer closes (or fails); returns everything.
  std::string read_to_end() {
    std::string got;
    std::uint8_t buf[16384];
    for (;;) {
      CallOutcome out = until_done([&] { return ep_->recv(buf, sizeof buf); });
      if (out.status == Status::kOk)
        got.append(reinterpret_cast<char*>(buf), out.bytes);
      else if (out.status != Status::kNotice)
        return got;
    }
  }
  void bye() {
    until_done([&] { return ep_->bye(ByeHow::kWr); });
  }

  // An HTTP exchange: the request (with `upload` pattern bytes), then the whole response.
  ClientOutcome http(const std::string& method, std::uint64_t upload, std::uint64_t seed) {
    ClientOutcome r;
    try {
      handshake();
      send_text(format_http_request(method, "/x", "localhost", upload));
      send_pattern(seed, upload);
      std::string all = read_to_end();
      std::size_t head = http_head_size(all);
      if (head == 0) throw std::runtime_error("no response head in " + std::to_string(all.size()));
      r.head = all.substr(0, head);
      PatternChecker check(seed, all.size() - head);
      check.consume(reinterpret_cast<const std::uint8_t*>(all.data()) + head, all.size() - head);
      r.body = check.received();
      r.matched = check.error() ? check.error()->offset : check.received();
    } catch (const std::exception& e) {
      r.error = e.what();
    }
    return r;
  }

 private:
  void expect_ok(const CallOutcome& out, const char* what) {
    if (out.status != Status::kOk)
      throw std::runtime_error(std::string(what) + ": " + ep_->code_name(out.code));
  }
  UniqueFd fd_;
  std::unique_ptr<Endpoint> ep_;
  Clock::time_point deadline_ = Clock::now() + std::chrono::seconds(20);
};

struct Served {
  ServeResult serve;
  ClientOutcome client;
};

// One run of the catalog's `name` against a TestClient doing `method` with `upload` bytes.
Served serve_http(const std::string& name, Protocol protocol, const std::string& method,
                  std::uint64_t upload, int rcvbuf = 0,
                  PeerLibrary client_library = PeerLibrary::kGnutls) {
  ServeOptions o;
  o.protocol = protocol;
  o.seed = 7;
  o.budget_ms = 20000;
  o.accept_ms = 10000;
  o.rcvbuf = rcvbuf;
  Serve serve(find_served(catalog(), name), o);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> activity{0};
  auto client = std::async(std::launch::async, [&] {
    return TestClient(serve.port(), protocol, client_library).http(method, upload, 7);
  });
  Served out;
  out.serve = serve.run(stop, activity);
  out.client = client.get();
  EXPECT_GT(activity.load(), 0u);
  return out;
}

// get-1m: the client receives the 1 MiB pattern body after a 200 head announcing it.
TEST(Serve, Get1mSendsThePattern) {
  Served r = serve_http("get-1m", Protocol::kTls13, "GET", 0);
  EXPECT_TRUE(r.serve.completed) << r.serve.failure;
  EXPECT_EQ(r.serve.sent, 1u << 20);
  EXPECT_EQ(r.serve.request_method, "GET");
  EXPECT_EQ(r.client.error, "");
  EXPECT_NE(r.client.head.find("Content-Length: 1048576"), std::string::npos) << r.client.head;
  EXPECT_EQ(r.client.body, 1u << 20);
  EXPECT_EQ(r.client.matched, 1u << 20);
  EXPECT_EQ(r.serve.cipher, "AES-256-GCM");
}

// post-100k: serve reads the 100 KiB upload and reports every byte matched the pattern.
TEST(Serve, Post100kMatchesEveryByte) {
  Served r = serve_http("post-100k", Protocol::kTls12, "POST", 100 << 10);
  EXPECT_TRUE(r.serve.completed) << r.serve.failure;
  EXPECT_EQ(r.serve.received, 100u << 10);
  EXPECT_EQ(r.serve.matched, 100u << 10);
  EXPECT_EQ(r.serve.mismatch, "");
  ASSERT_TRUE(r.serve.request_length.has_value());
  EXPECT_EQ(*r.serve.request_length, 100u << 10);
  EXPECT_EQ(r.client.error, "");
  EXPECT_EQ(r.client.body, 0u);
}

// get-keyupdate (TLS 1.3): the KeyUpdate request fires at 512 KiB of the body and the body
// arrives intact. A client that sends nothing afterwards owes no answer (RFC 8446 4.6.3: it
// answers before its next application data), and serve says so.
TEST(Serve, GetKeyUpdateFires) {
  Served r = serve_http("get-keyupdate", Protocol::kTls13, "GET", 0);
  EXPECT_TRUE(r.serve.completed) << r.serve.failure;
  EXPECT_EQ(r.client.matched, 1u << 20);
  ASSERT_EQ(r.serve.events.size(), 1u);
  const ServedEvent& e = r.serve.events[0];
  EXPECT_EQ(e.step, "key_update peer");
  EXPECT_TRUE(e.fired);
  EXPECT_EQ(e.sent, 512u << 10);
  ASSERT_TRUE(e.answered.has_value());
  EXPECT_FALSE(*e.answered);
  EXPECT_EQ(e.detail, "no answer; the program sent no application data after it");
}

// A client that takes turns with stream-keyupdate's duplex steps (reads, then writes), so no
// send of its own is pending when the KeyUpdate request arrives.
const char* kTurnTaker = R"([[served]]
name = "turns"
what = "w"
exchange = "stream"
role = "client"
protocols = ["tls13"]
peers = ["gnutls"]
script = ["handshake", "recv 256k", "send 256k", "recv 256k", "send 256k", "recv 512k",
          "send 512k", "bye wr"]
)";

// stream-keyupdate (TLS 1.3) against serve as a GnuTLS client: the client's recv takes the
// request in, its next send carries its own KeyUpdate, and serve's GnuTLS reports receiving
// it. (A client whose send is pending when the request arrives would resend that record on
// the retry: the duplication of docs/findings.md; hence the turns.)
TEST(Serve, StreamKeyUpdateIsAnswered) {
  ServeOptions so;
  so.seed = 5;
  so.budget_ms = 20000;
  so.accept_ms = 10000;
  Serve server(find_served(catalog(), "stream-keyupdate"), so);
  ServeOptions co = so;
  co.connect_port = server.port();
  Serve client(load_served_text(kTurnTaker, "turns.toml").at(0), co);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> a1{0}, a2{0};
  auto s = std::async(std::launch::async, [&] { return server.run(stop, a1); });
  ServeResult c = client.run(stop, a2);
  ServeResult sr = s.get();
  EXPECT_TRUE(sr.completed) << sr.failure;
  EXPECT_TRUE(c.completed) << c.failure;
  EXPECT_EQ(sr.matched, 1u << 20) << sr.mismatch;
  EXPECT_EQ(c.matched, 1u << 20) << c.mismatch;
  ASSERT_EQ(sr.events.size(), 2u);
  EXPECT_EQ(sr.events[0].step, "key_update peer");
  EXPECT_EQ(sr.events[0].sent, 256u << 10);
  ASSERT_TRUE(sr.events[0].answered.has_value());
  EXPECT_TRUE(*sr.events[0].answered) << sr.events[0].detail;
  EXPECT_EQ(sr.events[0].detail, "the program's key_update arrived");
  EXPECT_FALSE(sr.events[1].answered.has_value());  // a plain key_update asks for nothing
}

// get-early-close: serve's close_notify ends the body at 512 KiB of 1 MiB, and says so.
TEST(Serve, EarlyCloseIsRecorded) {
  Served r = serve_http("get-early-close", Protocol::kTls13, "GET", 0);
  EXPECT_TRUE(r.serve.completed) << r.serve.failure;
  EXPECT_EQ(r.client.body, 512u << 10);
  ASSERT_EQ(r.serve.events.size(), 1u);
  EXPECT_EQ(r.serve.events[0].detail, "close_notify after 524288 of 1048576 body bytes");
}

// post-pause: serve stops reading until the upload stalls, then reads it all; the pause ends
// because the client blocked (a small receive buffer cannot hold 4 MiB).
TEST(Serve, PauseWaitsForTheProgramToBlock) {
  Served r = serve_http("post-pause", Protocol::kTls13, "POST", 4 << 20, 65536);
  EXPECT_TRUE(r.serve.completed) << r.serve.failure;
  EXPECT_EQ(r.serve.matched, 4u << 20);
  ASSERT_EQ(r.serve.pauses.size(), 1u);
  EXPECT_FALSE(r.serve.pauses[0].reached);
  EXPECT_GT(r.serve.pauses[0].waiting, 0u);
}

// Serve as a client (stream) against serve as a server: 1 MiB each way, both intact.
TEST(Serve, ClientRoleAgainstServerRole) {
  ServeOptions so;
  so.seed = 3;
  so.budget_ms = 20000;
  so.accept_ms = 10000;
  Serve server(find_served(catalog(), "stream-duplex"), so);
  ServeOptions co = so;
  co.connect_port = server.port();
  Serve client(load_served_text(kTurnTaker, "turns.toml").at(0), co);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> a1{0}, a2{0};
  auto s = std::async(std::launch::async, [&] { return server.run(stop, a1); });
  ServeResult c = client.run(stop, a2);
  ServeResult sr = s.get();
  EXPECT_TRUE(c.completed) << c.failure;
  EXPECT_TRUE(sr.completed) << sr.failure;
  EXPECT_EQ(c.matched, 1u << 20);
  EXPECT_EQ(sr.matched, 1u << 20);
  EXPECT_EQ(c.sent, 1u << 20);
  EXPECT_TRUE(sr.peer_closed);
}

// A run with no connection ends within its accept limit, and `stop` ends a waiting run.
TEST(Serve, WaitsAreBounded) {
  ServeOptions o;
  o.accept_ms = 200;
  Serve serve(find_served(catalog(), "get-0"), o);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> activity{0};
  auto started = Clock::now();
  ServeResult r = serve.run(stop, activity);
  EXPECT_FALSE(r.completed);
  EXPECT_EQ(r.failure, "no connection within 200 ms");
  stop = true;
  o.accept_ms = 60000;
  Serve again(find_served(catalog(), "get-0"), o);
  EXPECT_EQ(again.run(stop, activity).failure, "stopped by the caller");
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));
}

// The program credentials: files written, and the server leaf names localhost and 127.0.0.1.
TEST(Serve, ProgramCredentialsOnDisk) {
  auto dir =
      std::filesystem::temp_directory_path() / ("dirprobe-creds-" + std::to_string(getpid()));
  CredentialFiles files = write_program_credentials(dir);
  for (const auto& f :
       {files.ca, files.server_cert, files.server_key, files.client_cert, files.client_key})
    EXPECT_TRUE(std::filesystem::file_size(f) > 0) << f;
  const Credentials& c = program_credentials();
  EXPECT_EQ(c.ca_cert_pem, test_credentials().ca_cert_pem);
  EXPECT_NE(c.server_cert_pem, test_credentials().server_cert_pem);
  gnutls_x509_crt_t crt;
  gnutls_x509_crt_init(&crt);
  gnutls_datum_t pem{reinterpret_cast<unsigned char*>(const_cast<char*>(c.server_cert_pem.data())),
                     static_cast<unsigned>(c.server_cert_pem.size())};
  ASSERT_EQ(gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM), 0);
  EXPECT_NE(gnutls_x509_crt_check_hostname(crt, "localhost"), 0u);
  EXPECT_NE(gnutls_x509_crt_check_hostname(crt, "127.0.0.1"), 0u);
  EXPECT_NE(gnutls_x509_crt_check_hostname(crt, kServerName), 0u);
  gnutls_x509_crt_deinit(crt);
  {
    ProgramLeafScope scope;
    EXPECT_EQ(test_credentials().server_cert_pem, c.server_cert_pem);
  }
  EXPECT_NE(test_credentials().server_cert_pem, c.server_cert_pem);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dirprobe
