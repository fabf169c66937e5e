// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Collector against fake knobs, modes and counters: it samples only while the feeder has a game,
// applies the game's saved profile when the game appears (a hand-written profile's mode too), and
// restores the load-time settings and the previous mode when it ends.
#include "ghostbrew/sched/collector.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "../detect/fake_proc.hpp"
#include "fakes.hpp"
#include "ghostbrew/core/fs.hpp"
#include "support/temp_dir.hpp"

namespace gs = ghostbrew::sched;
namespace tuning = ghostbrew::tuning;
using ghostbrew::testing::FakeClassMaps;
using ghostbrew::testing::FakeCounters;
using ghostbrew::testing::FakeKnobs;
using ghostbrew::testing::FakeModeSwitch;
using ghostbrew::testing::FakeRoot;
using ghostbrew::testing::named_proc;
using ghostbrew::testing::TempDir;

namespace {

class CollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.write("proc/stat", "cpu  100 0 50 800 10 0 0 0 0 0\n");
    root_.add(named_proc(10, "bash"));
    opts_.root = root_.root().string();
    opts_.collect = true;
    opts_.profiles = true;
    opts_.tune = false;
    opts_.profiles_dir = profiles_.path().string();
  }

  gs::Collector collector() {
    auto c = gs::Collector::create(
        opts_, state_.path(), "Test CPU", [this](const std::string& s) { info_.push_back(s); },
        [](const std::string& e) { ADD_FAILURE() << e; });
    EXPECT_TRUE(c) << c.error().message();
    return std::move(*c);
  }

  /// The game starts: the feeder sees it by a scan.
  void start_game() {
    root_.add(named_proc(100, "game.exe"));
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
  TempDir profiles_{"collector-profiles"};
  std::vector<std::string> info_;  ///< the collector's info lines
  gs::Options opts_;
  FakeClassMaps maps_;
  gs::ClassFeeder feeder_{root_.root()};
  FakeKnobs knobs_;
  FakeModeSwitch modes_;
  FakeCounters counters_;

  [[nodiscard]] bool logged(const std::string& line) const {
    return std::find(info_.begin(), info_.end(), line) != info_.end();
  }
};

TEST_F(CollectorTest, WithoutAGameNothingIsSampled) {
  ASSERT_TRUE(feeder_.full_scan(maps_));
  auto c = collector();
  c.on_classes_changed(knobs_, modes_, counters_, feeder_);
  gaming_wakeups(100);
  c.tick(knobs_, counters_);
  EXPECT_EQ(counters_.reads, 0);
  EXPECT_EQ(samples(), 0U);
  EXPECT_TRUE(knobs_.writes.empty());
}

