// The Markdown writer: GitHub-flavoured tables, a sign for each status (Markdown has no
// colours), drill-downs as anchored subsections, call lines in fenced code blocks.
#include <string>
#include <variant>
#include <vector>

#include "reports/escape.h"
#include "reports/writers.h"

namespace dirprobe::report {
namespace {

std::string sign(Tone tone) {
  switch (tone) {
    case Tone::kPass:
      return "✅ ";
    case Tone::kSkip:
      return "⏭ ";
    case Tone::kKnown:
      return "⚠️ ";
    case Tone::kVacuous:
      return "⭕ ";
    case Tone::kBad:
      return "❌ ";
    case Tone::kNone:
      break;
  }
  return "";
}

std::string inline_markdown(const Inline& content) {
  std::string out;
  for (const auto& span : content) {
    std::string t = escape(span.text, Syntax::kMarkdown);
    switch (span.kind) {
      case Span::Kind::kText:
      case Span::Kind::kSmall:
        out += t;
        break;
      case Span::Kind::kStrong:
        out += t.empty() ? t : "**" + t + "**";
        break;
      case Span::Kind::kCode:
        out += "`" + escape(span.text, Syntax::kMarkdownCodeSpan) + "`";
        break;
      case Span::Kind::kLink:
        out += "[" + t + "](#" + escape(span.target, Syntax::kMarkdown) + ")";
        break;
      case Span::Kind::kFile:
        out += "[" + t + "](" + escape(span.target, Syntax::kMarkdown) + ")";
        break;
      case Span::Kind::kBreak:
        out += "<br>";
        break;
    }
  }
  return out;
}

struct BlockWriter {
  std::string& out;

  void operator()(const Paragraph& p) const {
    out += sign(p.tone) + inline_markdown(p.content) + "\n\n";
  }
  void operator()(const List& list) const {
    for (const auto& item : list.items) out += "- " + inline_markdown(item) + "\n";
    out += "\n";
  }
  void operator()(const Table& table) const {
    out += "|";
    for (const auto& h : table.header) out += " " + escape(h, Syntax::kMarkdown) + " |";
    out += "\n|";
    for (std::size_t i = 0; i < table.header.size(); ++i) out += "---|";
    out += "\n";
    for (const auto& row : table.rows) {
      out += "|";
      for (const auto& cell : row.cells)
        out += " " + sign(cell.tone) + inline_markdown(cell.content) + " |";
      out += "\n";
    }
    out += "\n";
  }
  void operator()(const Filters&) const {}  // interactive only
  void operator()(const CodeLines& code) const {
    out += "```text\n";
    for (std::size_t i = 0; i < code.lines.size(); ++i)
      out +=
          (code.marked[i] ? "▶ " : "  ") + escape(code.lines[i], Syntax::kMarkdownCodeBlock) + "\n";
    out += "```\n\n";
  }
};

std::string anchor_html(const DrillDown& d) {
  return "<a id=\"" + escape(d.anchor, Syntax::kHtml) + "\"></a>";
}

// A drill-down as one list item: its summary in bold, its paragraphs on the item's line, the
// items of its lists nested; any other block after the list.
void write_item(std::string& out, const DrillDown& d) {
  out += "- " + anchor_html(d) + "**" + inline_markdown(d.summary) + "**";
  std::string nested;
  std::vector<const Block*> rest;
  for (const auto& block : d.body) {
    if (const auto* p = std::get_if<Paragraph>(&block))
      out.append(" ").append(sign(p->tone)).append(inline_markdown(p->content));
    else if (const auto* list = std::get_if<List>(&block))
      for (const auto& item : list->items) nested += "  - " + inline_markdown(item) + "\n";
    else
      rest.push_back(&block);
  }
  out += "\n" + nested;
  if (rest.empty()) return;
  out += "\n";
  BlockWriter write{out};
  for (const auto* block : rest) std::visit(write, *block);
}

void write_drill_downs(std::string& out, const std::vector<DrillDown>& drill_downs) {
  BlockWriter write{out};
  bool in_list = false;
  for (const auto& d : drill_downs) {
    if (d.item) {
      write_item(out, d);
      in_list = true;
      continue;
    }
    if (in_list) out += "\n";
    in_list = false;
    out += anchor_html(d) + "\n\n### " + inline_markdown(d.summary) + "\n\n";
    for (const auto& block : d.body) std::visit(write, block);
  }
  if (in_list) out += "\n";
}

}  // namespace

std::string write_markdown(const Document& doc) {
  std::string out = "# " + escape(doc.title, Syntax::kMarkdown) + "\n\n";
  BlockWriter write{out};
  for (const auto& section : doc.sections) {
    if (!section.title.empty()) out += "## " + escape(section.title, Syntax::kMarkdown) + "\n\n";
    for (const auto& block : section.blocks) std::visit(write, block);
    write_drill_downs(out, section.drill_downs);
  }
  return out;
}

}  // namespace dirprobe::report
