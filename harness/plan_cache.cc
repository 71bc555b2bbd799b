#include "harness/plan_cache.h"

#include <elf.h>
#include <link.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "harness/endpoint.h"

namespace dirprobe {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr int kFormat = 2;
// Entries of other builds or runtimes are removed when they have not been written for this long.
constexpr auto kPruneAge = std::chrono::hours(24 * 30);

std::string hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), md, &size, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("plan cache: SHA-256 failed");
  return hex(md, size);
}

// The GNU build-id note of one loaded object, in hex; empty when it has none.
std::string build_id_of(const dl_phdr_info& info) {
  for (int i = 0; i < info.dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info.dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    std::size_t align = ph.p_align == 8 ? 8 : 4;
    auto pad = [&](std::size_t n) { return (n + align - 1) / align * align; };
    const auto* p = reinterpret_cast<const unsigned char*>(info.dlpi_addr + ph.p_vaddr);
    const unsigned char* end = p + ph.p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(p);
      const unsigned char* name = p + sizeof(ElfW(Nhdr));
      const unsigned char* desc = name + pad(note->n_namesz);
      if (desc + note->n_descsz > end) break;
      if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 &&
          std::memcmp(name, "GNU", 4) == 0)
        return hex(desc, note->n_descsz);
      p = desc + pad(note->n_descsz);
    }
  }
  return "";
}

struct LoadedObject {
  std::string path;  // empty for the executable itself
  std::string build_id;
};

std::vector<LoadedObject> loaded_objects() {
  std::vector<LoadedObject> out;
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* data) {
        static_cast<std::vector<LoadedObject>*>(data)->push_back(
            {info->dlpi_name ? info->dlpi_name : "", build_id_of(*info)});
        return 0;
      },
      &out);
  return out;
}

// The executable's build-id, or a digest of its file when it was linked without one.
std::string executable_identity(const std::vector<LoadedObject>& objects) {
  if (!objects.empty() && !objects[0].build_id.empty()) return "build-id " + objects[0].build_id;
  std::ifstream in("/proc/self/exe", std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return "sha256 " + sha256_hex(bytes.str());
}

std::string library_build_id(const std::vector<LoadedObject>& objects, std::string_view soname) {
  for (const auto& object : objects)
    if (fs::path(object.path).filename().string().starts_with(soname)) return object.build_id;
  return "";
}

void warn(const std::string& what) { std::cerr << "dirprobe: plan cache: " << what << "\n"; }

// Why `doc` is not a usable entry for `key` and `clean_ids`; empty when it is.
std::string defect(const json& doc, const std::string& key,
                   const std::vector<std::string>& clean_ids) {
  if (!doc.is_object() || doc.value("format", 0) != kFormat) return "unknown format";
  if (doc.value("key", "") != key) return "its key does not match its name";
  const json& clean = doc["clean"];
  if (!clean.is_array() || clean.size() != clean_ids.size())
    return "it does not list the scenario's clean variants";
  for (std::size_t i = 0; i < clean.size(); ++i) {
    const json& c = clean[i];
    if (!c.is_object() || c.value("id", "") != clean_ids[i])
      return "clean variant " + std::to_string(i + 1) + " is not " + clean_ids[i];
    bool counted = c.contains("pushes") && c["pushes"].is_number_unsigned() &&
                   c.contains("pulls") && c["pulls"].is_number_unsigned();
    if (!counted && !(c.contains("skipped") && c["skipped"] == true))
      return "clean variant " + clean_ids[i] + " has neither counts nor 'skipped'";
  }
  return "";
}

CleanCount count_from_json(const json& c) {
  CleanCount count;
  count.id = c["id"];
  count.skipped = c.value("skipped", false);
  if (!count.skipped) {
    count.pushes = c["pushes"];
    count.pulls = c["pulls"];
    count.first_push = c.value("first_push", std::size_t{1});
    count.first_pull = c.value("first_pull", std::size_t{1});
  }
  return count;
}

// Removes entries of the same scenario that nothing has written for kPruneAge (other builds).
void prune_siblings(const fs::path& file, const std::string& scenario) {
  std::error_code ec;
  auto now = fs::file_time_type::clock::now();
  for (const auto& entry : fs::directory_iterator(file.parent_path(), ec)) {
    std::string name = entry.path().filename().string();
    bool sibling = name.size() == scenario.size() + 1 + 16 + 5 &&
                   name.starts_with(scenario + "-") && name.ends_with(".json");
    if (!sibling || entry.path() == file) continue;
    auto written = entry.last_write_time(ec);
    if (!ec && now - written > kPruneAge) fs::remove(entry.path(), ec);
  }
}

}  // namespace

