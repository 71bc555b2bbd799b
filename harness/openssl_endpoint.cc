// The OpenSSL endpoint: an SSL* over a custom BIO whose reads and writes go through the
// Channel, so the same fault plans and traces apply as for GnuTLS.
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <vector>

#include "harness/endpoint.h"
#include "harness/handles.h"
#include "harness/names.h"

namespace dirprobe {
namespace {

[[noreturn]] void throw_openssl(const char* call) {
  char buf[256] = "no error queued";
  unsigned long err = ERR_get_error();
  if (err != 0) ERR_error_string_n(err, buf, sizeof buf);
  ERR_clear_error();
  throw std::runtime_error(std::string(call) + " failed: " + buf);
}

void check_ssl(int rc, const char* call) {
  if (rc <= 0) throw_openssl(call);
}

Channel* channel_of(BIO* bio) { return static_cast<Channel*>(BIO_get_data(bio)); }

int bio_write(BIO* bio, const char* data, int size) {
  BIO_clear_retry_flags(bio);
  long rc = channel_of(bio)->push(data, static_cast<std::size_t>(size));
  if (rc < 0 && (channel_of(bio)->last_errno() == EAGAIN || channel_of(bio)->last_errno() == EINTR))
    BIO_set_retry_write(bio);
  return static_cast<int>(rc);
}

int bio_read(BIO* bio, char* data, int size) {
  BIO_clear_retry_flags(bio);
  long rc = channel_of(bio)->pull(data, static_cast<std::size_t>(size));
  if (rc < 0 && (channel_of(bio)->last_errno() == EAGAIN || channel_of(bio)->last_errno() == EINTR))
    BIO_set_retry_read(bio);
  return static_cast<int>(rc);
}

// Flush succeeds; every other control (DTLS asks for MTU queries, peer addresses, timeouts)
// is unsupported, which OpenSSL accepts when the MTU is set explicitly.
long bio_ctrl(BIO*, int cmd, long, void*) { return cmd == BIO_CTRL_FLUSH ? 1 : 0; }

// DTLS retransmission timer: kDtlsRetransmitMs at first, doubled after each expiry (as
// OpenSSL's default does from 1 s), so both libraries retransmit on the same schedule.
unsigned int dtls_timer(SSL*, unsigned int previous_us) {
  return previous_us == 0 ? kDtlsRetransmitMs * 1000 : previous_us * 2;
}

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

const BIO_METHOD* channel_bio_method() {
  static UniquePtr<BIO_METHOD> method = [] {
    UniquePtr<BIO_METHOD> m(BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "dirprobe"));
    BIO_meth_set_write(m.get(), bio_write);
    BIO_meth_set_read(m.get(), bio_read);
    BIO_meth_set_ctrl(m.get(), bio_ctrl);
    BIO_meth_set_create(m.get(), bio_create);
    return m;
  }();
  return method.get();
}

UniquePtr<BIO> pem_bio(const std::string& pem) {
  return UniquePtr<BIO>(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

void load_credentials(SSL_CTX* ctx, const EndpointConfig& config) {
  const Credentials& c = test_credentials(config.key);
  bool server = config.role == Role::kServer;
  auto cert_bio = pem_bio(server ? c.server_cert_pem : c.client_cert_pem);
  UniquePtr<X509> cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!cert) throw_openssl("PEM_read_bio_X509");
  check_ssl(SSL_CTX_use_certificate(ctx, cert.get()), "SSL_CTX_use_certificate");
  auto key_bio = pem_bio(server ? c.server_key_pem : c.client_key_pem);
  UniquePtr<EVP_PKEY> key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!key) throw_openssl("PEM_read_bio_PrivateKey");
  check_ssl(SSL_CTX_use_PrivateKey(ctx, key.get()), "SSL_CTX_use_PrivateKey");
  auto ca_bio = pem_bio(c.ca_cert_pem);
  UniquePtr<X509> ca(PEM_read_bio_X509(ca_bio.get(), nullptr, nullptr, nullptr));
  if (!ca) throw_openssl("PEM_read_bio_X509(CA)");
  check_ssl(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca.get()), "X509_STORE_add_cert");
}

