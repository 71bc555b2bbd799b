#include "harness/api_table.h"

namespace dirprobe {

std::string_view api_name(Api api, std::string_view library) {
  static constexpr std::string_view kGnutls[] = {"gnutls_handshake",
                                                 "gnutls_record_send",
                                                 "gnutls_record_recv",
                                                 "gnutls_bye",
                                                 "gnutls_rehandshake",
                                                 "gnutls_session_key_update",
                                                 "gnutls_session_ticket_send",
                                                 "gnutls_record_uncork",
                                                 "gnutls_reauth",
                                                 "gnutls_record_send_file",
                                                 "gnutls_record_send_early_data",
                                                 "gnutls_record_recv_early_data",
                                                 "gnutls_alert_send",
                                                 "gnutls_heartbeat_ping",
                                                 "gnutls_heartbeat_pong",
                                                 "gnutls_record_check_pending"};
  static constexpr std::string_view kOpenssl[] = {"SSL_do_handshake",
                                                  "SSL_write_ex",
                                                  "SSL_read_ex",
                                                  "SSL_shutdown",
                                                  "SSL_renegotiate",
                                                  "SSL_key_update",
                                                  "SSL_new_session_ticket",
                                                  "(no uncork)",
                                                  "SSL_verify_client_post_handshake",
                                                  "(no send_file)",
                                                  "SSL_write_early_data",
                                                  "SSL_read_early_data",
                                                  "(no alert)",
                                                  "(no heartbeat)",
                                                  "(no heartbeat)",
                                                  "SSL_pending"};
  return (library == "openssl" ? kOpenssl : kGnutls)[static_cast<int>(api)];
}

CallOutcome invoke(Endpoint& ep, Api api, const CallArgs& args) {
  const Step& step = args.step;
  switch (api) {
    case Api::kHandshake:
      return ep.handshake();
    case Api::kBye:
      return ep.bye(step.how);
    case Api::kRehandshake:
      return ep.rehandshake();
    case Api::kKeyUpdate:
      return ep.key_update(step.request_peer);
    case Api::kTicket:
      return ep.ticket();
    case Api::kUncork:
      return ep.uncork(step.wait);
    case Api::kReauth:
      return ep.reauth();
    case Api::kSendFile:
      return ep.send_file(args.file, args.file_offset, args.size);
    case Api::kSendEarly:
      return ep.send_early(args.send, args.size);
    case Api::kRecvEarly:
      return ep.recv_early(args.recv, args.recv_size);
    case Api::kAlert:
      return ep.alert();
    case Api::kPing:
      return ep.ping(step.ping_size);
    case Api::kPong:
      return ep.pong();
    case Api::kCheckPending:
      return {Status::kOk, 0, static_cast<long>(ep.pending()), -1};
    case Api::kRecv:
      return ep.recv(args.recv, args.recv_size);
    case Api::kSend:
      if (args.null_retry) return ep.send(nullptr, 0);
      if (step.pad > 0) return ep.send_padded(args.send, args.size, step.pad);
      return ep.send(args.send, args.size);
  }
  return {};
}

}  // namespace dirprobe
