// The little HTTP/1.1 serve speaks: one request or response head (status or request line and
// headers up to the blank line) parsed or formatted; bodies are plain bytes of a known length.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dirprobe {

// Where the head ends in `data`: the bytes up to and including the first CRLFCRLF, or 0 when
// it has not arrived yet.
std::size_t http_head_size(std::string_view data);

// The fields both kinds of head share.
struct HttpHead {
  std::optional<std::uint64_t> content_length;
  bool chunked = false;          // Transfer-Encoding: chunked (serve does not read such bodies)
  bool expect_continue = false;  // Expect: 100-continue
};

struct HttpRequest : HttpHead {
  std::string method, target, version;
};

struct HttpResponse : HttpHead {
  int status = 0;
  std::string reason;
};

// Each parses one head (without the body; the CRLFCRLF may be included); throws
// std::invalid_argument saying what is malformed.
HttpRequest parse_http_request(std::string_view head);
HttpResponse parse_http_response(std::string_view head);

// "HTTP/1.1 200 OK" with Content-Length and "Connection: close".
std::string format_http_response(std::uint64_t content_length);
// "HTTP/1.1 100 Continue" and its blank line.
std::string format_http_continue();
// "METHOD TARGET HTTP/1.1" with Host, Content-Length (when a body is sent, or for POST/PUT)
// and "Connection: close".
std::string format_http_request(std::string_view method, std::string_view target,
                                std::string_view host, std::uint64_t content_length);

}  // namespace dirprobe
