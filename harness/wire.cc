#include "harness/wire.h"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <tuple>

#include "harness/wire_framing.h"
#include "harness/wire_keys.h"
#include "harness/wire_record_key.h"

namespace dirprobe {
namespace {

constexpr std::uint16_t kTls13 = 0x0304;
// Sequence numbers tried past a key's next one, and failed opens a direction may spend on
// searching: enough to find a record resealed or skipped, bounded for a stream of garbage.
constexpr std::uint64_t kSeqWindow = 64;
constexpr std::size_t kTrialBudget = 1 << 14;

std::string hex(std::span<const std::uint8_t> bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s;
  for (std::uint8_t b : bytes) s += {kDigits[b >> 4], kDigits[b & 15]};
  return s;
}

std::optional<Bytes> unhex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  Bytes out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    auto nibble = [](char c) {
      if (c >= '0' && c <= '9') return c - '0';
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    };
    int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return out;
}

// What both directions learn from each other: the hellos so far, and the key log.
struct Session {
  const std::vector<KeylogEntry>& log;
  std::vector<Bytes> client_randoms;            // one per handshake, in order
  std::vector<ServerHelloFacts> server_hellos;  // HelloRetryRequests left out

  bool version_known() const { return !server_hellos.empty(); }
  bool tls13() const { return version_known() && server_hellos[0].version == kTls13; }
  const Bytes* secret(std::string_view label, const Bytes& random) const {
    for (const KeylogEntry& e : log)
      if (e.label == label && e.client_random == random) return &e.secret;
    return nullptr;
  }
  void hello(const HandshakeMessage& m) {
    // A second ClientHello after a HelloVerifyRequest or HelloRetryRequest keeps its random.
    if (auto random = client_hello_random(m))
      if (client_randoms.empty() || client_randoms.back() != *random)
        client_randoms.push_back(*random);
    if (auto facts = parse_server_hello(m))
      if (!facts->retry_request) server_hellos.push_back(*facts);
  }
};

enum class Protection { kClear, kSealed, kWait };

// One direction: splits its capture, finds the key and sequence number of each record, and
// collects what the records carry.
class DirectionDecoder {
 public:
  DirectionDecoder(bool client, WireProtocol protocol, const WireCapture& capture,
                   WireDirection& out);
  // Decodes records until one needs a hello the other direction has not shown yet, or none
  // are left; true if it decoded any.
  bool advance(Session& s);
  // Says in `stopped` why decoding ended early, if it did.
  void finish();

 private:
  Protection protection(const RecordHeader& h, const Session& s);
  bool ready_keys(const RecordHeader& h, Session& s);
  bool tls13_keys(Session& s);
  bool epoch_key(int epoch, Session& s);
  // The logged master secret (of any connection) whose keys open the record being decoded,
  // the first of its epoch; null when none does.
  const Bytes* resumed_master(const CipherSuite& suite, const Session& s, std::size_t g);
  void add_generations();
  std::optional<std::pair<int, std::uint64_t>> find_key(std::size_t i, Bytes& content,
                                                        Bytes& nonce);
  bool try_open(std::size_t i, int key, std::uint64_t seq, Bytes& content, Bytes& nonce);
  void opened(std::size_t i, int key, std::uint64_t seq, Bytes nonce);
  void deliver(std::size_t i, std::uint8_t type, std::span<const std::uint8_t> content, Session& s);
  void not_opened(std::size_t i, const std::string& why);
  std::string where(std::size_t i) const;
  std::span<const std::uint8_t> wire(std::size_t i) const;

