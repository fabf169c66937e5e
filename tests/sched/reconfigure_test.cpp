// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// SIGHUP's re-read of the configuration file on the host: a bad file keeps the last good options (and
// the detection they give: the ClassFeeder, over fake class maps, still classifies by the old names);
// a good one replaces them, restarting the scheduler only when a load-time setting changed; the flags
// keep winning over the file across reloads.
#include "ghostbrew/sched/reconfigure.hpp"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../detect/fake_proc.hpp"
#include "fakes.hpp"
#include "ghostbrew/sched/class_feeder.hpp"
#include "ghostbrew/sched/daemon.hpp"
#include "support/temp_dir.hpp"

namespace gs = ghostbrew::sched;
using ghostbrew::testing::FakeClassMaps;
using ghostbrew::testing::FakeProc;
using ghostbrew::testing::FakeRoot;
using ghostbrew::testing::TempDir;
using ::testing::HasSubstr;
using Kind = gs::Reload::Kind;

namespace {

class ReconfigureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto [pid, comm] : {std::pair{100, "mygame"}, std::pair{200, "othergame"}}) {
      FakeProc p;
      p.pid = pid;
      p.comm = comm;
      root_.add(p);
    }
    src_.file = file_.string();
  }

  void write(const std::string& text) const { dir_.write("config.toml", text); }

  /// The class the feeder gives `pid` with the rules of `o`.
  std::uint32_t class_of(const gs::Options& o, std::uint32_t pid) {
    auto rules = gs::detail::load_rules(o);
    EXPECT_TRUE(rules) << rules.error().message();
    feeder_.set_rules(std::move(*rules));
    EXPECT_TRUE(feeder_.full_scan(maps_));
    auto it = maps_.tgid.find(pid);
    return it == maps_.tgid.end() ? std::uint32_t{GB_CLASS_DEFAULT} : it->second;
  }

  TempDir dir_{"reconfigure"};
  std::filesystem::path file_ = dir_ / "config.toml";
  gs::ConfigSource src_;
  FakeRoot root_;
  FakeClassMaps maps_;
  gs::ClassFeeder feeder_{root_.root()};
};

TEST_F(ReconfigureTest, ABadFileKeepsTheLastGoodConfigurationAndSaysWhy) {
  write("mode = \"gaming\"\n[names]\ngaming = [\"mygame\"]\n");
  auto good = gs::load_options(src_);
  ASSERT_TRUE(good) << good.error().message();
  EXPECT_EQ(good->mode, GB_MODE_GAMING);
  EXPECT_EQ(class_of(*good, 100), GB_CLASS_GAMING);

  write("mode = \"gaming\"\n[names]\ngaming = [\"othergame\"]\nbogus = 1\n");
  const auto r = gs::reload(*good, src_);
  EXPECT_EQ(r.kind, Kind::kept);
  EXPECT_THAT(r.line, HasSubstr("keeping the last good one"));
  EXPECT_THAT(r.line, HasSubstr(file_.string() + ":4: unknown key 'bogus'"));
  EXPECT_EQ(r.opts.mode, GB_MODE_GAMING);
  EXPECT_EQ(class_of(r.opts, 100), GB_CLASS_GAMING) << "the old names still classify";
  EXPECT_EQ(class_of(r.opts, 200), GB_CLASS_DEFAULT);

  std::filesystem::remove(file_);
  const auto gone = gs::reload(*good, src_);
  EXPECT_EQ(gone.kind, Kind::kept);
  EXPECT_THAT(gone.line, HasSubstr("cannot read"));
}

TEST_F(ReconfigureTest, AGoodFileWithNewNamesOnlyRescansWithoutARestart) {
  write("[names]\ngaming = [\"mygame\"]\n");
  auto good = gs::load_options(src_);
  ASSERT_TRUE(good) << good.error().message();
  write("[names]\ngaming = [\"othergame\"]\n");
  const auto r = gs::reload(*good, src_);
  EXPECT_EQ(r.kind, Kind::rules) << r.line;
  EXPECT_EQ(class_of(r.opts, 200), GB_CLASS_GAMING);
  EXPECT_EQ(class_of(r.opts, 100), GB_CLASS_DEFAULT);
}

TEST_F(ReconfigureTest, AChangedModeOrSettingRestartsTheScheduler) {
  write("mode = \"auto\"\n");
  auto good = gs::load_options(src_);
  ASSERT_TRUE(good) << good.error().message();
  write("mode = \"work\"\n");
  auto r = gs::reload(*good, src_);
  EXPECT_EQ(r.kind, Kind::restart) << r.line;
  EXPECT_EQ(r.opts.mode, GB_MODE_WORK);
  EXPECT_THAT(r.line, HasSubstr("mode auto -> work"));

  write("mode = \"auto\"\n[settings]\nslice_us = 3000\n");
  r = gs::reload(*good, src_);
  EXPECT_EQ(r.kind, Kind::restart) << r.line;
  EXPECT_EQ(r.opts.slice_us, 3000U);
}

