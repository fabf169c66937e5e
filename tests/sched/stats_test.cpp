// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
#include "ghostbrew/sched/stats.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <set>
#include <string>

namespace ghostbrew::sched {
namespace {

// gb_stats is nothing but __u64 counters: these tests see it as words, independently of the counter
// list, so a counter that summing, deltas or printing forget fails them.
constexpr std::size_t kWords = sizeof(gb_stats) / sizeof(__u64);
using Words = std::array<__u64, kWords>;
static_assert(sizeof(Words) == sizeof(gb_stats));

gb_stats from_words(const Words& w) {
  gb_stats s;
  std::memcpy(&s, w.data(), sizeof s);
  return s;
}

Words words(const gb_stats& s) {
  Words w;
  std::memcpy(w.data(), &s, sizeof s);
  return w;
}

TEST(StatsTest, CounterListNamesEveryMemberOnce) {
  std::set<std::string> names;
  std::size_t bytes = 0;
  for_each_counter([&](std::string_view name, auto member) {
    names.emplace(name);
    bytes += sizeof(gb_stats{}.*member);
  });
  EXPECT_EQ(names.size(), 22U);
  EXPECT_EQ(bytes, sizeof(gb_stats));
  EXPECT_TRUE(names.contains("dispatched") && names.contains("started") && names.contains("observed") &&
              names.contains("chain_boosts") && names.contains("irq_boosts") &&
              names.contains("pace_boosts") && names.contains("rt_rescued"));
}

TEST(StatsTest, PerCpuCopiesSumEveryCounter) {
  Words a{}, b{};
  for (std::size_t i = 0; i < kWords; ++i) {
    a[i] = 1000 + i;
    b[i] = 7 * (i + 1);
  }
  gb_stats sum = from_words(a);
  sum += from_words(b);
  const Words got = words(sum);
  for (std::size_t i = 0; i < kWords; ++i) EXPECT_EQ(got[i], a[i] + b[i]) << "word " << i;
}

TEST(StatsTest, DeltaSubtractsEveryCounter) {
  Words before{}, now{};
  for (std::size_t i = 0; i < kWords; ++i) {
    before[i] = 100 + i;
    now[i] = before[i] + 3 * (i + 1);
  }
  const Words got = words(delta(from_words(now), from_words(before)));
  for (std::size_t i = 0; i < kWords; ++i) EXPECT_EQ(got[i], 3 * (i + 1)) << "word " << i;
}

TEST(StatsTest, EveryCounterReachesTheLine) {
  Words base{};
  base.fill(1000);
  const auto line = format_stats(from_words(base), 1.0);
  for (std::size_t i = 0; i < kWords; ++i) {
    Words more = base;
    more[i] = 3000;
    EXPECT_NE(format_stats(from_words(more), 1.0), line) << "word " << i << " does not show in " << line;
  }
}

TEST(StatsTest, LineGivesRatesPerSecondAndShares) {
  gb_stats before{}, now{};
  now.dispatched[GB_CLASS_GAMING] = 200;
  now.dispatched[GB_CLASS_BATCH] = 200;
  now.direct_dispatches = 100;  // 100 of 400 dispatches: 25 %
  now.ccd_local = 30;
  now.xccd_migrations = 10;  // 30 of 40 runs stayed on their CCD: 75 %
  now.started[GB_CLASS_GAMING] = 8;
  now.predicted = 2;  // 2 of 8 started: 25 %
  now.stale_heartbeat = 3;
  now.ringbuf_drops = 4;
  now.rt_reenqueues = 6;
  now.rt_avoided = 7;
  now.rt_rescued = 9;
  const auto line = format_stats(delta(now, before), 2.0);
  EXPECT_EQ(line.rfind("stats: ", 0), 0U) << line;
  EXPECT_NE(line.find("game=100 "), std::string::npos) << line;
  EXPECT_NE(line.find("batch=100 "), std::string::npos) << line;
  EXPECT_NE(line.find("direct=25.0%"), std::string::npos) << line;
  EXPECT_NE(line.find("xccd/s=5 "), std::string::npos) << line;
  EXPECT_NE(line.find("ccd_local=75.0%"), std::string::npos) << line;
  EXPECT_NE(line.find("started/s=4 predicted=25.0%"), std::string::npos) << line;
  EXPECT_NE(line.find("stale=3 drops=4 rt=6 rt_avoided=7 rt_rescued=9 "), std::string::npos) << line;
}

}  // namespace
}  // namespace ghostbrew::sched
