// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Hand-written per-game profiles: parsed with errors naming file and line, matched to a program by
// Steam app id, executable name or command-line pattern (in that order of precedence), and applied
// over the settings in force; which profile applies to a program (hand-written, else learned) and why.
#include "ghostbrew/config/game_profile.hpp"

#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ghostbrew/tuning/profile.hpp"

#include "support/temp_dir.hpp"

namespace cfg = ghostbrew::config;
namespace tuning = ghostbrew::tuning;
using ghostbrew::detect::Program;
using ghostbrew::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

std::string error_of(const std::string& text) {
  auto p = cfg::parse_game_profile(text, "p.toml");
  EXPECT_FALSE(p) << "accepted:\n" << text;
  return p ? std::string() : p.error().message();
}

Program cyberpunk() {
  return {"Cyberpunk2077.exe", "wine64-preloader", "Z:\\games\\Cyberpunk2077.exe --launcher-skip", "1091500"};
}

TEST(GameProfileParseTest, EveryKeyReachesItsField) {
  auto p = cfg::parse_game_profile(R"(
mode = "gaming"
[match]
exe = ["Cyberpunk2077.exe", "Cyberpunk2077"]
steam_app_id = 1091500
cmdline = "*Cyberpunk2077*"
[settings]
slice_us = 3000
game_window_us = 500
)",
                                   "p.toml");
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->exe, (std::vector<std::string>{"Cyberpunk2077.exe", "Cyberpunk2077"}));
  EXPECT_EQ(p->steam_app_ids, std::vector<std::string>{"1091500"});
  EXPECT_EQ(p->cmdline, std::vector<std::string>{"*Cyberpunk2077*"});
  EXPECT_EQ(p->mode, GB_MODE_GAMING);
  EXPECT_EQ(p->settings[static_cast<std::size_t>(tuning::Setting::slice)], 3000U);
  EXPECT_EQ(p->settings[static_cast<std::size_t>(tuning::Setting::game_window)], 500U);
  EXPECT_FALSE(p->settings[static_cast<std::size_t>(tuning::Setting::burst_threshold)]);
}

TEST(GameProfileParseTest, BadProfilesAreNamedByFileAndLine) {
  EXPECT_EQ(error_of("mode = \"gaming\"\n"), "p.toml: no [match]: say exe, steam_app_id or cmdline");
  EXPECT_THAT(error_of("[match]\nname = \"x\"\n"), StartsWith("p.toml:2: unknown key 'name' in [match]"));
  EXPECT_THAT(error_of("[match]\nexe = 3\n"), StartsWith("p.toml:2: match.exe must be a non-empty string"));
  EXPECT_THAT(error_of("[match]\nexe = []\n"), StartsWith("p.toml:2: match.exe is an empty list"));
  EXPECT_THAT(error_of("[match]\nsteam_app_id = -1\n"), StartsWith("p.toml:2: match.steam_app_id must be"));
  EXPECT_THAT(error_of("[match]\nexe = \"x\"\n[settings]\nslice_us = 1\n"),
              StartsWith("p.toml:4: settings.slice_us = 1 is outside"));
  EXPECT_THAT(
      error_of("[match]\nexe = \"x\"\n[settings]\nstats_secs = 1\n"),
      StartsWith("p.toml:4: unknown key 'stats_secs' in [settings] (known: slice_us, burst_threshold_us, "
                 "interactive_burst_us, game_window_us)"));
  EXPECT_THAT(error_of("vcache = true\n[match]\nexe = \"x\"\n"),
              StartsWith("p.toml:1: unknown key 'vcache'"));
  EXPECT_THAT(error_of("[match]\nexe = \"x\"\nmode = \"gaming\"\n"), HasSubstr("mode goes before [match]"));
  EXPECT_THAT(error_of("[match\n"), StartsWith("p.toml:1: not valid TOML"));
}

