// The clear-text layer of the wire decoder (wire.h): record headers, handshake message
// framing (TLS streams and DTLS fragments) and the two hellos. Nothing here needs a key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "harness/wire.h"
#include "harness/wire_keys.h"

namespace dirprobe {

// One record's header as the wire gives it.
struct RecordHeader {
  std::uint8_t type = 0;
  std::uint16_t version = 0;
  std::uint16_t epoch = 0;        // DTLS
  std::uint64_t seq = 0;          // DTLS (48 bits)
  std::size_t header_length = 0;  // 5 (TLS) or 13 (DTLS)
};

struct Framing {
  std::vector<WireRecord> records;    // offset, wire_length, outer_type, digest set
  std::vector<RecordHeader> headers;  // one per record
  std::size_t tail_bytes = 0;         // after the last whole record (the capture ends in one)
  std::string stopped;                // framing lost (garbage where a header belongs)
};

// Splits one direction's capture into records. TLS: back to back; DTLS: within datagrams
// (a record that overruns its datagram is dropped with a note, the next datagram goes on).
Framing split_records(WireProtocol protocol, const WireCapture& capture);

// A complete handshake message: type and body (without its header).
struct HandshakeMessage {
  std::uint8_t type = 0;
  Bytes body;
};

// Reassembles handshake messages from the handshake records of one direction. TLS: a byte
// stream of 4-byte headed messages. DTLS: 12-byte headed fragments, reassembled per
// message_seq; a message_seq already delivered (a retransmission) is not delivered again.
class HandshakeReader {
 public:
  explicit HandshakeReader(WireProtocol protocol) : protocol_(protocol) {}
  // Takes one record's handshake content (DTLS: and the record's epoch); returns the
  // messages it completes, in order.
  std::vector<HandshakeMessage> take(std::span<const std::uint8_t> content,
                                     std::uint16_t epoch = 0);

 private:
  struct Key {
    std::uint16_t epoch = 0, message_seq = 0;
    std::uint8_t type = 0;
    auto operator<=>(const Key&) const = default;
  };
  struct Partial {
    std::uint8_t type = 0;
    Bytes body;
    std::vector<bool> have;
    std::size_t missing = 0;
  };
  std::vector<HandshakeMessage> take_dtls(std::span<const std::uint8_t> content,
                                          std::uint16_t epoch);
  WireProtocol protocol_;
  Bytes stream_;                    // TLS: bytes of an unfinished message
  std::map<Key, Partial> partial_;  // DTLS: messages still missing fragments
  std::vector<Key> done_;           // DTLS: messages delivered
};

inline constexpr std::uint8_t kClientHello = 1, kServerHello = 2, kKeyUpdate = 24;

// What the decoder needs from a ClientHello (its random) and a ServerHello.
struct ServerHelloFacts {
  Bytes random;
  std::uint16_t version = 0;  // supported_versions when present, else the legacy field
  std::uint16_t suite = 0;
  bool retry_request = false;  // a TLS 1.3 HelloRetryRequest (its special random)
};
std::optional<Bytes> client_hello_random(const HandshakeMessage& m);
std::optional<ServerHelloFacts> parse_server_hello(const HandshakeMessage& m);

// A 64-bit hash of bytes: the record digest of wire.h (a byte-identical copy has the same one).
std::uint64_t wire_digest(std::span<const std::uint8_t> bytes);

}  // namespace dirprobe
