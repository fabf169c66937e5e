// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// ghost-sched's options against the settings table: defaults, bounds, and what the loader writes
// into the BPF object's gb_config.
#include "ghostbrew/sched/options.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>

namespace ghostbrew::sched {
namespace {

namespace t = ghostbrew::tuning;

TEST(OptionsTest, EverySettingHasOneOptionsMemberWithTheTableDefault) {
  const Options o;
  std::set<t::Setting> seen;
  for_each_setting(o, [&](const t::SettingInfo& s, const auto& v) {
    EXPECT_TRUE(seen.insert(s.id).second) << s.name << " twice";
    EXPECT_EQ(static_cast<std::uint64_t>(v), s.def) << s.name;
  });
  EXPECT_EQ(seen.size(), t::kSettingTable.size());
  EXPECT_EQ(o.mode, t::kDefaultMode);
  EXPECT_TRUE(validate(o)) << validate(o).error().message();
}

TEST(OptionsTest, EachSettingIsRefusedJustOutsideItsBoundsAndKeptAtThem) {
  for (const auto& row : t::kSettingTable) {
    const auto with = [&](std::uint64_t value) {
      Options o;
      o.interactive_burst_us = 100;   // below every allowed burst threshold
      o.burst_threshold_us = 100000;  // above every allowed interactive burst
      for_each_setting(o, [&](const t::SettingInfo& s, auto& v) {
        if (s.id == row.id) v = static_cast<std::remove_reference_t<decltype(v)>>(value);
      });
      return validate(o);
    };
    EXPECT_TRUE(with(row.min)) << row.name;
    EXPECT_TRUE(with(row.max)) << row.name;
    const auto high = with(row.max + 1);
    ASSERT_FALSE(high) << row.name;
    EXPECT_EQ(high.error().message(),
              fmt::format("{}: {} is outside {}..{} {}", row.flag, row.max + 1, row.min, row.max, row.unit));
    if (row.min > 0) {
      EXPECT_FALSE(with(row.min - 1)) << row.name;
    }
  }
}

TEST(OptionsTest, InteractiveBurstMustStayBelowTheBurstThreshold) {
  Options o;
  o.interactive_burst_us = 4000;
  o.burst_threshold_us = 4000;
  const auto r = validate(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().where, "--interactive-burst-us");
}

TEST(OptionsTest, LoaderWritesEverySettingBpfHas) {
  Options o;
  o.mode = GB_MODE_WORK;
  o.slice_us = 600;
  o.burst_threshold_us = 3000;
  o.interactive_burst_us = 200;
  o.game_window_us = 300;
  o.heartbeat_stale_ms = 700;
  o.wake_chain_hops = 3;
  o.irq_wake_hops = 2;
  o.frame_pacing = 1;
  gb_config c{};
  apply(o, c);
  EXPECT_EQ(c.slice_ns, 600'000U);
  EXPECT_EQ(c.burst_threshold_ns, 3'000'000U);
  EXPECT_EQ(c.interactive_burst_ns, 200'000U);
  EXPECT_EQ(c.class_window_ns[GB_CLASS_GAMING], 300'000U);
  EXPECT_EQ(c.heartbeat_stale_ns, 700'000'000U);
  EXPECT_EQ(c.mode, static_cast<__u32>(GB_MODE_WORK));
  EXPECT_EQ(c.wake_chain_hops, 3U);
  EXPECT_EQ(c.irq_wake_hops, 2U);
  EXPECT_EQ(c.frame_pacing, 1U);
  // Everything else keeps the object's value.
  gb_config untouched{};
  std::memset(&untouched, 0xab, sizeof untouched);
  apply(o, untouched);
  EXPECT_EQ(untouched.max_window_ns, 0xababababababababULL);
  EXPECT_EQ(untouched.class_window_ns[GB_CLASS_BATCH], 0xababababababababULL);
}

TEST(OptionsTest, ModeNamesAreTheTables) {
  EXPECT_EQ(to_string(GB_MODE_AUTO), "auto");
  EXPECT_EQ(to_string(GB_MODE_GAMING), "gaming");
  EXPECT_EQ(to_string(GB_MODE_WORK), "work");
  for (const auto& m : t::kModes) EXPECT_EQ(to_string(m.mode), m.name);
}

}  // namespace
}  // namespace ghostbrew::sched
