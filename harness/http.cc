#include "harness/http.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>
#include <vector>

namespace dirprobe {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The head's lines without their CRLF, up to the blank line.
std::vector<std::string_view> head_lines(std::string_view head) {
  std::vector<std::string_view> lines;
  while (!head.empty()) {
    auto end = head.find("\r\n");
    std::string_view line = head.substr(0, end);
    if (line.empty()) break;
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    head.remove_prefix(end + 2);
  }
  if (lines.empty()) throw std::invalid_argument("empty HTTP head");
  return lines;
}

std::uint64_t parse_length(std::string_view value) {
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || value.empty())
    throw std::invalid_argument("bad Content-Length '" + std::string(value) + "'");
  return n;
}

// The header fields after the first line.
void parse_fields(const std::vector<std::string_view>& lines, HttpHead& head) {
  for (std::size_t i = 1; i < lines.size(); ++i) {
    auto colon = lines[i].find(':');
    if (colon == std::string_view::npos || colon == 0)
      throw std::invalid_argument("malformed header line '" + std::string(lines[i]) + "'");
    std::string name = lower(lines[i].substr(0, colon));
    std::string_view value = trim(lines[i].substr(colon + 1));
    if (name == "content-length") head.content_length = parse_length(value);
    if (name == "transfer-encoding" && lower(value).find("chunked") != std::string::npos)
      head.chunked = true;
    if (name == "expect" && lower(value) == "100-continue") head.expect_continue = true;
  }
}

// The three space-separated parts of a first line (the last one may hold spaces).
std::vector<std::string> first_line_parts(std::string_view line, bool rest_may_be_empty) {
  std::vector<std::string> parts;
  for (int i = 0; i < 2; ++i) {
    auto sp = line.find(' ');
    if (sp == std::string_view::npos) {
      if (i == 1 && rest_may_be_empty) {
        parts.emplace_back(line);
        parts.emplace_back();
        return parts;
      }
      throw std::invalid_argument("malformed first line '" + std::string(line) + "'");
    }
    parts.emplace_back(line.substr(0, sp));
    line.remove_prefix(sp + 1);
  }
  parts.emplace_back(line);
  return parts;
}

}  // namespace

std::size_t http_head_size(std::string_view data) {
  auto at = data.find("\r\n\r\n");
  return at == std::string_view::npos ? 0 : at + 4;
}

HttpRequest parse_http_request(std::string_view head) {
  auto lines = head_lines(head);
  auto parts = first_line_parts(lines[0], false);
  HttpRequest req;
  req.method = parts[0];
  req.target = parts[1];
  req.version = parts[2];
  if (req.version.rfind("HTTP/1.", 0) != 0)
    throw std::invalid_argument("not an HTTP/1.x request line '" + std::string(lines[0]) + "'");
  parse_fields(lines, req);
  return req;
}

HttpResponse parse_http_response(std::string_view head) {
  auto lines = head_lines(head);
  auto parts = first_line_parts(lines[0], true);
  if (parts[0].rfind("HTTP/1.", 0) != 0)
    throw std::invalid_argument("not an HTTP/1.x status line '" + std::string(lines[0]) + "'");
  HttpResponse resp;
  auto [end, ec] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), resp.status);
  if (ec != std::errc() || end != parts[1].data() + parts[1].size() || parts[1].size() != 3)
    throw std::invalid_argument("bad status code in '" + std::string(lines[0]) + "'");
  resp.reason = parts[2];
  parse_fields(lines, resp);
  return resp;
}

std::string format_http_response(std::uint64_t content_length) {
  return "HTTP/1.1 200 OK\r\nServer: dirprobe\r\nContent-Type: application/octet-stream\r\n"
         "Content-Length: " +
         std::to_string(content_length) + "\r\nConnection: close\r\n\r\n";
}

std::string format_http_continue() { return "HTTP/1.1 100 Continue\r\n\r\n"; }

std::string format_http_request(std::string_view method, std::string_view target,
                                std::string_view host, std::uint64_t content_length) {
  std::string out = std::string(method) + " " + std::string(target) +
                    " HTTP/1.1\r\nHost: " + std::string(host) + "\r\nUser-Agent: dirprobe\r\n";
  if (content_length > 0 || method == "POST" || method == "PUT")
    out += "Content-Type: application/octet-stream\r\nContent-Length: " +
           std::to_string(content_length) + "\r\n";
  return out + "Connection: close\r\n\r\n";
}

}  // namespace dirprobe
