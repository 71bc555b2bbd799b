#include "harness/credentials.h"

#include <gnutls/x509.h>

#include <arpa/inet.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <tuple>
#include <vector>

#include "harness/gnutls_check.h"
#include "harness/handles.h"

namespace dirprobe {
namespace {

using Key = GnutlsPtr<gnutls_x509_privkey_t>;
using Cert = GnutlsPtr<gnutls_x509_crt_t>;

// Fixed validity dates keep certificates independent of the clock (2020-01-01 .. 2099-12-31).
constexpr time_t kNotBefore = 1577836800;
constexpr time_t kNotAfter = 4102358400;

Key generate_key(KeyType type) {
  gnutls_x509_privkey_t raw;
  check_gnutls(gnutls_x509_privkey_init(&raw), "gnutls_x509_privkey_init");
  Key key(raw);
  if (type == KeyType::kEd25519)
    check_gnutls(gnutls_x509_privkey_generate(raw, GNUTLS_PK_EDDSA_ED25519, 256, 0),
                 "gnutls_x509_privkey_generate(Ed25519)");
  else
    check_gnutls(gnutls_x509_privkey_generate(raw, GNUTLS_PK_RSA, 2048, 0),
                 "gnutls_x509_privkey_generate(RSA)");
  return key;
}

// A subject alternative name after the first: DNS names as text, IP addresses as their bytes.
struct AltName {
  gnutls_x509_subject_alt_name_t type;
  std::string data;
};

struct CertSpec {
  const char* dn;
  bool is_ca;
  const char* dns_name;  // nullptr for none
  unsigned key_purpose;  // 0: none; else GNUTLS_KP_* index into kPurposes
  unsigned char serial;
  std::vector<AltName> more_names = {};  // appended after dns_name
};

Cert make_cert(const CertSpec& spec, gnutls_x509_privkey_t key, gnutls_x509_crt_t issuer,
               gnutls_x509_privkey_t issuer_key) {
  gnutls_x509_crt_t raw;
  check_gnutls(gnutls_x509_crt_init(&raw), "gnutls_x509_crt_init");
  Cert cert(raw);
  check_gnutls(gnutls_x509_crt_set_version(raw, 3), "gnutls_x509_crt_set_version");
  check_gnutls(gnutls_x509_crt_set_serial(raw, &spec.serial, 1), "gnutls_x509_crt_set_serial");
  check_gnutls(gnutls_x509_crt_set_activation_time(raw, kNotBefore), "set_activation_time");
  check_gnutls(gnutls_x509_crt_set_expiration_time(raw, kNotAfter), "set_expiration_time");
  check_gnutls(gnutls_x509_crt_set_dn(raw, spec.dn, nullptr), "gnutls_x509_crt_set_dn");
  check_gnutls(gnutls_x509_crt_set_key(raw, key), "gnutls_x509_crt_set_key");
  check_gnutls(gnutls_x509_crt_set_basic_constraints(raw, spec.is_ca, -1), "basic_constraints");
  unsigned usage = spec.is_ca ? GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN
                              : GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_ENCIPHERMENT;
  check_gnutls(gnutls_x509_crt_set_key_usage(raw, usage), "gnutls_x509_crt_set_key_usage");
  if (spec.dns_name != nullptr)
    check_gnutls(gnutls_x509_crt_set_subject_alt_name(raw, GNUTLS_SAN_DNSNAME, spec.dns_name,
                                                      std::strlen(spec.dns_name), GNUTLS_FSAN_SET),
                 "gnutls_x509_crt_set_subject_alt_name");
  for (const AltName& name : spec.more_names)
    check_gnutls(gnutls_x509_crt_set_subject_alt_name(raw, name.type, name.data.data(),
                                                      name.data.size(), GNUTLS_FSAN_APPEND),
                 "gnutls_x509_crt_set_subject_alt_name");
  if (spec.key_purpose != 0)
    check_gnutls(
        gnutls_x509_crt_set_key_purpose_oid(
            raw, spec.key_purpose == 1 ? GNUTLS_KP_TLS_WWW_SERVER : GNUTLS_KP_TLS_WWW_CLIENT, 0),
        "gnutls_x509_crt_set_key_purpose_oid");
  std::uint8_t key_id[64];
  size_t key_id_size = sizeof key_id;
  check_gnutls(gnutls_x509_crt_get_key_id(raw, 0, key_id, &key_id_size), "get_key_id");
  check_gnutls(gnutls_x509_crt_set_subject_key_id(raw, key_id, key_id_size), "set_subject_key_id");
  gnutls_x509_crt_t signer = issuer != nullptr ? issuer : raw;
  gnutls_x509_privkey_t signer_key = issuer_key != nullptr ? issuer_key : key;
  check_gnutls(gnutls_x509_crt_sign2(raw, signer, signer_key, GNUTLS_DIG_SHA512, 0),
               "gnutls_x509_crt_sign2");
  return cert;
}

std::string export_pem(gnutls_x509_crt_t cert) {
  gnutls_datum_t out{};
  check_gnutls(gnutls_x509_crt_export2(cert, GNUTLS_X509_FMT_PEM, &out), "crt_export2");
  std::string pem(reinterpret_cast<char*>(out.data), out.size);
  gnutls_free(out.data);
  return pem;
}

std::string export_pem(gnutls_x509_privkey_t key) {
  gnutls_datum_t out{};
  check_gnutls(
      gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, nullptr, GNUTLS_PKCS_PLAIN, &out),
      "privkey_export2_pkcs8");
  std::string pem(reinterpret_cast<char*>(out.data), out.size);
  gnutls_free(out.data);
  return pem;
}

// The CA's private key of each key type, kept (as PEM) to sign the program leaf later.
std::map<KeyType, std::string>& ca_keys() {
  static std::map<KeyType, std::string> keys;
  return keys;
}

Credentials generate(KeyType type) {
  Key ca_key = generate_key(type), server_key = generate_key(type), client_key = generate_key(type);
  Cert ca = make_cert({"CN=dirprobe test CA", true, nullptr, 0, 1}, ca_key.get(), nullptr, nullptr);
  ca_keys()[type] = export_pem(ca_key.get());
  Cert server = make_cert({"CN=server.dirprobe.test", false, kServerName, 1, 2}, server_key.get(),
                          ca.get(), ca_key.get());
  Cert client = make_cert({"CN=client.dirprobe.test", false, nullptr, 2, 3}, client_key.get(),
                          ca.get(), ca_key.get());
  return {export_pem(ca.get()), export_pem(server.get()), export_pem(server_key.get()),
          export_pem(client.get()), export_pem(client_key.get())};
}

gnutls_datum_t datum_of(const std::string& s) {
  return {reinterpret_cast<unsigned char*>(const_cast<char*>(s.data())),
          static_cast<unsigned>(s.size())};
}

const Credentials& generated_credentials(KeyType type) {
  static std::mutex mutex;
  static std::map<KeyType, Credentials> cache;
  std::lock_guard lock(mutex);
  auto it = cache.find(type);
  if (it == cache.end()) it = cache.emplace(type, generate(type)).first;
  return it->second;
}

// The program leaf, signed by the CA of generated_credentials(type).
Credentials generate_program_leaf(KeyType type) {
  Credentials out = generated_credentials(type);
  gnutls_x509_crt_t ca_raw;
  check_gnutls(gnutls_x509_crt_init(&ca_raw), "gnutls_x509_crt_init");
  Cert ca(ca_raw);
  gnutls_datum_t ca_pem = datum_of(out.ca_cert_pem);
  check_gnutls(gnutls_x509_crt_import(ca_raw, &ca_pem, GNUTLS_X509_FMT_PEM), "crt_import(CA)");
  gnutls_x509_privkey_t ca_key_raw;
  check_gnutls(gnutls_x509_privkey_init(&ca_key_raw), "gnutls_x509_privkey_init");
  Key ca_key(ca_key_raw);
  gnutls_datum_t key_pem = datum_of(ca_keys().at(type));
  check_gnutls(gnutls_x509_privkey_import(ca_key_raw, &key_pem, GNUTLS_X509_FMT_PEM),
               "privkey_import(CA)");
  const unsigned char loopback[4] = {127, 0, 0, 1};
  Key key = generate_key(type);
  Cert leaf = make_cert({"CN=localhost", false, "localhost", 1, 4,
                         {{GNUTLS_SAN_IPADDRESS, std::string(loopback, loopback + 4)},
                          {GNUTLS_SAN_DNSNAME, kServerName}}},
                        key.get(), ca.get(), ca_key.get());
  out.server_cert_pem = export_pem(leaf.get());
  out.server_key_pem = export_pem(key.get());
  return out;
}

thread_local int program_leaf_scopes = 0;

void write_file(const std::filesystem::path& file, const std::string& text, bool secret) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw std::runtime_error(file.string() + ": cannot be written");
  if (secret) ::chmod(file.c_str(), 0600);
}

}  // namespace