// TLS 1.2 and DTLS 1.2 suites: DEFAULT less every suite with a MAC of its own (SHA1, SHA256,
// SHA384), which leaves its AEAD suites in DEFAULT's order; or the one suite of the config's
// cipher for its key (TLS 1.2 has no ECDHE-RSA suite with CCM: RSA key exchange, as GnuTLS).
const char* tls12_suites(const EndpointConfig& config) {
  bool rsa = config.key == KeyType::kRsa2048;
  switch (config.cipher) {
    case Cipher::kDefault:
      return "DEFAULT:!SHA1:!SHA256:!SHA384";
    case Cipher::kChacha20Poly1305:
      return rsa ? "ECDHE-RSA-CHACHA20-POLY1305" : "ECDHE-ECDSA-CHACHA20-POLY1305";
    case Cipher::kAes128Ccm:
      return rsa ? "AES128-CCM" : "ECDHE-ECDSA-AES128-CCM";
  }
  return "";
}

// TLS 1.3 suites: OpenSSL's default (AES-256-GCM, ChaCha20-Poly1305, AES-128-GCM) or the one
// of the config's cipher; AES-128-CCM is not among the defaults.
void set_ciphers(SSL_CTX* ctx, const EndpointConfig& config) {
  if (config.protocol != Protocol::kTls13) {
    check_ssl(SSL_CTX_set_cipher_list(ctx, tls12_suites(config)), "SSL_CTX_set_cipher_list");
  } else if (config.cipher != Cipher::kDefault) {
    check_ssl(SSL_CTX_set_ciphersuites(ctx, config.cipher == Cipher::kAes128Ccm
                                                ? "TLS_AES_128_CCM_SHA256"
                                                : "TLS_CHACHA20_POLY1305_SHA256"),
              "SSL_CTX_set_ciphersuites");
  }
}

// OpenSSL's cipher NIDs under GnuTLS's names, so both sides report the AEAD alike.
std::string cipher_of(const SSL* ssl) {
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  if (cipher == nullptr) return "";
  switch (SSL_CIPHER_get_cipher_nid(cipher)) {
    case NID_aes_128_gcm:
      return "AES-128-GCM";
    case NID_aes_256_gcm:
      return "AES-256-GCM";
    case NID_chacha20_poly1305:
      return "CHACHA20-POLY1305";
    case NID_aes_128_ccm:
      return "AES-128-CCM";
    case NID_aes_256_ccm:
      return "AES-256-CCM";
    default:
      return SSL_CIPHER_get_name(cipher);
  }
}

constexpr int kNoEarlyData = -1000;  // recv_early found nothing left (not an SSL_get_error code)