TEST_F(ReconfigureTest, FlagsKeepWinningOverTheFileAcrossReloads) {
  src_.cli.slice_us = 2000;
  src_.flags.setting(ghostbrew::tuning::Setting::slice) = 2000;
  write("[settings]\nslice_us = 4000\ngame_window_us = 500\n");
  auto good = gs::load_options(src_);
  ASSERT_TRUE(good) << good.error().message();
  EXPECT_EQ(good->slice_us, 2000U);
  EXPECT_EQ(good->game_window_us, 500U);
  write("[settings]\nslice_us = 8000\ngame_window_us = 750\n");
  const auto r = gs::reload(*good, src_);
  EXPECT_EQ(r.kind, Kind::restart);
  EXPECT_EQ(r.opts.slice_us, 2000U) << "the flag still wins";
  EXPECT_EQ(r.opts.game_window_us, 750U);
}

// `ghost-sched ctl mode work`, then a reload that changes only names: the file's mode (auto) is put
// in force in BPF too, not only in what STATUS= and `ctl status` report.
TEST_F(ReconfigureTest, ARulesOnlyReloadPutsTheFilesModeBackInForce) {
  write("mode = \"auto\"\n[names]\ngaming = [\"mygame\"]\n");
  auto good = gs::load_options(src_);
  ASSERT_TRUE(good) << good.error().message();
  write("mode = \"auto\"\n[names]\ngaming = [\"othergame\"]\n");
  const auto r = gs::reload(*good, src_);
  ASSERT_EQ(r.kind, Kind::rules) << r.line;
  EXPECT_EQ(gs::reload_action(r, GB_MODE_WORK), gs::ReloadAction::set_mode) << "switched by ctl mode";
  EXPECT_EQ(r.opts.mode, GB_MODE_AUTO) << "the mode set_mode puts in force";
  EXPECT_EQ(gs::reload_action(r, GB_MODE_AUTO), gs::ReloadAction::nothing) << "already in force";
}

TEST_F(ReconfigureTest, ARestartOrABadFileNeedsNoModeSwitch) {
  write("mode = \"auto\"\n");
  auto good = gs::load_options(src_);
  ASSERT_TRUE(good) << good.error().message();
  write("mode = \"gaming\"\n");
  const auto restart = gs::reload(*good, src_);
  ASSERT_EQ(restart.kind, Kind::restart) << restart.line;
  EXPECT_EQ(gs::reload_action(restart, GB_MODE_WORK), gs::ReloadAction::restart);
  write("mode = \"gaming\"\nbogus = 1\n");
  const auto kept = gs::reload(*good, src_);
  ASSERT_EQ(kept.kind, Kind::kept) << kept.line;
  EXPECT_EQ(gs::reload_action(kept, GB_MODE_WORK), gs::ReloadAction::nothing)
      << "a bad file leaves the mode in force, switched or not";
}

TEST_F(ReconfigureTest, AFileThatClashesWithTheFlagsIsKeptOut) {
  src_.cli.interactive_burst_us = 4000;
  src_.flags.setting(ghostbrew::tuning::Setting::interactive_burst) = 4000;
  write("[settings]\nburst_threshold_us = 20000\n");
  auto good = gs::load_options(src_);
  ASSERT_TRUE(good) << good.error().message();
  write("[settings]\nburst_threshold_us = 3000\n");  // fine alone, below the flag's 4000
  const auto r = gs::reload(*good, src_);
  EXPECT_EQ(r.kind, Kind::kept);
  EXPECT_THAT(r.line, HasSubstr("--interactive-burst-us"));
  EXPECT_EQ(r.opts.burst_threshold_us, 20000U);
}

TEST_F(ReconfigureTest, TheStateDirectoryWaitsForTheNextStart) {
  write("state_dir = \"/a\"\n");
  auto good = gs::load_options(src_);
  ASSERT_TRUE(good) << good.error().message();
  write("state_dir = \"/b\"\n");
  const auto r = gs::reload(*good, src_);
  EXPECT_EQ(r.kind, Kind::rules);
  EXPECT_EQ(r.opts.state_dir, "/a");
  EXPECT_THAT(r.line, HasSubstr("state_dir /b takes effect at the next start"));
}

TEST_F(ReconfigureTest, StartingOnABadFileIsRefused) {
  write("[settings]\nslice_us = 1\n");
  auto o = gs::load_options(src_);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().message(), file_.string() + ":2: settings.slice_us = 1 is outside 500..20000 us");
}

}  // namespace
