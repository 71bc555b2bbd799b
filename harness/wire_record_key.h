// One key of one direction of a connection, as a record layer holds it (Go's halfConn): the
// AEAD and write IV, how each record's nonce and additional data are formed from its
// sequence number, and which sequence numbers records have used so far.
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <string>

#include "harness/wire_keys.h"

namespace dirprobe {

class RecordKey {
 public:
  // `tls13`: TLS 1.3 record protection (inner content type, the header as additional data).
  RecordKey(std::string name, const CipherSuite& suite, const TrafficKey& key, bool tls13);

  const std::string& name() const { return name_; }
  const CipherSuite& suite() const { return *suite_; }

  // Opens one record (its wire bytes, header included) as sequence number `seq` (DTLS:
  // epoch << 48 | sequence number, as nonce and additional data use it). Fills the content
  // (TLS 1.3: inner plaintext, type and padding still on) and the nonce; false when the tag
  // does not authenticate.
  bool open(std::span<const std::uint8_t> record, std::size_t header_length, std::uint64_t seq,
            Bytes& content, Bytes& nonce) const;

  // One past the highest sequence number used (0 before the first record).
  std::uint64_t next_seq() const { return used_.empty() ? 0 : *used_.rbegin() + 1; }
  // Records `seq` as used; true when an earlier record had used it already.
  bool use(std::uint64_t seq) { return !used_.insert(seq).second; }

  int index = -1;       // in WireDirection::keys, once a record opened under it
  Bytes secret;         // TLS 1.3: the traffic secret (the next generation derives from it)
  int generation = -1;  // TLS 1.3: the application traffic generation (0, 1, ...)
  int epoch = -1;       // TLS 1.2 and DTLS 1.2: the epoch it protects (1, 2, ...)

 private:
  std::string name_;
  const CipherSuite* suite_;
  Bytes iv_;
  AeadOpener opener_;
  bool tls13_;
  std::set<std::uint64_t> used_;
};

}  // namespace dirprobe
