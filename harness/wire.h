// Wire truth: the bytes each side pushed, split into records and opened with the session's
// own secrets as the libraries export them (the NSS key log), never with either library's
// record state. What a capture tool with the key log would see: which key and sequence number
// opened each record, what it carried, and where decoding had to stop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/messages.h"

namespace dirprobe {

// One key log line ("CLIENT_RANDOM <client random> <master secret>",
// "SERVER_TRAFFIC_SECRET_0 <client random> <secret>", ...).
struct KeylogEntry {
  std::string label;
  std::vector<std::uint8_t> client_random, secret;
  bool operator==(const KeylogEntry&) const = default;
};
// Parses "LABEL <hex> <hex>" (surrounding white space allowed); nullopt for anything else.
std::optional<KeylogEntry> parse_keylog_line(std::string_view line);

// The bytes one side pushed, in order, as they left it: a push the fault plan dropped on the
// way is included (the sender sealed it); bytes a push did not move are not. DTLS: where each
// datagram ends.
struct WireCapture {
  std::vector<std::uint8_t> bytes;
  std::vector<std::size_t> datagram_ends;  // where each push ended (DTLS: one datagram each)
  bool truncated = false;                  // the capture bound was reached: later bytes lost
};

// Bytes captured per side and case at most (kept, not counted: a spinning library cannot
// exhaust memory).
inline constexpr std::size_t kCaptureLimit = std::size_t{32} << 20;

enum class WireProtocol : std::uint8_t { kTls, kDtls };

// Content types (RFC 8446 / RFC 6520 numbering).
inline constexpr std::uint8_t kContentCcs = 20, kContentAlert = 21, kContentHandshake = 22,
                              kContentApplication = 23, kContentHeartbeat = 24;

struct WireRecord {
  std::size_t offset = 0;       // of its header in the direction's capture
  std::size_t wire_length = 0;  // header and fragment
  std::uint8_t outer_type = 0;  // content type in the header
  std::uint8_t type = 0;        // real content type (TLS 1.3: the inner type); outer when clear
  // The key that opened it: -1 clear (or not opened); otherwise an index into the direction's
  // key list (WireDirection::keys), in the order the keys came into use.
  int key = -1;
  std::uint64_t seq = 0;            // sequence number that opened it (DTLS: from the header)
  std::uint64_t expected_seq = 0;   // that key's next unused sequence number when it came
  std::vector<std::uint8_t> nonce;  // the AEAD nonce it opened with (empty: clear)
  std::size_t length = 0;           // plaintext content length (TLS 1.3: without type, padding)
  bool opened = false;              // clear, or opened by some key and sequence number
  bool reused = false;              // opened under a (key, sequence number) used before
  std::uint64_t digest = 0;         // hash of the record's wire bytes (a byte-identical copy)
  std::vector<std::uint8_t> head;   // the first (up to 16) bytes of the plaintext content
};

// A control message decoded from the wire, in the terms the libraries report them in.
struct WireMessage {
  ControlMessage message;  // `call` unused
  std::size_t record = 0;  // index of the record that completed it
};

struct WireDirection {
  // Names of the keys in use, in order: "early", "handshake", "application 0",
  // "application 1", ... (TLS 1.3); "epoch 1", "epoch 2", ... (TLS 1.2, DTLS 1.2).
  std::vector<std::string> keys;
  std::vector<WireRecord> records;
  std::vector<std::uint8_t> app_data;  // application data plaintext, in wire order
  // Handshake messages, alerts and heartbeats, in wire order (a DTLS retransmission of a
  // handshake message already seen is not repeated).
  std::vector<WireMessage> messages;
  // Empty when every whole record was decoded; otherwise why not, in a sentence ("record 7
  // at offset 1234 opens with no key and sequence number tried").
  std::string stopped;
  // Bytes after the last whole record: the capture ends inside a record (the case ended
  // mid-record). Not decoded, and not an error of the library.
  std::size_t tail_bytes = 0;
  bool truncated = false;  // the capture's own flag: bytes past kCaptureLimit were lost
  // Records the decoder reached (opened or tried and failed); the ones after them wait for
  // what never came (a hello, a key log line: see `stopped`) and were not tried.
  std::size_t reached = 0;
};

struct WireDecode {
  std::uint16_t version = 0;  // negotiated (0x0304 TLS 1.3, 0x0303 TLS 1.2, 0xfefd DTLS 1.2)
  std::uint16_t suite = 0;    // negotiated cipher suite
  std::string suite_name;     // "TLS_AES_128_GCM_SHA256"; empty when unknown
  WireDirection client_to_server, server_to_client;
};

// Decodes both directions of one connection. `keys` holds both sides' key log lines (any
// order, duplicates allowed); secrets are matched to the connection by its client random.
WireDecode decode_wire(WireProtocol protocol, const WireCapture& client, const WireCapture& server,
                       const std::vector<KeylogEntry>& keys);

}  // namespace dirprobe
