#include "probes/wire_forge.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace dirprobe::wire_forge {
namespace {

void put(Bytes& out, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

Bytes pattern(std::uint8_t seed, std::size_t length) {
  Bytes b(length);
  for (std::size_t i = 0; i < length; ++i) b[i] = static_cast<std::uint8_t>(seed + 7 * i);
  return b;
}

Bytes client_hello(const Bytes& random, WireProtocol protocol, std::uint16_t suite) {
  Bytes b;
  put(b, protocol == WireProtocol::kDtls ? 0xfefd : 0x0303, 2);
  b.insert(b.end(), random.begin(), random.end());
  b.push_back(0);                                       // session id
  if (protocol == WireProtocol::kDtls) b.push_back(0);  // cookie
  put(b, 2, 2);
  put(b, suite, 2);
  b.insert(b.end(), {1, 0});  // compression: null
  put(b, 0, 2);               // no extensions
  return b;
}

Bytes server_hello(const Bytes& random, WireProtocol protocol, std::uint16_t suite, bool tls13) {
  Bytes b;
  put(b, protocol == WireProtocol::kDtls ? 0xfefd : 0x0303, 2);
  b.insert(b.end(), random.begin(), random.end());
  b.push_back(0);
  put(b, suite, 2);
  b.push_back(0);
  if (!tls13) return b;
  put(b, 6, 2);  // extensions: supported_versions = TLS 1.3
  put(b, 43, 2);
  put(b, 2, 2);
  put(b, 0x0304, 2);
  return b;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

}  // namespace

Bytes seal_aead(Aead aead, const Bytes& key, const Bytes& nonce, const Bytes& aad,
                const Bytes& plain) {
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, aead_cipher_name(aead), nullptr);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  const bool ccm = aead >= Aead::kAes128Ccm;
  const int tag = aead == Aead::kAes128Ccm8 || aead == Aead::kAes256Ccm8 ? 8 : 16;
  Bytes out(plain.size() + 16 + tag);
  int len = 0, total = 0;
  bool ok =
      EVP_EncryptInit_ex(ctx, cipher, nullptr, nullptr, nullptr) > 0 &&
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, nullptr) > 0 &&
      (!ccm || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, tag, nullptr) > 0) &&
      EVP_EncryptInit_ex(ctx, nullptr, nullptr, key.data(), nonce.data()) > 0 &&
      (!ccm ||
       EVP_EncryptUpdate(ctx, nullptr, &len, nullptr, static_cast<int>(plain.size())) > 0) &&
      EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) > 0 &&
      EVP_EncryptUpdate(ctx, out.data(), &len, plain.data(), static_cast<int>(plain.size())) > 0;
  total = len;
  ok = ok && EVP_EncryptFinal_ex(ctx, out.data() + total, &len) > 0;
  total += len;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, tag, out.data() + total) > 0;
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(cipher);
  if (!ok) throw std::runtime_error("seal_aead failed");
  out.resize(static_cast<std::size_t>(total + tag));
  return out;
}

Bytes Writer::handshake(std::uint8_t type, const Bytes& body) {
  if (type == 0 || type == 1 || type == 4 || type == 13 || type == 24)
    notes.push_back({MessageKind::kHandshake, type, 0, 0});
  Bytes m = {type};
  put(m, body.size(), 3);
  if (protocol_ == WireProtocol::kDtls) {
    put(m, message_seq_++, 2);
    put(m, 0, 3);
    put(m, body.size(), 3);
  }
  m.insert(m.end(), body.begin(), body.end());
  return m;
}

Bytes Writer::header(std::uint8_t type, std::size_t length) const {
  Bytes h = {type};
  put(h, protocol_ == WireProtocol::kDtls ? 0xfefd : 0x0303, 2);
  if (protocol_ == WireProtocol::kDtls) {
    put(h, epoch_, 2);
    put(h, seq_, 6);
  }
  put(h, length, 2);
  return h;
}

