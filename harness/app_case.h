// One run of a real program under the interposer against `dirprobe serve`: its axes and its id.
//   <program>@<served>/<protocol>-<role>-<peer>-tcp-<mode>/<fault plan>/s<seed>
// e.g. "wget@get-keyupdate/tls13-client-gnutls-tcp-gated/pull@5=eagain/s0": the program's
// role, the library `serve` uses, and the mode: `free` (faults only) or `gated` (poll-gated).
#pragma once

#include <cstdint>
#include <string>

#include "harness/endpoint.h"

namespace dirprobe {

struct AppCase {
  std::string program, served;
  Protocol protocol = Protocol::kTls13;
  Role role = Role::kClient;  // the program's
  PeerLibrary peer = Library::kGnutls;
  bool gated = false;
  std::string plan = "none";
  std::uint64_t seed = 0;

  std::string scenario() const { return program + "@" + served; }
  std::string id() const;
};

// Throws std::invalid_argument naming what is wrong.
AppCase parse_app_case_id(const std::string& id);

}  // namespace dirprobe
