#include "harness/endpoint.h"

#include <gnutls/gnutls.h>
#include <openssl/crypto.h>

#include <stdexcept>

namespace dirprobe {
namespace {

template <typename E, std::size_t N>
E parse_enum(std::string_view text, const std::pair<std::string_view, E> (&table)[N],
             const char* what) {
  std::string accepted;
  for (const auto& [name, value] : table) {
    if (text == name) return value;
    accepted += (accepted.empty() ? "" : ", ") + std::string(name);
  }
  throw std::invalid_argument("unknown " + std::string(what) + " '" + std::string(text) +
                              "' (expected " + accepted + ")");
}

constexpr std::pair<std::string_view, Role> kRoles[] = {{"client", Role::kClient},
                                                        {"server", Role::kServer}};
constexpr std::pair<std::string_view, Protocol> kProtocols[] = {
    {"tls12", Protocol::kTls12}, {"tls13", Protocol::kTls13}, {"dtls12", Protocol::kDtls12}};
constexpr std::pair<std::string_view, PeerLibrary> kPeers[] = {
    {library_name(Library::kGnutls), Library::kGnutls},
    {library_name(Library::kOpenssl), Library::kOpenssl}};
constexpr std::pair<std::string_view, Cipher> kCiphers[] = {
    {"default", Cipher::kDefault},
    {"chacha20-poly1305", Cipher::kChacha20Poly1305},
    {"aes-128-ccm", Cipher::kAes128Ccm}};
constexpr std::pair<std::string_view, ByeHow> kByes[] = {{"rdwr", ByeHow::kRdwr},
                                                         {"wr", ByeHow::kWr}};

template <typename E, std::size_t N>
std::string_view enum_name(E value, const std::pair<std::string_view, E> (&table)[N]) {
  for (const auto& [name, v] : table)
    if (v == value) return name;
  return "?";
}

}  // namespace

std::string_view role_name(Role role) { return enum_name(role, kRoles); }
std::string_view protocol_name(Protocol protocol) { return enum_name(protocol, kProtocols); }
std::string_view peer_name(PeerLibrary peer) { return library_name(peer); }
std::string_view bye_name(ByeHow how) { return enum_name(how, kByes); }
std::string_view cipher_name(Cipher cipher) { return enum_name(cipher, kCiphers); }
Role parse_role(std::string_view text) { return parse_enum(text, kRoles, "role"); }
Protocol parse_protocol(std::string_view text) { return parse_enum(text, kProtocols, "protocol"); }
PeerLibrary parse_peer(std::string_view text) { return parse_enum(text, kPeers, "peer"); }
ByeHow parse_bye(std::string_view text) { return parse_enum(text, kByes, "bye mode"); }
Cipher parse_cipher(std::string_view text) { return parse_enum(text, kCiphers, "cipher"); }

std::string gnutls_runtime_version() { return gnutls_check_version(nullptr); }
std::string openssl_runtime_version() { return OpenSSL_version(OPENSSL_VERSION); }

}  // namespace dirprobe