class OpensslEndpoint final : public Endpoint {
 public:
  OpensslEndpoint(const EndpointConfig& config, int fd, FaultPlan plan)
      : Endpoint(fd, std::move(plan)) {
    bool dtls = config.protocol == Protocol::kDtls12;
    ctx_.reset(SSL_CTX_new(dtls ? DTLS_method() : TLS_method()));
    if (!ctx_) throw_openssl("SSL_CTX_new");
    int version = dtls                                  ? DTLS1_2_VERSION
                  : config.protocol == Protocol::kTls13 ? TLS1_3_VERSION
                                                        : TLS1_2_VERSION;
    check_ssl(SSL_CTX_set_min_proto_version(ctx_.get(), version), "set_min_proto_version");
    check_ssl(SSL_CTX_set_max_proto_version(ctx_.get(), version), "set_max_proto_version");
    load_credentials(ctx_.get(), config);
    set_ciphers(ctx_.get(), config);
    // OpenSSL 3.0 refuses client-initiated renegotiation unless asked to allow it; the
    // renegotiation scenarios probe GnuTLS as the client that starts one.
    SSL_CTX_set_options(ctx_.get(), SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
    if (config.resumption) share_ticket_keys(config);
    set_up_tickets(config);
    if (config.early_data) {
      // Each connection has its own SSL_CTX, so OpenSSL's replay cache (kept in the context)
      // would refuse every resumed early data; the suite probes I/O, not replay protection.
      SSL_CTX_set_max_early_data(ctx_.get(), kMaxEarlyData);
      SSL_CTX_set_options(ctx_.get(), SSL_OP_NO_ANTI_REPLAY);
      read_early_ = config.role == Role::kServer;
    }
    SSL_CTX_set_keylog_callback(ctx_.get(), on_keylog);
    ssl_.reset(SSL_new(ctx_.get()));
    if (!ssl_) throw_openssl("SSL_new");
    SSL_set_app_data(ssl_.get(), &keylog_);
    if (config.resumption && config.role == Role::kClient && config.resumption->openssl_session)
      check_ssl(SSL_set_session(ssl_.get(), config.resumption->openssl_session.get()),
                "SSL_set_session");
    resumption_ = config.resumption;
    if (dtls) {
      SSL_set_options(ssl_.get(), SSL_OP_NO_QUERY_MTU);
      DTLS_set_link_mtu(ssl_.get(), kDtlsLinkMtu);
      DTLS_set_timer_cb(ssl_.get(), dtls_timer);
    }
    if (config.post_handshake_auth && config.role == Role::kClient)
      SSL_set_post_handshake_auth(ssl_.get(), 1);
    if (config.post_handshake_auth && config.role == Role::kServer)
      // The probes test the protocol's I/O, not the PKI: any client certificate is accepted.
      SSL_set_verify(ssl_.get(), SSL_VERIFY_PEER | SSL_VERIFY_POST_HANDSHAKE,
                     [](int, X509_STORE_CTX*) { return 1; });
    if (config.role == Role::kClient) {
      SSL_set_connect_state(ssl_.get());
      SSL_set_verify(ssl_.get(), SSL_VERIFY_PEER, nullptr);
      check_ssl(SSL_set1_host(ssl_.get(), kServerName), "SSL_set1_host");
      check_ssl(SSL_set_tlsext_host_name(ssl_.get(), kServerName), "SSL_set_tlsext_host_name");
    } else {
      SSL_set_accept_state(ssl_.get());
    }
    BIO* bio = BIO_new(channel_bio_method());
    if (bio == nullptr) throw_openssl("BIO_new");
    BIO_set_data(bio, &channel_);
    SSL_set_bio(ssl_.get(), bio, bio);  // the SSL owns the BIO from here on
    SSL_set_msg_callback(ssl_.get(), on_message);
    SSL_set_msg_callback_arg(ssl_.get(), &messages_);
  }

  // The key log, one NSS line per secret (the wire decoder opens the records with them).
  static void on_keylog(const SSL* ssl, const char* line) {
    auto* log = static_cast<std::vector<KeylogEntry>*>(SSL_get_app_data(ssl));
    if (auto entry = parse_keylog_line(line)) log->push_back(std::move(*entry));
  }

  CallOutcome handshake() override {
    if (read_early_) return read_early_data();
    return outcome(SSL_do_handshake(ssl_.get()), 0);
  }
  CallOutcome send(const std::uint8_t* data, std::size_t size) override {
    std::size_t written = 0;
    int rc = SSL_write_ex(ssl_.get(), data, size, &written);
    return outcome(rc, static_cast<long>(written));
  }
  CallOutcome send_padded(const std::uint8_t* data, std::size_t size, std::size_t) override {
    return send(data, size);
  }
  CallOutcome recv(std::uint8_t* buffer, std::size_t size) override {
    std::size_t got = 0;
    int rc = SSL_read_ex(ssl_.get(), buffer, size, &got);
    return outcome(rc, static_cast<long>(got));
  }
  // SSL_shutdown returns 0 once its close_notify is out, 1 once the peer's has arrived too.
  CallOutcome bye(ByeHow how) override {
    int rc = SSL_shutdown(ssl_.get());
    if (rc == 0 && how == ByeHow::kWr) return {Status::kOk, SSL_ERROR_NONE, 0, -1};
    if (rc == 0) return {Status::kAgain, SSL_ERROR_WANT_READ, 0, 0};
    return outcome(rc, 0);
  }
  CallOutcome rehandshake() override { return outcome(SSL_renegotiate(ssl_.get()), 0); }
  CallOutcome key_update(bool request_peer) override {
    return outcome(SSL_key_update(ssl_.get(), request_peer ? SSL_KEY_UPDATE_REQUESTED
                                                           : SSL_KEY_UPDATE_NOT_REQUESTED),
                   0);
  }
  bool event_needs_handshake() const override { return true; }
  int retransmit_timeout_ms() const override {
    timeval left{};
    if (DTLSv1_get_timeout(ssl_.get(), &left) != 1) return -1;
    return static_cast<int>(left.tv_sec * 1000 + (left.tv_usec + 999) / 1000);
  }
  void on_timer() override { DTLSv1_handle_timeout(ssl_.get()); }
  CallOutcome ticket() override { return outcome(SSL_new_session_ticket(ssl_.get()), 0); }
  CallOutcome send_file(int, long*, std::size_t) override {
    throw SkipCase("OpenSSL has no gnutls_record_send_file");
  }
  CallOutcome reauth() override { return outcome(SSL_verify_client_post_handshake(ssl_.get()), 0); }
  // Client: SSL_write_early_data does the I/O itself (ClientHello and the early record).
  CallOutcome send_early(const std::uint8_t* data, std::size_t size) override {
    std::size_t written = 0;
    int rc = SSL_write_early_data(ssl_.get(), data, size, &written);
    return outcome(rc, static_cast<long>(written));
  }
  // Server: the early data was read by handshake() (OpenSSL reads it before the handshake);
  // this hands it out.
  CallOutcome recv_early(std::uint8_t* buffer, std::size_t size) override {
    if (early_taken_ == early_.size()) return {Status::kFatal, kNoEarlyData, 0, -1};
    std::size_t n = std::min(size, early_.size() - early_taken_);
    std::copy_n(early_.begin() + static_cast<long>(early_taken_), n, buffer);
    early_taken_ += n;
    return {Status::kOk, SSL_ERROR_NONE, static_cast<long>(n), -1};
  }
  CallOutcome alert() override { throw SkipCase("alerts are sent by the GnuTLS subject only"); }
  CallOutcome ping(std::size_t) override { throw SkipCase("OpenSSL 3 has no heartbeat"); }
  CallOutcome pong() override { throw SkipCase("OpenSSL 3 has no heartbeat"); }
  void save_session() override {
    // A copy: freeing an SSL that was never shut down marks its own session not resumable.
    const SSL_SESSION* session = SSL_get0_session(ssl_.get());
    resumption_->openssl_session.reset(session ? SSL_SESSION_dup(session) : nullptr);
    if (!resumption_->openssl_session) throw std::runtime_error("SSL_get0_session: no session");
  }
  bool resumed() const override { return SSL_session_reused(ssl_.get()) == 1; }
  void cork() override {}
  CallOutcome uncork(bool) override { return {Status::kOk, SSL_ERROR_NONE, 0, -1}; }
  std::string code_name(int code) const override {
    return code == kNoEarlyData ? "no early data (none accepted, or all read)"
                                : ssl_error_name(code);
  }
  std::size_t pending() const override { return static_cast<std::size_t>(SSL_pending(ssl_.get())); }
  std::string_view library() const override { return "openssl"; }
  std::string cipher() const override {
    return SSL_is_init_finished(ssl_.get()) == 1 ? cipher_of(ssl_.get()) : "";
  }

 private:
  CallOutcome outcome(int rc, long bytes) {
    if (rc > 0) return {Status::kOk, SSL_ERROR_NONE, bytes, -1};
    int err = SSL_get_error(ssl_.get(), rc);
    ERR_clear_error();
    switch (err) {
      case SSL_ERROR_WANT_READ:
        return {Status::kAgain, err, 0, 0};
      case SSL_ERROR_WANT_WRITE:
        return {Status::kAgain, err, 0, 1};
      case SSL_ERROR_ZERO_RETURN:
        return {Status::kEof, err, 0, -1};
      default:
        return {Status::kFatal, err, 0, -1};
    }
  }

  // An OpenSSL server with early data enabled must read it with SSL_read_early_data before
  // the handshake proper; handshake() does so until OpenSSL reports the end of early data.
  CallOutcome read_early_data() {
    std::uint8_t buf[4096];
    std::size_t got = 0;
    int rc = SSL_read_early_data(ssl_.get(), buf, sizeof buf, &got);
    early_.insert(early_.end(), buf, buf + got);
    if (rc == SSL_READ_EARLY_DATA_FINISH) {
      read_early_ = false;
      return outcome(SSL_do_handshake(ssl_.get()), 0);
    }
    if (rc == SSL_READ_EARLY_DATA_SUCCESS) return {Status::kAgain, SSL_ERROR_WANT_READ, 0, 0};
    return outcome(0, 0);
  }

  // A server that sends only the script's tickets (Tickets::kManual) sends none of its own
  // after the handshake; SSL_new_session_ticket still sends one.
  void set_up_tickets(const EndpointConfig& config) {
    if (config.tickets == Tickets::kManual && config.role == Role::kServer)
      check_ssl(SSL_CTX_set_num_tickets(ctx_.get(), 0), "SSL_CTX_set_num_tickets");
  }

  // A server's tickets are sealed with its SSL_CTX's keys: the second connection gets the
  // first one's, so that it can open the ticket it issued.
  void share_ticket_keys(const EndpointConfig& config) {
    if (config.role != Role::kServer) return;
    auto& keys = config.resumption->openssl_ticket_keys;
    if (keys.empty()) {
      keys.resize(80);
      check_ssl(
          static_cast<int>(SSL_CTX_get_tlsext_ticket_keys(ctx_.get(), keys.data(), keys.size())),
          "SSL_CTX_get_tlsext_ticket_keys");
    } else {
      check_ssl(
          static_cast<int>(SSL_CTX_set_tlsext_ticket_keys(ctx_.get(), keys.data(), keys.size())),
          "SSL_CTX_set_tlsext_ticket_keys");
    }
  }

  // OpenSSL's message callback: every handshake message and alert it writes or reads (record
  // headers, TLS 1.3 inner content types and ChangeCipherSpec are not messages).
  static void on_message(int write_p, int, int content_type, const void* buf, std::size_t len,
                         SSL*, void* arg) {
    const auto* bytes = static_cast<const std::uint8_t*>(buf);
    auto* log = static_cast<MessageLog*>(arg);
    if (content_type == SSL3_RT_HANDSHAKE && len >= 1)
      log->note(write_p != 0, {MessageKind::kHandshake, bytes[0]});
    else if (content_type == SSL3_RT_ALERT && len >= 2)
      log->note(write_p != 0, {MessageKind::kAlert, bytes[1], bytes[0]});
  }

  UniquePtr<SSL_CTX> ctx_;
  UniquePtr<SSL> ssl_;
  std::shared_ptr<ResumptionState> resumption_;
  bool read_early_ = false;  // server: early data still to be read before the handshake
  std::vector<std::uint8_t> early_;
  std::size_t early_taken_ = 0;
};

}  // namespace

std::unique_ptr<Endpoint> make_openssl_endpoint(const EndpointConfig& config, int fd,
                                                FaultPlan plan) {
  return std::make_unique<OpensslEndpoint>(config, fd, std::move(plan));
}

}  // namespace dirprobe