TEST(GameProfileMatchTest, SteamAppIdWinsOverExeWhichWinsOverCmdline) {
  std::vector<cfg::GameProfile> ps(3);
  ps[0].file = "a-cmdline.toml";
  ps[0].cmdline = {"*Cyberpunk2077*"};
  ps[1].file = "b-exe.toml";
  ps[1].exe = {"Cyberpunk2077.exe"};
  ps[2].file = "c-steam.toml";
  ps[2].steam_app_ids = {"1091500"};
  auto m = cfg::match_game_profile(ps, cyberpunk());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->profile->file, "c-steam.toml");
  EXPECT_EQ(m->why, "steam app id 1091500");

  auto no_steam = cyberpunk();
  no_steam.steam_app_id.clear();
  m = cfg::match_game_profile(ps, no_steam);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->profile->file, "b-exe.toml");
  EXPECT_EQ(m->why, "exe Cyberpunk2077.exe");

  auto renamed = no_steam;
  renamed.name = "Cyberpunk2077-dx12.exe";
  m = cfg::match_game_profile(ps, renamed);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->profile->file, "a-cmdline.toml");
  EXPECT_EQ(m->why, "cmdline matches '*Cyberpunk2077*'");

  EXPECT_FALSE(
      cfg::match_game_profile(ps, Program{"factorio", "factorio", "/opt/factorio/bin/factorio", ""}));
}

TEST(GameProfileMatchTest, TheExecutablesFileNameMatchesToo) {
  std::vector<cfg::GameProfile> ps(1);
  ps[0].exe = {"factorio"};
  auto m = cfg::match_game_profile(ps, Program{"main", "factorio", "factorio", ""});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->why, "exe factorio");
}

TEST(GameProfileApplyTest, WhatTheProfileLeavesOutStaysAsConfigured) {
  auto p = cfg::parse_game_profile("mode = \"work\"\n[match]\nexe = \"x\"\n[settings]\nslice_us = 3000\n",
                                   "p.toml");
  ASSERT_TRUE(p) << p.error().message();
  tuning::TuningConfig base;
  base.game_window_us = 750;
  auto c = p->applied_to(base);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->slice_us, 3000U);
  EXPECT_EQ(c->game_window_us, 750U);
  EXPECT_EQ(c->mode, GB_MODE_WORK);

  auto clash =
      cfg::parse_game_profile("[match]\nexe = \"x\"\n[settings]\ninteractive_burst_us = 4000\n", "p.toml");
  ASSERT_TRUE(clash) << clash.error().message();
  base.burst_threshold_us = 3000;
  auto bad = clash->applied_to(base);
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message(), StartsWith("p.toml: interactive_burst_us: 4000 is not below"));
}

TEST(GameProfileLoadTest, ADirectoryIsReadInNameOrderAndBadFilesAreReportedNotFatal) {
  TempDir dir("profiles");
  dir.write("b.toml", "[match]\nexe = \"Cyberpunk2077.exe\"\n");
  dir.write("a.toml", "mode = \"gaming\"\n[match]\nexe = \"Cyberpunk2077.exe\"\n");
  dir.write("c.toml", "[match]\nexe = 7\n");
  dir.write("notes.txt", "not a profile");
  auto set = cfg::load_game_profiles(dir.path());
  ASSERT_EQ(set.profiles.size(), 2U);
  EXPECT_EQ(set.profiles[0].file, (dir / "a.toml").string());
  ASSERT_EQ(set.errors.size(), 1U);
  EXPECT_THAT(set.errors[0].message(), StartsWith((dir / "c.toml").string() + ":2: match.exe"));
  auto m = cfg::match_game_profile(set.profiles, cyberpunk());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->profile->file, (dir / "a.toml").string()) << "the first file among equals";

  auto none = cfg::load_game_profiles(dir / "missing");
  EXPECT_TRUE(none.profiles.empty());
  EXPECT_TRUE(none.errors.empty());
}

