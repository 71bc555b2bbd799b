// The rules between a scenario's keys: what one key's value asks of the others (0-RTT needs a
// resumed TLS 1.3 session, DTLS runs over datagrams, a script sends what the other receives,
// ...). Each names the offending key's line.
#pragma once

#include "harness/scenario.h"
#include "harness/toml_reader.h"

namespace dirprobe {

// Checks scenario `sc`, read from table `t` with every key already applied; the first broken
// rule throws CatalogError("file:line: message").
void check_scenario_rules(const TomlCtx& ctx, const Scenario& sc, const toml::table& t);

}  // namespace dirprobe