void Writer::push(const Bytes& record) {
  spans_.push_back({capture.bytes.size(), record.size()});
  capture.bytes.insert(capture.bytes.end(), record.begin(), record.end());
  ++seq_;
}

void Writer::clear(std::uint8_t type, const Bytes& content) {
  push(cat({header(type, content.size()), content}));
}

void Writer::start(const CipherSuite& suite, const TrafficKey& key) {
  suite_ = &suite;
  key_ = key;
  seq_ = 0;
  ++epoch_;
}

void Writer::seal(std::uint8_t type, const Bytes& content, std::optional<std::uint64_t> seq) {
  if (seq) seq_ = *seq;
  std::uint64_t nonce_seq =
      protocol_ == WireProtocol::kDtls ? std::uint64_t{epoch_} << 48 | seq_ : seq_;
  Bytes nonce(12, 0), explicit_nonce;
  std::copy(key_.iv.begin(), key_.iv.end(), nonce.begin());
  if (suite_->nonce_rule() == NonceRule::kExplicitNonce) {
    put(explicit_nonce, nonce_seq, 8);  // as GnuTLS does: the sequence number
    std::copy(explicit_nonce.begin(), explicit_nonce.end(), nonce.begin() + 4);
  } else {
    for (int i = 0; i < 8; ++i) nonce[11 - i] ^= static_cast<std::uint8_t>(nonce_seq >> (8 * i));
  }
  if (tls13_) {
    Bytes inner = cat({content, {type, 0, 0, 0}});  // three bytes of padding
    Bytes aad = header(kContentApplication, inner.size() + suite_->tag_length);
    push(cat({aad, seal_aead(suite_->aead, key_.key, nonce, aad, inner)}));
    return;
  }
  Bytes aad;
  put(aad, nonce_seq, 8);
  aad.push_back(type);
  put(aad, protocol_ == WireProtocol::kDtls ? 0xfefd : 0x0303, 2);
  put(aad, content.size(), 2);
  Bytes sealed = cat({explicit_nonce, seal_aead(suite_->aead, key_.key, nonce, aad, content)});
  push(cat({header(type, sealed.size()), sealed}));
}

void Writer::app(const std::string& s) {
  seal(kContentApplication, text(s));
  sent.insert(sent.end(), s.begin(), s.end());
}

void Writer::alert(std::uint8_t level, std::uint8_t description) {
  seal(kContentAlert, {level, description});
  notes.push_back({MessageKind::kAlert, description, level, 0});
}

void Writer::datagram() {
  if (protocol_ == WireProtocol::kDtls) capture.datagram_ends.push_back(capture.bytes.size());
}

void Writer::repeat(std::size_t index) {
  auto [offset, length] = spans_.at(index);
  Bytes copy(capture.bytes.begin() + static_cast<long>(offset),
             capture.bytes.begin() + static_cast<long>(offset + length));
  spans_.push_back({capture.bytes.size(), length});
  capture.bytes.insert(capture.bytes.end(), copy.begin(), copy.end());
}

void Writer::drop(std::size_t index) {
  auto [offset, length] = spans_.at(index);
  auto at = capture.bytes.begin() + static_cast<long>(offset);
  capture.bytes.erase(at, at + static_cast<long>(length));
  spans_.erase(spans_.begin() + static_cast<long>(index));
  for (std::size_t i = index; i < spans_.size(); ++i) spans_[i].first -= length;
}

WireDecode Connection::decode() const {
  return decode_wire(
      client.capture.datagram_ends.empty() ? WireProtocol::kTls : WireProtocol::kDtls,
      client.capture, server.capture, keys);
}

WireClaims Connection::claims(bool client_to_server) const {
  const Writer& from = client_to_server ? client : server;
  const Writer& to = client_to_server ? server : client;
  WireClaims c{from.sent, from.notes, from.notes, std::nullopt};
  if (to.capture.datagram_ends.empty()) c.receiver_pulled = from.capture.bytes.size();
  return c;
}

