// The GnuTLS endpoint: a gnutls_session_t whose push, vec_push, pull, pull_timeout and errno
// go through the Channel (so the fault plan applies and the trace sees every operation), or,
// in socket_io mode, through GnuTLS's own socket calls on the fd.
#include <dlfcn.h>
#include <gnutls/dtls.h>
#include <gnutls/gnutls.h>

#include <algorithm>
#include <utility>

#include "harness/endpoint.h"
#include "harness/gnutls_priority.h"
#include "harness/gnutls_check.h"
#include "harness/handles.h"
#include "harness/virtual_clock.h"

namespace dirprobe {
namespace {

std::string_view version_priority(Protocol protocol) {
  switch (protocol) {
    case Protocol::kTls13:
      return "NORMAL:-VERS-ALL:+VERS-TLS1.3";
    case Protocol::kDtls12:
      return "NORMAL:-VERS-ALL:+VERS-DTLS1.2";
    default:
      return "NORMAL:-VERS-ALL:+VERS-TLS1.2";
  }
}

// NORMAL's ciphers without CBC, in NORMAL's order: the wire decoder opens AEAD records only
// (TLS 1.3 has nothing else).
constexpr std::string_view kAeadOnly =
    ":-CIPHER-ALL:+AES-256-GCM:+CHACHA20-POLY1305:+AES-256-CCM:+AES-128-GCM:+AES-128-CCM";

}  // namespace

// NORMAL limited to the protocol and to the config's cipher. TLS 1.2 has no ECDHE-RSA suite
// with CCM; an RSA key takes RSA key exchange there (TLS_RSA_WITH_AES_128_CCM): its messages
// have fixed sizes, where GnuTLS writes a DHE public value without its leading zero bytes.
std::string default_priority(const EndpointConfig& config) {
  std::string priority(version_priority(config.protocol));
  bool tls13 = config.protocol == Protocol::kTls13;
  switch (config.cipher) {
    case Cipher::kDefault:
      return tls13 ? priority : priority + std::string(kAeadOnly);
    case Cipher::kChacha20Poly1305:
      return priority + ":-CIPHER-ALL:+CHACHA20-POLY1305";
    case Cipher::kAes128Ccm:
      priority += ":-CIPHER-ALL:+AES-128-CCM";
      return !tls13 && config.key == KeyType::kRsa2048 ? priority + ":-KX-ALL:+RSA" : priority;
  }
  return priority;
}

namespace {

// A blocking session's pull_timeout waits at most this long per call, then reports that
// nothing arrived (the driver is single-threaded: nothing can arrive meanwhile). GnuTLS then
// checks its timers and calls again: a long wait is seen in steps of this size.
constexpr unsigned kMaxPullWaitMs = kDtlsRetransmitMs * 4;

// The ticket key of every server session that sends tickets outside resumption. GnuTLS copies
// it into the session, and no later connection opens those tickets, so one key serves all.
const gnutls_datum_t* own_ticket_key() {
  static const struct Key {
    gnutls_datum_t datum{nullptr, 0};
    Key() {
      check_gnutls(gnutls_session_ticket_key_generate(&datum),
                   "gnutls_session_ticket_key_generate");
    }
    ~Key() {
      gnutls_memset(datum.data, 0, datum.size);
      gnutls_free(datum.data);
    }
  } key;
  return &key.datum;
}

// gnutls_init flags of the ticket setting: a server that sends only the script's tickets.
unsigned ticket_flags(const EndpointConfig& config) {
  return config.tickets == Tickets::kManual ? GNUTLS_NO_AUTO_SEND_TICKET : 0;
}

class GnutlsEndpoint final : public Endpoint {
 public:
  GnutlsEndpoint(const EndpointConfig& config, int fd, FaultPlan plan)
      : Endpoint(fd, std::move(plan)),
        socket_io_(config.socket_io),
        dtls_(config.protocol == Protocol::kDtls12),
        nonblock_(config.nonblock),
        client_(config.role == Role::kClient) {
    gnutls_session_t raw;
    unsigned flags = (config.role == Role::kClient ? GNUTLS_CLIENT : GNUTLS_SERVER) |
                     (config.nonblock ? GNUTLS_NONBLOCK : 0) | (dtls_ ? GNUTLS_DATAGRAM : 0) |
                     config.extra_flags | ticket_flags(config) |
                     (config.early_data ? GNUTLS_ENABLE_EARLY_DATA : 0) |
                     (config.post_handshake_auth ? GNUTLS_POST_HANDSHAKE_AUTH : 0);
    check_gnutls(gnutls_init(&raw, flags), "gnutls_init");
    session_.reset(raw);
    if (config.resumption) set_up_resumption(config);
    if (!config.resumption) set_up_tickets(config);
    if (config.heartbeat) gnutls_heartbeat_enable(raw, GNUTLS_HB_PEER_ALLOWED_TO_SEND);
    if (dtls_) {
      gnutls_dtls_set_timeouts(raw, kDtlsRetransmitMs, kDtlsTotalMs);
      gnutls_dtls_set_mtu(raw, kDtlsLinkMtu);
    }
    std::string priority = config.priority.empty() ? default_priority(config) : config.priority;
    const char* err_pos = nullptr;
    check_gnutls(gnutls_priority_set_direct(raw, priority.c_str(), &err_pos),
                 "gnutls_priority_set_direct");
    check_gnutls(
        gnutls_credentials_set(raw, GNUTLS_CRD_CERTIFICATE,
                               gnutls_test_credentials(config.key, config.role == Role::kServer)),
        "gnutls_credentials_set");
    if (config.role == Role::kClient) {
      check_gnutls(gnutls_server_name_set(raw, GNUTLS_NAME_DNS, kServerName,
                                          std::char_traits<char>::length(kServerName)),
                   "gnutls_server_name_set");
      gnutls_session_set_verify_cert(raw, kServerName, 0);
    }
    install_hook(config);
    gnutls_session_set_keylog_function(
        raw, [](gnutls_session_t s, const char* label, const gnutls_datum_t* secret) {
          return static_cast<GnutlsEndpoint*>(gnutls_session_get_ptr(s))->on_keylog(label, secret);
        });
    if (config.post_handshake_auth && config.role == Role::kServer)
      gnutls_certificate_server_set_request(raw, GNUTLS_CERT_REQUEST);
    if (socket_io_) {
      gnutls_transport_set_int(raw, fd);
    } else {
      gnutls_transport_set_ptr(raw, this);
      gnutls_transport_set_push_function(raw, push_cb);
      gnutls_transport_set_vec_push_function(raw, vec_push_cb);
      gnutls_transport_set_pull_function(raw, pull_cb);
      gnutls_transport_set_pull_timeout_function(raw, pull_timeout_cb);
    }
  }

