#include "reports/escape.h"

#include <algorithm>
#include <span>
#include <utility>

namespace dirprobe::report {
namespace {

using Entry = std::pair<char, std::string_view>;

constexpr Entry kHtml[] = {
    {'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'"', "&quot;"}, {'\'', "&#39;"}};
// Markdown text: no table cell break, no raw HTML or entity, no code span, emphasis or link.
// Underscores stay: GitHub's Markdown does not emphasise inside words (gnutls_record_send).
constexpr Entry kMarkdown[] = {{'|', "\\|"}, {'<', "&lt;"}, {'>', "&gt;"}, {'&', "&amp;"},
                               {'`', "'"},   {'\n', " "},   {'\r', " "},   {'\\', "\\\\"},
                               {'*', "\\*"}, {'[', "\\["},  {']', "\\]"}};
constexpr Entry kMarkdownCodeSpan[] = {{'`', "'"}, {'|', "\\|"}, {'\n', " "}, {'\r', " "}};
constexpr Entry kMarkdownCodeBlock[] = {{'`', "'"}, {'\n', " "}, {'\r', " "}};

std::span<const Entry> table_of(Syntax syntax) {
  switch (syntax) {
    case Syntax::kHtml:
      return kHtml;
    case Syntax::kMarkdown:
      return kMarkdown;
    case Syntax::kMarkdownCodeSpan:
      return kMarkdownCodeSpan;
    case Syntax::kMarkdownCodeBlock:
      return kMarkdownCodeBlock;
  }
  return kHtml;
}

}  // namespace

std::string escape(std::string_view text, Syntax syntax) {
  std::span<const Entry> table = table_of(syntax);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto it = std::find_if(table.begin(), table.end(), [c](const auto& e) { return e.first == c; });
    if (it == table.end())
      out += c;
    else
      out += it->second;
  }
  return out;
}

}  // namespace dirprobe::report
