#include "harness/preload/config.h"

#include <cstdlib>

namespace dirprobe::preload {
namespace {

Config read_config() {
  Config c;
  const char* dir = std::getenv("DIRPROBE_APP_LOG");
  if (dir == nullptr || *dir == '\0') return c;
  c.enabled = true;
  c.log_dir = dir;
  if (const char* plan = std::getenv("DIRPROBE_APP_PLAN"); plan != nullptr && *plan != '\0')
    c.plan = plan;
  if (const char* s = std::getenv("DIRPROBE_APP_SESSION"); s != nullptr && *s != '\0')
    c.planned_session = std::strtol(s, nullptr, 10);
  if (const char* g = std::getenv("DIRPROBE_APP_GATE"); g != nullptr)
    c.gate = std::string(g) == "1";
  return c;
}

}  // namespace

const Config& config() {
  static const Config c = read_config();
  return c;
}

}  // namespace dirprobe::preload
