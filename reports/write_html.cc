// The HTML writer: one self-contained page (inline style and script, nothing fetched) that
// reads on a phone: wide tables scroll sideways, drill-downs are <details> that a link to
// their anchor opens.
#include <string>
#include <variant>

#include "reports/escape.h"
#include "reports/writers.h"

namespace dirprobe::report {
namespace {

constexpr const char* kStyle = R"CSS(
:root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#fff}
body{margin:0 auto;padding:1rem;max-width:110rem;line-height:1.4}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;font-size:.85rem}
th,td{border:1px solid #d0d7de;padding:.3rem .45rem;vertical-align:top;text-align:left}
th{background:#f6f8fa;position:sticky;top:0}
.t-pass{background:#dafbe1}.t-known{background:#fff8c5}.t-skip{background:#eaeef2}.t-bad{background:#ffebe9}
.t-vacuous{background:#f3e8ff;outline:2px dashed #8250df;outline-offset:-2px}
details{border:1px solid #d0d7de;border-radius:6px;margin:.5rem 0;padding:.3rem .6rem}
details[open]{background:#f6f8fa}
summary{cursor:pointer;font-weight:600}
pre{white-space:pre-wrap;word-break:break-all;font-size:.78rem;background:#fff;border:1px solid #d0d7de;padding:.4rem}
code{font-size:.8rem;word-break:break-all}
.controls{margin:.5rem 0}
@media (max-width:40rem){body{padding:.5rem}table{font-size:.75rem}}
)CSS";

// Opens the drill-down a link points at; a filter hides the rows that lack a checked tag.
constexpr const char* kScript = R"JS(
function openTarget(){var id=decodeURIComponent(location.hash.slice(1));if(!id)return;
var el=document.getElementById(id);if(el&&el.tagName==='DETAILS'){el.open=true;el.scrollIntoView();}}
window.addEventListener('hashchange',openTarget);openTarget();
document.querySelectorAll('.controls').forEach(function(box){var t=document.getElementById(box.dataset.table);
box.addEventListener('change',function(){var tags=[].map.call(box.querySelectorAll('input:checked'),function(i){return i.dataset.tag;});
t.querySelectorAll('tbody tr').forEach(function(r){r.hidden=tags.some(function(g){return !r.classList.contains(g);});});});});
)JS";

std::string tone_class(Tone tone) {
  switch (tone) {
    case Tone::kPass:
      return " class=\"t-pass\"";
    case Tone::kSkip:
      return " class=\"t-skip\"";
    case Tone::kKnown:
      return " class=\"t-known\"";
    case Tone::kVacuous:
      return " class=\"t-vacuous\"";
    case Tone::kBad:
      return " class=\"t-bad\"";
    case Tone::kNone:
      break;
  }
  return "";
}

std::string h(std::string_view s) { return escape(s, Syntax::kHtml); }

std::string inline_html(const Inline& content) {
  std::string out;
  for (const auto& span : content) {
    switch (span.kind) {
      case Span::Kind::kText:
        out += h(span.text);
        break;
      case Span::Kind::kStrong:
        out += "<b>" + h(span.text) + "</b>";
        break;
      case Span::Kind::kCode:
        out += "<code>" + h(span.text) + "</code>";
        break;
      case Span::Kind::kSmall:
        out += "<small>" + h(span.text) + "</small>";
        break;
      case Span::Kind::kLink:
        out += "<a href=\"#" + h(span.target) + "\">" + h(span.text) + "</a>";
        break;
      case Span::Kind::kFile:
        out += "<a href=\"" + h(span.target) + "\">" + h(span.text) + "</a>";
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
    out += "<p" + tone_class(p.tone) + ">" + inline_html(p.content) + "</p>\n";
  }
  void operator()(const List& list) const {
    out += "<ul>";
    for (const auto& item : list.items) out += "<li>" + inline_html(item) + "</li>";
    out += "</ul>\n";
  }
  void operator()(const Table& table) const {
    out += "<div class=\"scroll\"><table id=\"" + h(table.id) + "\"><thead><tr>";
    for (const auto& head : table.header) out += "<th>" + h(head) + "</th>";
    out += "</tr></thead><tbody>\n";
    for (const auto& row : table.rows) {
      std::string tags;
      for (const auto& tag : row.tags) tags += (tags.empty() ? "" : " ") + h(tag);
      out += tags.empty() ? "<tr>" : "<tr class=\"" + tags + "\">";
      for (const auto& cell : row.cells)
        out += "<td" + tone_class(cell.tone) + ">" + inline_html(cell.content) + "</td>";
      out += "</tr>\n";
    }
    out += "</tbody></table></div>\n";
  }
  void operator()(const Filters& filters) const {
    out += "<div class=\"controls\" data-table=\"" + h(filters.table_id) + "\">";
    for (const auto& [tag, label] : filters.options)
      out +=
          "<label><input type=\"checkbox\" data-tag=\"" + h(tag) + "\"> " + h(label) + "</label> ";
    out += "</div>\n";
  }
  void operator()(const CodeLines& code) const {
    out += "<pre>";
    for (std::size_t i = 0; i < code.lines.size(); ++i)
      out += (i == 0 ? "" : "\n") + std::string(code.marked[i] ? "▶ " : "  ") + h(code.lines[i]);
    out += "</pre>\n";
  }
};

}  // namespace

std::string write_html(const Document& doc) {
  std::string out =
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>" +
      h(doc.title) + "</title><style>" + kStyle + "</style></head><body>\n<h1>" + h(doc.title) +
      "</h1>\n";
  BlockWriter write{out};
  for (const auto& section : doc.sections) {
    if (!section.title.empty()) out += "<h2>" + h(section.title) + "</h2>\n";
    for (const auto& block : section.blocks) std::visit(write, block);
    for (const auto& d : section.drill_downs) {
      out +=
          "<details id=\"" + h(d.anchor) + "\"><summary>" + inline_html(d.summary) + "</summary>\n";
      for (const auto& block : d.body) std::visit(write, block);
      out += "</details>\n";
    }
  }
  out += "<script>" + std::string(kScript) + "</script></body></html>\n";
  return out;
}

}  // namespace dirprobe::report
