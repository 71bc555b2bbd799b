#include "harness/app_case.h"

#include <stdexcept>
#include <vector>

#include "harness/fault_plan.h"

namespace dirprobe {
namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out(1);
  for (char c : text) {
    if (c == sep) out.emplace_back();
    else out.back() += c;
  }
  return out;
}

}  // namespace

std::string AppCase::id() const {
  return scenario() + "/" + std::string(protocol_name(protocol)) + "-" +
         std::string(role_name(role)) + "-" + std::string(peer_name(peer)) + "-tcp-" +
         (gated ? "gated" : "free") + "/" + plan + "/s" + std::to_string(seed);
}

AppCase parse_app_case_id(const std::string& id) {
  // The plan may itself hold '/' only inside nothing we generate; split on the first two and
  // the last '/'.
  auto first = id.find('/');
  auto second = first == std::string::npos ? first : id.find('/', first + 1);
  auto last = id.rfind('/');
  if (second == std::string::npos || last <= second)
    throw std::invalid_argument("'" + id + "' is not <program>@<served>/<variant>/<plan>/s<seed>");
  AppCase c;
  std::string scenario = id.substr(0, first);
  auto at = scenario.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == scenario.size())
    throw std::invalid_argument("'" + scenario + "' is not <program>@<served>");
  c.program = scenario.substr(0, at);
  c.served = scenario.substr(at + 1);
  auto words = split(id.substr(first + 1, second - first - 1), '-');
  if (words.size() != 5 || words[3] != "tcp" || (words[4] != "free" && words[4] != "gated"))
    throw std::invalid_argument("variant of '" + id +
                                "' is not <protocol>-<role>-<peer>-tcp-free|gated");
  c.protocol = parse_protocol(words[0]);
  c.role = parse_role(words[1]);
  c.peer = parse_peer(words[2]);
  c.gated = words[4] == "gated";
  c.plan = FaultPlan::parse(id.substr(second + 1, last - second - 1)).text();
  std::string seed = id.substr(last + 1);
  if (seed.size() < 2 || seed[0] != 's' || seed.find_first_not_of("0123456789", 1) != std::string::npos)
    throw std::invalid_argument("'" + seed + "' is not s<seed>");
  c.seed = std::stoull(seed.substr(1));
  return c;
}

}  // namespace dirprobe
