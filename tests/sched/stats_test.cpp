#include "ghostbrew/sched/stats.hpp"

#include <gtest/gtest.h>

namespace ghostbrew::sched {
namespace {

TEST(StatsTest, PerCpuCopiesSumCounterByCounter) {
  gb_stats a{}, b{};
  a.dispatched[GB_CLASS_GAMING] = 3;
  b.dispatched[GB_CLASS_GAMING] = 4;
  a.stale_heartbeat = 1;
  b.ringbuf_drops = 9;
  a += b;
  EXPECT_EQ(a.dispatched[GB_CLASS_GAMING], 7U);
  EXPECT_EQ(a.stale_heartbeat, 1U);
  EXPECT_EQ(a.ringbuf_drops, 9U);
}

TEST(StatsTest, LineGivesRatesPerSecondAndShares) {
  gb_stats before{}, now{};
  now.dispatched[GB_CLASS_GAMING] = 200;
  now.dispatched[GB_CLASS_BATCH] = 200;
  now.direct_dispatches = 100;  // 100 of 400 dispatches: 25 %
  now.ccd_local = 30;
  now.xccd_migrations = 10;  // 30 of 40 runs stayed on their CCD: 75 %
  const auto line = format_stats(delta(now, before), 2.0);
  EXPECT_EQ(line.rfind("stats: ", 0), 0U) << line;
  EXPECT_NE(line.find("game=100 "), std::string::npos) << line;
  EXPECT_NE(line.find("batch=100 "), std::string::npos) << line;
  EXPECT_NE(line.find("direct=25.0%"), std::string::npos) << line;
  EXPECT_NE(line.find("xccd/s=5 "), std::string::npos) << line;
  EXPECT_NE(line.find("ccd_local=75.0%"), std::string::npos) << line;
}

}  // namespace
}  // namespace ghostbrew::sched
