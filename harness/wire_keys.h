// Key schedules and record protection of the AEAD cipher suites, for the wire decoder
// (wire.h): which suite an id names, the keys a secret from the key log expands to, and
// opening one sealed record. Built on OpenSSL 3's EVP API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dirprobe {

using Bytes = std::vector<std::uint8_t>;

enum class Aead : std::uint8_t {
  kAes128Gcm,
  kAes256Gcm,
  kChacha20Poly1305,
  kAes128Ccm,
  kAes256Ccm,
  kAes128Ccm8,
  kAes256Ccm8
};

// How a record's 12-byte nonce is formed from the write IV and the sequence number.
enum class NonceRule : std::uint8_t {
  kXorSequence,    // TLS 1.3, and ChaCha20 in TLS 1.2: IV xor the padded sequence number
  kExplicitNonce,  // TLS 1.2 GCM/CCM: 4-byte IV || 8 explicit bytes leading the fragment
};

struct CipherSuite {
  std::uint16_t id = 0;
  const char* name = "";
  Aead aead = Aead::kAes128Gcm;
  std::size_t key_length = 0;
  std::size_t iv_length = 0;  // fixed IV: 12 (TLS 1.3, ChaCha20) or 4 (TLS 1.2 GCM/CCM)
  std::size_t tag_length = 16;
  bool sha384 = false;  // the hash of the PRF/HKDF; SHA-256 otherwise
  bool tls13 = false;
  NonceRule nonce_rule() const {
    return !tls13 && iv_length == 4 ? NonceRule::kExplicitNonce : NonceRule::kXorSequence;
  }
  std::size_t explicit_nonce_length() const {
    return nonce_rule() == NonceRule::kExplicitNonce ? 8 : 0;
  }
};

// The suite an id names, or nullptr: CBC and other non-AEAD suites are not decoded.
const CipherSuite* find_suite(std::uint16_t id);
// "0xC013", as the sentences of the decoder name a suite.
std::string suite_id_text(std::uint16_t id);

struct TrafficKey {
  Bytes key, iv;
};

// TLS 1.3 (RFC 8446 7.1, 7.2, 7.3): HKDF-Expand-Label; the key and IV of a traffic secret;
// the next generation of a traffic secret ("traffic upd", after a KeyUpdate).
Bytes hkdf_expand_label(const CipherSuite& suite, std::span<const std::uint8_t> secret,
                        std::string_view label, std::span<const std::uint8_t> context,
                        std::size_t length);
TrafficKey tls13_traffic_key(const CipherSuite& suite, std::span<const std::uint8_t> secret);
Bytes tls13_next_secret(const CipherSuite& suite, std::span<const std::uint8_t> secret);

// TLS 1.2 / DTLS 1.2 (RFC 5246 6.3): the write keys of both sides from the key block the PRF
// expands the master secret to. AEAD suites have no MAC keys.
struct Tls12Keys {
  TrafficKey client, server;
};
Tls12Keys tls12_keys(const CipherSuite& suite, std::span<const std::uint8_t> master_secret,
                     std::span<const std::uint8_t> client_random,
                     std::span<const std::uint8_t> server_random);

// One AEAD key, ready to open records. Keeps its OpenSSL context across records: decoding
// a connection opens each record at least once and often tries several keys.
class AeadOpener {
 public:
  AeadOpener(Aead aead, std::span<const std::uint8_t> key);
  ~AeadOpener();
  AeadOpener(AeadOpener&&) noexcept;
  AeadOpener& operator=(AeadOpener&&) noexcept;

  // Opens `sealed` (ciphertext || tag) with a 12-byte nonce and the additional data into
  // `plain`; false when the tag does not authenticate (or `sealed` is shorter than a tag).
  bool open(std::span<const std::uint8_t> nonce, std::span<const std::uint8_t> aad,
            std::span<const std::uint8_t> sealed, Bytes& plain) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The OpenSSL name of an AEAD ("AES-128-GCM").
const char* aead_cipher_name(Aead aead);

}  // namespace dirprobe
