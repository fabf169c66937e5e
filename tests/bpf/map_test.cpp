// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Typed maps on the host kernel: element operations, full-map errors, LRU eviction, per-CPU values.
#include <sched.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

#include "gbt_maps_test_bpfobj.h"
#include "ghostbrew/bpf/map.hpp"
#include "ghostbrew/core/cpuset.hpp"
#include "maps_fixture.hpp"
#include "maps_test.h"
#include "support.hpp"

namespace ghostbrew::bpf {
namespace {

class BpfMaps : public testing::MapsTestObject<true> {};

TEST_F(BpfMaps, HashMapUpdateLookupEraseAndKeys) {
  auto hash = HashMap<std::uint32_t, std::uint64_t>::from(obj(), "hash");
  GB_ASSERT_OK(hash);
  GB_ASSERT_OK(hash->update(1, 100));
  GB_ASSERT_OK(hash->update(2, 200));
  auto v = hash->lookup(2);
  GB_ASSERT_OK(v);
  EXPECT_EQ(*v, std::optional<std::uint64_t>(200));
  auto absent = hash->lookup(3);
  GB_ASSERT_OK(absent);
  EXPECT_EQ(*absent, std::nullopt);
  auto keys = hash->keys();
  GB_ASSERT_OK(keys);
  std::ranges::sort(*keys);
  EXPECT_EQ(*keys, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(hash->erase(1).value(), true);
  EXPECT_EQ(hash->erase(1).value(), false);
  EXPECT_EQ(hash->lookup(1)->has_value(), false);
}

TEST_F(BpfMaps, UpdateFlagsRefuseExistingOrMissingKeysWithTheKernelsReason) {
  auto hash = HashMap<std::uint32_t, std::uint64_t>::from(obj(), "hash");
  GB_ASSERT_OK(hash);
  GB_EXPECT_ERROR(hash->update(5, 1, UpdateFlag::exist),
                  "map 'hash': update failed: No such file or directory");
  GB_ASSERT_OK(hash->update(5, 1, UpdateFlag::no_exist));
  GB_EXPECT_ERROR(hash->update(5, 2, UpdateFlag::no_exist), "update failed: File exists");
  GB_ASSERT_OK(hash->update(5, 3, UpdateFlag::exist));
  EXPECT_EQ(hash->lookup(5)->value(), 3U);
}

TEST_F(BpfMaps, FullHashMapRefusesANewKey) {
  auto hash = HashMap<std::uint32_t, std::uint64_t>::from(obj(), "hash");
  GB_ASSERT_OK(hash);
  for (std::uint32_t k = 0; k < GB_TEST_HASH_ENTRIES; ++k) GB_ASSERT_OK(hash->update(k, k));
  GB_EXPECT_ERROR(hash->update(GB_TEST_HASH_ENTRIES, 0), "map 'hash': update failed: Argument list too long");
  EXPECT_EQ(hash->keys()->size(), std::size_t{GB_TEST_HASH_ENTRIES});
}

TEST_F(BpfMaps, LruHashEvictsInsteadOfRefusing) {
  auto lru = LruHashMap<std::uint32_t, std::uint64_t>::from(obj(), "lru");
  GB_ASSERT_OK(lru);
  constexpr std::uint32_t inserted = GB_TEST_LRU_ENTRIES * 10;
  for (std::uint32_t k = 0; k < inserted; ++k) GB_ASSERT_OK(lru->update(k, k * 2));
  auto keys = lru->keys();
  GB_ASSERT_OK(keys);
  EXPECT_GT(keys->size(), 0U);
  EXPECT_LE(keys->size(), std::size_t{GB_TEST_LRU_ENTRIES});
  EXPECT_EQ(lru->lookup(inserted - 1)->value_or(0), (inserted - 1) * 2);  // the newest survives
  EXPECT_FALSE(lru->lookup(0)->has_value());                              // the oldest was evicted
}

TEST_F(BpfMaps, ArrayMapIndexesElementsAndReportsOutOfRange) {
  auto stats = ArrayMap<gb_test_stat>::from(obj(), "stats");
  GB_ASSERT_OK(stats);
  EXPECT_EQ(stats->size(), std::uint32_t{GB_TEST_ARRAY_ENTRIES});
  GB_ASSERT_OK(stats->update(2, gb_test_stat{3, 99}));
  auto all = stats->values();
  GB_ASSERT_OK(all);
  ASSERT_EQ(all->size(), std::size_t{GB_TEST_ARRAY_ENTRIES});
  EXPECT_EQ((*all)[2].count, 3U);
  EXPECT_EQ((*all)[2].sum, 99U);
  EXPECT_EQ((*all)[1].count, 0U);  // arrays are zero-filled
  EXPECT_FALSE(stats->lookup(GB_TEST_ARRAY_ENTRIES)->has_value());
  GB_EXPECT_ERROR(stats->update(GB_TEST_ARRAY_ENTRIES, gb_test_stat{}), "map 'stats': update failed");
}

TEST_F(BpfMaps, PerCpuValuesCoverEveryPossibleCpuAndSum) {
  auto per_cpu = PerCpuArray<std::uint64_t>::from(obj(), "runs_per_cpu");
  GB_ASSERT_OK(per_cpu);
  auto possible = read_cpulist("/sys/devices/system/cpu/possible");
  GB_ASSERT_OK(possible);
  ASSERT_EQ(per_cpu->cpus(), possible->size());
  std::vector<std::uint64_t> values(per_cpu->cpus());
  std::iota(values.begin(), values.end(), 1);  // CPU i holds i + 1
  GB_ASSERT_OK(per_cpu->update_all(0, values));
  EXPECT_EQ(per_cpu->lookup_all(0).value(), values);
  const std::uint64_t n = values.size();
  EXPECT_EQ(per_cpu->sum(0).value(), n * (n + 1) / 2);
  auto max =
      per_cpu->fold(0, std::uint64_t{0}, [](std::uint64_t a, std::uint64_t v) { return std::max(a, v); });
  EXPECT_EQ(max.value(), n);
  GB_EXPECT_ERROR(per_cpu->update_all(0, std::vector<std::uint64_t>(n + 1)),
                  "gives " + std::to_string(n + 1));
  GB_EXPECT_ERROR(per_cpu->lookup_all(1), "index 1 out of range");
}

// The program counts its runs in the slot of the CPU it ran on: run it once pinned to each online
// CPU and every one of those slots must read 1.
TEST_F(BpfMaps, PerCpuSlotsAreFilledByTheCpuTheProgramRanOn) {
  auto per_cpu = PerCpuArray<std::uint64_t>::from(obj(), "runs_per_cpu");
  GB_ASSERT_OK(per_cpu);
  auto online = read_cpulist("/sys/devices/system/cpu/online");
  GB_ASSERT_OK(online);
  cpu_set_t saved;
  ASSERT_EQ(::sched_getaffinity(0, sizeof saved, &saved), 0);
  for (const int cpu : online->ids()) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    ASSERT_EQ(::sched_setaffinity(0, sizeof one, &one), 0) << "cpu " << cpu;
    GB_ASSERT_OK(obj().run("record"));
  }
  ASSERT_EQ(::sched_setaffinity(0, sizeof saved, &saved), 0);
  auto all = per_cpu->lookup_all(0);
  GB_ASSERT_OK(all);
  for (const int cpu : online->ids()) EXPECT_EQ((*all)[static_cast<std::size_t>(cpu)], 1U) << "cpu " << cpu;
  EXPECT_EQ(per_cpu->sum(0).value(), online->size());
}

}  // namespace
}  // namespace ghostbrew::bpf