TEST_F(CollectorTest, SamplesWhileTheGameRunsAndStopsWhenItEnds) {
  auto c = collector();
  start_game();
  c.on_classes_changed(knobs_, modes_, counters_, feeder_);
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
  c.on_classes_changed(knobs_, modes_, counters_, feeder_);
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
  c.on_classes_changed(knobs_, modes_, counters_, feeder_);
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
  c.on_classes_changed(knobs_, modes_, counters_, feeder_);
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

TEST_F(CollectorTest, AHandWrittenProfileWinsOverTheLearnedOneAndSaysWhy) {
  auto learned = gs::Collector::configured(opts_);
  learned.slice_us = 2000;
  ASSERT_TRUE(tuning::save_profile(state_.path(), tuning::Profile{"game.exe", learned}));
  profiles_.write("game.toml", "[match]\nexe = \"game.exe\"\n[settings]\nslice_us = 3000\n");
  profiles_.write("broken.toml", "[match]\nexe = 1\n");
  std::vector<std::string> errors;
  auto c = gs::Collector::create(
      opts_, state_.path(), "Test CPU", [this](const std::string& s) { info_.push_back(s); },
      [&](const std::string& e) { errors.push_back(e); });
  ASSERT_TRUE(c) << c.error().message();
  start_game();
  c->on_classes_changed(knobs_, modes_, counters_, feeder_);
  ASSERT_EQ(knobs_.writes.size(), 1U);
  EXPECT_EQ(knobs_.writes[0].slice_ns, 3000U * 1000) << "the hand-written profile's slice";
  EXPECT_EQ(knobs_.writes[0].game_window_ns, opts_.game_window_us * 1000)
      << "what it leaves out is as configured";
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_NE(errors[0].find("broken.toml:2: match.exe"), std::string::npos) << errors[0];
  const auto applied = (profiles_ / "game.toml").string() + " (exe game.exe)";
  EXPECT_TRUE(std::any_of(info_.begin(), info_.end(), [&](const std::string& l) {
    return l.starts_with("applied the profile of game.exe from " + applied);
  })) << ::testing::PrintToString(info_);
  EXPECT_EQ(info_.front(), "game detected: game.exe");
}

TEST_F(CollectorTest, AHandWrittenProfilesModeIsInForceWhileTheGameRuns) {
  opts_.mode = GB_MODE_AUTO;
  profiles_.write("game.toml", "mode = \"gaming\"\n[match]\nexe = \"game.exe\"\n");
  auto c = collector();
  start_game();
  c.on_classes_changed(knobs_, modes_, counters_, feeder_);
  EXPECT_EQ(modes_.writes, std::vector<gb_mode>{GB_MODE_GAMING}) << "switched live, no restart";
  const auto which = (profiles_ / "game.toml").string() + " (exe game.exe)";
  EXPECT_TRUE(logged("profile " + which + " switches the mode auto -> gaming while game.exe runs"))
      << ::testing::PrintToString(info_);
  gaming_wakeups(10);
  c.tick(knobs_, counters_);
  auto all = tuning::load_all(state_.path());
  ASSERT_EQ(all.samples.size(), 1U);
  EXPECT_EQ(all.samples[0].config.mode, GB_MODE_GAMING) << "the samples record the mode in force";

  end_game();
  c.on_classes_changed(knobs_, modes_, counters_, feeder_);
  EXPECT_EQ(modes_.writes, (std::vector<gb_mode>{GB_MODE_GAMING, GB_MODE_AUTO})) << "the previous mode";
  EXPECT_TRUE(logged("game.exe ended: its profile's mode gaming -> auto again"))
      << ::testing::PrintToString(info_);
}

TEST_F(CollectorTest, AModeSwitchedWhileTheGameRunsOutlivesIt) {
  opts_.mode = GB_MODE_AUTO;
  profiles_.write("game.toml", "mode = \"gaming\"\n[match]\nexe = \"game.exe\"\n");
  auto c = collector();
  start_game();
  c.on_classes_changed(knobs_, modes_, counters_, feeder_);
  ASSERT_EQ(modes_.writes, std::vector<gb_mode>{GB_MODE_GAMING});
  c.mode_switched(GB_MODE_WORK);  // ghost-sched ctl mode work
  end_game();
  c.on_classes_changed(knobs_, modes_, counters_, feeder_);
  EXPECT_EQ(modes_.writes, std::vector<gb_mode>{GB_MODE_GAMING}) << "work stays: the user chose it last";
}

TEST_F(CollectorTest, AProfileInTheModeInForceSwitchesNothing) {
  opts_.mode = GB_MODE_AUTO;
  profiles_.write("game.toml", "mode = \"work\"\n[match]\nexe = \"game.exe\"\n");
  auto c = collector();
  c.mode_switched(GB_MODE_WORK);  // switched before the game started
  start_game();
  c.on_classes_changed(knobs_, modes_, counters_, feeder_);
  end_game();
  c.on_classes_changed(knobs_, modes_, counters_, feeder_);
  EXPECT_TRUE(modes_.writes.empty());
}

TEST_F(CollectorTest, ALearnedProfilesModeIsNotSwitchedTo) {
  auto learned = gs::Collector::configured(opts_);
  learned.mode = learned.mode == GB_MODE_WORK ? GB_MODE_GAMING : GB_MODE_WORK;  // learned in another mode
  ASSERT_TRUE(tuning::save_profile(state_.path(), tuning::Profile{"game.exe", learned}));
  auto c = collector();
  start_game();
  c.on_classes_changed(knobs_, modes_, counters_, feeder_);
  ASSERT_EQ(knobs_.writes.size(), 1U) << "its settings apply";
  EXPECT_TRUE(modes_.writes.empty()) << "the tuner never chooses a mode: the user's stays";
}

TEST(CurrentGameTest, PrefersTheExeOverItsHelpers) {
  FakeRoot root;
  auto helper = named_proc(50, "wineserver");
  helper.exe = "/usr/bin/wineserver";
  root.add(helper);
  root.add(named_proc(60, "game.exe"));
  FakeClassMaps maps;
  gs::ClassFeeder feeder(root.root());
  EXPECT_EQ(gs::current_game(feeder), std::nullopt);
  ASSERT_TRUE(feeder.full_scan(maps));
  EXPECT_EQ(gs::current_game(feeder), "game.exe");
}

/// The kernel cuts comms to 15 bytes: a game whose binary is Cyberpunk2077.exe runs as
/// "Cyberpunk2077.e". A real child exec'd from a copy of /bin/sleep with that name, seen through the
/// live /proc and an exec event carrying the comm BPF reports, is still followed as
/// "Cyberpunk2077.exe" (its argv[0]) and preferred over a GAMING helper with a lower pid.
TEST(CurrentGameTest, ALongNameCutTo15BytesIsFollowedByItsFullName) {
  const TempDir dir("long-comm", TempDir::For::programs);
  const std::string name = "Cyberpunk2077.exe";
  const auto exe = dir / name;
  std::filesystem::copy_file("/bin/sleep", exe);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::string arg0 = exe.string(), arg1 = "30";
    char* argv[] = {arg0.data(), arg1.data(), nullptr};
    char* envp[] = {nullptr};
    ::execve(exe.c_str(), argv, envp);
    ::_exit(127);
  }
  struct Reap {
    pid_t pid;
    ~Reap() {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  } reap{pid};
  std::string comm;
  for (int i = 0; i < 500 && comm != "Cyberpunk2077.e\n"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto c = ghostbrew::fs::read_text(fmt::format("/proc/{}/comm", pid));
    comm = c ? *c : "";
  }
  ASSERT_EQ(comm, "Cyberpunk2077.e\n") << "the kernel's comm of the exec'd copy";

  FakeClassMaps maps;
  gs::ClassFeeder feeder("/");
  gb_event e{};
  e.kind = GB_EVENT_EXEC;
  e.pid = e.tgid = static_cast<std::uint32_t>(pid);
  std::memcpy(e.comm, "Cyberpunk2077.e", 15);  // as BPF reports it: 15 bytes and a NUL
  feeder.on_exec(maps, e);

  ASSERT_EQ(feeder.entries().size(), 1U);
  const auto& entry = feeder.entries().begin()->second;
  EXPECT_EQ(entry.comm, "Cyberpunk2077.e");
  EXPECT_EQ(entry.program.name, name);
  EXPECT_EQ(entry.program.exe, name);
  EXPECT_EQ(gs::current_game(feeder), name);
}

/// A Wine game's argv[0] is a Windows path; its comm is cut; a GAMING helper with a lower pid is not
/// taken for the game.
TEST(CurrentGameTest, AWindowsPathInArgv0NamesTheCutComm) {
  FakeRoot root;
  auto helper = named_proc(50, "wineserver");
  helper.exe = "/usr/bin/wineserver";
  root.add(helper);
  auto game = named_proc(60, "Cyberpunk2077.e");
  game.exe = "/usr/bin/wine64-preloader";
  game.cmdline = {"Z:\\games\\Cyberpunk 2077\\bin\\x64\\Cyberpunk2077.exe"};
  root.add(game);
  FakeClassMaps maps;
  gs::ClassFeeder feeder(root.root());
  ASSERT_TRUE(feeder.full_scan(maps));
  EXPECT_EQ(gs::current_game(feeder), "Cyberpunk2077.exe");
}

}  // namespace
