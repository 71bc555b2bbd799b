#include "harness/repro.h"

#include <algorithm>
#include <sstream>

#include "harness/gnutls_priority.h"
#include "harness/invariant_ids.h"
#include "harness/scenario_keys.h"
#include "harness/toml_reader.h"

namespace dirprobe {
namespace {

// "push@3=eagain" -> {OP_PUSH, 3, F_EAGAIN, 0}
std::string fault_row(const std::string& rule, const std::string& plan) {
  auto at = rule.find('@'), eq = rule.find('=');
  std::string op = rule.substr(0, at);
  if (at == std::string::npos || eq == std::string::npos || eq < at || (op != "push" && op != "pull"))
    throw ReproError("fault plan '" + plan + "': only push@N and pull@N rules can be written as a table");
  std::string index = rule.substr(at + 1, eq - at - 1), action = rule.substr(eq + 1);
  std::string limit = "0", name;
  if (action == "eagain") name = "F_EAGAIN";
  else if (action == "eintr") name = "F_EINTR";
  else if (action == "zero" || (action == "eof" && op == "pull")) name = "F_ZERO";
  else if (action == "drop") name = "F_DROP";
  else if (action.starts_with("short:")) name = "F_SHORT", limit = action.substr(6);
  else throw ReproError("fault plan '" + plan + "': action '" + action + "' has no reproducer form");
  return "{" + std::string(op == "push" ? "OP_PUSH" : "OP_PULL") + ", " + index + ", " + name +
         ", " + limit + "}";
}

std::string fault_table(const std::string& plan) {
  if (plan == "none")
    return "static const struct fault fault_plan[] = {{OP_PUSH, 0, F_EAGAIN, 0}};  /* none: no "
           "operation is the 0th */\n";
  std::string rows;
  std::size_t start = 0;
  while (start <= plan.size()) {
    std::size_t end = plan.find('+', start);
    if (end == std::string::npos) end = plan.size();
    rows += (rows.empty() ? "" : ", ") + fault_row(plan.substr(start, end - start), plan);
    start = end + 1;
  }
  return "static const struct fault fault_plan[] = {" + rows + "};  /* " + plan + " */\n";
}

void check_expressible(const CaseSpec& spec) {
  if (spec.transport == TransportKind::kTcp)
    throw ReproError(spec.id() + ": a TCP transport (reproducers use a socketpair)");
  if (spec.subject.socket_io)
    throw ReproError(spec.id() + ": GnuTLS's own socket I/O (reproducers use push/pull functions)");
  if (retries_other_data(spec.retry))
    throw ReproError(spec.id() + ": the misuse retry mode '" + std::string(retry_name(spec.retry)) + "'");
}

std::string define(const std::string& name, const std::string& value, const std::string& note = "") {
  return "#define " + name + " " + value + (note.empty() ? "" : "  /* " + note + " */") + "\n";
}

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

// Words of `text` in lines of at most `width` characters, each starting with `prefix`.
std::string wrapped(const std::string& text, const std::string& prefix, std::size_t width = 96) {
  std::istringstream words(text);
  std::string word, line = prefix, out;
  while (words >> word) {
    if (line.size() > prefix.size() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line = prefix;
    }
    line += (line.size() > prefix.size() ? " " : "") + word;
  }
  return out + line + "\n";
}

std::string comment_safe(std::string text) {
  for (std::size_t at = text.find("*/"); at != std::string::npos; at = text.find("*/", at))
    text.replace(at, 2, "* /");
  return text;
}

std::string joined(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& v : list) out += (out.empty() ? "" : ", ") + v;
  return out;
}

std::string versions_line(const ReproTarget& t) {
  if (t.checked_on.empty())
    return t.deviated_here ? "GnuTLS " + t.host_version + " (this case, when the file was written)"
                           : "not on GnuTLS " + t.host_version + ", where the file was written";
  std::vector<std::string> not_seen;
  for (const auto& v : t.checked_on)
    if (std::find(t.seen_on.begin(), t.seen_on.end(), v) == t.seen_on.end()) not_seen.push_back(v);
  std::string out = t.seen_on.empty() ? "none of the runs" : "GnuTLS " + joined(t.seen_on);
  out += " (this case, in dirprobe's runs on GnuTLS " + joined(t.checked_on) + ")";
  if (!not_seen.empty()) out += "; not on " + joined(not_seen);
  if (!t.skipped_on.empty()) out += "; GnuTLS " + joined(t.skipped_on) + " skip the case (a function it needs is missing there)";
  return out;
}

std::string header(const ReproTarget& t, const std::string& file_name) {
  const ReproFamily& f = *t.family;
  std::string h = wrapped(file_name + ": " + f.summary, " * ");
  h = "/*" + h.substr(2) + " *\n";
  for (const Expectation* e : t.entries) {
    h += wrapped("What GnuTLS does (" + e->deviation() + ", dirprobe " + e->where + ", GnuTLS " +
                     e->gnutls.text() + "):", " * ");
    h += wrapped(e->reason, " *   ");
  }
  h += " *\n * The documentation it contradicts:\n" + wrapped(f.contradicts, " *   ");
  h += " *\n" + wrapped("Seen on: " + versions_line(t), " * ");
  h += " * The case: " + t.spec.id() + "\n *   (in dirprobe: dirprobe run --case '" +
       t.spec.id() + "' --trace)\n";
  h += " *\n * Reading: the case block (line @CASE_LINE@) and the program (line @PROGRAM_LINE@, after the\n"
       " * setup every reproducer shares) are what is particular to this case.\n";
  h += " *\n * Build: " + build_command(f, file_name) + "\n";
  h += " * Run:   ./" + std::filesystem::path(file_name).stem().string() +
       "   (exit 1: the deviation occurred; 0: it did not; 2: the setup failed;\n"
       " *        77: this GnuTLS lacks a function the case needs)\n";
  h += " *\n * Expected output (GnuTLS " + t.host_version + "):\n";
  std::istringstream lines(f.expected_output_for(t.spec.id()));
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) h += " *   " + line + "\n";
  return comment_safe(h) + " */\n";
}

}  // namespace

