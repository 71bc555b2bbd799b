// dirprobe-report: reads the results files of one or more runs (one per GnuTLS runtime) and
// writes report.html, report.md and the merged results.json into --out.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "reports/merged.h"
#include "reports/model.h"
#include "reports/sections.h"
#include "reports/writers.h"

namespace {

void write_file(const std::filesystem::path& path, const std::string& text) {
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error(tmp.string() + ": cannot be written");
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dirprobe-report: the compatibility report from dirprobe results files"};
  std::vector<std::string> inputs;
  std::string out = "report";
  bool print_summary = false;
  std::string repro;
  app.add_option("results", inputs, "results JSON files (one per runtime)")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--out", out, "directory to write report.html, report.md, results.json");
  app.add_flag("--print-summary", print_summary, "print the Markdown summary to stdout");
  app.add_option("--repro", repro, "directory scripts/repro.sh wrote: link each known deviation to its reproducer")
      ->check(CLI::ExistingDirectory);
  CLI11_PARSE(app, argc, argv);
  using namespace dirprobe::report;
  try {
    std::vector<Run> runs, app_runs;
    for (const auto& f : inputs) {
      Run run = load_run(f);
      (run.apps ? app_runs : runs).push_back(std::move(run));
    }
    Model model = build_model(std::move(runs));
    model.app_runs = std::move(app_runs);
    if (!repro.empty()) model.repro = load_repro(repro);
    Document doc = build_document(model);
    std::filesystem::create_directories(out);
    if (model.repro) copy_reproducers(*model.repro, out);
    std::string markdown = write_markdown(doc);
    write_file(std::filesystem::path(out) / "report.md", markdown);
    write_file(std::filesystem::path(out) / "report.html", write_html(doc));
    write_file(std::filesystem::path(out) / "results.json", merged_results(model));
    if (print_summary) std::cout << markdown.substr(0, markdown.find("\n## Matrix")) << "\n";
    std::cout << "report: " << (std::filesystem::path(out) / "report.html").string() << " ("
              << model.case_count << " cases, " << model.runs.size() << " runtime(s), "
              << model.columns.size() << " columns x " << model.rows.size() << " scenarios)\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "dirprobe-report: " << e.what() << "\n";
    return 2;
  }
}
