// Unit tests of the report generator: the reader of results format v2 (data/v2-small.json is a
// hand-made file in that format), the model's answers, the section model and its two writers,
// and the merged results.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "reports/escape.h"
#include "reports/merged.h"
#include "reports/model.h"
#include "reports/sections.h"
#include "reports/writers.h"

namespace dirprobe::report {
namespace {

std::string fixture() {
  std::ifstream in(std::filesystem::path(DIRPROBE_REPORT_DATA) / "v2-small.json");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// `text` with its first occurrence of `from` replaced by `to`; the test fails if there is none.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

// The text written to a file of the test's temporary directory, read back with load_run.
report::Run load_text(const std::string& name, const std::string& text) {
  auto path = std::filesystem::path(testing::TempDir()) / name;
  std::ofstream(path, std::ios::binary) << text;
  return load_run(path);
}

// The message load_run refuses `text` with; "" when it reads it.
std::string refusal(const std::string& text) {
  try {
    load_text("refused.json", text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string temp(const std::string& name) {
  return (std::filesystem::path(testing::TempDir()) / name).string();
}

// Two runs of the fixture: the second under a runtime name with markup and another GnuTLS,
// where the stalled case failed instead (so a row differs).
Model two_runs() {
  std::string b = replaced(fixture(), "\"runtime\": \"alpha\"", "\"runtime\": \"beta <b>|&'\"");
  b = replaced(b, "\"gnutls_version\": \"3.7.9\"", "\"gnutls_version\": \"3.8.9\"");
  b = replaced(b, "\"outcome\": \"stalled\"", "\"outcome\": \"fail\"");
  std::vector<report::Run> runs;
  runs.push_back(load_text("a.json", fixture()));
  runs.push_back(load_text("b.json", b));
  return build_model(std::move(runs));
}

// The fixture is read whole: cases, scenarios (with what they assert), host, violations.
TEST(ReportReader, ReadsResultsFormatV2) {
  report::Run run = load_text("a.json", fixture());
  ASSERT_EQ(run.cases.size(), 5u);
  EXPECT_EQ(run.runtime, "alpha");
  EXPECT_EQ(run.host.jobs, 2);
  EXPECT_DOUBLE_EQ(run.host.wall_seconds, 1.5);
  const Scenario& send = run.scenarios.at("send-x");
  EXPECT_TRUE(send.asserted[static_cast<unsigned>(Invariant::S1)]);
  EXPECT_FALSE(send.asserted[static_cast<unsigned>(Invariant::L1)]);
  const CaseRecord& known = run.cases[1];
  EXPECT_EQ(known.outcome, Outcome::kKnown);
  EXPECT_EQ(known.raw_outcome, Outcome::kFail);
  ASSERT_EQ(known.violations.size(), 1u);
  EXPECT_EQ(known.violations[0].invariant, Invariant::D2);
  EXPECT_EQ(known.violations[0].call, 3u);
  EXPECT_EQ(known.verdicts[static_cast<unsigned>(Invariant::D1)], Verdict::kHeld);
  EXPECT_EQ(known.verdicts[static_cast<unsigned>(Invariant::Q1)], Verdict::kNa);
  EXPECT_EQ(run.cases[2].peer, Library::kOpenssl);
  EXPECT_FALSE(run.cases[3].completed());
}

// Refusals name the file and say what is wrong, byte for byte.
TEST(ReportReader, RefusesVersion1ByName) {
  std::string v1 = replaced(fixture(), "\"schema_version\": 2", "\"schema_version\": 1");
  EXPECT_EQ(refusal(v1),
            temp("refused.json") + ": schema_version 1 is not supported; re-run dirprobe run");
}

TEST(ReportReader, RefusesBadRecordsNamingFileAndPlace) {
  std::string file = temp("refused.json");
  EXPECT_EQ(refusal(replaced(fixture(), "\"ticks\": 40", "\"ticks\": 40, \"colour\": \"red\"")),
            file + ": cases[0]: unknown key 'colour'");
  EXPECT_EQ(refusal(replaced(fixture(), "\"end\": \"completed\", ", "")),
            file + ": cases[0]: lacks 'end' (a string)");
  EXPECT_EQ(refusal(replaced(fixture(), "\"D1\": \"held\"", "\"D1\": \"n/a\"")),
            file + ": cases[0].invariants.D1: a verdict given as text must be \"held\"");
  EXPECT_EQ(refusal(replaced(fixture(), "\"scenario\": \"bye\"", "\"scenario\": \"gone\"")),
            file + ": cases[3]: scenario 'gone' is not in the scenarios table");
  EXPECT_EQ(refusal(replaced(fixture(), "\"outcome\": \"skip\"", "\"outcome\": \"maybe\"")),
            file + ": cases[4]: unknown outcome 'maybe'");
  EXPECT_EQ(refusal(replaced(fixture(), "\"jobs\": 2", "\"jobs\": \"2\"")),
            file + ": host: 'jobs' is not an integer");
  EXPECT_EQ(refusal(replaced(fixture(), "\"case_count\": 5", "\"case_count\": 6")),
            file + ": case_count does not match the number of case records (truncated file?)");
  EXPECT_EQ(refusal(replaced(fixture(), "\"schema\": \"dirprobe-results\"", "\"schema\": 7")),
            file + ": not a dirprobe results file (schema must be \"dirprobe-results\")");
}

TEST(ReportReader, JsonSyntaxErrorsNameFileAndLine) {
  std::string text = fixture();
  std::string message = refusal(text.substr(0, text.size() / 2));
  EXPECT_EQ(message.rfind(temp("refused.json") + ": not valid JSON: ", 0), 0u) << message;
  EXPECT_NE(message.find("line "), std::string::npos) << message;
}

// A question's answer comes from the judge's outcomes and the scenarios' asserted lists.
TEST(ReportModel, AnswersFollowOutcomesAndAssertedInvariants) {
  auto finding = [](const std::string& text, Invariant inv) {
    std::vector<report::Run> runs;
    runs.push_back(load_text("q.json", text));
    Model m = build_model(std::move(runs));
    return m
        .answers[static_cast<std::size_t>(
            std::find_if(m.questions.begin(), m.questions.end(),
                         [inv](const Question& q) { return q.invariant == inv; }) -
            m.questions.begin())][0]
        .finding;
  };
  EXPECT_EQ(finding(fixture(), Invariant::D1), Finding::kYes);
  EXPECT_EQ(finding(fixture(), Invariant::D2), Finding::kNo);  // the openssl case failed
  EXPECT_EQ(finding(fixture(), Invariant::R1), Finding::kUntested);
  std::string explained = replaced(fixture(), "\"outcome\": \"fail\"",
                                   "\"outcome\": \"known\", \"raw_outcome\": \"fail\"");
  EXPECT_EQ(finding(explained, Invariant::D2), Finding::kNoKnown);
  std::string recorded =
      replaced(fixture(), "\"asserted\": \"D1,D2,S1\"", "\"asserted\": \"D1,D2\"");
  EXPECT_EQ(finding(recorded, Invariant::S1), Finding::kNoNotPromised);
}

// The counterexample of a cell is a case with its worst outcome; every row that changes
// between runtimes for one peer differs.
TEST(ReportModel, CellsPickWorstCounterexampleAndMarkDifferences) {
  Model m = two_runs();
  ASSERT_EQ(m.columns.size(), 4u);  // 2 runtimes x 2 peers
  const Row& send = m.rows[m.row_of("send-x")];
  const Cell& gnutls = send.cells[m.column_of(0, Library::kGnutls)];
  ASSERT_NE(gnutls.example, nullptr);
  EXPECT_EQ(gnutls.example->outcome, Outcome::kKnown);
  EXPECT_EQ(gnutls.status(), Outcome::kKnown);
  EXPECT_FALSE(send.differs);
  EXPECT_TRUE(m.rows[m.row_of("bye")].differs);
}

// Headings and table cells of a document, as plain text, in order.
struct Outline {
  std::vector<std::string> headings;
  std::vector<std::vector<std::string>> tables;
};

Outline outline_of(const Document& doc) {
  Outline o{{doc.title}, {}};
  for (const auto& s : doc.sections) {
    if (!s.title.empty()) o.headings.push_back(s.title);
    for (const auto& block : s.blocks) {
      const auto* table = std::get_if<Table>(&block);
      if (table == nullptr) continue;
      o.tables.push_back(table->header);
      for (const auto& row : table->rows)
        for (const auto& cell : row.cells) o.tables.back().push_back(plain_text(cell.content));
    }
    for (const auto& d : s.drill_downs) o.headings.push_back(plain_text(d.summary));
  }
  return o;
}

std::string replace_all(std::string s, const std::string& pattern, const std::string& with) {
  return std::regex_replace(s, std::regex(pattern), with);
}

std::string html_plain(std::string s) {
  s = replace_all(replace_all(s, "<br>", " "), "<[^>]*>", "");
  for (auto [from, to] :
       {std::pair{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}})
    s = replace_all(s, from, to);
  return s;
}

Outline outline_of_html(const std::string& html) {
  Outline o;
  std::regex token(
      R"(<h[12]>(.*?)</h[12]>|<summary>(.*?)</summary>|(<table )|<t[hd](?: [^>]*)?>(.*?)</t[hd]>)");
  for (std::sregex_iterator it(html.begin(), html.end(), token), end; it != end; ++it) {
    const auto& m = *it;
    if (m[1].matched || m[2].matched) o.headings.push_back(html_plain(m[m[1].matched ? 1 : 2]));
    if (m[3].matched) o.tables.emplace_back();
    if (m[4].matched) o.tables.back().push_back(html_plain(m[4]));
  }
  return o;
}

std::string markdown_plain(std::string s) {
  for (const char* sign : {"✅ ", "⏭ ", "⚠️ ", "❌ "})
    if (s.rfind(sign, 0) == 0) s = s.substr(std::string(sign).size());
  s = replace_all(s, "<br>", " ");
  s = replace_all(s, R"(\[((?:[^\]\\]|\\.)*)\]\(#[^)]*\))", "$1");
  s = replace_all(replace_all(s, R"(\*\*)", ""), "`", "");
  s = replace_all(s, R"(\\([|\\*\[\]]))", "$1");
  for (auto [from, to] : {std::pair{"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}})
    s = replace_all(s, from, to);
  return s;
}

// The cells of a Markdown table row: split at pipes that are not escaped.
std::vector<std::string> markdown_cells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  for (std::size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) {
      cell += line.substr(i++, 2);
    } else if (line[i] == '|') {
      cells.push_back(markdown_plain(cell.substr(1, cell.size() - 2)));
      cell.clear();
    } else {
      cell += line[i];
    }
  }
  return cells;
}

Outline outline_of_markdown(const std::string& md) {
  Outline o;
  std::istringstream in(md);
  bool in_table = false;
  for (std::string line; std::getline(in, line);) {
    for (const char* mark : {"# ", "## ", "### "})
      if (line.rfind(mark, 0) == 0)
        o.headings.push_back(markdown_plain(line.substr(std::string(mark).size())));
    bool row = line.rfind("| ", 0) == 0;
    if (row && !in_table) o.tables.emplace_back();
    in_table = row || line.rfind("|---", 0) == 0;
    if (row)
      for (auto& c : markdown_cells(line)) o.tables.back().push_back(std::move(c));
  }
  return o;
}

// Both writers write the same sections: the same headings and the same table cell texts as
// the document they are given.
TEST(ReportWriters, MarkdownAndHtmlWriteTheSameSections) {
  Document doc = build_document(two_runs());
  Outline expected = outline_of(doc);
  ASSERT_GT(expected.headings.size(), 8u);
  ASSERT_EQ(expected.tables.size(), 4u);  // runs, questions, known deviations, matrix
  Outline markdown = outline_of_markdown(write_markdown(doc));
  EXPECT_EQ(markdown.headings, expected.headings);
  EXPECT_EQ(markdown.tables, expected.tables);
  Outline html = outline_of_html(write_html(doc));
  EXPECT_EQ(html.headings, expected.headings);
  EXPECT_EQ(html.tables, expected.tables);
}

// Every cell that did not simply pass links to a drill-down holding a counterexample and the
// command that replays it; no cell links to a drill-down that is not there.
TEST(ReportWriters, EveryNonPassingCellHasItsDrillDown) {
  Model m = two_runs();
  Document doc = build_document(m);
  std::set<std::string> anchors;
  for (const auto& s : doc.sections)
    for (const auto& d : s.drill_downs) {
      anchors.insert(d.anchor);
      std::string body;
      for (const auto& block : d.body)
        if (const auto* p = std::get_if<Paragraph>(&block)) body += plain_text(p->content) + "\n";
      EXPECT_NE(body.find("xample: "), std::string::npos) << d.anchor;
      EXPECT_NE(body.find("build/harness/dirprobe run --case '"), std::string::npos) << body;
    }
  std::size_t non_pass = 0;
  for (std::size_t r = 0; r < m.rows.size(); ++r)
    for (std::size_t c = 0; c < m.columns.size(); ++c) {
      const Cell& cell = m.rows[r].cells[c];
      if (cell.empty() || cell.status() == Outcome::kPass) continue;
      ++non_pass;
      EXPECT_TRUE(anchors.contains(cell_anchor(r, c))) << cell_anchor(r, c);
    }
  EXPECT_EQ(anchors.size(), non_pass);
  std::string html = write_html(doc);
  std::regex href("href=\"#([^\"]*)\"");
  for (std::sregex_iterator it(html.begin(), html.end(), href), end; it != end; ++it)
    EXPECT_TRUE(anchors.contains((*it)[1])) << (*it)[1];
}

// Text from a results file never reaches either format as markup.
TEST(ReportWriters, EscapeEveryFormat) {
  EXPECT_EQ(escape("<a href='x'>&\"", Syntax::kHtml), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;");
  EXPECT_EQ(escape("a|b <i>*[x]`\\\n", Syntax::kMarkdown), "a\\|b &lt;i&gt;\\*\\[x\\]'\\\\ ");
  EXPECT_EQ(escape("a|b`c", Syntax::kMarkdownCodeSpan), "a\\|b'c");
  EXPECT_EQ(escape("a|b ```\n", Syntax::kMarkdownCodeBlock), "a|b ''' ");
  std::string html = write_html(build_document(two_runs()));
  EXPECT_EQ(html.find("<b>|&"), std::string::npos);
  EXPECT_NE(html.find("beta &lt;b&gt;|&amp;&#39;"), std::string::npos);
}

// The merged results: valid JSON, one line per case with only its outcome and verdicts.
TEST(ReportMerged, OneLinePerCase) {
  Model m = two_runs();
  std::string text = merged_results(m);
  nlohmann::json doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc["schema"], "dirprobe-matrix");
  EXPECT_EQ(doc["schema_version"], 2);
  EXPECT_EQ(doc["case_count"], 10);
  ASSERT_EQ(doc["runs"].size(), 2u);
  EXPECT_EQ(doc["runs"][1]["host"]["jobs"], 2);
  EXPECT_EQ(
      doc["runs"][0]["cases"][1],
      nlohmann::json::parse(R"({"id": "send-x/tls13-client-gnutls-unix-trusting/push@3=short:1/s0",
              "outcome": "known", "raw_outcome": "fail", "held": "D1,S1", "violated": "D2"})"));
  std::istringstream lines(text);
  std::size_t case_lines = 0;
  for (std::string line; std::getline(lines, line);) case_lines += line.rfind("{\"id\":", 0) == 0;
  EXPECT_EQ(case_lines, 10u);
}

}  // namespace
}  // namespace dirprobe::report