/// A state directory holding a learned profile for Cyberpunk2077.exe.
void save_learned_cyberpunk(const TempDir& state) {
  auto saved =
      tuning::save_profile(state.path(), tuning::Profile{"Cyberpunk2077.exe", tuning::TuningConfig{}});
  ASSERT_TRUE(saved) << saved.error().message();
}

TEST(AppliedProfileTest, AMatchingHandWrittenProfileWinsOverALearnedOne) {
  TempDir state("state");
  save_learned_cyberpunk(state);
  std::vector<cfg::GameProfile> ps(2);
  ps[0].file = "/p/a.toml";
  ps[0].exe = {"factorio"};
  ps[1].file = "/p/b.toml";
  ps[1].exe = {"Cyberpunk2077.exe"};
  const auto a = cfg::applied_profile(ps, "/p", state.path(), cyberpunk());
  EXPECT_EQ(a, (cfg::AppliedProfile{"/p/b.toml", "exe Cyberpunk2077.exe"}));
  EXPECT_EQ(a.describe(), "/p/b.toml (exe Cyberpunk2077.exe)");
}

TEST(AppliedProfileTest, ALearnedProfileAppliesWhenNoHandWrittenOneMatches) {
  TempDir state("state");
  save_learned_cyberpunk(state);
  std::vector<cfg::GameProfile> ps(1);
  ps[0].file = "/p/a.toml";
  ps[0].exe = {"factorio"};
  const auto a = cfg::applied_profile(ps, "/p", state.path(), cyberpunk());
  const auto file = (state / "profiles/cyberpunk2077-exe.json").string();
  EXPECT_EQ(a, (cfg::AppliedProfile{file, "learned, for Cyberpunk2077.exe"}));
  EXPECT_EQ(a.describe(), file + " (learned, for Cyberpunk2077.exe)");
}

TEST(AppliedProfileTest, NoneSaysHowManyHandWrittenOnesWhereAndForWhat) {
  TempDir state("state");
  std::vector<cfg::GameProfile> ps(2);
  ps[0].exe = {"factorio"};
  ps[1].steam_app_ids = {"427520"};
  const auto a = cfg::applied_profile(ps, "/etc/ghostbrew/profiles", state.path(), cyberpunk());
  EXPECT_EQ(a, (cfg::AppliedProfile{
                   "",
                   "2 hand-written in /etc/ghostbrew/profiles, none for 'Cyberpunk2077.exe' or steam app id "
                   "1091500"}));
  EXPECT_EQ(a.describe(),
            "none (2 hand-written in /etc/ghostbrew/profiles, none for 'Cyberpunk2077.exe' or steam app id "
            "1091500)");

  auto no_steam = cyberpunk();
  no_steam.steam_app_id.clear();
  EXPECT_EQ(cfg::applied_profile({}, "/nonexistent", state.path(), no_steam).describe(),
            "none (0 hand-written in /nonexistent, none for 'Cyberpunk2077.exe')");
}

TEST(AppliedProfileTest, WithoutAStateDirectoryNoLearnedProfileIsLookedFor) {
  TempDir state("state");
  save_learned_cyberpunk(state);
  EXPECT_EQ(cfg::applied_profile({}, "/p", std::nullopt, cyberpunk()).file, "");
  EXPECT_EQ(cfg::applied_profile({}, "/p", state.path(), cyberpunk()).file,
            (state / "profiles/cyberpunk2077-exe.json").string());
}

TEST(AppliedProfileTest, AnUnreadableLearnedProfileCountsAsNone) {
  TempDir state("state");
  state.write("profiles/cyberpunk2077-exe.json", "{not json");
  EXPECT_EQ(cfg::applied_profile({}, "/p", state.path(), cyberpunk()).describe(),
            "none (0 hand-written in /p, none for 'Cyberpunk2077.exe' or steam app id 1091500)");
}

}  // namespace
