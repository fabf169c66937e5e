// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
#include "ghostbrew/core/cpuset.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace ghostbrew {
namespace {

TEST(CpuSetTest, ParsesRangesAndSingles) {
  auto s = parse_cpulist("0-3,8,10-11\n", "t");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->ids(), (std::vector<int>{0, 1, 2, 3, 8, 10, 11}));
  EXPECT_EQ(s->to_list(), "0-3,8,10-11");
  EXPECT_EQ(s->size(), 7U);
  EXPECT_EQ(s->first(), 0);
}

TEST(CpuSetTest, EmptyListIsEmptySet) {
  auto s = parse_cpulist("\n", "t");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->empty());
  EXPECT_EQ(s->first(), -1);
}

TEST(CpuSetTest, IdsAbove256AreKept) {
  auto s = parse_cpulist("0,300-301,1023", "t");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->contains(1023));
  EXPECT_TRUE(s->contains(300));
  EXPECT_FALSE(s->contains(299));
  EXPECT_EQ(s->size(), 4U);
}

TEST(CpuSetTest, GarbageListIsAnErrorNamingTheFile) {
  for (const char* bad : {"0-", "a-3", "3-1", "0,,2", "0-99999999999"}) {
    auto s = parse_cpulist(bad, "/sys/x/shared_cpu_list");
    ASSERT_FALSE(s) << bad;
    EXPECT_NE(s.error().message().find("/sys/x/shared_cpu_list"), std::string::npos);
  }
}

TEST(CpuSetTest, HexMaskWordsAreMostSignificantFirst) {
  auto s = parse_cpumask("00000001,0000000f\n", "t");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->ids(), (std::vector<int>{0, 1, 2, 3, 32}));
  auto u = parse_cpumask("ff00", "t");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->to_list(), "8-15");
}

TEST(CpuSetTest, HexMaskRejectsNonHex) {
  EXPECT_FALSE(parse_cpumask("0000000g", "t"));
  EXPECT_FALSE(parse_cpumask("", "t"));
}

}  // namespace
}  // namespace ghostbrew
