// Self-tests of the wire decoder and its judge (wire.h, wire_judge.h), on synthetic
// connections sealed by wire_forge: a clean connection decodes in full and is judged clean;
// each test then breaks one thing and names the invariant that must catch it.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "harness/wire.h"
#include "harness/wire_judge.h"
#include "probes/wire_forge.h"

namespace dirprobe {
namespace {

using wire_forge::Connection;

std::string findings(const WireVerdict& v) {
  std::string s;
  for (const auto* list : {&v.n1, &v.duplicates, &v.w1, &v.m2})
    for (const WireFinding& f : *list) s += f.direction + ": " + f.what + "\n";
  for (const std::string& n : v.not_judged) s += "not judged: " + n + "\n";
  return s;
}

bool clean(const WireVerdict& v) {
  return v.n1.empty() && v.duplicates.empty() && v.w1.empty() && v.m2.empty() &&
         v.not_judged.empty() && v.records > 0 && v.opened == v.records;
}

std::vector<std::string> key_names(const WireDirection& d) {
  std::vector<std::string> names;
  for (const WireRecord& r : d.records)
    names.push_back(r.key < 0
                        ? "clear"
                        : d.keys[static_cast<std::size_t>(r.key)] + "#" + std::to_string(r.seq));
  return names;
}

std::vector<std::string> message_texts(const WireDirection& d) {
  std::vector<std::string> texts;
  for (const WireMessage& m : d.messages) texts.push_back(m.message.text());
  return texts;
}

std::string hex_of(const Bytes& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s;
  for (std::uint8_t b : bytes) s += {kDigits[b >> 4], kDigits[b & 15]};
  return s;
}

bool contains(const std::vector<WireFinding>& list, const std::string& text) {
  return std::any_of(list.begin(), list.end(),
                     [&](const WireFinding& f) { return f.what.find(text) != std::string::npos; });
}

void key_update(Connection& c) {
  c.server.seal(kContentHandshake, c.server.handshake(24, {0}));
  c.server_app_secret = tls13_next_secret(*c.suite, c.server_app_secret);
  c.server.start(*c.suite, tls13_traffic_key(*c.suite, c.server_app_secret));
}

// A clean TLS 1.3 connection opens record by record under the keys in protocol order, with
// the handshake messages and data it carries, and the judge finds nothing.
TEST(Wire, Tls13CleanConnectionDecodesInFull) {
  Connection c = wire_forge::tls13(0x1301);
  WireDecode d = c.decode();
  EXPECT_EQ(d.version, 0x0304);
  EXPECT_EQ(d.suite_name, "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(key_names(d.server_to_client),
            (std::vector<std::string>{"clear", "clear", "handshake#0", "handshake#1",
                                      "application 0#0", "application 0#1", "application 0#2"}));
  EXPECT_EQ(message_texts(d.server_to_client),
            (std::vector<std::string>{"server_hello", "encrypted_extensions", "certificate",
                                      "certificate_verify", "finished", "new_session_ticket"}));
  EXPECT_EQ(d.client_to_server.app_data, c.client.sent);
  EXPECT_EQ(d.server_to_client.app_data, c.server.sent);
  EXPECT_EQ(d.server_to_client.records[5].type, kContentApplication);
  EXPECT_EQ(d.server_to_client.records[5].length, 24u);  // padding and inner type removed
  WireVerdict v = c.judge();
  EXPECT_TRUE(clean(v)) << findings(v);
}

// 0-RTT: the client's records before the ServerHello open under the early key (and wait
// for the ServerHello that names the suite); their data counts as application data.
TEST(Wire, Tls13EarlyDataOpensUnderTheEarlyKey) {
  Connection c = wire_forge::tls13(0x1301, {.early_data = true});
  WireDecode d = c.decode();
  EXPECT_EQ(key_names(d.client_to_server),
            (std::vector<std::string>{"clear", "early#0", "early#1", "clear", "handshake#0",
                                      "application 0#0", "application 0#1"}));
  EXPECT_EQ(d.client_to_server.app_data, c.client.sent);
  EXPECT_EQ(message_texts(d.client_to_server)[1], "end_of_early_data");
  WireVerdict v = c.judge();
  EXPECT_TRUE(clean(v)) << findings(v);
}

// A HelloRetryRequest is not the ServerHello: the suite and version come from the real one,
// and the second ClientHello keeps the connection's client random.
TEST(Wire, Tls13HelloRetryRequestIsSkipped) {
  Connection c = wire_forge::tls13(0x1303, {.hello_retry = true});
  WireDecode d = c.decode();
  EXPECT_EQ(d.suite_name, "TLS_CHACHA20_POLY1305_SHA256");
  EXPECT_EQ(message_texts(d.client_to_server)[1], "client_hello");
  WireVerdict v = c.judge();
  EXPECT_TRUE(clean(v)) << findings(v);
}

// Each TLS 1.3 suite: ChaCha20 and both CCM tag lengths form nonces and tags their own way.
TEST(Wire, Tls13EverySuiteDecodes) {
  for (std::uint16_t suite : {0x1301, 0x1302, 0x1303, 0x1304, 0x1305}) {
    WireVerdict v = wire_forge::tls13(suite).judge();
    EXPECT_TRUE(clean(v)) << suite_id_text(suite) << "\n" << findings(v);
  }
}

// After a KeyUpdate the sender's next records are under the next generation, derived with
// "traffic upd" (no key log has it): the decoder follows two updates.
TEST(Wire, Tls13KeyUpdateGenerationsAreFollowed) {
  Connection c = wire_forge::tls13(0x1303);
  key_update(c);
  c.server.app("under application 1");
  c.server.app("still application 1");
  key_update(c);
  c.server.app("under application 2");
  WireDecode d = c.decode();
  auto names = key_names(d.server_to_client);
  ASSERT_GE(names.size(), 3u);
  EXPECT_EQ(std::vector<std::string>(names.end() - 5, names.end()),
            (std::vector<std::string>{"application 0#3", "application 1#0", "application 1#1",
                                      "application 1#2", "application 2#0"}));
  EXPECT_EQ(d.server_to_client.messages.back().message.text(), "key_update");
  WireVerdict v = c.judge();
  EXPECT_TRUE(clean(v)) << findings(v);
}

// A clean TLS 1.2 connection under each AEAD family (GCM with SHA-256 and SHA-384,
// ChaCha20-Poly1305, CCM, CCM_8): clear until each side's ChangeCipherSpec, then epoch 1.
TEST(Wire, Tls12EveryAeadFamilyDecodes) {
  for (std::uint16_t suite : {0xC02F, 0x009D, 0xCCA8, 0xC09C, 0xC0AE}) {
    Connection c = wire_forge::tls12(suite);
    WireDecode d = c.decode();
    EXPECT_EQ(d.version, 0x0303);
    EXPECT_EQ(d.suite, suite);
    EXPECT_EQ(key_names(d.client_to_server),
              (std::vector<std::string>{"clear", "clear", "clear", "epoch 1#0", "epoch 1#1"}))
        << suite_id_text(suite);
    EXPECT_EQ(d.server_to_client.app_data, c.server.sent);
    WireVerdict v = c.judge();
    EXPECT_TRUE(clean(v)) << suite_id_text(suite) << "\n" << findings(v);
  }
}

// A TLS 1.2 renegotiation: the new hellos arrive encrypted under epoch 1, and after the
// next ChangeCipherSpec (itself encrypted) each side moves to epoch 2, keyed by the new
// client random's CLIENT_RANDOM line.
TEST(Wire, Tls12RenegotiationMovesToEpoch2) {
  Connection c = wire_forge::tls12(0xC030);
  wire_forge::renegotiate(c);
  WireDecode d = c.decode();
  EXPECT_EQ(d.client_to_server.keys, (std::vector<std::string>{"epoch 1", "epoch 2"}));
  EXPECT_EQ(key_names(d.server_to_client).back(), "epoch 2#1");
  EXPECT_EQ(message_texts(d.server_to_client)[5], "hello_request");
  WireVerdict v = c.judge();
  EXPECT_TRUE(clean(v)) << findings(v);
}

// DTLS 1.2: a cookie exchange, the server's flight in one datagram of four records and
// retransmitted (each handshake message listed once), epochs and numbers from the headers.
TEST(Wire, Dtls12CleanConnectionDecodes) {
  for (std::uint16_t suite : {0xC02B, 0xCCA9, 0xC0AC}) {
    Connection c = wire_forge::tls12(suite, WireProtocol::kDtls);
    WireDecode d = c.decode();
    EXPECT_EQ(d.version, 0xfefd);
    EXPECT_EQ(message_texts(d.server_to_client),
              (std::vector<std::string>{"hello_verify_request", "server_hello", "certificate",
                                        "server_key_exchange", "server_hello_done", "finished"}));
    EXPECT_EQ(message_texts(d.client_to_server),
              (std::vector<std::string>{"client_hello", "client_hello", "client_key_exchange",
                                        "finished"}));
    EXPECT_EQ(key_names(d.server_to_client).back(), "epoch 1#2");
    EXPECT_EQ(d.server_to_client.app_data, c.server.sent);
    WireVerdict v = c.judge();
    EXPECT_TRUE(clean(v)) << suite_id_text(suite) << "\n" << findings(v);
  }
}

// N1: a second, different record sealed under a sequence number already used (the same key
// and nonce) is found by the search, kept, and reported with key, numbers and nonce.
TEST(Wire, NonceReuseIsN1) {
  for (bool tls13 : {true, false}) {
    Connection c = tls13 ? wire_forge::tls13(0x1301) : wire_forge::tls12(0x009C);
    c.server.seal(kContentApplication, Bytes(40, 'x'), 1);  // seq 1 again, other bytes
    c.server.sent.insert(c.server.sent.end(), 40, 'x');
    WireDecode d = c.decode();
    const WireRecord& last = d.server_to_client.records.back();
    EXPECT_TRUE(last.opened && last.reused);
    EXPECT_EQ(last.seq, 1u);
    WireVerdict v = c.judge();
    ASSERT_EQ(v.n1.size(), 1u) << findings(v);
    EXPECT_TRUE(v.duplicates.empty());
    EXPECT_NE(v.n1[0].what.find(hex_of(last.nonce)), std::string::npos) << v.n1[0].what;
    EXPECT_NE(v.n1[0].what.find(tls13 ? "seq 1 under application 0" : "seq 1 under epoch 1"),
              std::string::npos)
        << v.n1[0].what;
    EXPECT_EQ(v.n1[0].direction, "server to client");
  }
}

// A byte-identical copy of a record is a duplicate (not N1), and its data shows as extra
// application data on the wire: W1.
TEST(Wire, RepeatedRecordIsDuplicateAndW1) {
  Connection c = wire_forge::tls13(0x1302);
  c.client.repeat(c.client.records() - 1);
  WireVerdict v = c.judge();
  EXPECT_TRUE(v.n1.empty()) << findings(v);
  ASSERT_EQ(v.duplicates.size(), 1u) << findings(v);
  EXPECT_TRUE(contains(v.w1, "3000 bytes of application data on the wire beyond the 3018"))
      << findings(v);
  EXPECT_TRUE(contains(v.w1, "repeats sequence number 1")) << findings(v);
}

// A record the sender reported sent but the wire lacks: W1 names the gap in the sequence
// numbers and the data that differs from what was reported sent.
TEST(Wire, DroppedRecordIsW1) {
  Connection c = wire_forge::tls12(0xCCA8);
  c.server.app("one more record");
  c.server.app("and the last");
  c.server.drop(c.server.records() - 2);
  WireVerdict v = c.judge();
  EXPECT_TRUE(contains(v.w1, "skips sequence number 3")) << findings(v);
  EXPECT_TRUE(contains(v.w1, "application data differs from what the sender reported sent"))
      << findings(v);
  EXPECT_TRUE(v.n1.empty() && v.duplicates.empty()) << findings(v);

  Connection tail = wire_forge::tls13(0x1301);
  tail.client.app("lost at the end");
  tail.client.drop(tail.client.records() - 1);
  WireVerdict w = tail.judge();
  EXPECT_TRUE(contains(w.w1, "the last 15 of the 3033 bytes")) << findings(w);
}

// A sender that skips a sequence number loses no data, but W1 still requires the numbers to
// run without a gap.
TEST(Wire, SkippedSequenceNumberIsW1) {
  Connection c = wire_forge::tls13(0x1304);
  c.client.seal(kContentApplication, Bytes(10, 'z'), 5);  // 2 was next
  c.client.sent.insert(c.client.sent.end(), 10, 'z');
  WireDecode d = c.decode();
  EXPECT_EQ(d.client_to_server.app_data, c.client.sent);
  WireVerdict v = c.judge();
  ASSERT_EQ(v.w1.size(), 1u) << findings(v);
  EXPECT_NE(v.w1[0].what.find("skips sequence numbers 2..4"), std::string::npos) << v.w1[0].what;
}

// An alert sealed inside the application data stream that neither library reported: the
// receiver pulled past it without reporting it, and the sender never reported sending it.
TEST(Wire, HiddenAlertIsM2) {
  Connection c = wire_forge::tls13(0x1303);
  c.server.alert(kAlertWarning, 90);  // user_canceled
  c.server.notes.pop_back();          // ...which no library reported
  c.server.app("more data after it");
  WireVerdict v = c.judge();
  ASSERT_EQ(v.m2.size(), 2u) << findings(v);
  EXPECT_NE(v.m2[0].what.find("alert(warning, user_canceled), within the"), std::string::npos)
      << v.m2[0].what;
  EXPECT_NE(v.m2[1].what.find("which the sender never reported sending"), std::string::npos)
      << v.m2[1].what;
  EXPECT_TRUE(v.w1.empty()) << findings(v);

  // Reported on both sides: nothing to say. Reported received but never sent: M2 (a).
  Connection told = wire_forge::tls13(0x1303);
  told.server.alert(kAlertWarning, 90);
  EXPECT_TRUE(told.judge().m2.empty()) << findings(told.judge());
  WireClaims claims = told.claims(false);
  claims.reported_received.push_back({MessageKind::kHeartbeatPing, 0, 0, 0});
  WireVerdict phantom = judge_wire(told.decode(), told.claims(true), claims, true);
  ASSERT_EQ(phantom.m2.size(), 1u) << findings(phantom);
  EXPECT_NE(phantom.m2[0].what.find("heartbeat_ping received, which is not on the wire"),
            std::string::npos);
}

// Only the messages M1 judges: alerts, heartbeats and the handshake messages a call sends.
TEST(Wire, M2JudgesWhatM1Judges) {
  auto hs = [](std::uint8_t type) { return ControlMessage{MessageKind::kHandshake, type, 0, 0}; };
  for (int type : {0, 1, 4, 13, 24}) EXPECT_TRUE(judged_by_m1(hs(static_cast<std::uint8_t>(type))));
  for (int type : {2, 8, 11, 15, 20})
    EXPECT_FALSE(judged_by_m1(hs(static_cast<std::uint8_t>(type))));
  EXPECT_TRUE(judged_by_m1({MessageKind::kAlert, 0, 1, 0}));
  EXPECT_TRUE(judged_by_m1({MessageKind::kHeartbeatPong, 0, 0, 0}));
}

// A capture that ends inside a record: not the library's error; the record is left out and
// the rest is judged as a prefix.
TEST(Wire, CaptureEndingInsideARecordIsNotJudged) {
  Connection c = wire_forge::tls13(0x1301);
  c.server.capture.bytes.resize(c.server.capture.bytes.size() - 100);
  WireDecode d = c.decode();
  EXPECT_EQ(d.server_to_client.stopped, "");
  EXPECT_GT(d.server_to_client.tail_bytes, 0u);
  WireVerdict v = c.judge();
  EXPECT_TRUE(v.w1.empty()) << findings(v);
  ASSERT_EQ(v.not_judged.size(), 1u) << findings(v);
  EXPECT_NE(v.not_judged[0].find("server to client: the capture ends inside a record"),
            std::string::npos);
}

// A CBC suite is out of scope: decoding stops with a sentence naming the suite.
TEST(Wire, UnknownSuiteStopsWithItsId) {
  Connection c = wire_forge::tls12(0xC02F);
  // Rewrite the ServerHello's suite to TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA (0xC013).
  Bytes& b = c.server.capture.bytes;
  std::size_t at = 5 + 4 + 2 + 32 + 1;
  ASSERT_EQ(b[at], 0xC0);
  b[at + 1] = 0x13;
  WireDecode d = c.decode();
  EXPECT_NE(d.server_to_client.stopped.find("cipher suite 0xC013 is not an AEAD suite"),
            std::string::npos)
      << d.server_to_client.stopped;
  EXPECT_FALSE(c.judge().not_judged.empty());
}

// Key log lines: "LABEL <32-byte client random> <secret>" in hex, and nothing else.
TEST(Wire, KeylogLinesAreParsedStrictly) {
  std::string random(64, 'a'), secret = "00112233445566778899AABBCCDDEEFF";
  auto entry = parse_keylog_line("  CLIENT_RANDOM " + random + " " + secret + "\n");
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->label, "CLIENT_RANDOM");
  EXPECT_EQ(entry->client_random, Bytes(32, 0xaa));
  EXPECT_EQ(entry->secret.size(), 16u);
  EXPECT_EQ(entry->secret[15], 0xff);
  for (const std::string& bad : std::vector<std::string>{
           "# SSL/TLS secrets log file", "", "CLIENT_RANDOM " + random,
           "CLIENT_RANDOM " + random + " " + secret + " extra",
           "CLIENT_RANDOM " + random.substr(2) + " " + secret, "CLIENT_RANDOM " + random + " 0g",
           "CLIENT_RANDOM " + random + " abc", "client random " + random + " " + secret})
    EXPECT_FALSE(parse_keylog_line(bad)) << bad;
}

// Decoding must stay a small fraction of a case (about a 1 ms handshake): measured on a
// handshake alone and on 16 KiB records, reported as test properties.
TEST(Wire, DecodingIsCheap) {
  auto time = [](const Connection& c, int rounds) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < rounds; ++i) EXPECT_EQ(c.decode().client_to_server.stopped, "");
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
               .count() /
           rounds;
  };
  Connection handshake = wire_forge::tls13(0x1301);
  double per_handshake = time(handshake, 200);
  Connection bulk = wire_forge::tls13(0x1301);
  for (int i = 0; i < 64; ++i) bulk.client.app(std::string(16384, static_cast<char>('a' + i % 26)));
  double per_record = (time(bulk, 10) - per_handshake) / 64;
  RecordProperty("handshake_decode_us", static_cast<int>(per_handshake));
  RecordProperty("record_16k_decode_us", static_cast<int>(per_record));
  std::printf("  TLS 1.3 handshake (%zu records): %.0f us; per 16 KiB record: %.1f us\n",
              handshake.client.records() + handshake.server.records(), per_handshake, per_record);
  EXPECT_LT(per_handshake, 1000.0);  // loose: a loaded shared machine must not fail it
}

}  // namespace
}  // namespace dirprobe
