#include "harness/wire_framing.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace dirprobe {
namespace {

std::uint64_t be(std::span<const std::uint8_t> bytes) {
  std::uint64_t v = 0;
  for (std::uint8_t b : bytes) v = v << 8 | b;
  return v;
}

// A plausible header: a content type the decoder knows and a TLS or DTLS version. Garbage
// here means the stream framing is lost (what follows cannot be split honestly).
bool plausible(const RecordHeader& h, WireProtocol protocol) {
  if (h.type < kContentCcs || h.type > kContentHeartbeat) return false;
  return protocol == WireProtocol::kTls ? (h.version >> 8) == 3 : (h.version >> 8) == 0xfe;
}

RecordHeader read_header(WireProtocol protocol, std::span<const std::uint8_t> b,
                         std::size_t& fragment_length) {
  RecordHeader h;
  h.type = b[0];
  h.version = static_cast<std::uint16_t>(be(b.subspan(1, 2)));
  if (protocol == WireProtocol::kTls) {
    h.header_length = 5;
    fragment_length = be(b.subspan(3, 2));
  } else {
    h.header_length = 13;
    h.epoch = static_cast<std::uint16_t>(be(b.subspan(3, 2)));
    h.seq = be(b.subspan(5, 6));
    fragment_length = be(b.subspan(11, 2));
  }
  return h;
}

void add_record(Framing& f, const RecordHeader& h, std::span<const std::uint8_t> bytes,
                std::size_t offset) {
  WireRecord r;
  r.offset = offset;
  r.wire_length = bytes.size();
  r.outer_type = r.type = h.type;
  r.digest = wire_digest(bytes);
  f.records.push_back(std::move(r));
  f.headers.push_back(h);
}

// Records from [begin, end) of the capture; returns where splitting stopped.
std::size_t split_span(WireProtocol protocol, std::span<const std::uint8_t> all, std::size_t begin,
                       std::size_t end, Framing& f) {
  const std::size_t header = protocol == WireProtocol::kTls ? 5 : 13;
  std::size_t at = begin;
  while (end - at >= header) {
    std::size_t length = 0;
    RecordHeader h = read_header(protocol, all.subspan(at, header), length);
    if (!plausible(h, protocol)) {
      f.stopped = "record " + std::to_string(f.records.size()) + " at offset " +
                  std::to_string(at) + " has no valid header (type " + std::to_string(h.type) +
                  ", version " + suite_id_text(h.version) + "): the framing is lost";
      return at;
    }
    if (end - at < header + length) break;
    add_record(f, h, all.subspan(at, header + length), at);
    at += header + length;
  }
  return at;
}

}  // namespace

std::uint64_t wire_digest(std::span<const std::uint8_t> bytes) {
  // Four independent lanes of 8-byte words, so a 16 KiB record costs a few microseconds
  // (byte-wise FNV-1a cost twenty); the tail goes in byte by byte.
  constexpr std::uint64_t kPrime = 0x9e3779b97f4a7c15ULL;
  std::uint64_t lane[4] = {bytes.size(), kPrime, ~kPrime, 0x100000001b3ULL};
  std::size_t at = 0;
  for (; bytes.size() - at >= 32; at += 32)
    for (int k = 0; k < 4; ++k) {
      std::uint64_t word;
      std::memcpy(&word, bytes.data() + at + 8 * k, 8);
      lane[k] = std::rotl((lane[k] ^ word) * kPrime, 29);
    }
  std::uint64_t h =
      lane[0] ^ std::rotl(lane[1], 13) ^ std::rotl(lane[2], 31) ^ std::rotl(lane[3], 47);
  for (; at < bytes.size(); ++at) h = (h ^ bytes[at]) * 0x100000001b3ULL;
  return (h ^ (h >> 32)) * kPrime;
}

Framing split_records(WireProtocol protocol, const WireCapture& capture) {
  Framing f;
  std::span<const std::uint8_t> all(capture.bytes);
  if (protocol == WireProtocol::kTls) {
    std::size_t at = split_span(protocol, all, 0, all.size(), f);
    if (f.stopped.empty()) f.tail_bytes = all.size() - at;
    return f;
  }
  // DTLS: each datagram holds whole records; bytes past the last datagram end are treated as
  // one more datagram (a capture cut short).
  std::vector<std::size_t> ends = capture.datagram_ends;
  if (ends.empty() || ends.back() < all.size()) ends.push_back(all.size());
  std::size_t begin = 0;
  for (std::size_t end : ends) {
    end = std::min(end, all.size());
    if (end <= begin) continue;
    std::string before = f.stopped;
    std::size_t at = split_span(protocol, all, begin, end, f);
    if (at < end && end == all.size() && f.stopped == before)
      f.tail_bytes = end - at;
    else if (at < end && f.stopped == before)
      f.stopped = "the datagram ending at offset " + std::to_string(end) +
                  " holds a record that overruns it";
    begin = end;
  }
  return f;
}