const Credentials& test_credentials(KeyType type) {
  return program_leaf_scopes > 0 ? program_credentials(type) : generated_credentials(type);
}

const Credentials& program_credentials(KeyType type) {
  static std::mutex mutex;
  static std::map<KeyType, Credentials> cache;
  generated_credentials(type);  // the CA first, outside this lock
  std::lock_guard lock(mutex);
  auto it = cache.find(type);
  if (it == cache.end()) it = cache.emplace(type, generate_program_leaf(type)).first;
  return it->second;
}

ProgramLeafScope::ProgramLeafScope() { ++program_leaf_scopes; }
ProgramLeafScope::~ProgramLeafScope() { --program_leaf_scopes; }

CredentialFiles write_program_credentials(const std::filesystem::path& dir, KeyType type) {
  const Credentials& c = program_credentials(type);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error(dir.string() + ": cannot be created: " + ec.message());
  CredentialFiles files{dir / "ca.pem", dir / "server-cert.pem", dir / "server-key.pem",
                        dir / "client-cert.pem", dir / "client-key.pem"};
  write_file(files.ca, c.ca_cert_pem, false);
  write_file(files.server_cert, c.server_cert_pem, false);
  write_file(files.server_key, c.server_key_pem, true);
  write_file(files.client_cert, c.client_cert_pem, false);
  write_file(files.client_key, c.client_key_pem, true);
  return files;
}

