// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Topology discovery on hand-made sysfs trees modelled on real machines (tests/fixtures/topology).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ghostbrew/topology/discover.hpp"
#include "ghostbrew/topology/json.hpp"
#include "ghostbrew/topology/print.hpp"
#include "ghostbrew/topology/x3d_mode.hpp"
#include "support/temp_dir.hpp"
#include "sysfs_tree.hpp"

namespace {

namespace topo = ghostbrew::topology;
using ghostbrew::CpuSet;
using ghostbrew::testing::TempDir;
using ::testing::HasSubstr;

const std::filesystem::path kFixtures = std::filesystem::path(GHOSTBREW_TEST_FIXTURES) / "topology";

/// A fixture expanded into a temp dir; edit it with write()/remove() before discover().
class Tree {
 public:
  explicit Tree(const std::string& name) : dir_("topo") {
    topo::testing::write_fixture(kFixtures, name, dir_.path());
  }
  [[nodiscard]] const std::filesystem::path& root() const { return dir_.path(); }
  void write(const std::string& rel, const std::string& content) const {
    std::filesystem::create_directories((root() / rel).parent_path());
    std::ofstream(root() / rel) << content << '\n';
  }
  void remove(const std::string& rel) const { std::filesystem::remove_all(root() / rel); }
  [[nodiscard]] topo::Topology discover() const {
    auto t = topo::discover(root());
    if (!t) throw std::runtime_error(t.error().message());
    return *t;
  }
  [[nodiscard]] std::string error() const {
    auto t = topo::discover(root());
    return t ? std::string("(no error)") : t.error().message();
  }

