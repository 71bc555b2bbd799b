// Self-tests of the wire decoder and its judge (wire.h, wire_judge.h), on synthetic
// connections sealed by wire_forge: a clean connection decodes in full and is judged clean;
// each test then breaks one thing and names the invariant that must catch it.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

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

}  // namespace
}  // namespace dirprobe
