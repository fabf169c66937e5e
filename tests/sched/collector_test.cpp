// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Collector against fake knobs and counters: it samples only while the feeder has a game, applies
// the game's saved profile when the game appears, and restores the load-time settings when it ends.
#include "ghostbrew/sched/collector.hpp"

#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "../detect/fake_proc.hpp"
#include "fakes.hpp"
#include "support/temp_dir.hpp"

namespace gs = ghostbrew::sched;
namespace tuning = ghostbrew::tuning;
using ghostbrew::testing::FakeClassMaps;
using ghostbrew::testing::FakeCounters;
using ghostbrew::testing::FakeKnobs;
using ghostbrew::testing::FakeProc;
using ghostbrew::testing::FakeRoot;
using ghostbrew::testing::TempDir;

namespace {

/// A plain process `comm` at `pid`.
FakeProc proc(int pid, std::string comm) {
  FakeProc p;
  p.pid = pid;
  p.comm = std::move(comm);
  return p;
}

class CollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.write("proc/stat", "cpu  100 0 50 800 10 0 0 0 0 0\n");
    root_.add(proc(10, "bash"));
    opts_.root = root_.root().string();
    opts_.collect = true;
    opts_.profiles = true;
    opts_.tune = false;
  }

  gs::Collector collector() {
    auto c = gs::Collector::create(
        opts_, state_.path(), "Test CPU", [](const std::string&) {},
        [](const std::string& e) { ADD_FAILURE() << e; });
    EXPECT_TRUE(c) << c.error().message();
    return std::move(*c);
  }

  /// The game starts: the feeder sees it by a scan.
  void start_game() {
    root_.add(proc(100, "game.exe"));
    ASSERT_TRUE(feeder_.full_scan(maps_));
  }
  void end_game() {
    gb_event e{};
    e.kind = GB_EVENT_EXIT;
    e.pid = e.tgid = 100;
    feeder_.on_exit(maps_, e);
  }
  /// Gaming wake-ups happen during the period.
  void gaming_wakeups(std::uint64_t n) { counters_.histograms.wake_ns[GB_CLASS_GAMING][4] += n; }

  [[nodiscard]] std::size_t samples() const {
    auto all = tuning::load_all(state_.path());
    EXPECT_TRUE(all.errors.empty());
    return all.samples.size();
  }

  FakeRoot root_;
  TempDir state_{"collector"};
  gs::Options opts_;
  FakeClassMaps maps_;
  gs::ClassFeeder feeder_{root_.root()};
  FakeKnobs knobs_;
  FakeCounters counters_;
};

TEST_F(CollectorTest, WithoutAGameNothingIsSampled) {
  ASSERT_TRUE(feeder_.full_scan(maps_));
  auto c = collector();
  c.on_classes_changed(knobs_, counters_, feeder_);
  gaming_wakeups(100);
  c.tick(knobs_, counters_);
  EXPECT_EQ(counters_.reads, 0);
  EXPECT_EQ(samples(), 0U);
  EXPECT_TRUE(knobs_.writes.empty());
}

TEST_F(CollectorTest, SamplesWhileTheGameRunsAndStopsWhenItEnds) {
  auto c = collector();
  start_game();
  c.on_classes_changed(knobs_, counters_, feeder_);
  EXPECT_EQ(counters_.reads, 1);  // the period's starting counters
  gaming_wakeups(100);
  c.tick(knobs_, counters_);
  auto all = tuning::load_all(state_.path());
  ASSERT_EQ(all.samples.size(), 1U);
  EXPECT_EQ(all.samples[0].game, "game.exe");
  EXPECT_EQ(all.samples[0].cpu_model, "Test CPU");
  EXPECT_EQ(all.samples[0].metrics.gaming_wakeups, 100U);
  EXPECT_EQ(all.samples[0].config, gs::Collector::configured(opts_));

  end_game();
  c.on_classes_changed(knobs_, counters_, feeder_);
  ASSERT_FALSE(knobs_.writes.empty());
  const gb_tunables load_time{};
  EXPECT_EQ(std::memcmp(&knobs_.writes.back(), &load_time, sizeof load_time), 0)
      << "the load-time settings are restored";
  const int reads = counters_.reads;
  gaming_wakeups(100);
  c.tick(knobs_, counters_);
  EXPECT_EQ(counters_.reads, reads);
  EXPECT_EQ(samples(), 1U);
}

TEST_F(CollectorTest, APeriodWithoutGamingWakeupsIsNotSampled) {
  auto c = collector();
  start_game();
  c.on_classes_changed(knobs_, counters_, feeder_);
  c.tick(knobs_, counters_);
  EXPECT_EQ(samples(), 0U);
  gaming_wakeups(5);
  c.tick(knobs_, counters_);  // the next period started at the previous tick
  EXPECT_EQ(samples(), 1U);
}

TEST_F(CollectorTest, TheGamesSavedProfileIsAppliedWhenItStarts) {
  auto cfg = gs::Collector::configured(opts_);
  cfg.slice_us = cfg.slice_us == 1000 ? 2000 : 1000;
  ASSERT_TRUE(tuning::save_profile(state_.path(), tuning::Profile{"game.exe", cfg}));
  auto c = collector();
  start_game();
  c.on_classes_changed(knobs_, counters_, feeder_);
  ASSERT_EQ(knobs_.writes.size(), 1U);
  const auto want = tuning::to_tunables(cfg);
  EXPECT_EQ(std::memcmp(&knobs_.writes[0], &want, sizeof want), 0);
  // The samples record the profile's settings as the ones in force.
  gaming_wakeups(10);
  c.tick(knobs_, counters_);
  auto all = tuning::load_all(state_.path());
  ASSERT_EQ(all.samples.size(), 1U);
  EXPECT_EQ(all.samples[0].config, cfg);
}

TEST(CurrentGameTest, PrefersTheExeOverItsHelpers) {
  FakeRoot root;
  auto helper = proc(50, "wineserver");
  helper.exe = "/usr/bin/wineserver";
  root.add(helper);
  root.add(proc(60, "game.exe"));
  FakeClassMaps maps;
  gs::ClassFeeder feeder(root.root());
  EXPECT_EQ(gs::current_game(feeder), std::nullopt);
  ASSERT_TRUE(feeder.full_scan(maps));
  EXPECT_EQ(gs::current_game(feeder), "game.exe");
}

}  // namespace