  CallOutcome handshake() override {
    in_handshake_ = true;
    CallOutcome out = outcome(gnutls_handshake(session_.get()));
    in_handshake_ = false;
    established_ = established_ || out.status == Status::kOk;
    return out;
  }
  std::size_t corked() const override { return gnutls_record_check_corked(session_.get()); }
  CallOutcome send(const std::uint8_t* data, std::size_t size) override {
    return outcome(static_cast<int>(gnutls_record_send(session_.get(), data, size)));
  }
  CallOutcome send_padded(const std::uint8_t* data, std::size_t size, std::size_t pad) override {
    return outcome(static_cast<int>(gnutls_record_send2(session_.get(), data, size, pad, 0)));
  }
  CallOutcome recv(std::uint8_t* buffer, std::size_t size) override {
    return outcome(static_cast<int>(gnutls_record_recv(session_.get(), buffer, size)), true);
  }
  CallOutcome bye(ByeHow how) override {
    CallOutcome out = outcome(
        gnutls_bye(session_.get(), how == ByeHow::kRdwr ? GNUTLS_SHUT_RDWR : GNUTLS_SHUT_WR));
    if (out.status == Status::kOk) {
      messages_.note(true, close_notify());
      // With GNUTLS_SHUT_RDWR, 0 means the peer's close_notify arrived too.
      if (how == ByeHow::kRdwr) note_peer_close();
    }
    return out;
  }
  CallOutcome rehandshake() override { return outcome(gnutls_rehandshake(session_.get())); }
  CallOutcome key_update(bool request_peer) override {
    return outcome(gnutls_session_key_update(session_.get(), request_peer ? GNUTLS_KU_PEER : 0));
  }
  bool event_needs_handshake() const override { return false; }
  int retransmit_timeout_ms() const override {
    return dtls_ ? static_cast<int>(gnutls_dtls_get_timeout(session_.get())) : -1;
  }
  CallOutcome ticket() override {
    return outcome(gnutls_session_ticket_send(session_.get(), 1, 0));
  }
  void cork() override { gnutls_record_cork(session_.get()); }
  CallOutcome reauth() override { return outcome(gnutls_reauth(session_.get(), 0)); }
  CallOutcome send_file(int fd, long* offset, std::size_t count) override {
    // Looked up at run time: the probes are built against one GnuTLS and run against others.
    using SendFile = ssize_t (*)(gnutls_session_t, int, off_t*, size_t);
    static const auto fn =
        reinterpret_cast<SendFile>(dlsym(RTLD_DEFAULT, "gnutls_record_send_file"));
    if (fn == nullptr)
      throw SkipCase("GnuTLS " + gnutls_runtime_version() + " lacks gnutls_record_send_file");
    if (offset == nullptr) return outcome(static_cast<int>(fn(session_.get(), fd, nullptr, count)));
    off_t off = *offset;
    auto rc = fn(session_.get(), fd, &off, count);
    *offset = off;
    return outcome(static_cast<int>(rc));
  }
  CallOutcome send_early(const std::uint8_t* data, std::size_t size) override {
    return outcome(static_cast<int>(gnutls_record_send_early_data(session_.get(), data, size)));
  }
  CallOutcome recv_early(std::uint8_t* buffer, std::size_t size) override {
    return outcome(static_cast<int>(gnutls_record_recv_early_data(session_.get(), buffer, size)));
  }
  CallOutcome alert() override {
    CallOutcome out =
        outcome(gnutls_alert_send(session_.get(), GNUTLS_AL_WARNING, GNUTLS_A_USER_CANCELED));
    if (out.status == Status::kOk)
      messages_.note(true, {MessageKind::kAlert, GNUTLS_A_USER_CANCELED, GNUTLS_AL_WARNING});
    return out;
  }
  CallOutcome ping(std::size_t size) override {
    if (gnutls_heartbeat_allowed(session_.get(), GNUTLS_HB_LOCAL_ALLOWED_TO_SEND) == 0)
      throw SkipCase("heartbeat was not negotiated (GnuTLS " + gnutls_runtime_version() +
                     " may be built without heartbeat support) (n/a)");
    return noting(outcome(gnutls_heartbeat_ping(session_.get(), size, 0, 0)),
                  MessageKind::kHeartbeatPing);
  }
  CallOutcome pong() override {
    return noting(outcome(gnutls_heartbeat_pong(session_.get(), 0)), MessageKind::kHeartbeatPong);
  }
  void save_session() override {
    gnutls_datum_t data{nullptr, 0};
    check_gnutls(gnutls_session_get_data2(session_.get(), &data), "gnutls_session_get_data2");
    resumption_->gnutls_session.assign(data.data, data.data + data.size);
    gnutls_free(data.data);
  }
  bool resumed() const override { return gnutls_session_is_resumed(session_.get()) != 0; }
  CallOutcome uncork(bool wait) override {
    return outcome(gnutls_record_uncork(session_.get(), wait ? GNUTLS_RECORD_WAIT : 0));
  }
  std::string code_name(int code) const override { return gnutls_rc_name(code); }
  std::size_t pending() const override { return gnutls_record_check_pending(session_.get()); }
  std::string_view library() const override { return "gnutls"; }
  std::string cipher() const override {
    if (!established_) return "";
    const char* name = gnutls_cipher_get_name(gnutls_cipher_get(session_.get()));
    return name != nullptr ? name : "";
  }
  bool traced() const override { return !socket_io_; }

