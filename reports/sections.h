// The report's sections, built once from the model as a neutral document (document.h): the
// runs, the questions an event loop depends on, known deviations, differences between
// versions, the matrix, and a drill-down with a counterexample for every cell that did not
// simply pass.
#pragma once

#include <cstddef>

#include "reports/document.h"
#include "reports/model.h"

namespace dirprobe::report {

Document build_document(const Model& model);

// The drill-down of one matrix cell: its endings, the invariants violated, the counterexample
// (id, reason, call lines around the counterexample call, replay command) and further cases.
DrillDown cell_drill_down(const Model& model, std::size_t row, std::size_t column);

}  // namespace dirprobe::report
