// Escaping of text from results files for the report's two formats: one table per syntax, so
// no string reaches a page or a Markdown file as markup.
#pragma once

#include <string>
#include <string_view>

namespace dirprobe::report {

enum class Syntax : unsigned char {
  kHtml,               // element text and quoted attribute values
  kMarkdown,           // Markdown text and table cells: no pipes, no raw HTML, no emphasis,
                       // no links, no code spans, one line
  kMarkdownCodeSpan,   // inside `...` (also in a table cell): no backtick, no pipe, one line
  kMarkdownCodeBlock,  // a line inside a fenced code block: no backtick (no fence), one line
};

std::string escape(std::string_view text, Syntax syntax);

}  // namespace dirprobe::report