std::string case_block(const CaseSpec& spec, const ReproFamily& family) {
  check_expressible(spec);
  const EndpointConfig& s = spec.subject;
  std::string b = "/* ---- The case ---- */\n";
  b += define("CASE_ID", quoted(spec.id()));
  b += define("PRIORITY", quoted(s.priority.empty() ? default_priority(s) : s.priority));
  b += define("SUBJECT_IS_CLIENT", s.role == Role::kClient ? "1" : "0", "the subject's role");
  b += define("PROTOCOL_TLS13", s.protocol == Protocol::kTls13 ? "1" : "0", "1: TLS 1.3; 0: TLS 1.2 or DTLS 1.2");
  b += define("SOCKET_SNDBUF", std::to_string(spec.buffers.sndbuf), "SO_SNDBUF of both sockets (0: the kernel's)");
  b += define("SOCKET_RCVBUF", std::to_string(spec.buffers.rcvbuf), "SO_RCVBUF of both sockets (0: the kernel's)");
  b += define("SEND_CHUNK", std::to_string(spec.send_chunk), "bytes per send call");
  b += define("RECV_BUFFER", std::to_string(spec.recv_buffer), "bytes offered per recv call");
  b += define("RETRY_NULL", spec.retry == RetryMode::kNull ? "1" : "0", "1: a send is retried with NULL, 0");
  bool waits = spec.policy != LoopPolicy::kOblivious;
  bool edge = spec.policy == LoopPolicy::kEdge || spec.policy == LoopPolicy::kEdgeNaive;
  b += define("LOOP_WAITS", waits ? "1" : "0", "1: the loop waits for the direction a call reported");
  b += define("LOOP_EDGE", edge ? "1" : "0", "1: edge-triggered waits (epoll EPOLLET)");
  b += define("SUBJECT_FLAGS", init_flag_names(s.extra_flags), "added to the subject's gnutls_init flags");
  b += define("SUBJECT_NONBLOCK", s.nonblock ? "1" : "0", "0: the subject's session lacks GNUTLS_NONBLOCK");
  b += define("POST_HANDSHAKE_AUTH", s.post_handshake_auth ? "1" : "0", "1: TLS 1.3 post-handshake authentication on both ends");
  if (spec.transport == TransportKind::kDgram) b += define("SOCKET_TYPE", "SOCK_DGRAM");
  for (const auto& [name, value] : family.defines_for(spec.id())) b += define(name, value);
  return b + fault_table(spec.fault_plan);
}

