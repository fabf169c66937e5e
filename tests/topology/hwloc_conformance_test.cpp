// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Conformance with hwloc on real sysfs snapshots from hwloc's own test suite
// (GHOSTBREW_SHARED_FIXTURES/hwloc-sysfs: *.test, *.tar.bz2, and the expected `lstopo -v` output in
// *.console or lstopo's XML in *.xml). Every snapshot is extracted to a temp dir, read by
// ghost-topo --json (the real binary) and by the library, and compared with what hwloc expects:
// counts of PUs, cores, L3s, NUMA nodes and packages, the offline CPUs, the CPU set of every
// core, L3 and package, and the efficiency cores of hybrid parts. Skips when the folder is absent.
// (L2s are not compared: on the Bulldozer snapshot the kernel reports per-core L2s that hwloc
// regroups per compute unit; we report what sysfs says.)
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ghostbrew/topology/discover.hpp"
#include "ghostbrew/topology/json.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"
#include "sysfs_tree.hpp"

namespace {

namespace topo = ghostbrew::topology;
namespace stdfs = std::filesystem;
using ghostbrew::CpuSet;

const stdfs::path kSnapshots = stdfs::path(GHOSTBREW_SHARED_FIXTURES) / "hwloc-sysfs";

/// hwloc's bitmap text: "0x00006024", "0xffffffff,0xffffffff" or "0x00002000,,,0x00000204" (32-bit
/// words, most significant first; an empty word is zero).
CpuSet hwloc_set(const std::string& text) {
  std::string mask;
  std::stringstream in(text);
  for (std::string word; std::getline(in, word, ',');) {
    if (word.rfind("0x", 0) == 0) word.erase(0, 2);
    if (word.size() > 8) throw std::runtime_error("bad hwloc bitmap word in " + text);
    // Appended piece by piece: GCC 12 at -O3 reports a false -Wrestrict for `const char* + string&&`.
    if (!mask.empty()) mask += ',';
    mask.append(8 - word.size(), '0');
    mask += word;
  }
  auto set = ghostbrew::parse_cpumask(mask, "hwloc bitmap");
  if (!set) throw std::runtime_error(set.error().message());
  return *set;
}

/// What hwloc expects for one snapshot.
struct Expected {
  std::map<std::string, std::size_t> count;                // by hwloc type name: PU, Core, L3Cache, ...
  std::map<std::string, std::set<std::vector<int>>> sets;  // CPU sets of Core, L3Cache, Package
  std::optional<CpuSet> offline;                           // PUs hwloc says are not in the topology
  std::optional<CpuSet> present;                           // XML only: the Machine's complete_cpuset
  std::optional<CpuSet> allowed;                           // XML only: PUs lstopo shows (cgroup)
  std::optional<CpuSet> allowed_nodes;                     // XML only
  std::optional<CpuSet> efficiency;                        // hybrid only: the least efficient CPU kind
};

/// Parses `lstopo -v` output: the object tree (indentation gives nesting), the "depth N: COUNT Type"
/// summary, "N processors not represented in topology: MASK" and the "CPU kind" lines.
Expected parse_console(const stdfs::path& file) {
  Expected e;
  std::ifstream in(file);
  const std::regex object(R"(^( *)(\w+) L#\d+ \((?:P#(\d+))?)");
  const std::regex depth(R"(^ *(?:Special )?depth -?\d+:\s+(\d+) (\w+) \(type)");
  const std::regex offline(R"(^\d+ processors not represented in topology: (\S+))");
  const std::regex kind(R"(^CPU kind #\d+ efficiency (\d+) cpuset (\S+))");
  struct Open {
    std::size_t indent;
    std::string type;
    std::vector<int> pus;
  };
  std::vector<Open> stack;
  auto close = [&](const Open& o) {
    auto pus = o.pus;
    std::sort(pus.begin(), pus.end());
    if (o.type == "Core" || o.type == "L3Cache" || o.type == "Package") e.sets[o.type].insert(pus);
  };
  std::map<unsigned long, CpuSet> kinds;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, depth)) {
      e.count[m[2]] = std::stoul(m[1]);
    } else if (std::regex_search(line, m, offline)) {
      e.offline = hwloc_set(m[1]);
    } else if (std::regex_search(line, m, kind)) {
      kinds[std::stoul(m[1])] = hwloc_set(m[2]);
    } else if (std::regex_search(line, m, object)) {
      const auto indent = static_cast<std::size_t>(m[1].length());
      while (!stack.empty() && stack.back().indent >= indent) {
        close(stack.back());
        stack.pop_back();
      }
      if (m[2] == "PU")
        for (auto& o : stack) o.pus.push_back(std::stoi(m[3]));
      stack.push_back({indent, m[2], {}});
    }
  }
  for (auto& o : stack) close(o);
  if (!e.offline) e.offline = CpuSet{};
  if (kinds.size() > 1) e.efficiency = kinds.begin()->second;
  return e;
}

