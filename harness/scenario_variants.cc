#include "harness/scenario_variants.h"

#include <string>

namespace dirprobe {
namespace {

// The id's mark of a retry mode: none for the documented same-buffer retry.
std::string_view retry_suffix(RetryMode mode) {
  switch (mode) {
    case RetryMode::kSame:
      return "";
    case RetryMode::kNull:
      return "-nullretry";
    case RetryMode::kDifferent:
      return "-diffretry";
    case RetryMode::kSmaller:
      return "-smallerretry";
    case RetryMode::kLarger:
      return "-largerretry";
  }
  return "";
}

// The id's mark of a cipher: none for the default, so that the ids of the catalog's first
// cases (and the expectations that name them) stay as they were.
std::string_view cipher_suffix(Cipher cipher) {
  switch (cipher) {
    case Cipher::kDefault:
      return "";
    case Cipher::kChacha20Poly1305:
      return "-chacha20";
    case Cipher::kAes128Ccm:
      return "-ccm";
  }
  return "";
}

// "tls13-client-openssl-unix[-sockio]-trusting[-<mode>retry][-chacha20|-ccm]": the middle of a
// case id.
std::string variant_name(const CaseSpec& c) {
  std::string retry(retry_suffix(c.retry));
  return std::string(protocol_name(c.subject.protocol)) + "-" +
         std::string(role_name(c.subject.role)) + "-" + std::string(peer_name(c.peer)) + "-" +
         std::string(transport_name(c.transport)) + (c.subject.socket_io ? "-sockio" : "") + "-" +
         std::string(policy_name(c.policy)) + retry + std::string(cipher_suffix(c.subject.cipher));
}

// The reason of the first rule that matches the case's axes, "" when none does.
std::string not_applicable(const Scenario& sc, const CaseSpec& c) {
  for (const auto& rule : sc.not_applicable)
    if ((!rule.protocol || rule.protocol == c.subject.protocol) && (!rule.peer || rule.peer == c.peer) &&
        (!rule.role || rule.role == c.subject.role))
      return rule.reason;
  return "";
}

}  // namespace

std::vector<CaseSpec> expand(const Scenario& sc) {
  std::vector<CaseSpec> out;
  for (auto protocol : sc.protocols)
    for (auto role : sc.roles)
      for (auto peer : sc.peers)
        for (auto transport : sc.transports)
          for (bool socket_io : sc.socket_io)
            for (auto policy : sc.policies)
              for (auto retry : sc.retries)
                for (auto cipher : sc.ciphers)
                  for (const auto& plan : sc.faults)
                    for (auto seed : sc.seeds) {
                      CaseSpec c = sc.base;
                      c.subject.protocol = protocol;
                      c.subject.role = role;
                      c.subject.socket_io = socket_io;
                      c.subject.cipher = cipher;
                      c.peer = peer;
                      c.transport = transport;
                      c.policy = policy;
                      c.retry = retry;
                      c.fault_plan = plan;
                      c.seed = seed;
                      c.variant = variant_name(c);
                      c.not_applicable = not_applicable(sc, c);
                      out.push_back(std::move(c));
                    }
  return out;
}

}  // namespace dirprobe