std::string build_command(const ReproFamily& family, const std::string& file_name) {
  std::string stem = std::filesystem::path(file_name).stem().string();
  std::string libs = family.uses_openssl() ? " -lgnutls -lssl -lcrypto" : " -lgnutls";
  return "cc -Wall -Wextra -o " + stem + " " + file_name + libs;
}

std::string reproducer_source(const ReproTarget& target, const std::filesystem::path& repro_dir,
                              const std::string& file_name) {
  std::string kit = read_text_file(repro_dir / "kit.c");
  std::size_t at = kit.find("@CASE@");
  if (at == std::string::npos) throw ReproError((repro_dir / "kit.c").string() + ": no @CASE@ line");
  std::string block = case_block(target.spec, *target.family);
  kit.replace(at, 6, block.substr(0, block.size() - 1));
  std::string out = header(target, file_name) + "\n" + kit;
  for (const auto& extra : target.family->kits) out += "\n" + read_text_file(repro_dir / ("kit-" + extra + ".c"));
  out += "\n";
  auto line_of = [&](std::size_t pos) { return std::to_string(std::count(out.begin(), out.begin() + static_cast<long>(pos), '\n') + 1); };
  std::string case_line = line_of(out.find("/* ---- The case ---- */")), program_line = line_of(out.size());
  out.replace(out.find("@CASE_LINE@"), 11, case_line);
  out.replace(out.find("@PROGRAM_LINE@"), 14, program_line);
  std::string program = read_text_file(target.family->template_file);
  return out + program.substr(std::min(program.find_first_not_of('\n'), program.size()));
}

std::vector<std::string> record_deviations(const nlohmann::json& record,
                                           const std::set<std::string>& asserted) {
  std::vector<std::string> out;
  const nlohmann::json invariants = record.value("invariants", nlohmann::json::object());
  for (const auto& [name, verdict] : invariants.items()) {
    if (!asserted.contains(name) || !verdict.is_object()) continue;
    if (verdict.value("verdict", "") != "violated") continue;
    const auto causes = verdict.value("causes", nlohmann::json::array());
    if (causes.empty()) out.push_back(name);
    for (const auto& cause : causes) out.push_back(name + ":" + cause.get<std::string>());
  }
  std::string raw = record.value("raw_outcome", record.value("outcome", ""));
  std::string end = record.value("end", "completed");
  auto hard = record.value("faults", nlohmann::json::object()).value("hard", 0);
  bool error = (end == "fatal" && hard == 0) || (end == "completed" && hard > 0);
  if (raw == "stalled" || raw == "crash" || (raw == "fail" && (error || out.empty())))
    out.push_back("outcome " + raw);
  return out;
}

bool record_shows(const nlohmann::json& record, const std::set<std::string>& asserted,
                  const std::string& deviation, const std::string& error) {
  if (!error.empty() && record.value("end_reason", "").find(error) == std::string::npos) return false;
  for (const auto& dev : record_deviations(record, asserted))
    if (deviation_covers(deviation, dev)) return true;
  return false;
}

std::set<std::string> asserted_names(const CaseSpec& spec) {
  std::set<std::string> out;
  for (auto inv : kAllInvariants)
    if (spec.asserted.contains(inv)) out.insert(std::string(invariant_name(inv)));
  return out;
}

}  // namespace dirprobe