std::vector<HandshakeMessage> HandshakeReader::take(std::span<const std::uint8_t> content,
                                                    std::uint16_t epoch) {
  if (protocol_ == WireProtocol::kDtls) return take_dtls(content, epoch);
  stream_.insert(stream_.end(), content.begin(), content.end());
  std::vector<HandshakeMessage> out;
  std::size_t at = 0;
  while (stream_.size() - at >= 4) {
    std::size_t length = be(std::span(stream_).subspan(at + 1, 3));
    if (stream_.size() - at - 4 < length) break;
    auto body = stream_.begin() + static_cast<long>(at + 4);
    out.push_back({stream_[at], Bytes(body, body + static_cast<long>(length))});
    at += 4 + length;
  }
  stream_.erase(stream_.begin(), stream_.begin() + static_cast<long>(at));
  return out;
}

std::vector<HandshakeMessage> HandshakeReader::take_dtls(std::span<const std::uint8_t> content,
                                                         std::uint16_t epoch) {
  std::vector<HandshakeMessage> out;
  for (std::size_t at = 0; content.size() - at >= 12;) {
    auto h = content.subspan(at, 12);
    std::size_t length = be(h.subspan(1, 3)), offset = be(h.subspan(6, 3)),
                piece = be(h.subspan(9, 3));
    if (content.size() - at - 12 < piece || offset + piece > length) break;  // malformed
    // A retransmission repeats epoch, message_seq and type; a new handshake restarts
    // message_seq at 0 in a later epoch.
    Key key{epoch, static_cast<std::uint16_t>(be(h.subspan(4, 2))), h[0]};
    auto fragment = content.subspan(at + 12, piece);
    at += 12 + piece;
    if (std::find(done_.begin(), done_.end(), key) != done_.end()) continue;
    auto [it, fresh] = partial_.try_emplace(key);
    Partial& p = it->second;
    if (fresh) {
      p.body.assign(length, 0);
      p.have.assign(length, false);
      p.missing = length;
    }
    if (p.body.size() != length) continue;  // a fragment that contradicts the first one
    for (std::size_t i = 0; i < piece; ++i) {
      p.body[offset + i] = fragment[i];
      if (!p.have[offset + i]) p.have[offset + i] = true, --p.missing;
    }
    if (p.missing > 0) continue;
    out.push_back({key.type, std::move(p.body)});
    done_.push_back(key);
    partial_.erase(it);
  }
  return out;
}

std::optional<Bytes> client_hello_random(const HandshakeMessage& m) {
  if (m.type != kClientHello || m.body.size() < 34) return std::nullopt;
  return Bytes(m.body.begin() + 2, m.body.begin() + 34);
}

std::optional<ServerHelloFacts> parse_server_hello(const HandshakeMessage& m) {
  // SHA-256("HelloRetryRequest"), the random of a HelloRetryRequest (RFC 8446 4.1.3).
  static const Bytes kRetryRandom = {0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11,
                                     0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
                                     0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
                                     0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
  std::span<const std::uint8_t> b(m.body);
  if (m.type != kServerHello || b.size() < 35) return std::nullopt;
  ServerHelloFacts s;
  s.version = static_cast<std::uint16_t>(be(b.subspan(0, 2)));
  s.random.assign(b.begin() + 2, b.begin() + 34);
  s.retry_request = s.random == kRetryRandom;
  std::size_t at = 35 + b[34];
  if (b.size() < at + 3) return std::nullopt;
  s.suite = static_cast<std::uint16_t>(be(b.subspan(at, 2)));
  at += 3;
  if (b.size() < at + 2) return s;  // no extensions
  std::size_t end = std::min(b.size(), at + 2 + be(b.subspan(at, 2)));
  for (at += 2; end - at >= 4;) {
    std::size_t type = be(b.subspan(at, 2)), length = be(b.subspan(at + 2, 2));
    at += 4;
    if (end - at < length) break;
    if (type == 43 && length == 2) s.version = static_cast<std::uint16_t>(be(b.subspan(at, 2)));
    at += length;
  }
  return s;
}

}  // namespace dirprobe
