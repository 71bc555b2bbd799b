// The report as a neutral document: sections of paragraphs, lists, tables whose cells carry a
// status, links to anchors, drill-down blocks and code lines. sections.h builds it once from
// the model; writers.h writes it as Markdown or as HTML. All text here is plain: writers escape.
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace dirprobe::report {

// The status a table cell or paragraph carries: HTML colours it, Markdown prefixes a sign.
// kVacuous: a failure of its own kind, a claim that was not tested (no case met its premises).
enum class Tone : unsigned char { kNone, kPass, kSkip, kKnown, kVacuous, kBad };

// A piece of inline text.
struct Span {
  enum class Kind : unsigned char { kText, kStrong, kCode, kSmall, kLink, kFile, kBreak };
  Kind kind = Kind::kText;
  std::string text;
  std::string target;  // kLink: the anchor it points to; kFile: a path relative to the report
};
using Inline = std::vector<Span>;

inline Span text(std::string s) { return {Span::Kind::kText, std::move(s), {}}; }
inline Span strong(std::string s) { return {Span::Kind::kStrong, std::move(s), {}}; }
inline Span code(std::string s) { return {Span::Kind::kCode, std::move(s), {}}; }
inline Span small(std::string s) { return {Span::Kind::kSmall, std::move(s), {}}; }
inline Span link(std::string s, std::string anchor) {
  return {Span::Kind::kLink, std::move(s), std::move(anchor)};
}
inline Span file_link(std::string s, std::string path) {
  return {Span::Kind::kFile, std::move(s), std::move(path)};
}
inline Span line_break() { return {Span::Kind::kBreak, {}, {}}; }

// The text of inline content without its marks (a break is a space).
std::string plain_text(const Inline& content);

struct Paragraph {
  Inline content;
  Tone tone = Tone::kNone;
};

struct List {
  std::vector<Inline> items;
};

struct TableCell {
  Inline content;
  Tone tone = Tone::kNone;
};
struct TableRow {
  std::vector<TableCell> cells;
  std::vector<std::string> tags;  // what filters select rows by ("differs", "bad")
};
struct Table {
  std::string id;
  std::vector<std::string> header;
  std::vector<TableRow> rows;
};

// Controls that show only the rows of a table that carry a tag (interactive formats only).
struct Filters {
  std::string table_id;
  std::vector<std::pair<std::string, std::string>> options;  // tag, label
};

// Lines of a call log; marked lines are counterexample calls.
struct CodeLines {
  std::vector<std::string> lines;
  std::vector<bool> marked;
};

using Block = std::variant<Paragraph, List, Table, Filters, CodeLines>;

// A block that opens from a summary line; links point at its anchor.
struct DrillDown {
  std::string anchor;
  Inline summary;
  std::vector<Block> body;
  // Markdown writes it as one list item (its paragraphs on the item's line, its lists nested)
  // rather than a subsection: for many small drill-downs in a row.
  bool item = false;
};

struct Section {
  std::string title;  // "" when the section has no heading
  std::vector<Block> blocks;
  std::vector<DrillDown> drill_downs;  // after the blocks
};

struct Document {
  std::string title;
  std::vector<Section> sections;
};

}  // namespace dirprobe::report
