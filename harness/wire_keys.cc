#include "harness/wire_keys.h"

#include <gnutls/crypto.h>

#include <openssl/core_names.h>
#include <openssl/params.h>

#include <array>
#include <cstdio>
#include <stdexcept>

#include "harness/handles.h"

namespace dirprobe {
namespace {

constexpr std::size_t kNonceLength = 12;

// The AEAD suites of TLS 1.3 (RFC 8446), and of TLS 1.2 with AES-GCM (RFC 5288, 5289),
// ChaCha20-Poly1305 (RFC 7905) and AES-CCM (RFC 6655, 7251). CCM suites use the SHA-256 PRF.
constexpr CipherSuite kSuites[] = {
    {0x1301, "TLS_AES_128_GCM_SHA256", Aead::kAes128Gcm, 16, 12, 16, false, true},
    {0x1302, "TLS_AES_256_GCM_SHA384", Aead::kAes256Gcm, 32, 12, 16, true, true},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256", Aead::kChacha20Poly1305, 32, 12, 16, false, true},
    {0x1304, "TLS_AES_128_CCM_SHA256", Aead::kAes128Ccm, 16, 12, 16, false, true},
    {0x1305, "TLS_AES_128_CCM_8_SHA256", Aead::kAes128Ccm8, 16, 12, 8, false, true},
    {0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", Aead::kAes128Gcm, 16, 4, 16, false},
    {0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", Aead::kAes256Gcm, 32, 4, 16, true},
    {0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", Aead::kAes128Gcm, 16, 4, 16, false},
    {0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", Aead::kAes256Gcm, 32, 4, 16, true},
    {0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", Aead::kAes128Gcm, 16, 4, 16, false},
    {0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", Aead::kAes256Gcm, 32, 4, 16, true},
    {0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", Aead::kAes128Gcm, 16, 4, 16, false},
    {0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", Aead::kAes256Gcm, 32, 4, 16, true},
    {0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", Aead::kChacha20Poly1305, 32, 12, 16,
     false},
    {0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", Aead::kChacha20Poly1305, 32, 12, 16,
     false},
    {0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", Aead::kChacha20Poly1305, 32, 12, 16,
     false},
    {0xC09C, "TLS_RSA_WITH_AES_128_CCM", Aead::kAes128Ccm, 16, 4, 16, false},
    {0xC09D, "TLS_RSA_WITH_AES_256_CCM", Aead::kAes256Ccm, 32, 4, 16, false},
    {0xC09E, "TLS_DHE_RSA_WITH_AES_128_CCM", Aead::kAes128Ccm, 16, 4, 16, false},
    {0xC09F, "TLS_DHE_RSA_WITH_AES_256_CCM", Aead::kAes256Ccm, 32, 4, 16, false},
    {0xC0A0, "TLS_RSA_WITH_AES_128_CCM_8", Aead::kAes128Ccm8, 16, 4, 8, false},
    {0xC0A1, "TLS_RSA_WITH_AES_256_CCM_8", Aead::kAes256Ccm8, 32, 4, 8, false},
    {0xC0A2, "TLS_DHE_RSA_WITH_AES_128_CCM_8", Aead::kAes128Ccm8, 16, 4, 8, false},
    {0xC0A3, "TLS_DHE_RSA_WITH_AES_256_CCM_8", Aead::kAes256Ccm8, 32, 4, 8, false},
    {0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM", Aead::kAes128Ccm, 16, 4, 16, false},
    {0xC0AD, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM", Aead::kAes256Ccm, 32, 4, 16, false},
    {0xC0AE, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", Aead::kAes128Ccm8, 16, 4, 8, false},
    {0xC0AF, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8", Aead::kAes256Ccm8, 32, 4, 8, false},
};

bool is_ccm(Aead aead) { return aead >= Aead::kAes128Ccm; }

std::size_t tag_length(Aead aead) {
  return aead == Aead::kAes128Ccm8 || aead == Aead::kAes256Ccm8 ? 8 : 16;
}

const char* digest_name(const CipherSuite& suite) { return suite.sha384 ? "SHA384" : "SHA256"; }

std::size_t digest_length(const CipherSuite& suite) { return suite.sha384 ? 48 : 32; }

// Fetched once: fetching is the expensive part of the EVP API. (TLS 1.2's PRF; TLS 1.3's
// HKDF-Expand goes through GnuTLS, see hkdf_expand_label.)
const EVP_KDF* kdf(const char* name) {
  static UniquePtr<EVP_KDF> prf(EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr));
  if (std::string_view(name) != "TLS1-PRF" || prf == nullptr)
    throw std::runtime_error(std::string("OpenSSL has no KDF ") + name);
  return prf.get();
}

const EVP_CIPHER* cipher(Aead aead) {
  static const auto kCiphers = [] {
    std::array<UniquePtr<EVP_CIPHER>, 7> all;
    for (int i = 0; i < 7; ++i)
      all[i].reset(EVP_CIPHER_fetch(nullptr, aead_cipher_name(static_cast<Aead>(i)), nullptr));
    return all;
  }();
  const EVP_CIPHER* c = kCiphers[static_cast<int>(aead)].get();
  if (c == nullptr)
    throw std::runtime_error(std::string("OpenSSL has no cipher ") + aead_cipher_name(aead));
  return c;
}

Bytes derive(const char* kdf_name, OSSL_PARAM* params, std::size_t length) {
  UniquePtr<EVP_KDF_CTX> ctx(EVP_KDF_CTX_new(const_cast<EVP_KDF*>(kdf(kdf_name))));
  Bytes out(length);
  if (!ctx || EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) <= 0)
    throw std::runtime_error(std::string(kdf_name) + " derivation failed");
  return out;
}

OSSL_PARAM octets(const char* key, std::span<const std::uint8_t> value) {
  return OSSL_PARAM_construct_octet_string(key, const_cast<std::uint8_t*>(value.data()),
                                           value.size());
}

}  // namespace

const CipherSuite* find_suite(std::uint16_t id) {
  for (const CipherSuite& s : kSuites)
    if (s.id == id) return &s;
  return nullptr;
}

std::string suite_id_text(std::uint16_t id) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%04X", id);
  return text;
}

const char* aead_cipher_name(Aead aead) {
  switch (aead) {
    case Aead::kAes128Gcm:
      return "AES-128-GCM";
    case Aead::kAes256Gcm:
      return "AES-256-GCM";
    case Aead::kChacha20Poly1305:
      return "ChaCha20-Poly1305";
    case Aead::kAes128Ccm:
    case Aead::kAes128Ccm8:
      return "AES-128-CCM";
    case Aead::kAes256Ccm:
    case Aead::kAes256Ccm8:
      return "AES-256-CCM";
  }
  return "";
}

Bytes hkdf_expand_label(const CipherSuite& suite, std::span<const std::uint8_t> secret,
                        std::string_view label, std::span<const std::uint8_t> context,
                        std::size_t length) {
  // HkdfLabel: uint16 length, opaque label<7..255> = "tls13 " + label, opaque context<0..255>.
  Bytes info = {static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length),
                static_cast<std::uint8_t>(6 + label.size())};
  for (char c : std::string_view("tls13 ")) info.push_back(static_cast<std::uint8_t>(c));
  for (char c : label) info.push_back(static_cast<std::uint8_t>(c));
  info.push_back(static_cast<std::uint8_t>(context.size()));
  info.insert(info.end(), context.begin(), context.end());
  // GnuTLS's HKDF-Expand: OpenSSL's EVP_KDF fetches its digest on every derivation, which cost
  // more than the rest of the decoding together.
  gnutls_datum_t key{const_cast<std::uint8_t*>(secret.data()),
                     static_cast<unsigned>(secret.size())};
  gnutls_datum_t info_datum{info.data(), static_cast<unsigned>(info.size())};
  Bytes out(length);
  if (gnutls_hkdf_expand(suite.sha384 ? GNUTLS_MAC_SHA384 : GNUTLS_MAC_SHA256, &key, &info_datum,
                         out.data(), out.size()) < 0)
    throw std::runtime_error("gnutls_hkdf_expand failed");
  return out;
}

TrafficKey tls13_traffic_key(const CipherSuite& suite, std::span<const std::uint8_t> secret) {
  return {hkdf_expand_label(suite, secret, "key", {}, suite.key_length),
          hkdf_expand_label(suite, secret, "iv", {}, suite.iv_length)};
}

Bytes tls13_next_secret(const CipherSuite& suite, std::span<const std::uint8_t> secret) {
  return hkdf_expand_label(suite, secret, "traffic upd", {}, digest_length(suite));
}

Tls12Keys tls12_keys(const CipherSuite& suite, std::span<const std::uint8_t> master_secret,
                     std::span<const std::uint8_t> client_random,
                     std::span<const std::uint8_t> server_random) {
  constexpr std::string_view kLabel = "key expansion";
  Bytes seed(kLabel.begin(), kLabel.end());
  seed.insert(seed.end(), server_random.begin(), server_random.end());
  seed.insert(seed.end(), client_random.begin(), client_random.end());
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                                          const_cast<char*>(digest_name(suite)), 0),
                         octets(OSSL_KDF_PARAM_SECRET, master_secret),
                         octets(OSSL_KDF_PARAM_SEED, seed), OSSL_PARAM_construct_end()};
  std::size_t k = suite.key_length, iv = suite.iv_length;
  Bytes block = derive("TLS1-PRF", params, 2 * k + 2 * iv);
  auto part = [&](std::size_t from, std::size_t n) {
    return Bytes(block.begin() + static_cast<long>(from),
                 block.begin() + static_cast<long>(from + n));
  };
  return {{part(0, k), part(2 * k, iv)}, {part(k, k), part(2 * k + iv, iv)}};
}

struct AeadOpener::State {
  Aead aead;
  Bytes key;
  UniquePtr<EVP_CIPHER_CTX> ctx{EVP_CIPHER_CTX_new()};
};

AeadOpener::AeadOpener(Aead aead, std::span<const std::uint8_t> key)
    : state_(new State{aead, Bytes(key.begin(), key.end())}) {
  // GCM and ChaCha20-Poly1305 keep the key schedule and take a new nonce per record; CCM
  // must know the tag before the key, so it is set up afresh for each record.
  if (!is_ccm(aead) &&
      EVP_DecryptInit_ex2(state_->ctx.get(), cipher(aead), key.data(), nullptr, nullptr) <= 0)
    throw std::runtime_error(std::string("cannot set up ") + aead_cipher_name(aead));
}

AeadOpener::~AeadOpener() = default;
AeadOpener::AeadOpener(AeadOpener&&) noexcept = default;
AeadOpener& AeadOpener::operator=(AeadOpener&&) noexcept = default;

bool AeadOpener::open(std::span<const std::uint8_t> nonce, std::span<const std::uint8_t> aad,
                      std::span<const std::uint8_t> sealed, Bytes& plain) const {
  const std::size_t tag = tag_length(state_->aead);
  if (sealed.size() < tag || nonce.size() != kNonceLength) return false;
  const std::size_t n = sealed.size() - tag;
  auto tag_bytes = const_cast<std::uint8_t*>(sealed.data() + n);
  EVP_CIPHER_CTX* ctx = state_->ctx.get();
  plain.resize(n + 16);
  int len = 0;
  if (is_ccm(state_->aead)) {
    std::size_t iv_length = kNonceLength;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &iv_length),
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag_bytes, tag),
        OSSL_PARAM_construct_end()};
    // CCM authenticates in one pass: the total length first, then the data in one update.
    bool ok = EVP_DecryptInit_ex2(ctx, cipher(state_->aead), nullptr, nullptr, params) > 0 &&
              EVP_DecryptInit_ex2(ctx, nullptr, state_->key.data(), nonce.data(), nullptr) > 0 &&
              EVP_DecryptUpdate(ctx, nullptr, &len, nullptr, static_cast<int>(n)) > 0 &&
              EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) > 0 &&
              EVP_DecryptUpdate(ctx, plain.data(), &len, sealed.data(), static_cast<int>(n)) > 0;
    plain.resize(n);
    return ok;
  }
  int tail = 0;
  bool ok = EVP_DecryptInit_ex2(ctx, nullptr, nullptr, nonce.data(), nullptr) > 0 &&
            EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) > 0 &&
            (n == 0 ||
             EVP_DecryptUpdate(ctx, plain.data(), &len, sealed.data(), static_cast<int>(n)) > 0) &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tag), tag_bytes) > 0 &&
            EVP_DecryptFinal_ex(ctx, plain.data() + n, &tail) > 0;
  plain.resize(n);
  return ok;
}

}  // namespace dirprobe