fs::path cache_root() {
  if (const char* dir = std::getenv("DIRPROBE_CACHE"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return fs::path(xdg) / "dirprobe";
  const char* home = std::getenv("HOME");
  return fs::path(home && *home ? home : "/tmp") / ".cache" / "dirprobe";
}

const std::string& plan_build_facts() {
  static const std::string facts = [] {
    auto objects = loaded_objects();
    const char* preload = std::getenv("LD_PRELOAD");
    return "plan-format " + std::to_string(kFormat) + "\nexecutable " +
           executable_identity(objects) + "\ngnutls " + gnutls_runtime_version() + " " +
           library_build_id(objects, "libgnutls.so") + "\nopenssl " + openssl_runtime_version() +
           "\npreload " + (preload ? preload : "") + "\n";
  }();
  return facts;
}

std::string plan_cache_key(const Scenario& scenario) {
  return sha256_hex(plan_build_facts() + "scenario\n" + scenario.canonical);
}

fs::path plan_cache_file(const fs::path& root, const Scenario& scenario) {
  return root / "plans" /
         (scenario.base.scenario + "-" + plan_cache_key(scenario).substr(0, 16) + ".json");
}

std::optional<std::vector<CleanCount>> read_plan_cache(const fs::path& root,
                                                       const Scenario& scenario,
                                                       const std::vector<std::string>& clean_ids) {
  fs::path file = plan_cache_file(root, scenario);
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::string why;
  std::vector<CleanCount> counts;
  try {
    json doc = json::parse(in, nullptr, false);
    why = doc.is_discarded() ? "not valid JSON" : defect(doc, plan_cache_key(scenario), clean_ids);
    if (why.empty())
      for (const auto& c : doc["clean"]) counts.push_back(count_from_json(c));
  } catch (const json::exception& e) {
    why = e.what();
  }
  if (why.empty()) return counts;
  warn("ignoring " + file.string() + " (" + why + "); planning again");
  return std::nullopt;
}

void write_plan_cache(const fs::path& root, const Scenario& scenario,
                      const std::vector<CleanCount>& counts) {
  static std::atomic<unsigned> serial{0};
  fs::path file = plan_cache_file(root, scenario);
  json doc = {{"format", kFormat},
              {"key", plan_cache_key(scenario)},
              {"scenario", scenario.base.scenario},
              {"facts", plan_build_facts()},
              {"clean", json::array()}};
  for (const auto& c : counts)
    doc["clean"].push_back(c.skipped
                               ? json{{"id", c.id}, {"skipped", true}}
                               : json{{"id", c.id},
                                      {"pushes", c.pushes},
                                      {"pulls", c.pulls},
                                      {"first_push", c.first_push},
                                      {"first_pull", c.first_pull}});
  fs::path tmp = file;
  tmp += ".tmp." + std::to_string(getpid()) + "." + std::to_string(serial++);
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << doc.dump(1) << "\n";
    if (!out.flush()) ec = std::make_error_code(std::errc::io_error);
  }
  if (!ec) fs::rename(tmp, file, ec);
  if (ec) {
    std::string why = ec.message();
    fs::remove(tmp, ec);
    static std::atomic<bool> warned{false};
    if (!warned.exchange(true))
      warn("cannot write " + file.string() + " (" + why + "); planning without it");
    return;
  }
  prune_siblings(file, scenario.base.scenario);
}

}  // namespace dirprobe