gnutls_certificate_credentials_t gnutls_test_credentials(KeyType type, bool server) {
  static std::mutex mutex;
  static std::map<std::tuple<KeyType, bool, bool>, GnutlsPtr<gnutls_certificate_credentials_t>>
      cache;
  bool program = server && program_leaf_scopes > 0;
  const Credentials& c = test_credentials(type);
  std::lock_guard lock(mutex);
  auto& slot = cache[{type, server, program}];
  if (slot) return slot.get();
  gnutls_certificate_credentials_t raw;
  check_gnutls(gnutls_certificate_allocate_credentials(&raw), "certificate_allocate");
  GnutlsPtr<gnutls_certificate_credentials_t> creds(raw);
  gnutls_datum_t ca = datum_of(c.ca_cert_pem);
  check_gnutls(gnutls_certificate_set_x509_trust_mem(raw, &ca, GNUTLS_X509_FMT_PEM),
               "gnutls_certificate_set_x509_trust_mem");
  gnutls_datum_t cert = datum_of(server ? c.server_cert_pem : c.client_cert_pem);
  gnutls_datum_t key = datum_of(server ? c.server_key_pem : c.client_key_pem);
  check_gnutls(gnutls_certificate_set_x509_key_mem(raw, &cert, &key, GNUTLS_X509_FMT_PEM),
               "gnutls_certificate_set_x509_key_mem");
  slot = std::move(creds);
  return slot.get();
}

}  // namespace dirprobe
