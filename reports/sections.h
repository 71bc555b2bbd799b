// The report's sections, built once from the model as a neutral document (document.h):
// security first, then the runs, the questions an event loop depends on, the interleavings grid
// (when the runs have that family), the premises, the wire, known deviations, differences between
// versions, the matrix, and a drill-down with a counterexample for every cell that did not simply
// pass (the interleavings scenarios are left out of the premises, the differences, the matrix and
// its drill-down: their grid shows them).
#pragma once

#include <cstddef>
#include <string>

#include "reports/document.h"
#include "reports/model.h"

namespace dirprobe::report {

Document build_document(const Model& model);

// The tone a case outcome is shown in.
Tone tone_of(Outcome outcome);

// The drill-down of one matrix cell: its endings, the invariants violated, the counterexample
// (id, reason, call lines around the counterexample call, replay command) and further cases.
DrillDown cell_drill_down(const Model& model, std::size_t row, std::size_t column);

// "Security: AEAD nonce reuse" when a case violates N1 (whatever its outcome): the runtimes,
// the first cases with their counterexamples, what an attacker gains and needs. Otherwise
// "Security", in one line: no nonce reuse observed, N records decoded in M cases.
Section security_section(const Model& model);

// The interleavings family (a call while another is pending), when the runs have it: per
// runtime a grid of pending state x call, one mark per protocol x peer x retry form, with per
// runtime and protocol x peer the cells tried, n/a and deviating. A ✓ links to its runtime's
// pattern of clean cases; a K, ✗, ? or s to its cell's drill-down, which names per mark the case
// it stands for, its outcome, its first violation or how it ended, and how to replay it.
Section interleavings_section(const Model& model);

// Where a link to a case of the interleavings grid goes (model.interleavings.shows its
// scenario): the drill-down of its grid cell on run `run`, or that runtime's drill-down of held
// marks when the cell has none (every mark there held or n/a).
std::string grid_anchor(const Model& model, std::size_t run, const CaseRecord& c);

// Per runtime, the cases whose wire was decoded in full, the records, the cases that were not
// (grouped by the reason they give) and the byte-identical duplicates.
Section wire_section(const Model& model);

}  // namespace dirprobe::report