  bool client_;
  WireProtocol protocol_;
  const WireCapture& capture_;
  WireDirection& out_;
  std::vector<RecordHeader> headers_;
  std::vector<RecordKey> keys_;  // every key this direction may use, in protocol order
  HandshakeReader handshake_;
  std::size_t next_ = 0;  // the next record to decode
  int current_ = -1;      // the key of the last record opened (streams)
  int epoch_ = 0;         // TLS 1.2: ChangeCipherSpecs seen
  std::size_t budget_ = kTrialBudget;
  std::string wait_, first_problem_;
  std::string missing_;  // secrets the key log lacks, named in sentences about records
  std::size_t problems_ = 0;
  Bytes scratch_;  // plaintext of the record at hand, reused (records run to 16 KiB)
  Bytes nonce_scratch_;
};

DirectionDecoder::DirectionDecoder(bool client, WireProtocol protocol, const WireCapture& capture,
                                   WireDirection& out)
    : client_(client), protocol_(protocol), capture_(capture), out_(out), handshake_(protocol) {
  Framing f = split_records(protocol, capture);
  out_.records = std::move(f.records);
  headers_ = std::move(f.headers);
  out_.tail_bytes = f.tail_bytes;
  out_.truncated = capture.truncated;
  out_.app_data.reserve(capture.bytes.size());  // plaintext is never longer than the wire
  if (!f.stopped.empty()) first_problem_ = f.stopped, ++problems_;
}

std::span<const std::uint8_t> DirectionDecoder::wire(std::size_t i) const {
  return std::span(capture_.bytes).subspan(out_.records[i].offset, out_.records[i].wire_length);
}

std::string DirectionDecoder::where(std::size_t i) const {
  return "record " + std::to_string(i) + " at offset " + std::to_string(out_.records[i].offset);
}

bool DirectionDecoder::advance(Session& s) {
  bool moved = false;
  for (; next_ < out_.records.size(); ++next_, moved = true) {
    const RecordHeader& h = headers_[next_];
    Protection p = protection(h, s);
    if (p == Protection::kWait || (p == Protection::kSealed && !ready_keys(h, s))) break;
    wait_.clear();
    if (p == Protection::kClear) {
      out_.records[next_].opened = true;
      deliver(next_, h.type, wire(next_).subspan(h.header_length), s);
      continue;
    }
    Bytes& content = scratch_;
    Bytes nonce;
    auto found = find_key(next_, content, nonce);
    if (!found && !missing_.empty()) {
      wait_ = "cannot be opened: " + missing_;  // not the sender's fault: stop here
      break;
    }
    if (!found) {
      not_opened(next_, "opens with no key and sequence number tried");
      continue;
    }
    opened(next_, found->first, found->second, std::move(nonce));
    std::uint8_t type = h.type;
    if (s.tls13()) {
      // TLSInnerPlaintext: content || type || zero padding.
      while (!content.empty() && content.back() == 0) content.pop_back();
      type = content.empty() ? 0 : content.back();
      if (!content.empty()) content.pop_back();
    }
    deliver(next_, type, content, s);
  }
  return moved;
}

Protection DirectionDecoder::protection(const RecordHeader& h, const Session& s) {
  if (protocol_ == WireProtocol::kDtls)
    return h.epoch == 0 ? Protection::kClear : Protection::kSealed;
  if (!s.version_known()) {
    // Until the ServerHello tells TLS 1.2 from 1.3, only the clear hellos can be read.
    if (h.type != kContentApplication && h.type != kContentCcs) return Protection::kClear;
    wait_ = "waits for a ServerHello, which the server's capture does not show";
    return Protection::kWait;
  }
  if (s.tls13()) return h.type == kContentApplication ? Protection::kSealed : Protection::kClear;
  return epoch_ == 0 ? Protection::kClear : Protection::kSealed;
}

bool DirectionDecoder::ready_keys(const RecordHeader& h, Session& s) {
  if (protocol_ == WireProtocol::kDtls) return epoch_key(h.epoch, s);
  if (s.tls13()) return tls13_keys(s);
  return epoch_key(epoch_, s);
}

// TLS 1.3: early (client), handshake and application traffic keys from the key log.
bool DirectionDecoder::tls13_keys(Session& s) {
  if (!keys_.empty()) return true;
  if (s.client_randoms.empty()) {
    wait_ = "waits for a ClientHello, which the client's capture does not show";
    return false;
  }
  const CipherSuite* suite = find_suite(s.server_hellos[0].suite);
  if (suite == nullptr || !suite->tls13) {
    wait_ = "cipher suite " + suite_id_text(s.server_hellos[0].suite) +
            " is not a TLS 1.3 suite this decoder knows";
    return false;
  }
  const Bytes& random = s.client_randoms[0];
  const char* side = client_ ? "CLIENT" : "SERVER";
  auto add = [&](const std::string& label, const std::string& name, int generation) {
    const Bytes* secret = s.secret(label, random);
    if (secret == nullptr) return false;
    keys_.emplace_back(name, *suite, tls13_traffic_key(*suite, *secret), true);
    keys_.back().secret = *secret;
    keys_.back().generation = generation;
    return true;
  };
  if (client_) add("CLIENT_EARLY_TRAFFIC_SECRET", "early", -1);
  for (auto [label, name, generation] : {std::tuple{"_HANDSHAKE_TRAFFIC_SECRET", "handshake", -1},
                                         std::tuple{"_TRAFFIC_SECRET_0", "application 0", 0}})
    if (!add(side + std::string(label), name, generation))
      missing_ += (missing_.empty() ? "" : " and ") + (side + std::string(label));
  if (!missing_.empty())
    missing_ = "the key log lacks " + missing_ + " for client random " + hex(random);
  if (keys_.empty()) {
    wait_ = missing_;
    return false;
  }
  add_generations();
  return true;
}

// Application generations up to two past the newest one a record has used, derived with
// "traffic upd" (no library logs them).
void DirectionDecoder::add_generations() {
  int used = -1, last = -1;
  for (const RecordKey& k : keys_) {
    if (k.generation < 0) continue;
    last = k.generation;
    if (k.index >= 0) used = std::max(used, k.generation);
  }
  if (last < 0) return;
  while (last < std::max(used, 0) + 2) {
    const RecordKey& prev = keys_.back();
    Bytes secret = tls13_next_secret(prev.suite(), prev.secret);
    keys_.emplace_back("application " + std::to_string(++last), prev.suite(),
                       tls13_traffic_key(prev.suite(), secret), true);
    keys_.back().secret = std::move(secret);
    keys_.back().generation = last;
  }
}

// TLS 1.2 and DTLS 1.2: the key of `epoch`, from the hellos of handshake `epoch` and its
// CLIENT_RANDOM line.
bool DirectionDecoder::epoch_key(int epoch, Session& s) {
  for (const RecordKey& k : keys_)
    if (k.epoch == epoch) return true;
  std::size_t g = static_cast<std::size_t>(epoch - 1);
  std::string handshake = "handshake " + std::to_string(epoch);
  if (s.client_randoms.size() <= g) {
    wait_ =
        "waits for the ClientHello of " + handshake + ", which the client's capture does not show";
    return false;
  }
  if (s.server_hellos.size() <= g) {
    wait_ =
        "waits for the ServerHello of " + handshake + ", which the server's capture does not show";
    return false;
  }
  const CipherSuite* suite = find_suite(s.server_hellos[g].suite);
  if (suite == nullptr || suite->tls13) {
    wait_ = "cipher suite " + suite_id_text(s.server_hellos[g].suite) +
            " is not an AEAD suite this decoder knows (CBC suites are out of scope)";
    return false;
  }
  const Bytes* master = s.secret("CLIENT_RANDOM", s.client_randoms[g]);
  std::string name = "epoch " + std::to_string(epoch);
  if (master == nullptr) {
    // A resumed session reuses the master secret of the connection that made it, and GnuTLS
    // logs a master secret only when it makes one: try each one logged, on this record.
    master = resumed_master(*suite, s, g);
    name += " (resumed)";
  }
  if (master == nullptr) {
    wait_ = "the key log has no CLIENT_RANDOM line for client random " +
            hex(s.client_randoms[g]) + ", and no master secret it logged opens record " +
            std::to_string(next_);
    return false;
  }
  Tls12Keys both = tls12_keys(*suite, *master, s.client_randoms[g], s.server_hellos[g].random);
  keys_.emplace_back(name, *suite, client_ ? both.client : both.server, false);
  keys_.back().epoch = epoch;
  return true;
}

const Bytes* DirectionDecoder::resumed_master(const CipherSuite& suite, const Session& s,
                                              std::size_t g) {
  const RecordHeader& h = headers_[next_];
  std::uint64_t seq = protocol_ == WireProtocol::kDtls ? h.seq | std::uint64_t{h.epoch} << 48 : 0;
  for (const KeylogEntry& e : s.log) {
    if (e.label != "CLIENT_RANDOM") continue;
    Tls12Keys both = tls12_keys(suite, e.secret, s.client_randoms[g], s.server_hellos[g].random);
    RecordKey trial("trial", suite, client_ ? both.client : both.server, false);
    if (trial.open(wire(next_), h.header_length, seq, scratch_, nonce_scratch_)) return &e.secret;
  }
  return nullptr;
}

bool DirectionDecoder::try_open(std::size_t i, int key, std::uint64_t seq, Bytes& content,
                                Bytes& nonce) {
  std::uint64_t aad_seq = seq;
  if (protocol_ == WireProtocol::kDtls) aad_seq |= std::uint64_t{headers_[i].epoch} << 48;
  return keys_[static_cast<std::size_t>(key)].open(wire(i), headers_[i].header_length, aad_seq,
                                                   content, nonce);
}

// The key and sequence number that open record i. DTLS: those of its header. Streams: the
// current key at its next sequence number, then a later key at 0, then (within the budget)
// every key at every sequence number up to a window past its next one.
std::optional<std::pair<int, std::uint64_t>> DirectionDecoder::find_key(std::size_t i,
                                                                        Bytes& content,
                                                                        Bytes& nonce) {
  if (protocol_ == WireProtocol::kDtls) {
    for (std::size_t k = 0; k < keys_.size(); ++k)
      if (keys_[k].epoch == headers_[i].epoch) {
        if (try_open(i, static_cast<int>(k), headers_[i].seq, content, nonce))
          return std::pair{static_cast<int>(k), headers_[i].seq};
        return std::nullopt;
      }
    return std::nullopt;
  }
  const int n = static_cast<int>(keys_.size());
  if (current_ >= 0 && try_open(i, current_, keys_[current_].next_seq(), content, nonce))
    return std::pair{current_, keys_[current_].next_seq()};
  for (int k = current_ + 1; k < n; ++k)
    if (try_open(i, k, 0, content, nonce)) return std::pair{k, std::uint64_t{0}};
  for (int k = 0; k < n; ++k) {
    std::uint64_t end = keys_[k].next_seq() + kSeqWindow;
    for (std::uint64_t seq = 0; seq < end && budget_ > 0; ++seq) {
      if ((k == current_ && seq == keys_[k].next_seq()) || (k > current_ && seq == 0)) continue;
      if (try_open(i, k, seq, content, nonce)) return std::pair{k, seq};
      --budget_;
    }
  }
  return std::nullopt;
}

void DirectionDecoder::opened(std::size_t i, int key, std::uint64_t seq, Bytes nonce) {
  RecordKey& k = keys_[static_cast<std::size_t>(key)];
  WireRecord& r = out_.records[i];
  if (k.index < 0) {
    k.index = static_cast<int>(out_.keys.size());
    out_.keys.push_back(k.name());
  }
  r.key = k.index;
  r.seq = seq;
  r.expected_seq = k.next_seq();
  r.reused = k.use(seq);
  r.nonce = std::move(nonce);
  r.opened = true;
  if (protocol_ == WireProtocol::kTls) current_ = key;
  if (k.generation >= 0) add_generations();
}

void DirectionDecoder::deliver(std::size_t i, std::uint8_t type,
                               std::span<const std::uint8_t> content, Session& s) {
  WireRecord& r = out_.records[i];
  r.type = type;
  r.length = content.size();
  r.head.assign(content.begin(),
                content.begin() + std::min<long>(16, static_cast<long>(content.size())));
  auto note = [&](MessageKind kind, std::uint8_t t, std::uint8_t level) {
    out_.messages.push_back({ControlMessage{kind, t, level, 0}, i});
  };
  switch (type) {
    case kContentCcs:
      // TLS 1.2 switches keys here; TLS 1.3 middlebox CCS and DTLS (epochs in the header)
      // need nothing.
      if (protocol_ == WireProtocol::kTls && !s.tls13()) ++epoch_;
      break;
    case kContentAlert:
      for (std::size_t k = 0; k + 1 < content.size(); k += 2)
        note(MessageKind::kAlert, content[k + 1], content[k]);
      break;
    case kContentHandshake:
      for (const HandshakeMessage& m : handshake_.take(content, headers_[i].epoch)) {
        note(MessageKind::kHandshake, m.type, 0);
        s.hello(m);
      }
      break;
    case kContentApplication:
      out_.app_data.insert(out_.app_data.end(), content.begin(), content.end());
      break;
    case kContentHeartbeat:
      if (!content.empty() && (content[0] == 1 || content[0] == 2))
        note(content[0] == 1 ? MessageKind::kHeartbeatPing : MessageKind::kHeartbeatPong, 0, 0);
      break;
  }
}

void DirectionDecoder::not_opened(std::size_t i, const std::string& why) {
  if (problems_++ > 0) return;
  first_problem_ = where(i) + " " + why;
  if (budget_ == 0) first_problem_ += " (the search budget ran out)";
}

void DirectionDecoder::finish() {
  out_.reached = next_;
  std::string stopped = first_problem_;
  if (next_ < out_.records.size()) {
    std::string wait = where(next_) + " " + (wait_.empty() ? "was not reached" : wait_);
    stopped = stopped.empty() ? wait : stopped + "; " + wait;
    ++problems_;
  }
  if (problems_ > 1) stopped += " (" + std::to_string(problems_ - 1) + " more problems)";
  out_.stopped = stopped;
}

}  // namespace