/// Parses lstopo's XML: one entry per <object type=...>, counts and cpusets; the Machine's
/// complete_cpuset, allowed_cpuset and allowed_nodeset.
Expected parse_xml(const stdfs::path& file) {
  Expected e;
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  const std::string xml = text.str();
  const std::regex object(R"re(<object type="(\w+)"([^>]*)>)re");
  auto attr = [](const std::string& attrs, const std::string& name) -> std::optional<std::string> {
    std::smatch m;
    if (std::regex_search(attrs, m, std::regex(" " + name + "=\"([^\"]*)\""))) return m[1].str();
    return std::nullopt;
  };
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), object); it != std::sregex_iterator(); ++it) {
    const std::string type = (*it)[1];
    const std::string attrs = (*it)[2];
    const std::string name =
        type == "L3Cache" || (type == "Cache" && attr(attrs, "depth") == "3") ? "L3Cache" : type;
    ++e.count[name];
    if (name == "Machine") {
      e.present = hwloc_set(*attr(attrs, "complete_cpuset"));
      e.allowed = hwloc_set(*attr(attrs, "allowed_cpuset"));
      e.allowed_nodes = hwloc_set(*attr(attrs, "allowed_nodeset"));
    } else if (name == "Core" || name == "L3Cache" || name == "Package") {
      // lstopo keeps a package whose PUs are all outside the cgroup when its memory is allowed:
      // it shows no CPU there, and neither do we.
      if (const auto set = hwloc_set(*attr(attrs, "cpuset")); !set.empty()) e.sets[name].insert(set.ids());
    }
  }
  return e;
}

std::map<std::string, std::string> read_test_file(const stdfs::path& file) {
  std::map<std::string, std::string> kv;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    const auto colon = line.find(':');
    if (line.empty() || line[0] == '#' || colon == std::string::npos) continue;
    const auto value = line.substr(line.find_first_not_of(" \t", colon + 1));
    kv[line.substr(0, colon)] = value;
  }
  return kv;
}

CpuSet restrict_to(const CpuSet& s, const std::optional<CpuSet>& allowed) {
  if (!allowed) return s;
  return topo::sysfs::intersect(s, *allowed);
}

/// Our domains of one kind, as CPU sets restricted to what lstopo shows, empty ones dropped.
template <class Range>
std::set<std::vector<int>> shown(const Range& domains, const std::optional<CpuSet>& allowed, auto keep) {
  std::set<std::vector<int>> out;
  for (const auto& d : domains)
    if (keep(d))
      if (auto s = restrict_to(d.cpus, allowed); !s.empty()) out.insert(s.ids());
  return out;
}

void compare_with_hwloc(const stdfs::path& root, const Expected& e, bool check_kinds);

void check_snapshot(const stdfs::path& test_file) {
  SCOPED_TRACE(test_file.filename().string());
  const auto spec = read_test_file(test_file);
  ASSERT_TRUE(spec.count("source") && spec.count("target")) << "no source/target in " << test_file;
  ASSERT_FALSE(spec.count("exclude") || spec.count("env")) << "exclude/env snapshots are not supported yet";
  ghostbrew::testing::TempDir dir("hwloc");
  const auto tarball = kSnapshots / spec.at("source");
  ASSERT_EQ(std::system(("tar -xjf '" + tarball.string() + "' -C '" + dir.path().string() + "'").c_str()), 0);
  std::vector<stdfs::path> tops;
  for (const auto& entry : stdfs::directory_iterator(dir.path())) tops.push_back(entry.path());
  ASSERT_EQ(tops.size(), 1U) << "expected one top-level directory in " << tarball;
  const auto root = tops.front();

  const auto target = kSnapshots / spec.at("target");
  compare_with_hwloc(root, target.extension() == ".xml" ? parse_xml(target) : parse_console(target), true);
}