 private:
  CallOutcome outcome(int rc, bool is_recv = false) {
    CallOutcome out;
    out.code = rc;
    out.direction = gnutls_record_get_direction(session_.get());
    if (rc >= 0) {
      out.status = (is_recv && rc == 0) ? Status::kEof : Status::kOk;
      out.bytes = rc;
    } else if (rc == GNUTLS_E_AGAIN) {
      out.status = Status::kAgain;
    } else if (rc == GNUTLS_E_INTERRUPTED) {
      out.status = Status::kInterrupted;
    } else if (rc == GNUTLS_E_REHANDSHAKE) {
      out.status = Status::kRehandshake;
    } else if (rc == GNUTLS_E_GOT_APPLICATION_DATA) {
      out.status = Status::kGotData;
    } else if (rc == GNUTLS_E_REAUTH_REQUEST) {
      out.status = Status::kReauth;
    } else if (rc == GNUTLS_E_WARNING_ALERT_RECEIVED || rc == GNUTLS_E_HEARTBEAT_PONG_RECEIVED) {
      out.status = Status::kNotice;
    } else if (rc == GNUTLS_E_HEARTBEAT_PING_RECEIVED) {
      out.status = Status::kPing;
    } else {
      out.status = Status::kFatal;
    }
    note_received(rc, is_recv);
    return out;
  }

