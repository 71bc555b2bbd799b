// The bare handshake a scenario's premises must tell it apart from: a premise names an event
// that this run lacks, so a case that meets its premises did more than a handshake.
#pragma once

#include <string>
#include <vector>

#include "harness/case_spec.h"
#include "harness/events.h"

namespace dirprobe {

// The scenario's protocol, roles, peer, transport, key and cipher; every other setting at its
// default (no flags, callbacks, resumption, early data or throttled buffers); both sides
// handshake and send each other one byte; no fault; the oblivious loop.
CaseSpec bare_handshake_of(const CaseSpec& spec);

// Runs the bare handshake of `spec` and returns the premises of `spec` it meets (none, for a
// well-chosen premise); `events` receives what the bare run did.
std::vector<std::string> premises_met_by_bare(const CaseSpec& spec, CaseEvents* events = nullptr);

}  // namespace dirprobe