void compare_with_hwloc(const stdfs::path& root, const Expected& e, bool check_kinds) {
  auto t = topo::discover(root);
  ASSERT_TRUE(t) << t.error().message();

  // The JSON document, from the real ghost-topo when it was built, else from the library.
  nlohmann::json j;
#ifdef GHOSTBREW_GHOST_TOPO
  j = nlohmann::json::parse(
      ghostbrew::testing::run(std::string(GHOSTBREW_GHOST_TOPO) + " --json --root '" + root.string() + "'",
                              /*merge_stderr=*/false)
          .out);
#else
  j = topo::to_json(*t);
#endif
  auto expected = [&](const std::string& type) { return e.count.count(type) ? e.count.at(type) : 0U; };
  std::size_t l3s = 0;
  for (const auto& llc : j["llc_domains"]) l3s += llc["level"] == 3 ? 1 : 0;

  if (!e.allowed) {
    EXPECT_EQ(j["cpus"], expected("PU"));
    EXPECT_EQ(j["cores"], expected("Core"));
    EXPECT_EQ(j["packages"], expected("Package"));
    EXPECT_EQ(j["numa_nodes"], expected("NUMANode"));
    EXPECT_EQ(l3s, expected("L3Cache"));
    EXPECT_EQ(j["offline"], e.offline->to_list());
  } else {
    // lstopo hid the PUs outside the cgroup's cpuset: compare what it shows, and the whole set.
    EXPECT_EQ(t->present, *e.present);
    EXPECT_EQ(restrict_to(t->online, e.allowed).size(), expected("PU"));
    std::size_t nodes = 0;
    for (const auto& n : t->nodes) nodes += n.online && e.allowed_nodes->contains(n.id) ? 1 : 0;
    EXPECT_EQ(nodes, expected("NUMANode"));
  }
  const auto all = [](const auto&) { return true; };
  const auto sets = [&](const std::string& type) {
    return e.sets.count(type) ? e.sets.at(type) : std::set<std::vector<int>>{};
  };
  EXPECT_EQ(shown(t->cores, e.allowed, all), sets("Core"));
  EXPECT_EQ(shown(t->packages, e.allowed, all), sets("Package"));
  EXPECT_EQ(shown(t->llcs, e.allowed, [](const topo::Cache& c) { return c.level == 3; }), sets("L3Cache"));
  if (check_kinds && e.efficiency) {
    CpuSet ours;
    for (const auto& c : t->cpus)
      if (c.type == topo::CpuType::efficiency) ours.insert(c.id);
    EXPECT_EQ(ours, *e.efficiency);
  }
}

TEST(HwlocConformanceTest, EverySnapshotMatchesHwlocsExpectedOutput) {
  if (!stdfs::is_directory(kSnapshots))
    GTEST_SKIP() << kSnapshots << " is absent (it sits beside the checkout only)";
  std::vector<stdfs::path> tests;
  for (const auto& entry : stdfs::directory_iterator(kSnapshots))
    if (entry.path().extension() == ".test") tests.push_back(entry.path());
  std::sort(tests.begin(), tests.end());
  ASSERT_FALSE(tests.empty()) << "no *.test files in " << kSnapshots;
  for (const auto& test : tests) check_snapshot(test);
}

// Our hand-made fixtures, read live by Debian's lstopo (HWLOC_FSROOT): hwloc must see the same
// machine we do, which keeps the fixtures honest sysfs. CPU kinds are compared on the Intel hybrid
// fixture only: hwloc also makes kinds of mere frequency differences (X3D CCDs, favoured cores),
// which by our documented rule are not efficiency cores.
TEST(HwlocConformanceTest, LiveLstopoSeesOurFixturesAsWeDo) {
  if (std::system("command -v lstopo >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "lstopo (Debian hwloc) is not installed";
  const auto fixtures = stdfs::path(GHOSTBREW_TEST_FIXTURES) / "topology";
  std::vector<std::string> names;
  for (const auto& entry : stdfs::directory_iterator(fixtures))
    if (entry.path().extension() == ".topo") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  int compared = 0;
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    ghostbrew::testing::TempDir dir("hwloc-live");
    topo::testing::write_fixture(fixtures, name, dir.path());
    if (!topo::discover(dir.path())) continue;  // the broken fixtures that must fail
    // hwloc makes no Core of threads whose core_id is -1; we keep the SMT pair their siblings name.
    if (name == "unknown-core-id") continue;
    const auto out = dir.path() / "lstopo.console";
    const auto cmd = "HWLOC_FSROOT='" + dir.path().string() + "' HWLOC_COMPONENTS=-x86 lstopo -v - > '" +
                     out.string() + "' 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    compare_with_hwloc(dir.path(), parse_console(out), name.rfind("intel-", 0) == 0);
    ++compared;
  }
  EXPECT_GE(compared, 8);
}

}  // namespace
