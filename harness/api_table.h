// The API table: every call the driver can make on a side, the library function behind it in
// each library, and the one place that makes it on an Endpoint.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "harness/case_spec.h"
#include "harness/endpoint.h"

namespace dirprobe {

enum class Api : std::uint8_t {
  kHandshake,
  kSend,
  kRecv,
  kBye,
  kRehandshake,
  kKeyUpdate,
  kTicket,
  kUncork,
  kReauth,
  kSendFile,
  kSendEarly,
  kRecvEarly,
  kAlert,
  kPing,
  kPong,
  kCheckPending,  // gnutls_record_check_pending: no I/O; `bytes` is what it reported
};

// The library function behind `api`: "gnutls_record_send", "SSL_read_ex", ...
std::string_view api_name(Api api, std::string_view library);

// What one call is given: the step it belongs to and the side's buffers. `send` holds `size`
// bytes to send (send, send_early); `recv` is filled up to `recv_size` (recv, recv_early);
// `file` and `file_offset` are send_file's source and the offset the library advances (null:
// the source's own position).
struct CallArgs {
  const Step& step;
  const std::uint8_t* send = nullptr;
  std::size_t size = 0;
  bool null_retry = false;  // a send retried with NULL, 0
  std::uint8_t* recv = nullptr;
  std::size_t recv_size = 0;
  int file = -1;
  long* file_offset = nullptr;
  // A NULL, 0 send made only to flush a record an E_AGAIN may have left pending: when nothing
  // was pending GnuTLS answers GNUTLS_E_INVALID_REQUEST, which the caller then takes as "none".
  bool flush_only = false;
};

// Makes the one library call behind `api` on `endpoint` (a padded send when the step pads).
CallOutcome invoke(Endpoint& endpoint, Api api, const CallArgs& args);

}  // namespace dirprobe
