// The served scenarios (scenarios/apps/served.toml): the scripts `dirprobe serve` follows as the
// other side of a real program, over TCP. One [[served]] table each; the loader rejects unknown
// keys, missing keys, bad values and steps that cannot apply, as "file:line: what is wrong".
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "harness/case_spec.h"
#include "harness/endpoint.h"

namespace dirprobe {

enum class Exchange { kHttp, kStream };

enum class ServedKind {
  kTls,       // one of the catalog's forms (handshake, send N, key_update peer, ...): `tls`
  kRequest,   // server: read a request's headers; client: send "METHOD PATH" with `bytes` of body
  kResponse,  // server: send the status line and headers of `bytes` body bytes; client: read them
  kPause,     // read nothing until `bytes` wait in the socket or the program is blocked
  kUnread,    // send `bytes` without reading meanwhile: serve writes and stops reading
};

struct ServedStep {
  std::string text;  // as written
  ServedKind kind = ServedKind::kTls;
  Step tls;                  // kTls
  std::string method, path;  // kRequest in the client role
  std::uint64_t bytes = 0;   // request/response: body bytes; pause: bytes to wait for
  // Request/response whose body no send (or recv) step of the script moves: serve sends (or
  // reads) the `bytes` body bytes itself right after the headers.
  bool auto_body = false;
};

struct ServedScenario {
  std::string name, what;
  Exchange exchange = Exchange::kHttp;
  Role role = Role::kServer;  // serve's own role; the program has the other one
  std::vector<Protocol> protocols;
  std::vector<PeerLibrary> peers;  // the library serve's side uses
  std::vector<ServedStep> script;
  std::string file;
  int line = 0;
  // Body or stream bytes (HTTP headers not counted) serve sends, and receives from the
  // program; `receives_open_ended`: a recv_all step takes what the program sends.
  std::uint64_t sends = 0, receives = 0;
  bool receives_open_ended = false;
};

// Every [[served]] table of the file; throws CatalogError "file:line: ..." (toml_reader.h).
std::vector<ServedScenario> load_served(const std::filesystem::path& file);
std::vector<ServedScenario> load_served_text(const std::string& text, const std::string& name);
// The scenario called `name`; throws std::runtime_error listing the names when there is none.
const ServedScenario& find_served(const std::vector<ServedScenario>& all, std::string_view name);
// scenarios/apps/served.toml of the source tree ($DIRPROBE_SCENARIO_DIR/apps when set).
std::filesystem::path default_served_file();

// The step forms a script may use, for error messages and documentation.
std::vector<std::string_view> served_step_forms();

}  // namespace dirprobe
