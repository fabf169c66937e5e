// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The topology model as the BPF scheduler's cpu_info map gets it, on the fixture machines.
#include "ghostbrew/sched/cpu_map.hpp"

#include <gtest/gtest.h>

#include "../topology/sysfs_tree.hpp"
#include "ghostbrew/topology/discover.hpp"
#include "support/temp_dir.hpp"

namespace ghostbrew::sched {
namespace {

using ghostbrew::testing::TempDir;

CpuMap map_of(const std::string& fixture) {
  TempDir dir("cpumap");
  topology::testing::write_fixture(std::filesystem::path(GHOSTBREW_TEST_FIXTURES) / "topology", fixture,
                                   dir.path());
  auto topo = topology::discover(dir.path());
  EXPECT_TRUE(topo) << topo.error().message();
  return topo ? build_cpu_map(*topo) : CpuMap{};
}

bool has(const gb_cpu_info& c, unsigned flag) { return (c.flags & flag) != 0; }

TEST(CpuMapTest, UnknownIdsStillGiveAFullMap) {
  for (const char* fixture : {"unknown-package-id", "unknown-core-id", "unknown-cache-id"}) {
    const auto m = map_of(fixture);
    ASSERT_EQ(m.cpus.size(), 32U) << fixture;
    EXPECT_EQ(m.nr_llcs, 2U) << fixture;
    EXPECT_EQ(m.nr_ccds, 2U) << fixture;
    for (const auto& c : m.cpus) EXPECT_TRUE(has(c, GB_CPU_VALID)) << fixture;
    EXPECT_EQ(m.cpus[3].smt_sibling, 19) << fixture;
  }
}

TEST(CpuMapTest, VCacheCcdOf7950X3DIsFlaggedAndItsFasterCoresArePreferred) {
  const auto m = map_of("amd-7950x3d");
  ASSERT_EQ(m.cpus.size(), 32U);
  EXPECT_EQ(m.nr_llcs, 2U);
  EXPECT_EQ(m.nr_ccds, 2U);
  EXPECT_EQ(m.nr_nodes, 1U);
  for (int cpu = 0; cpu < 32; ++cpu) {
    const auto& c = m.cpus[static_cast<std::size_t>(cpu)];
    const bool ccd0 = cpu % 16 < 8;  // cpus 0-7,16-23 carry the 96 MiB L3
    EXPECT_TRUE(has(c, GB_CPU_VALID)) << cpu;
    EXPECT_EQ(has(c, GB_CPU_VCACHE), ccd0) << cpu;
    EXPECT_EQ(c.smt_sibling, cpu < 16 ? cpu + 16 : cpu - 16) << cpu;
  }
  EXPECT_NE(m.cpus[0].llc, m.cpus[8].llc);
  EXPECT_NE(m.cpus[0].ccd, m.cpus[8].ccd);
  EXPECT_EQ(m.cpus[0].ccd, m.cpus[16].ccd);
  // The fixture ranks CCD1's cores 271, 266, ... above CCD0's: the best quarter (4 of 16 cores) is
  // cores 8-11 and their SMT siblings 24-27.
  EXPECT_EQ(m.nr_preferred, 8U);
  for (int cpu : {8, 9, 10, 11, 24, 25, 26, 27})
    EXPECT_TRUE(has(m.cpus[static_cast<std::size_t>(cpu)], GB_CPU_PREFERRED)) << cpu;
  for (int cpu : {0, 7, 12, 15, 16, 28})
    EXPECT_FALSE(has(m.cpus[static_cast<std::size_t>(cpu)], GB_CPU_PREFERRED)) << cpu;
  EXPECT_EQ(m.cpus[8].prefcore_rank, 276U - 40U);
}

TEST(CpuMapTest, HybridEfficiencyCoresAreTyped) {
  const auto m = map_of("intel-14900k");
  std::size_t e = 0, p = 0;
  for (const auto& c : m.cpus) {
    e += c.type == GB_CPU_TYPE_EFFICIENCY;
    p += c.type == GB_CPU_TYPE_PERFORMANCE;
  }
  EXPECT_EQ(e, 16U);  // 16 E-cores, one thread each
  EXPECT_EQ(p, 16U);  // 8 P-cores, two threads each
}

TEST(CpuMapTest, OfflineCpusAndHolesHaveSlotsButAreNotValid) {
  TempDir dir("cpumap");
  topology::testing::write_fixture(std::filesystem::path(GHOSTBREW_TEST_FIXTURES) / "topology",
                                   "broken-offline-holes", dir.path());
  auto topo = topology::discover(dir.path());
  ASSERT_TRUE(topo) << topo.error().message();
  const auto m = build_cpu_map(*topo);
  int max_id = -1;
  for (int id : topo->possible.ids()) max_id = std::max(max_id, id);
  ASSERT_EQ(m.cpus.size(), static_cast<std::size_t>(max_id + 1));
  for (std::size_t id = 0; id < m.cpus.size(); ++id)
    EXPECT_EQ(has(m.cpus[id], GB_CPU_VALID), topo->online.contains(static_cast<int>(id))) << id;
}

TEST(CpuMapTest, SingleCcdX3DIsAllVCacheAndItsBestQuarterIsPreferred) {
  const auto m = map_of("amd-9800x3d");
  EXPECT_EQ(m.nr_ccds, 1U);
  for (const auto& c : m.cpus) EXPECT_TRUE(has(c, GB_CPU_VCACHE));
  // Ranks 236, 232, ... for cores 0-7: the best quarter is cores 0 and 1 with siblings 8 and 9.
  EXPECT_EQ(m.nr_preferred, 4U);
  for (int cpu : {0, 1, 8, 9})
    EXPECT_TRUE(has(m.cpus[static_cast<std::size_t>(cpu)], GB_CPU_PREFERRED)) << cpu;
}

TEST(CpuMapTest, MachineWithoutRanksPrefersNothing) {
  const auto m = map_of("amd-epyc-2s");
  EXPECT_EQ(m.nr_preferred, 0U);
  EXPECT_GT(m.nr_nodes, 1U);
}

}  // namespace
}  // namespace ghostbrew::sched