WireVerdict Connection::judge() const {
  return judge_wire(decode(), claims(true), claims(false), client.capture.datagram_ends.empty());
}

Connection tls13(std::uint16_t suite_id, Tls13Options options) {
  Connection c{Writer(WireProtocol::kTls, true),
               Writer(WireProtocol::kTls, true),
               {},
               find_suite(suite_id),
               {}};
  const CipherSuite& suite = *c.suite;
  const std::size_t hash = suite.sha384 ? 48 : 32;
  Bytes cr = pattern(0x11, 32), sr = pattern(0x22, 32);
  Bytes chs = pattern(0x31, hash), shs = pattern(0x41, hash), cas = pattern(0x51, hash);
  c.server_app_secret = pattern(0x61, hash);
  c.keys = {{"CLIENT_HANDSHAKE_TRAFFIC_SECRET", cr, chs},
            {"SERVER_HANDSHAKE_TRAFFIC_SECRET", cr, shs},
            {"CLIENT_TRAFFIC_SECRET_0", cr, cas},
            {"SERVER_TRAFFIC_SECRET_0", cr, c.server_app_secret},
            {"EXPORTER_SECRET", cr, pattern(0x71, hash)}};
  Writer& cl = c.client;
  Writer& sv = c.server;
  cl.clear(kContentHandshake, cl.handshake(1, client_hello(cr, WireProtocol::kTls, suite_id)));
  if (options.hello_retry) {
    // RFC 8446 4.1.3: a HelloRetryRequest is a ServerHello with SHA-256("HelloRetryRequest")
    // as its random.
    const Bytes retry = {0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
                         0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
                         0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
    sv.clear(kContentHandshake,
             sv.handshake(2, server_hello(retry, WireProtocol::kTls, suite_id, true)));
    cl.clear(kContentHandshake, cl.handshake(1, client_hello(cr, WireProtocol::kTls, suite_id)));
  }
  if (options.early_data) {
    Bytes early = pattern(0x81, hash);
    c.keys.push_back({"CLIENT_EARLY_TRAFFIC_SECRET", cr, early});
    cl.start(suite, tls13_traffic_key(suite, early));
    cl.app("0-RTT request");
  }
  sv.clear(kContentHandshake,
           sv.handshake(2, server_hello(sr, WireProtocol::kTls, suite_id, true)));
  sv.clear(kContentCcs, {1});
  sv.start(suite, tls13_traffic_key(suite, shs));
  // EncryptedExtensions and half a Certificate, then its rest with CertificateVerify and
  // Finished: messages split over records and several in one.
  Bytes flight = cat({sv.handshake(8, {0, 0}), sv.handshake(11, pattern(0x01, 300)),
                      sv.handshake(15, pattern(0x02, 68)), sv.handshake(20, pattern(0x03, hash))});
  sv.seal(kContentHandshake, Bytes(flight.begin(), flight.begin() + 100));
  sv.seal(kContentHandshake, Bytes(flight.begin() + 100, flight.end()));
  sv.start(suite, tls13_traffic_key(suite, c.server_app_secret));
  if (options.early_data) cl.seal(kContentHandshake, cl.handshake(5, {}));  // EndOfEarlyData
  cl.clear(kContentCcs, {1});
  cl.start(suite, tls13_traffic_key(suite, chs));
  cl.seal(kContentHandshake, cl.handshake(20, pattern(0x04, hash)));
  cl.start(suite, tls13_traffic_key(suite, cas));
  sv.seal(kContentHandshake, sv.handshake(4, pattern(0x05, 40)));
  cl.app("GET / HTTP/1.1\r\n\r\n");
  sv.app("HTTP/1.1 200 OK\r\n\r\nhello");
  cl.app(std::string(3000, 'c'));
  sv.app(std::string(5000, 's'));
  return c;
}

Connection tls12(std::uint16_t suite_id, WireProtocol protocol) {
  Connection c{Writer(protocol, false), Writer(protocol, false), {}, find_suite(suite_id), {}};
  const CipherSuite& suite = *c.suite;
  Bytes cr = pattern(0x13, 32), sr = pattern(0x24, 32), master = pattern(0x35, 48);
  c.keys = {{"CLIENT_RANDOM", cr, master}};
  Tls12Keys keys = tls12_keys(suite, master, cr, sr);
  Writer& cl = c.client;
  Writer& sv = c.server;
  const bool dtls = protocol == WireProtocol::kDtls;
  cl.clear(kContentHandshake, cl.handshake(1, client_hello(cr, protocol, suite_id)));
  if (dtls) {  // a cookie exchange: the same random again
    cl.datagram();
    sv.clear(kContentHandshake, sv.handshake(3, {0xfe, 0xfd, 4, 1, 2, 3, 4}));
    sv.datagram();
    cl.clear(kContentHandshake, cl.handshake(1, client_hello(cr, protocol, suite_id)));
    cl.datagram();
  }
  // The server's flight: several records, one datagram (DTLS); then sent once more, as a
  // DTLS retransmission (new record numbers, the same messages).
  Bytes flight[] = {sv.handshake(2, server_hello(sr, protocol, suite_id, false)),
                    sv.handshake(11, pattern(0x06, 400)), sv.handshake(12, pattern(0x07, 100)),
                    sv.handshake(14, {})};
  for (int copy = 0; copy < (dtls ? 2 : 1); ++copy) {
    for (const Bytes& m : flight) sv.clear(kContentHandshake, m);
    sv.datagram();
  }
  cl.clear(kContentHandshake, cl.handshake(16, pattern(0x08, 65)));
  cl.clear(kContentCcs, {1});
  cl.start(suite, keys.client);
  cl.seal(kContentHandshake, cl.handshake(20, pattern(0x09, 12)));
  cl.datagram();
  sv.clear(kContentCcs, {1});
  sv.start(suite, keys.server);
  sv.seal(kContentHandshake, sv.handshake(20, pattern(0x0a, 12)));
  sv.datagram();
  cl.app("GET / HTTP/1.1\r\n\r\n");
  cl.datagram();
  sv.app("HTTP/1.1 200 OK\r\n\r\nhello");
  sv.app(std::string(1200, 's'));
  sv.datagram();
  return c;
}

void renegotiate(Connection& c) {
  const CipherSuite& suite = *c.suite;
  Bytes cr = pattern(0x14, 32), sr = pattern(0x25, 32), master = pattern(0x36, 48);
  c.keys.push_back({"CLIENT_RANDOM", cr, master});
  Tls12Keys keys = tls12_keys(suite, master, cr, sr);
  Writer& cl = c.client;
  Writer& sv = c.server;
  sv.seal(kContentHandshake, sv.handshake(0, {}));  // HelloRequest
  cl.seal(kContentHandshake, cl.handshake(1, client_hello(cr, WireProtocol::kTls, suite.id)));
  sv.seal(kContentHandshake,
          cat({sv.handshake(2, server_hello(sr, WireProtocol::kTls, suite.id, false)),
               sv.handshake(11, pattern(0x0b, 400)), sv.handshake(14, {})}));
  cl.seal(kContentHandshake, cl.handshake(16, pattern(0x0c, 65)));
  cl.seal(kContentCcs, {1});
  cl.start(suite, keys.client);
  cl.seal(kContentHandshake, cl.handshake(20, pattern(0x0d, 12)));
  sv.seal(kContentCcs, {1});
  sv.start(suite, keys.server);
  sv.seal(kContentHandshake, sv.handshake(20, pattern(0x0e, 12)));
  cl.app("after renegotiation");
  sv.app("renegotiated too");
}

}  // namespace dirprobe::wire_forge