std::optional<KeylogEntry> parse_keylog_line(std::string_view line) {
  std::istringstream in{std::string(line)};
  std::string label, random, secret, extra;
  if (!(in >> label >> random >> secret) || (in >> extra)) return std::nullopt;
  if (!std::all_of(label.begin(), label.end(), [](char c) {
        return std::isupper(static_cast<unsigned char>(c)) ||
               std::isdigit(static_cast<unsigned char>(c)) || c == '_';
      }))
    return std::nullopt;
  auto r = unhex(random), s = unhex(secret);
  if (!r || !s || r->size() != 32 || s->empty()) return std::nullopt;
  return KeylogEntry{label, std::move(*r), std::move(*s)};
}

WireDecode decode_wire(WireProtocol protocol, const WireCapture& client, const WireCapture& server,
                       const std::vector<KeylogEntry>& keys) {
  WireDecode d;
  Session s{keys, {}, {}};
  DirectionDecoder c(true, protocol, client, d.client_to_server);
  DirectionDecoder v(false, protocol, server, d.server_to_client);
  // Each direction needs hellos the other carries (TLS 1.2 renegotiation: inside its
  // encrypted records), so both advance in turn until neither can.
  while (c.advance(s) | v.advance(s)) {
  }
  c.finish();
  v.finish();
  if (!s.server_hellos.empty()) {
    d.version = s.server_hellos[0].version;
    d.suite = s.server_hellos[0].suite;
    if (const CipherSuite* suite = find_suite(d.suite)) d.suite_name = suite->name;
  }
  return d;
}

}  // namespace dirprobe
