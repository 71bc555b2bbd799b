// One logged call: which side made it, with what, what it returned and the I/O it caused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "harness/api_table.h"
#include "harness/endpoint.h"
#include "harness/io_trace.h"

namespace dirprobe {

enum class Side : std::uint8_t { kSubject, kPeer };

struct CallRecord {
  Side side;
  Api api;
  std::size_t size = 0;     // bytes offered to send/recv
  bool null_retry = false;  // a send retried with NULL, 0
  std::size_t pad = 0;      // a send with record padding (gnutls_record_send2)
  CallOutcome out;
  TraceSpan io;  // this side's trace during the call
  std::uint64_t tick = 0;
  bool other = false;  // the step's other call, made while its own call was pending
};

// The function a logged call made: api_name(), or gnutls_record_send2 for a padded send.
inline std::string_view call_api_name(const CallRecord& call, std::string_view library) {
  if (call.api == Api::kSend && call.pad > 0 && library == "gnutls") return "gnutls_record_send2";
  return api_name(call.api, library);
}

}  // namespace dirprobe
