// The step scripts of a scenario's `subject` and `peer` keys: one form per step ("send N",
// "bye rdwr|wr", ...), from which both the parser and its error message are made.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/case_spec.h"

namespace dirprobe {

// "512", "64k", "1M" as bytes; throws std::invalid_argument.
std::uint64_t parse_size(const std::string& text);

// One step of a script ("send 1k", "key_update peer"); throws std::invalid_argument naming the
// forms it expected.
Step parse_step(const std::string& text);

// Every form, for documentation: "handshake", "send N", "send N pad P", ...
std::vector<std::string_view> step_forms();

}  // namespace dirprobe
