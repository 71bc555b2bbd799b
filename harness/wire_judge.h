// The wire invariants, judged on a decoded connection (wire.h):
//   N1  no (direction, key, nonce) seals two different records; a byte-identical second copy
//       is counted apart (it duplicates data but discloses nothing);
//   W1  each direction's application data on the wire equals, byte for byte and exactly once,
//       what the sender's calls reported sent; every record opens, with no sequence number
//       skipped or repeated (stream transports);
//   M2  M1 from the wire: the control messages on the wire agree with what the receiving
//       library reported receiving, and with what the sending library reported sending.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/messages.h"
#include "harness/wire.h"

namespace dirprobe {

// What the libraries and the application say about one direction.
struct WireClaims {
  std::vector<std::uint8_t> sent;  // the application bytes the sender's calls reported sent
  std::vector<ControlMessage> reported_sent, reported_received;  // each library's reports
  // Bytes of this direction the receiver pulled (stream transports): a message in a record
  // that ends within them must have been reported received. Compared with offsets in the
  // sender's capture, so it must count in those (bytes a fault plan dropped on the way are
  // in the capture but were never pulled). nullopt: not judged (DTLS).
  std::optional<std::size_t> receiver_pulled;
  // The last `unreported` bytes of `sent` were offered by a send still pending when the case
  // ended: the wire may carry any prefix of them (GnuTLS seals a record before it pushes it).
  std::size_t unreported = 0;
  // The run ended normally with the whole capture kept: every message the sender reported
  // sending must then be on the wire.
  bool flushed = false;
};

struct WireFinding {
  std::string direction;   // "client to server"
  std::size_t record = 0;  // index of the record it points at in that direction
  std::string what;        // one sentence, with key, sequence number and bytes
};

struct WireVerdict {
  std::vector<WireFinding> n1;          // two different records under one key and nonce
  std::vector<WireFinding> duplicates;  // byte-identical copies of a record
  std::vector<WireFinding> w1, m2;
  std::size_t records = 0, opened = 0;  // over both directions
  // Why a direction could not be judged in full (decoding stopped, capture truncated).
  std::vector<std::string> not_judged;
};

// The control messages M1 judges, and so M2: alerts, heartbeats, and the handshake messages
// an application's call sends (hello_request, client_hello, new_session_ticket,
// certificate_request, key_update); the rest are vouched for by the handshake completing.
bool judged_by_m1(const ControlMessage& m);

// Judges both directions. `stream`: a stream transport (sequence numbers must run 0, 1, 2...
// within each key; DTLS numbers its records itself and may lose some).
WireVerdict judge_wire(const WireDecode& decode, const WireClaims& client_to_server,
                       const WireClaims& server_to_client, bool stream);

}  // namespace dirprobe