 private:
  TempDir dir_;
};

CpuSet set_of(std::initializer_list<int> ids) {
  CpuSet s;
  for (int c : ids) s.insert(c);
  return s;
}

CpuSet range(int lo, int hi) {
  CpuSet s;
  for (int c = lo; c <= hi; ++c) s.insert(c);
  return s;
}

const topo::Cpu& cpu(const topo::Topology& t, int id) {
  const auto* c = t.find(id);
  if (c == nullptr) throw std::runtime_error("cpu not online");
  return *c;
}

CpuSet cpus_where(const topo::Topology& t, auto pred) {
  CpuSet s;
  for (const auto& c : t.cpus)
    if (pred(c)) s.insert(c.id);
  return s;
}

// ---- AMD X3D ----

TEST(TopologyTest, Ryzen7950X3DCountsEveryLevel) {
  const auto t = Tree("amd-7950x3d").discover();
  EXPECT_EQ(t.cpus.size(), 32U);
  EXPECT_EQ(t.cores.size(), 16U);
  EXPECT_EQ(t.llcs.size(), 2U);
  EXPECT_EQ(t.l2s.size(), 16U);
  EXPECT_EQ(t.ccds.size(), 2U);
  EXPECT_EQ(t.nodes.size(), 1U);
  EXPECT_EQ(t.packages.size(), 1U);
  EXPECT_TRUE(t.smt());
  EXPECT_EQ(t.siblings(cpu(t, 3)), set_of({3, 19}));
  EXPECT_EQ(t.siblings(cpu(t, 19)), set_of({3, 19}));
  EXPECT_EQ(t.smt_sibling(cpu(t, 3)), 19);
  EXPECT_EQ(t.smt_sibling(cpu(t, 19)), 3);
}

TEST(TopologyTest, VCacheCcdIsTheLargerL3) {
  const auto t = Tree("amd-7950x3d").discover();
  ASSERT_EQ(t.vcache_ccds().size(), 1U);
  const auto& ccd = t.ccds[static_cast<std::size_t>(t.vcache_ccds().front())];
  CpuSet ccd0 = range(0, 7);
  for (int c = 16; c <= 23; ++c) ccd0.insert(c);
  EXPECT_EQ(ccd.cpus, ccd0);
  EXPECT_EQ(cpus_where(t, [&](const topo::Cpu& c) { return t.llcs[static_cast<std::size_t>(c.llc)].vcache; }),
            ccd0);
  EXPECT_EQ(t.llcs[static_cast<std::size_t>(cpu(t, 0).llc)].size_bytes, 96ULL << 20);
}

TEST(TopologyTest, X3dModeIsReadFromTheAmdi0101Instance) {
  Tree tree("amd-7950x3d");
  EXPECT_EQ(tree.discover().x3d_mode, topo::X3dMode::frequency);
  tree.write("sys/bus/platform/devices/AMDI0101:00/amd_x3d_mode", "cache");
  EXPECT_EQ(tree.discover().x3d_mode, topo::X3dMode::cache);
  tree.write("sys/bus/platform/devices/AMDI0101:00/amd_x3d_mode", "turbo");
  EXPECT_THAT(tree.error(),
              HasSubstr("AMDI0101:00/amd_x3d_mode: expected 'frequency' or 'cache', found 'turbo'"));
  tree.remove("sys/bus/platform/devices/AMDI0101:00");
  EXPECT_FALSE(tree.discover().x3d_mode.has_value());
}

TEST(TopologyTest, X3dModeFixturesGiveBothValuesAndNoneWithoutTheDriver) {
  EXPECT_EQ(Tree("amd-7950x3d").discover().x3d_mode, topo::X3dMode::frequency);
  EXPECT_EQ(Tree("amd-7950x3d-cache").discover().x3d_mode, topo::X3dMode::cache);
  EXPECT_EQ(Tree("amd-9950x").discover().x3d_mode, std::nullopt);
  EXPECT_THAT(Tree("broken-x3d-mode").error(),
              HasSubstr("sys/bus/platform/devices/AMDI0101:00/amd_x3d_mode: expected 'frequency' or 'cache', "
                        "found 'turbo'"));
}

TEST(TopologyTest, X3dModeIsFoundUnderTheDriverDirectoryAsDocumented) {
  Tree tree("amd-9950x");  // no AMDI0101 device
  EXPECT_EQ(topo::x3d_mode_file(tree.root()), std::nullopt);
  // The device without the driver bound: no attribute, no mode.
  std::filesystem::create_directories(tree.root() / "sys/bus/platform/devices/AMDI0101:00");
  EXPECT_EQ(topo::x3d_mode_file(tree.root()), std::nullopt);
  tree.write("sys/bus/platform/drivers/amd_x3d_vcache/AMDI0101:00/amd_x3d_mode", "cache");
  EXPECT_EQ(topo::x3d_mode_file(tree.root()),
            tree.root() / "sys/bus/platform/drivers/amd_x3d_vcache/AMDI0101:00/amd_x3d_mode");
  EXPECT_EQ(tree.discover().x3d_mode, topo::X3dMode::cache);
}

TEST(TopologyTest, X3dModeFileThatCannotBeReadIsAnErrorNamingIt) {
  Tree tree("amd-7950x3d");
  tree.write("sys/bus/platform/devices/AMDI0101:00/amd_x3d_mode", "");
  EXPECT_THAT(tree.error(), HasSubstr("AMDI0101:00/amd_x3d_mode: empty file"));
}

TEST(TopologyTest, WriteX3dModeWritesTheWordAndANewlineAndNeverCreatesTheFile) {
  Tree tree("amd-7950x3d");
  const auto file = tree.root() / "sys/bus/platform/devices/AMDI0101:00/amd_x3d_mode";
  ASSERT_TRUE(topo::write_x3d_mode(file, topo::X3dMode::cache));
  std::ifstream in(file);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "cache\n");
  EXPECT_EQ(tree.discover().x3d_mode, topo::X3dMode::cache);
  const auto missing = tree.root() / "sys/bus/platform/devices/AMDI0101:01/amd_x3d_mode";
  auto r = topo::write_x3d_mode(missing, topo::X3dMode::frequency);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), missing.string() + ": cannot open for writing: No such file or directory");
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST(TopologyTest, PreferenceFollowsPrefcoreRankAndVCacheFirstPutsTheVCacheCcdFirst) {
  const auto t = Tree("amd-7950x3d").discover();
  // amd_pstate_prefcore_ranking wins over amd_pstate_highest_perf (166 everywhere).
  EXPECT_EQ(cpu(t, 8).prefcore_rank, 236U);
  const auto pref = t.cpus_by_preference();
  ASSERT_EQ(pref.size(), 32U);
  // CCD1's primary threads by falling rank, then CCD0's, then the SMT siblings.
  EXPECT_EQ(std::vector<int>(pref.begin(), pref.begin() + 8),
            (std::vector<int>{8, 9, 10, 11, 12, 13, 14, 15}));
  EXPECT_EQ(std::vector<int>(pref.begin() + 8, pref.begin() + 16),
            (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(pref[16], 24);
  const auto vfirst = t.cpus_vcache_first();
  EXPECT_EQ(std::vector<int>(vfirst.begin(), vfirst.begin() + 8), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(std::vector<int>(vfirst.begin() + 8, vfirst.begin() + 16),
            (std::vector<int>{16, 17, 18, 19, 20, 21, 22, 23}));
  EXPECT_EQ(vfirst[16], 8);
}

TEST(TopologyTest, X3dClockGapIsNotAHybridPart) {
  const auto t = Tree("amd-7950x3d").discover();
  EXPECT_EQ(t.type_source, "cpuinfo_max_freq");
  EXPECT_EQ(cpus_where(t, [](const topo::Cpu& c) { return c.type == topo::CpuType::performance; }),
            range(0, 31));
}

TEST(TopologyTest, SingleCcdX3dIsAllVCache) {
  const auto t = Tree("amd-9800x3d").discover();
  EXPECT_EQ(t.ccds.size(), 1U);
  EXPECT_EQ(t.vcache_ccds(), std::vector<int>{0});
  EXPECT_FALSE(t.x3d_mode.has_value());
}

TEST(TopologyTest, SingleCcdWithoutStackedCacheIsNotVCache) {
  Tree tree("amd-9800x3d");  // made a 9700X: 32 MiB L3
  for (int c = 0; c < 16; ++c)
    tree.write(fmt::format("sys/devices/system/cpu/cpu{}/cache/index3/size", c), "32768K");
  EXPECT_TRUE(tree.discover().vcache_ccds().empty());
}

TEST(TopologyTest, EqualL3sAreNotVCache) {
  const auto t = Tree("amd-9950x").discover();
  EXPECT_EQ(t.ccds.size(), 2U);
  EXPECT_TRUE(t.vcache_ccds().empty());
}

TEST(TopologyTest, PrefcoreRanksDifferAcrossCcdsAndOrderThePreference) {
  const auto t = Tree("amd-9950x").discover();
  EXPECT_EQ(cpu(t, 0).prefcore_rank, 231U);
  EXPECT_EQ(cpu(t, 16).prefcore_rank, 231U);
  EXPECT_EQ(cpu(t, 8).prefcore_rank, 166U);
  EXPECT_NE(cpu(t, 0).ccd, cpu(t, 8).ccd);
  const auto pref = t.cpus_by_preference();
  EXPECT_EQ(std::vector<int>(pref.begin(), pref.begin() + 8), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(t.cpus_vcache_first(), pref);  // nothing is V-Cache
}

TEST(TopologyTest, MissingPrefcoreRankIsUnknownNotZero) {
  Tree tree("amd-9950x");
  tree.remove("sys/devices/system/cpu/cpufreq/policy4/amd_pstate_prefcore_ranking");
  const auto t = tree.discover();
  EXPECT_FALSE(cpu(t, 4).prefcore_rank.has_value());
  EXPECT_TRUE(topo::to_json(t)["per_cpu"][4]["prefcore_rank"].is_null());
  // An unranked core's first thread goes after every ranked first thread (but before SMT siblings).
  const auto pref = t.cpus_by_preference();
  EXPECT_EQ(pref[15], 4);
  EXPECT_EQ(pref[16], 16);
}

// ---- CCDs: Zen 2 pairs CCXs, Zen 3+ does not ----

TEST(TopologyTest, Zen2PairsTwoCcxL3sIntoOneCcd) {
  const auto t = Tree("amd-3950x").discover();
  EXPECT_EQ(t.llcs.size(), 4U);
  ASSERT_EQ(t.ccds.size(), 2U);
  EXPECT_EQ(t.ccds[0].llcs.size(), 2U);
  EXPECT_EQ(cpu(t, 0).ccd, cpu(t, 7).ccd);
  EXPECT_NE(cpu(t, 0).llc, cpu(t, 7).llc);
  EXPECT_NE(cpu(t, 7).ccd, cpu(t, 8).ccd);
  EXPECT_EQ(cpu(t, 0).ccd, cpu(t, 16).ccd);
  EXPECT_TRUE(t.vcache_ccds().empty());
}

TEST(TopologyTest, Zen2PairsByOrderWhenL3IdsAreMissing) {
  Tree tree("amd-3950x");
  for (int c = 0; c < 32; ++c) tree.remove(fmt::format("sys/devices/system/cpu/cpu{}/cache/index3/id", c));
  const auto t = tree.discover();
  EXPECT_EQ(t.ccds.size(), 2U);
  EXPECT_EQ(cpu(t, 4).ccd, cpu(t, 0).ccd);
}

TEST(TopologyTest, Zen3AndLaterMakeEveryL3ItsOwnCcd) {
  Tree tree("amd-3950x");
  tree.write("proc/cpuinfo",
             "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel name\t: x\n");
  EXPECT_EQ(tree.discover().ccds.size(), 4U);
}

TEST(TopologyTest, PrefcoreFallsBackToAcpiCppcHighestPerf) {
  const auto t = Tree("amd-3950x").discover();
  EXPECT_EQ(cpu(t, 0).prefcore_rank, 236U);
  EXPECT_EQ(cpu(t, 1).prefcore_rank, 231U);
  EXPECT_EQ(cpu(t, 4).prefcore_rank, 236U);
}

// ---- Intel hybrid ----

TEST(TopologyTest, HybridTypesComeFromCpuCoreAndCpuAtom) {
  const auto t = Tree("intel-14900k").discover();
  EXPECT_EQ(t.type_source, "cpu_core/cpu_atom");
  EXPECT_EQ(cpus_where(t, [](const topo::Cpu& c) { return c.type == topo::CpuType::performance; }),
            range(0, 15));
  EXPECT_EQ(cpus_where(t, [](const topo::Cpu& c) { return c.type == topo::CpuType::efficiency; }),
            range(16, 31));
  EXPECT_EQ(t.cores.size(), 24U);
  EXPECT_TRUE(t.smt());
  EXPECT_EQ(t.llcs.size(), 1U);
  EXPECT_EQ(t.l2s.size(), 12U);  // 8 P-core L2s + 4 E-core clusters
  EXPECT_EQ(t.l2s[static_cast<std::size_t>(cpu(t, 17).l2)].cpus, range(16, 19));
}

TEST(TopologyTest, HybridPreferencePutsPCoresFirstAndFavouredCoresFirstOfAll) {
  const auto pref = Tree("intel-14900k").discover().cpus_by_preference();
  EXPECT_EQ(std::vector<int>(pref.begin(), pref.begin() + 2), (std::vector<int>{4, 8}));
  const auto p_cores = range(0, 15).ids();
  EXPECT_EQ(std::set<int>(pref.begin(), pref.begin() + 16), std::set<int>(p_cores.begin(), p_cores.end()));
  EXPECT_GE(pref[16], 16);
}

TEST(TopologyTest, HybridFallsBackToMaxFrequencyWithoutPmus) {
  Tree tree("intel-14900k");
  tree.remove("sys/devices/cpu_core");
  tree.remove("sys/devices/cpu_atom");
  const auto t = tree.discover();
  EXPECT_EQ(t.type_source, "cpuinfo_max_freq");
  EXPECT_EQ(cpus_where(t, [](const topo::Cpu& c) { return c.type == topo::CpuType::efficiency; }),
            range(16, 31));
}

TEST(TopologyTest, CpuCapacityDecidesBeforeMaxFrequency) {
  Tree tree("intel-14900k");
  tree.remove("sys/devices/cpu_core");
  tree.remove("sys/devices/cpu_atom");
  // Capacity says only cpus 30-31 are small (contradicting the frequencies): capacity must win.
  for (int c = 0; c < 32; ++c)
    tree.write(fmt::format("sys/devices/system/cpu/cpu{}/cpu_capacity", c), c >= 30 ? "512" : "1024");
  const auto t = tree.discover();
  EXPECT_EQ(t.type_source, "cpu_capacity");
  EXPECT_EQ(cpus_where(t, [](const topo::Cpu& c) { return c.type == topo::CpuType::efficiency; }),
            range(30, 31));
}

// ---- NUMA, sockets ----

TEST(TopologyTest, TwoSocketEpycHasFourNodesWithDistances) {
  const auto t = Tree("amd-epyc-2s").discover();
  EXPECT_EQ(t.cpus.size(), 128U);
  EXPECT_EQ(t.cores.size(), 64U);
  EXPECT_EQ(t.llcs.size(), 16U);
  EXPECT_EQ(t.ccds.size(), 16U);
  EXPECT_EQ(t.packages.size(), 2U);
  ASSERT_EQ(t.nodes.size(), 4U);
  EXPECT_EQ(t.nodes[static_cast<std::size_t>(cpu(t, 20).node)].id, 1);
  EXPECT_EQ(t.nodes[static_cast<std::size_t>(cpu(t, 100).node)].id, 2);
  EXPECT_EQ(t.nodes[1].distance, (std::vector<std::uint64_t>{12, 10, 32, 32}));
  EXPECT_EQ(t.packages[static_cast<std::size_t>(t.ccds[static_cast<std::size_t>(cpu(t, 40).ccd)].package)].id,
            1U);
  EXPECT_EQ(t.siblings(cpu(t, 33)), set_of({33, 97}));
}

TEST(TopologyTest, MalformedDistanceIsAnErrorNamingTheFile) {
  Tree tree("amd-epyc-2s");
  tree.write("sys/devices/system/node/node2/distance", "32 32 ten 12");
  EXPECT_THAT(tree.error(), HasSubstr("node2/distance: not an unsigned integer: 'ten'"));
}

// ---- Offline CPUs, holes, many CPUs ----

TEST(TopologyTest, OfflineCpusAndHolesInTheNumbering) {
  const auto t = Tree("broken-offline-holes").discover();
  EXPECT_EQ(t.cpus.size(), 13U);
  EXPECT_EQ(t.offline(), set_of({2, 9, 301}));
  EXPECT_EQ(t.possible.size(), 512U);
  EXPECT_EQ(t.find(301), nullptr);
  EXPECT_EQ(t.find(7), nullptr);
  EXPECT_EQ(t.find(100000), nullptr);
  EXPECT_EQ(cpu(t, 303).id, 303);
  EXPECT_EQ(t.siblings(cpu(t, 300)), set_of({300, 302}));
  EXPECT_EQ(t.siblings(cpu(t, 1)), set_of({1}));  // cpu 9 is offline
  EXPECT_EQ(t.smt_sibling(cpu(t, 1)), -1);
  EXPECT_EQ(t.siblings(cpu(t, 303)), set_of({303}));
  EXPECT_EQ(t.packages.size(), 2U);
  EXPECT_EQ(t.nodes[static_cast<std::size_t>(cpu(t, 302).node)].id, 1);
  const auto json = topo::to_json(t);
  EXPECT_EQ(json["offline"], "2,9,301");
  EXPECT_EQ(json["per_cpu"].size(), 13U);
}

TEST(TopologyTest, HundredsOfCpusNeedNoCompileTimeLimit) {
  TempDir dir("topo-many");
  std::vector<std::string> spec = {
      "cpuinfo AuthenticAMD 25 big", "for i in 0-511: core {i/256} {i%256} {i},{i+512}",
      "for i in 0-127: cache 3 Unified 32768K {i*4}-{i*4+3},{i*4+512}-{i*4+515} {i}",
      "node 0 0-255,512-767 10 20", "node 1 256-511,768-1023 20 10"};
  topo::testing::write_tree(spec, dir.path());
  auto t = topo::discover(dir.path());
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_EQ(t->cpus.size(), 1024U);
  EXPECT_EQ(t->cores.size(), 512U);
  EXPECT_EQ(t->llcs.size(), 128U);
  EXPECT_EQ(t->packages.size(), 2U);
  EXPECT_EQ(t->siblings(*t->find(1000)), set_of({488, 1000}));
}

// ---- Fallbacks and bare trees ----

TEST(TopologyTest, HexMasksStandInForMissingLists) {
  const auto lists = Tree("amd-7950x3d").discover();
  const auto masks = Tree("broken-masks-only").discover();
  ASSERT_EQ(masks.cpus.size(), lists.cpus.size());
  for (std::size_t i = 0; i < lists.cpus.size(); ++i) {
    EXPECT_EQ(masks.cpus[i].llc, lists.cpus[i].llc);
    EXPECT_EQ(masks.cpus[i].core, lists.cpus[i].core);
  }
  EXPECT_EQ(masks.vcache_ccds(), lists.vcache_ccds());
  EXPECT_EQ(masks.siblings(cpu(masks, 5)), set_of({5, 21}));
}

TEST(TopologyTest, BareTreeRecordsUnknownsInsteadOfZeros) {
  const auto t = Tree("broken-bare").discover();
  EXPECT_EQ(t.online, range(0, 2));
  EXPECT_EQ(t.offline(), set_of({3}));
  ASSERT_EQ(t.llcs.size(), 1U);
  EXPECT_FALSE(t.llcs[0].level.has_value());
  EXPECT_EQ(t.llcs[0].cpus, range(0, 2));
  ASSERT_EQ(t.nodes.size(), 1U);
  EXPECT_TRUE(t.nodes[0].distance.empty());
  EXPECT_EQ(t.type_source, "none");
  for (const auto& c : t.cpus) {
    EXPECT_EQ(c.type, topo::CpuType::unknown);
    EXPECT_FALSE(c.prefcore_rank.has_value());
    EXPECT_EQ(c.l2, -1);
  }
  EXPECT_FALSE(t.identity.vendor.has_value());
  EXPECT_TRUE(t.vcache_ccds().empty());
}

// ---- Unknown ids (-1, past 32 bits): recorded as unknown with a warning naming the file ----

TEST(TopologyTest, PackageIdMinusOneIsOneUnknownPackageWithOneWarning) {
  Tree tree("unknown-package-id");
  const auto t = tree.discover();
  ASSERT_EQ(t.packages.size(), 1U);
  EXPECT_FALSE(t.packages[0].id.has_value());
  EXPECT_EQ(t.packages[0].cpus, range(0, 31));
  EXPECT_EQ(t.cpus.size(), 32U);
  EXPECT_EQ(t.ccds.size(), 2U);
  ASSERT_EQ(t.warnings.size(), 1U) << "32 CPUs with the same unknown id: one line";
  EXPECT_EQ(t.warnings[0],
            (tree.root() / "sys/devices/system/cpu/cpu0/topology/physical_package_id").string() +
                ": id '-1' is out of range, recorded as unknown (and on 31 more CPUs)");
}

TEST(TopologyTest, PackageIdPast64BitsIsUnknownAndTheCpuJoinsItsListedPackage) {
  const auto t = Tree("unknown-package-id-overflow").discover();
  ASSERT_EQ(t.packages.size(), 1U) << "cpu5's package_cpus_list names package 0's CPUs";
  EXPECT_EQ(t.packages[0].id, std::optional<std::uint64_t>(0));
  EXPECT_EQ(t.packages[0].cpus, range(0, 31));
  ASSERT_EQ(t.warnings.size(), 1U);
  EXPECT_THAT(t.warnings[0], HasSubstr("cpu5/topology/physical_package_id: id '99999999999999999999999' is "
                                       "out of range, recorded as unknown"));
}

TEST(TopologyTest, UnknownPackageIdWithoutPackageListsIsItsOwnUnknownPackage) {
  Tree tree("unknown-package-id-overflow");
  for (const char* f : {"package_cpus_list", "package_cpus", "core_siblings_list", "core_siblings"})
    tree.remove(std::string("sys/devices/system/cpu/cpu5/topology/") + f);
  const auto t = tree.discover();
  ASSERT_EQ(t.packages.size(), 2U);
  const auto& p5 = t.packages[static_cast<std::size_t>(cpu(t, 5).package)];
  EXPECT_FALSE(p5.id.has_value());
  EXPECT_EQ(p5.cpus, set_of({5}));
}

TEST(TopologyTest, CoreIdMinusOneIsAnUnknownIdOfAStillPairedCore) {
  const auto t = Tree("unknown-core-id").discover();
  EXPECT_EQ(t.cores.size(), 16U);
  const auto& core = t.cores[static_cast<std::size_t>(cpu(t, 3).core)];
  EXPECT_FALSE(core.core_id.has_value());
  EXPECT_EQ(core.cpus, set_of({3, 19}));
  ASSERT_EQ(t.warnings.size(), 1U);
  EXPECT_THAT(t.warnings[0], HasSubstr("cpu3/topology/core_id: id '-1' is out of range, recorded as unknown "
                                       "(and on 1 more CPUs)"));
}

TEST(TopologyTest, CacheIdOfU32MinusOneIsUnknownAndCcdsComeFromOrder) {
  const auto t = Tree("unknown-cache-id").discover();
  ASSERT_EQ(t.llcs.size(), 2U);
  for (const auto& l : t.llcs) EXPECT_FALSE(l.id.has_value());
  EXPECT_EQ(t.ccds.size(), 2U);
  EXPECT_NE(cpu(t, 0).ccd, cpu(t, 8).ccd);
  ASSERT_EQ(t.warnings.size(), 1U);
  EXPECT_THAT(t.warnings[0], HasSubstr("cpu0/cache/index3/id: id '4294967295' is out of range"));
}

TEST(TopologyTest, LargestKnownIdIsNotAWarning) {
  Tree tree("amd-9950x");
  tree.write("sys/devices/system/cpu/cpu2/topology/core_id", "4294967294");
  const auto t = tree.discover();
  EXPECT_EQ(t.cores[static_cast<std::size_t>(cpu(t, 2).core)].core_id,
            std::optional<std::uint64_t>(4294967294U));
  EXPECT_TRUE(t.warnings.empty());
}

TEST(TopologyTest, GoodTreeHasNoWarnings) { EXPECT_TRUE(Tree("amd-9950x").discover().warnings.empty()); }

TEST(TopologyTest, NegativeGarbageIsStillAnError) {
  Tree tree("amd-9950x");
  tree.write("sys/devices/system/cpu/cpu2/topology/core_id", "-1x");
  EXPECT_THAT(tree.error(), HasSubstr("cpu2/topology/core_id: not an unsigned integer: '-1x'"));
  tree.write("sys/devices/system/cpu/cpu2/topology/core_id", "-");
  EXPECT_THAT(tree.error(), HasSubstr("cpu2/topology/core_id: not an unsigned integer: '-'"));
}

// ---- Broken trees: one clear error naming the file ----

TEST(TopologyTest, GarbagePackageIdNamesTheFile) {
  EXPECT_THAT(Tree("broken-garbage-package-id").error(),
              HasSubstr("cpu5/topology/physical_package_id: not an unsigned integer: 'banana'"));
}

TEST(TopologyTest, MissingSiblingsNameTheFile) {
  EXPECT_THAT(Tree("broken-missing-siblings").error(),
              HasSubstr("cpu7/topology/thread_siblings_list: missing (and no thread_siblings either)"));
}

TEST(TopologyTest, GarbageOptionalFactIsAnErrorNotASilentZero) {
  EXPECT_THAT(Tree("broken-garbage-rank").error(),
              HasSubstr("cpu3/cpufreq/amd_pstate_prefcore_ranking: not an unsigned integer: '12x'"));
}

TEST(TopologyTest, MissingTopologyDirOfAnOnlineCpuNamesIt) {
  Tree tree("amd-9950x");
  tree.remove("sys/devices/system/cpu/cpu12/topology");
  EXPECT_THAT(tree.error(), HasSubstr("cpu12/topology: missing for online cpu12"));
}

TEST(TopologyTest, OnlineCpuWithoutDirectoryNamesIt) {
  Tree tree("amd-9950x");
  tree.write("sys/devices/system/cpu/online", "0-32");
  EXPECT_THAT(tree.error(), HasSubstr("cpu32: missing, but cpu32 is online"));
}

TEST(TopologyTest, GarbageCacheSizeAndListNameTheFile) {
  Tree tree("amd-9950x");
  tree.write("sys/devices/system/cpu/cpu2/cache/index3/size", "lots");
  EXPECT_THAT(tree.error(), HasSubstr("cpu2/cache/index3/size: not a cache size: 'lots'"));
  tree.write("sys/devices/system/cpu/cpu2/cache/index3/size", "32768K");
  tree.write("sys/devices/system/cpu/cpu2/cache/index3/shared_cpu_list", "0-7,x");
  EXPECT_THAT(tree.error(), HasSubstr("cpu2/cache/index3/shared_cpu_list: bad cpu list item 'x'"));
}

TEST(TopologyTest, GarbageOnlineListNamesTheFile) {
  Tree tree("amd-9950x");
  tree.write("sys/devices/system/cpu/online", "0-3,seven");
  EXPECT_THAT(tree.error(), HasSubstr("cpu/online: bad cpu list item 'seven'"));
}

TEST(TopologyTest, RootThatIsNotSysfsSaysWhatIsMissing) {
  TempDir dir("topo-empty");
  auto t = topo::discover(dir.path());
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().message(),
            (dir.path() / "sys/devices/system/cpu").string() + ": missing: not a sysfs tree");
}

// ---- Output ----

TEST(TopologyTest, JsonCarriesTheDocumentedFields) {
  const auto j = topo::to_json(Tree("amd-7950x3d").discover());
  EXPECT_EQ(j["cpus"], 32);
  EXPECT_EQ(j["cores"], 16);
  EXPECT_EQ(j["llcs"], 2);
  EXPECT_EQ(j["ccds"], 2);
  EXPECT_EQ(j["numa_nodes"], 1);
  EXPECT_EQ(j["packages"], 1);
  EXPECT_EQ(j["smt"], true);
  EXPECT_EQ(j["vcache_ccds"].size(), 1U);
  EXPECT_EQ(j["x3d_mode"], "frequency");
  const auto& c19 = j["per_cpu"][19];
  EXPECT_EQ(c19["cpu"], 19);
  EXPECT_EQ(c19["siblings"], (std::vector<int>{3, 19}));
  EXPECT_EQ(c19["prefcore_rank"], 181);
  EXPECT_EQ(c19["type"], "performance");
  EXPECT_EQ(c19["vcache"], true);
  EXPECT_EQ(c19["node"], 0);
  EXPECT_EQ(c19["package"], 0);
  EXPECT_EQ(c19["ccd"], j["vcache_ccds"][0]);
}

TEST(TopologyTest, JsonX3dModeIsCacheOrNullWithoutTheDriver) {
  EXPECT_EQ(topo::to_json(Tree("amd-7950x3d-cache").discover())["x3d_mode"], "cache");
  EXPECT_TRUE(topo::to_json(Tree("amd-9800x3d").discover())["x3d_mode"].is_null());
}

TEST(TopologyTest, TreeTextMarksVCacheRanksAndTypes) {
  const auto text = topo::to_text(Tree("amd-7950x3d").discover());
  EXPECT_THAT(text, HasSubstr("L3, 96 MiB) [V-Cache]"));
  EXPECT_THAT(text, HasSubstr("core 3: cpu3 [P rank 181], cpu19 [P rank 181]"));
  EXPECT_THAT(text, HasSubstr("amd_x3d_mode frequency"));
  const auto hybrid = topo::to_text(Tree("intel-14900k").discover());
  EXPECT_THAT(hybrid, HasSubstr("cpu16 [E rank 52]"));
}

}  // namespace
