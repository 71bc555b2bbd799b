// Test-only: synthetic TLS 1.3, TLS 1.2 and DTLS 1.2 connections, written record by record
// and sealed by an AEAD code path of their own (not the decoder's opener), with the key log
// and the claims (what each side reported) that a faithful pair of libraries would give.
// The wire self-tests start from a clean connection and break one thing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/wire.h"
#include "harness/wire_judge.h"
#include "harness/wire_keys.h"

namespace dirprobe::wire_forge {

// ciphertext || tag.
Bytes seal_aead(Aead aead, const Bytes& key, const Bytes& nonce, const Bytes& aad,
                const Bytes& plain);

// One direction as its sender writes it.
class Writer {
 public:
  Writer(WireProtocol protocol, bool tls13) : protocol_(protocol), tls13_(tls13) {}

  // A handshake message (DTLS: one fragment with the next message_seq), noted as sent.
  Bytes handshake(std::uint8_t type, const Bytes& body);
  // A clear record (DTLS: epoch 0).
  void clear(std::uint8_t type, const Bytes& content);
  // The next records are sealed under `key` from sequence number 0 (DTLS: the next epoch).
  void start(const CipherSuite& suite, const TrafficKey& key);
  // Seals one record: `type` is the real content type (TLS 1.3: inside, with padding). `seq`
  // replaces the key's next sequence number (which then moves on from it).
  void seal(std::uint8_t type, const Bytes& content, std::optional<std::uint64_t> seq = {});
  // Application data, sealed and noted as reported sent.
  void app(const std::string& text);
  // An alert, sealed, noted as sent.
  void alert(std::uint8_t level, std::uint8_t description);
  // DTLS: ends the datagram the records since the last call form (TLS: nothing).
  void datagram();
  // Pushes record `index`'s bytes again (a byte-identical copy).
  void repeat(std::size_t index);
  // Takes record `index`'s bytes off the capture (the claims keep what it carried).
  void drop(std::size_t index);

  std::size_t records() const { return spans_.size(); }
  WireCapture capture;
  Bytes sent;                         // application data reported sent
  std::vector<ControlMessage> notes;  // control messages reported sent

 private:
  void push(const Bytes& record);
  Bytes header(std::uint8_t type, std::size_t length) const;

  WireProtocol protocol_;
  bool tls13_;
  const CipherSuite* suite_ = nullptr;
  TrafficKey key_;
  std::uint64_t seq_ = 0;
  std::uint16_t epoch_ = 0, message_seq_ = 0;
  std::vector<std::pair<std::size_t, std::size_t>> spans_;  // offset, length of each record
};

struct Connection {
  Writer client, server;
  std::vector<KeylogEntry> keys;
  const CipherSuite* suite = nullptr;
  Bytes server_app_secret;  // TLS 1.3: SERVER_TRAFFIC_SECRET_0, for KeyUpdate tests

  WireDecode decode() const;
  // Claims of a faithful pair: each receiver reported what the other side reported sending,
  // and pulled everything.
  WireClaims claims(bool client_to_server) const;
  WireVerdict judge() const;
};

// Handshake, then a little application data both ways. TLS 1.3: CH, SH, CCS and the
// encrypted server flight split over records, NewSessionTicket. TLS 1.2: a full handshake.
// DTLS 1.2: with a HelloVerifyRequest, a retransmitted server flight, several records in one
// datagram.
struct Tls13Options {
  bool early_data = false;   // 0-RTT data under CLIENT_EARLY_TRAFFIC_SECRET, then EndOfEarlyData
  bool hello_retry = false;  // a HelloRetryRequest and a second ClientHello first
};
Connection tls13(std::uint16_t suite, Tls13Options options = {});
Connection tls12(std::uint16_t suite, WireProtocol protocol = WireProtocol::kTls);
// Continues a TLS 1.2 connection with a renegotiation (new randoms and master secret, "epoch 2").
void renegotiate(Connection& c);

}  // namespace dirprobe::wire_forge
