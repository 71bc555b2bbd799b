#include "harness/wire_record_key.h"

#include <array>

namespace dirprobe {

RecordKey::RecordKey(std::string name, const CipherSuite& suite, const TrafficKey& key, bool tls13)
    : name_(std::move(name)),
      suite_(&suite),
      iv_(key.iv),
      opener_(suite.aead, key.key),
      tls13_(tls13) {}

bool RecordKey::open(std::span<const std::uint8_t> record, std::size_t header_length,
                     std::uint64_t seq, Bytes& content, Bytes& nonce) const {
  std::span<const std::uint8_t> fragment = record.subspan(header_length);
  nonce.assign(12, 0);
  if (suite_->nonce_rule() == NonceRule::kExplicitNonce) {
    // The sender chose the last 8 bytes and sent them ahead of the ciphertext.
    if (fragment.size() < 8) return false;
    std::copy(iv_.begin(), iv_.end(), nonce.begin());
    std::copy(fragment.begin(), fragment.begin() + 8, nonce.begin() + 4);
    fragment = fragment.subspan(8);
  } else {
    std::copy(iv_.begin(), iv_.end(), nonce.begin());
    for (int i = 0; i < 8; ++i) nonce[11 - i] ^= static_cast<std::uint8_t>(seq >> (8 * i));
  }
  if (tls13_) return opener_.open(nonce, record.first(header_length), fragment, content);
  // TLS 1.2 additional data: seq(8) || type || version(2) || plaintext length(2).
  if (fragment.size() < suite_->tag_length) return false;
  std::size_t length = fragment.size() - suite_->tag_length;
  std::array<std::uint8_t, 13> aad{};
  for (int i = 0; i < 8; ++i) aad[7 - i] = static_cast<std::uint8_t>(seq >> (8 * i));
  aad[8] = record[0];
  aad[9] = record[1];
  aad[10] = record[2];
  aad[11] = static_cast<std::uint8_t>(length >> 8);
  aad[12] = static_cast<std::uint8_t>(length);
  return opener_.open(nonce, aad, fragment, content);
}

}  // namespace dirprobe