  static ControlMessage close_notify() {
    return {MessageKind::kAlert, GNUTLS_A_CLOSE_NOTIFY, GNUTLS_AL_WARNING};
  }
  CallOutcome noting(CallOutcome out, MessageKind kind) {
    if (out.status == Status::kOk) messages_.note(true, {kind});
    return out;
  }
  // The peer's close_notify arrives once: a recv that returns 0 after gnutls_bye(RDWR)
  // returned 0 (or after an earlier 0) reports the same end of the stream again.
  void note_peer_close() {
    if (peer_closed_) return;
    peer_closed_ = true;
    messages_.note(false, close_notify());
  }
  // What a return code says arrived: an alert (with gnutls_alert_get), a heartbeat, or (recv
  // returning 0) the peer's close_notify. Handshake messages are reported by the hook.
  void note_received(int rc, bool is_recv) {
    if (rc == GNUTLS_E_WARNING_ALERT_RECEIVED || rc == GNUTLS_E_FATAL_ALERT_RECEIVED) {
      auto level = rc == GNUTLS_E_WARNING_ALERT_RECEIVED ? GNUTLS_AL_WARNING : GNUTLS_AL_FATAL;
      messages_.note(false, {MessageKind::kAlert,
                             static_cast<std::uint8_t>(gnutls_alert_get(session_.get())),
                             static_cast<std::uint8_t>(level)});
    } else if (rc == GNUTLS_E_HEARTBEAT_PING_RECEIVED) {
      messages_.note(false, {MessageKind::kHeartbeatPing});
    } else if (rc == GNUTLS_E_HEARTBEAT_PONG_RECEIVED) {
      messages_.note(false, {MessageKind::kHeartbeatPong});
    } else if (rc == 0 && is_recv) {
      note_peer_close();
    } else if (rc == GNUTLS_E_REHANDSHAKE && client_) {
      // A client learns of a HelloRequest only from this code (lib/record.c runs no hook).
      messages_.note(false, {MessageKind::kHandshake, GNUTLS_HANDSHAKE_HELLO_REQUEST});
    }
  }

  void set_up_resumption(const EndpointConfig& config) {
    resumption_ = config.resumption;
    gnutls_session_t raw = session_.get();
    if (config.role == Role::kServer) {
      check_gnutls(gnutls_session_ticket_enable_server(raw, resumption_->ticket_key()),
                   "gnutls_session_ticket_enable_server");
      if (config.early_data) {
        gnutls_anti_replay_enable(raw, resumption_->anti_replay());
        check_gnutls(gnutls_record_set_max_early_data_size(raw, kMaxEarlyData),
                     "gnutls_record_set_max_early_data_size");
      }
    } else if (!resumption_->gnutls_session.empty()) {
      check_gnutls(gnutls_session_set_data(raw, resumption_->gnutls_session.data(),
                                           resumption_->gnutls_session.size()),
                   "gnutls_session_set_data");
    }
  }

  // Outside resumption a server sends tickets only with a key of its own (Tickets).
  void set_up_tickets(const EndpointConfig& config) {
    if (config.tickets == Tickets::kDefault || config.role != Role::kServer) return;
    check_gnutls(gnutls_session_ticket_enable_server(session_.get(), own_ticket_key()),
                 "gnutls_session_ticket_enable_server");
  }

  // The key log: each secret with the connection's client random, as an NSS key log line has
  // it (the wire decoder opens the records with them, see wire.h).
  int on_keylog(const char* label, const gnutls_datum_t* secret) {
    gnutls_datum_t client{}, server{};
    gnutls_session_get_random(session_.get(), &client, &server);
    keylog_.push_back({label, {client.data, client.data + client.size},
                       {secret->data, secret->data + secret->size}});
    return 0;
  }

