// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
#include <gtest/gtest.h>

#include "ghostbrew/tuning/config.hpp"

namespace gt = ghostbrew::tuning;

TEST(TuningConfigTest, DefaultsMatchTheBpfObject) {
  const auto d = gt::defaults();
  EXPECT_EQ(d.mode, GB_MODE_AUTO);
  EXPECT_EQ(d.slice_us, 5000u);
  EXPECT_EQ(d.burst_threshold_us, 20000u);
  EXPECT_EQ(d.interactive_burst_us, 1000u);
  EXPECT_EQ(d.game_window_us, 1000u);
  EXPECT_TRUE(gt::validate(d));
}

TEST(TuningConfigTest, EveryBoundIsInclusiveAndNamedInTheError) {
  struct Case {
    gt::Setting s;
    std::uint64_t lo, hi;
    const char* name;
  };
  const Case cases[] = {{gt::Setting::slice, 500, 20000, "slice_us"},
                        {gt::Setting::burst_threshold, 2000, 100000, "burst_threshold_us"},
                        {gt::Setting::interactive_burst, 100, 5000, "interactive_burst_us"},
                        {gt::Setting::game_window, 250, 8000, "game_window_us"}};
  for (const auto& k : cases) {
    SCOPED_TRACE(k.name);
    auto c = gt::defaults();
    c.burst_threshold_us = 10000;  // keeps interactive burst 5000 below it
    gt::field(c, k.s) = k.lo;
    if (k.s == gt::Setting::burst_threshold) c.interactive_burst_us = 100;
    EXPECT_TRUE(gt::validate(c));
    gt::field(c, k.s) = k.hi;
    EXPECT_TRUE(gt::validate(c));
    gt::field(c, k.s) = k.lo - 1;
    auto low = gt::validate(c);
    ASSERT_FALSE(low);
    EXPECT_EQ(low.error().where, k.name);
    EXPECT_NE(low.error().what.find("outside"), std::string::npos) << low.error().message();
    gt::field(c, k.s) = k.hi + 1;
    auto high = gt::validate(c);
    ASSERT_FALSE(high);
    EXPECT_EQ(high.error().where, k.name);
  }
}

TEST(TuningConfigTest, InteractiveBurstMustStayBelowBurstThreshold) {
  auto c = gt::defaults();
  c.burst_threshold_us = 4000;
  c.interactive_burst_us = 4000;
  auto r = gt::validate(c);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().where, "interactive_burst_us");
  c.interactive_burst_us = 3900;
  EXPECT_TRUE(gt::validate(c));
}

TEST(TuningConfigTest, InvalidModeIsRejected) {
  auto c = gt::defaults();
  c.mode = GB_NR_MODES;  // the one out-of-range value the enum can hold without UB
  auto r = gt::validate(c);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().where, "mode");
}

TEST(TuningConfigTest, TunablesAreInNanoseconds) {
  gt::TuningConfig c{GB_MODE_GAMING, 4000, 30000, 700, 2000};
  const gb_tunables t = gt::to_tunables(c);
  EXPECT_EQ(t.slice_ns, 4'000'000u);
  EXPECT_EQ(t.burst_threshold_ns, 30'000'000u);
  EXPECT_EQ(t.interactive_burst_ns, 700'000u);
  EXPECT_EQ(t.game_window_ns, 2'000'000u);
}

TEST(TuningConfigTest, CommandLineUsesGhostSchedFlags) {
  EXPECT_EQ(gt::to_command_line({GB_MODE_GAMING, 4000, 30000, 700, 2000}),
            "ghost-sched --gaming --slice-us 4000 --burst-threshold-us 30000 --interactive-burst-us 700 "
            "--game-window-us 2000");
  EXPECT_EQ(gt::to_command_line({GB_MODE_WORK, 500, 2000, 100, 250}).substr(0, 24),
            "ghost-sched --work --sli");
  EXPECT_EQ(gt::to_command_line(gt::defaults()).substr(0, 18), "ghost-sched --auto");
}

TEST(TuningConfigTest, ModeNamesRoundTrip) {
  for (gb_mode m : {GB_MODE_AUTO, GB_MODE_GAMING, GB_MODE_WORK}) {
    auto p = gt::parse_mode(gt::mode_name(m));
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, m);
  }
  auto bad = gt::parse_mode("turbo", "profile.json");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().where, "profile.json");
}
