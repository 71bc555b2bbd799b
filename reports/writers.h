// The two writers of a report document (document.h): Markdown and one self-contained HTML page
// (inline style and script, no network). Both write every section, table and drill-down; each
// escapes all text with escape.h.
#pragma once

#include <string>

#include "reports/document.h"

namespace dirprobe::report {

std::string write_markdown(const Document& doc);
std::string write_html(const Document& doc);

}  // namespace dirprobe::report