  // One hook for every handshake message, sent or received (GnuTLS keeps one hook per
  // session): it reports each message, and is also the scenario's "hook-post-client-hello"
  // callback. The callbacks return callback_rc the first time they run, then 0.
  void install_hook(const EndpointConfig& config) {
    callback_rc_ = config.callback_rc;
    hook_callback_ = config.callback == "hook-post-client-hello";
    gnutls_session_set_ptr(session_.get(), this);
    if (config.callback == "post-client-hello") {
      gnutls_handshake_set_post_client_hello_function(session_.get(), [](gnutls_session_t s) {
        return static_cast<GnutlsEndpoint*>(gnutls_session_get_ptr(s))->fire_callback();
      });
    }
    gnutls_handshake_set_hook_function(
        session_.get(), GNUTLS_HANDSHAKE_ANY, GNUTLS_HOOK_BOTH,
        [](gnutls_session_t s, unsigned type, unsigned when, unsigned incoming,
           const gnutls_datum_t*) {
          return static_cast<GnutlsEndpoint*>(gnutls_session_get_ptr(s))
              ->on_hook(type, when, incoming);
        });
  }
  int fire_callback() { return std::exchange(callback_rc_, 0); }
  // A received message is reported before GnuTLS processes it (a TLS 1.3 certificate request
  // never reaches the post hook), a sent one after it was written. GnuTLS's pseudo types
  // (ChangeCipherSpec 254, the SSLv2 hello 1024) are not messages.
  int on_hook(unsigned type, unsigned when, unsigned incoming) {
    bool report = incoming != 0 ? when == GNUTLS_HOOK_PRE : when == GNUTLS_HOOK_POST;
    if (report && type < 128)
      messages_.note(incoming == 0, {MessageKind::kHandshake, static_cast<std::uint8_t>(type)});
    // With GNUTLS_AUTO_REAUTH a TLS 1.2 client answers a HelloRequest inside recv and returns
    // no code for it: its new ClientHello, sent outside any handshake call, is its report.
    if (report && client_ && established_ && !in_handshake_ && incoming == 0 &&
        type == GNUTLS_HANDSHAKE_CLIENT_HELLO)
      messages_.note(false, {MessageKind::kHandshake, GNUTLS_HANDSHAKE_HELLO_REQUEST});
    if (hook_callback_ && incoming != 0 && when == GNUTLS_HOOK_POST &&
        type == GNUTLS_HANDSHAKE_CLIENT_HELLO)
      return fire_callback();
    return 0;
  }

  static GnutlsEndpoint* self(gnutls_transport_ptr_t p) { return static_cast<GnutlsEndpoint*>(p); }
  void report(long rc) {
    if (rc < 0) gnutls_transport_set_errno(session_.get(), channel_.last_errno());
  }
  static ssize_t push_cb(gnutls_transport_ptr_t p, const void* data, size_t size) {
    long rc = self(p)->channel_.push(data, size);
    self(p)->report(rc);
    return rc;
  }
  static ssize_t vec_push_cb(gnutls_transport_ptr_t p, const giovec_t* iov, int count) {
    // giovec_t is declared layout-compatible with struct iovec.
    long rc = self(p)->channel_.pushv(reinterpret_cast<const iovec*>(iov), count);
    self(p)->report(rc);
    return rc;
  }
  static ssize_t pull_cb(gnutls_transport_ptr_t p, void* data, size_t size) {
    long rc = self(p)->channel_.pull(data, size);
    self(p)->report(rc);
    return rc;
  }
  // A non-blocking session never waits: the driver is single-threaded, so nothing could
  // arrive during a wait. A blocking DTLS session waits as asked (bounded), which is what
  // its retransmission timer relies on; on the case's virtual clock that wait, when nothing
  // is readable, is an advance of the clock instead of a sleep.
  static int pull_timeout_cb(gnutls_transport_ptr_t p, unsigned int ms) {
    unsigned wait = self(p)->nonblock_ ? 0 : std::min(ms, kMaxPullWaitMs);
    bool virtual_time = VirtualClock::running();
    int rc = self(p)->channel_.poll_readable(virtual_time ? 0 : static_cast<int>(wait));
    if (rc == 0 && virtual_time) VirtualClock::advance(wait);
    self(p)->report(rc);
    return rc;
  }

  GnutlsPtr<gnutls_session_t> session_;
  std::shared_ptr<ResumptionState> resumption_;
  bool socket_io_;
  bool dtls_;
  bool nonblock_;
  bool client_;
  bool peer_closed_ = false;  // the peer's close_notify was reported (note_peer_close)
  bool in_handshake_ = false;  // inside the application's gnutls_handshake call
  bool established_ = false;   // a handshake call completed
  int callback_rc_ = 0;
  bool hook_callback_ = false;
};

}  // namespace

std::unique_ptr<Endpoint> make_gnutls_endpoint(const EndpointConfig& config, int fd,
                                               FaultPlan plan) {
  return std::make_unique<GnutlsEndpoint>(config, fd, std::move(plan));
}

}  // namespace dirprobe
