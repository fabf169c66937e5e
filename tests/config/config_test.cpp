// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The configuration file parser against good and hostile input: every key of a full file read into
// its field, and each bad file refused with one error naming the file, the line and what is wrong
// (not TOML, invalid UTF-8, an unknown key, a wrong type, a value out of the settings table's
// bounds, a file too large). Then the precedence: defaults, then the file, then the flags given.
#include "ghostbrew/config/config.hpp"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace cfg = ghostbrew::config;
namespace tuning = ghostbrew::tuning;
using ghostbrew::detect::CommMatch;
using ghostbrew::detect::WorkloadClass;
using ghostbrew::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

/// The one-line error a bad text gets (fails the test when the text is accepted).
std::string error_of(const std::string& text) {
  auto c = cfg::parse_config(text, "test.toml");
  EXPECT_FALSE(c) << "accepted:\n" << text;
  return c ? std::string() : c.error().message();
}

TEST(ConfigParseTest, AnEmptyFileSetsNothing) {
  auto c = cfg::parse_config("# nothing\n", "test.toml");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_FALSE(c->mode);
  for (const auto& s : c->settings) EXPECT_FALSE(s);
  EXPECT_TRUE(c->names.empty());
  EXPECT_FALSE(c->cgroup_rules);
  EXPECT_FALSE(c->state_dir);
}

TEST(ConfigParseTest, EveryKeyReachesItsField) {
  auto c = cfg::parse_config(R"(
mode = "gaming"
state_dir = "/srv/ghostbrew"
profiles_dir = "/srv/profiles"
[settings]
slice_us = 4000
burst_threshold_us = 30000
interactive_burst_us = 900
game_window_us = 500
heartbeat_stale_ms = 2000
collect_secs = 10
stats_secs = 2
[names]
gaming = ["factorio", "*.X86_64"]
game_launchers = ["lutris*"]
audio = ["easyeffects"]
compositor = ["mutter"]
interactive = ["obs"]
ai = ["tabby"]
batch = ["bazel*"]
game_env = ["LUTRIS_GAME_UUID"]
ai_cmdline = ["text-generation-webui"]
[cgroups]
rules = """
gaming.slice gaming
*build* batch
"""
)",
                             "test.toml");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->mode, GB_MODE_GAMING);
  EXPECT_EQ(c->state_dir, "/srv/ghostbrew");
  EXPECT_EQ(c->profiles_dir, "/srv/profiles");
  using tuning::Setting;
  EXPECT_EQ(c->setting(Setting::slice), 4000U);
  EXPECT_EQ(c->setting(Setting::burst_threshold), 30000U);
  EXPECT_EQ(c->setting(Setting::interactive_burst), 900U);
  EXPECT_EQ(c->setting(Setting::game_window), 500U);
  EXPECT_EQ(c->setting(Setting::heartbeat_stale), 2000U);
  EXPECT_EQ(c->setting(Setting::collect), 10U);
  EXPECT_EQ(c->setting(Setting::stats), 2U);
  ASSERT_EQ(c->names.size(), 8U);
  EXPECT_EQ(c->names[0].text, "factorio");
  EXPECT_EQ(c->names[0].match, CommMatch::exact);
  EXPECT_EQ(c->names[0].cls, WorkloadClass::Gaming);
  EXPECT_EQ(c->names[1].text, ".x86_64") << "a suffix is compared in lower case";
  EXPECT_EQ(c->names[1].match, CommMatch::suffix);
  EXPECT_EQ(c->names[2].match, CommMatch::prefix);
  EXPECT_TRUE(c->names[2].games_below);
  EXPECT_EQ(c->names[2].cls, WorkloadClass::Default) << "a launcher is not a game itself";
  EXPECT_EQ(c->names[3].cls, WorkloadClass::Interactive);  // audio
  EXPECT_EQ(c->names[4].cls, WorkloadClass::Interactive);  // compositor
  EXPECT_EQ(c->names[6].cls, WorkloadClass::Ai);
  EXPECT_EQ(c->names[7].cls, WorkloadClass::Batch);
  EXPECT_EQ(c->game_env, std::vector<std::string>{"LUTRIS_GAME_UUID"});
  EXPECT_EQ(c->ai_cmdline, std::vector<std::string>{"text-generation-webui"});
  ASSERT_TRUE(c->cgroup_rules);
  ASSERT_EQ(c->cgroup_rules->size(), 2U);
  EXPECT_EQ((*c->cgroup_rules)[1].pattern, "*build*");
  EXPECT_EQ((*c->cgroup_rules)[1].cls, WorkloadClass::Batch);
}

TEST(ConfigParseTest, EverySettingOfTheTableIsAKey) {
  for (const auto& s : tuning::kSettingTable) {
    auto c = cfg::parse_config(fmt::format("[settings]\n{} = {}\n", s.name, s.max), "test.toml");
    ASSERT_TRUE(c) << s.name << ": " << c.error().message();
    EXPECT_EQ(c->setting(s.id), s.max) << s.name;
  }
}

TEST(ConfigParseTest, FollowGamemodeIsOnByDefaultAndTheFileTurnsItOff) {
  EXPECT_EQ(ghostbrew::sched::Options{}.follow_gamemode, 1U);
  auto c = cfg::parse_config("[settings]\nfollow_gamemode = 0\n", "test.toml");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->setting(tuning::Setting::follow_gamemode), 0U);
  ghostbrew::sched::Options o;
  cfg::apply(*c, o);
  EXPECT_EQ(o.follow_gamemode, 0U);
  EXPECT_EQ(error_of("[settings]\nfollow_gamemode = 2\n"),
            "test.toml:2: settings.follow_gamemode = 2 is outside 0..1 on/off");
  EXPECT_THAT(error_of("[settings]\nfollow_gamemode = true\n"), HasSubstr("follow_gamemode"));
}

TEST(ConfigParseTest, NotTomlNamesTheLine) {
  EXPECT_THAT(error_of("mode = \"gaming\"\n[settings\n"), StartsWith("test.toml:2: not valid TOML"));
  EXPECT_THAT(error_of("mode = \"gaming\"\nmode = \"work\"\n"), StartsWith("test.toml:2: not valid TOML"));
  EXPECT_THAT(error_of("= 3\n"), StartsWith("test.toml:1: not valid TOML"));
}

TEST(ConfigParseTest, InvalidUtf8IsRefused) {
  EXPECT_THAT(error_of("mode = \"gam\xff\"\n"), StartsWith("test.toml:1: not valid TOML"));
  EXPECT_THAT(error_of("# a comment \xc3\x28\nmode = \"auto\"\n"), StartsWith("test.toml:1: not valid TOML"));
  EXPECT_THAT(error_of(std::string("mode = \"a\0b\"\n", 12)), StartsWith("test.toml:1: not valid TOML"));
}

// toml++ 3.3 trips over some bytes between tokens (found by the fuzzer: non-ASCII code points reach
// __builtin_unreachable(), a backslash in a table header an assertion): they are refused before it
// sees them; in strings and comments non-ASCII text is fine.
TEST(ConfigParseTest, NonAsciiOutsideStringsAndCommentsIsRefused) {
  EXPECT_EQ(
      error_of("mode = \"auto\"\nm\xc3\xa9"
               "de = 1\n"),
      "test.toml:2: not valid TOML: a stray character (non-ASCII, control or backslash outside a string or "
      "comment, or a table header that does not start with a key)");
  EXPECT_THAT(error_of(std::string("mode = \"gaming\"\n[match]\ne\xcc\x90_+y\x7f\0\0xe = 1\n", 40)),
              StartsWith("test.toml:3: not valid TOML"));
  EXPECT_THAT(error_of("mode = \"gaming\"\n[\\ettings]\n"), StartsWith("test.toml:2: not valid TOML"));
  EXPECT_THAT(error_of("mode = \"gaming\"\x01\n"), StartsWith("test.toml:1: not valid TOML"));
  // A quote where no string can start, and a non-ASCII character after a backslash in a string:
  // toml++ reads past both into its whitespace tables.
  EXPECT_THAT(error_of("mode = \"auto\"\nS=+'\xc3\xa9\n"), StartsWith("test.toml:2: not valid TOML"));
  EXPECT_THAT(error_of("S=+'\xef\xbb\x9f"), StartsWith("test.toml:1: not valid TOML"));
  for (const char* closes_other : {"a = [}]\n", "a = [1,}]\n", "GS= [[[}[[\n", "a = {b = ]}\n"})
    EXPECT_THAT(error_of(closes_other), StartsWith("test.toml:1: not valid TOML")) << closes_other;
  EXPECT_THAT(error_of("a = \"x\"'\xc3\xa9'\n"), StartsWith("test.toml:1: not valid TOML"));
  EXPECT_THAT(error_of("[t \"\xc3\xa9\"]\n"), StartsWith("test.toml:1: not valid TOML"));
  EXPECT_THAT(error_of("a = \"\"\"\\\xc3\xa9\"\"\"\n"), StartsWith("test.toml:1: not valid TOML"));
  // After a line-ending backslash in a multi-line string toml++ skips whitespace and asks whether the
  // next character is whitespace too: U+FEFE there reached __builtin_unreachable() (the fuzzer).
  EXPECT_THAT(error_of("a = \"\"\"x\\\n\n  \xef\xbb\xbe\"\"\"\n"), StartsWith("test.toml:3: not valid TOML"));
  EXPECT_THAT(error_of("a = \"\"\"x\\ \xc3\xa9\"\"\"\n"), StartsWith("test.toml:1: not valid TOML"));
  // A quote after a value's '.' starts no dotted key: toml++ read on past the float `0.` into its
  // whitespace tables (U+FCFF, the fuzzer). A dotted key with a quoted part stays fine.
  EXPECT_THAT(error_of("t=0.\"M\xef\xb3\xbfx"), StartsWith("test.toml:1: not valid TOML"));
  EXPECT_THAT(error_of("a = {b = 0.'\xc3\xa9'}\n"), StartsWith("test.toml:1: not valid TOML"));
  // A second '=' in a value: toml++ read on into a multi-line string's bytes (U+FEFD, the fuzzer).
  EXPECT_THAT(error_of(std::string("L=3TT=\"\"\"'g\0\xef\xbb\xbd\"\"\"\n", 17)),
              StartsWith("test.toml:1: not valid TOML"));
  // An array where no value starts: toml++ read on from the number into the string (the fuzzer).
  EXPECT_THAT(error_of("G=0[\"c\xef\xbb\xbe[[\n"), StartsWith("test.toml:1: not valid TOML"));
  EXPECT_THAT(error_of("G=0[\"u't\xef\xbb\xbbl\n"), StartsWith("test.toml:1: not valid TOML"));
  EXPECT_THAT(error_of("a{ = 1\n"), StartsWith("test.toml:1: not valid TOML"));
  // A control character in a string (TOML allows none but tab): toml++ read on past it (the fuzzer).
  EXPECT_THAT(error_of(std::string("G=0:[\"\0\0e5c\xef\xbb\xa9"
                                   "dd[[@[",
                                   19)),
              StartsWith("test.toml:1: not valid TOML"));
  EXPECT_THAT(error_of("a = 'x\x7fy'\n# \x01\n"), StartsWith("test.toml:1: not valid TOML"));
  EXPECT_THAT(error_of("# \x01\n"), StartsWith("test.toml:1: not valid TOML"));
  // Inline tables' keys, dotted and quoted, and their '=' are still TOML (here an unknown key).
  EXPECT_THAT(error_of("a = {b.'c' = 1, d = [1, 2], e = {f = \"x\"}}\n"),
              StartsWith("test.toml:1: unknown key 'a'"));
  auto dotted = cfg::parse_config("names.\"gaming\" = [\"a\"]\nsettings.'slice_us' = 600\n", "test.toml");
  ASSERT_TRUE(dotted) << dotted.error().message();
  EXPECT_EQ(dotted->setting(tuning::Setting::slice), 600U);
  auto trimmed = cfg::parse_config("state_dir = \"\"\"/srv/\\\n   caf\xc3\xa9\\\n  x\"\"\"\n", "test.toml");
  ASSERT_TRUE(trimmed) << trimmed.error().message();
  EXPECT_EQ(trimmed->state_dir, "/srv/caf\xc3\xa9x");
  for (const char* header : {"[$x]", "[]", "[[]]", "[ .a]", "[a.]", "[a. $]", "[\n", "["})
    EXPECT_THAT(error_of(std::string("mode = \"auto\"\n") + header + "\n"),
                StartsWith("test.toml:2: not valid TOML"))
        << header;
  auto arrays = cfg::parse_config(
      "[names]\ngaming = [\n  \"a\",\n'b', \"c\"]\n[ settings ]\nslice_us = 600\n[\"cgroups\"]\n",
      "test.toml");
  EXPECT_TRUE(arrays) << arrays.error().message();
  auto ok = cfg::parse_config(
      "# caf\xc3\xa9\nstate_dir = \"/srv/caf\xc3\xa9 \\\" x\"\n"
      "profiles_dir = '''\n/srv/\xc3\xa9'''\n[names]\ngaming = [\"\xc3\xa9t\xc3\xa9\"]\n",
      "test.toml");
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->state_dir, "/srv/caf\xc3\xa9 \" x");
  EXPECT_EQ(ok->profiles_dir, "/srv/\xc3\xa9");
}

TEST(ConfigParseTest, UnknownKeysAreNamedWithTheirLine) {
  EXPECT_THAT(error_of("mode = \"auto\"\nslice = 4000\n"), StartsWith("test.toml:2: unknown key 'slice'"));
  EXPECT_THAT(error_of("[settings]\nslice = 4000\n"),
              StartsWith("test.toml:2: unknown key 'slice' in [settings] (known: slice_us,"));
  EXPECT_THAT(error_of("[names]\ngames = [\"x\"]\n"),
              StartsWith("test.toml:2: unknown key 'games' in [names]"));
  EXPECT_THAT(error_of("[cgroups]\npath = \"x\"\n"),
              StartsWith("test.toml:2: unknown key 'path' in [cgroups]"));
  EXPECT_THAT(error_of("[extra]\n"), StartsWith("test.toml:1: unknown key 'extra'"));
}

TEST(ConfigParseTest, WrongTypesAreNamed) {
  EXPECT_EQ(error_of("mode = 1\n"), "test.toml:1: mode must be a string, not an integer");
  EXPECT_EQ(error_of("[settings]\nslice_us = \"4000\"\n"),
            "test.toml:2: settings.slice_us must be an integer (us), not a string");
  EXPECT_EQ(error_of("[settings]\nslice_us = 4000.0\n"),
            "test.toml:2: settings.slice_us must be an integer (us), not a float");
  EXPECT_EQ(error_of("settings = 3\n"), "test.toml:1: settings must be a table ([settings]), not an integer");
  EXPECT_EQ(error_of("[names]\ngaming = \"factorio\"\n"),
            "test.toml:2: names.gaming must be an array of strings, not a string");
  EXPECT_THAT(error_of("[names]\ngaming = [\"a\", 3]\n"),
              StartsWith("test.toml:2: each entry of names.gaming"));
  EXPECT_EQ(error_of("state_dir = true\n"), "test.toml:1: state_dir must be a string, not a boolean");
  EXPECT_THAT(error_of("state_dir = \"\"\n"), StartsWith("test.toml:1: state_dir must not be empty"));
}

TEST(ConfigParseTest, OutOfBoundsValuesAreRefusedNotClamped) {
  const auto& slice = tuning::info(tuning::Setting::slice);
  EXPECT_EQ(error_of(fmt::format("[settings]\nslice_us = {}\n", slice.min - 1)),
            fmt::format("test.toml:2: settings.slice_us = {} is outside {}..{} us", slice.min - 1, slice.min,
                        slice.max));
  EXPECT_THAT(error_of(fmt::format("[settings]\nslice_us = {}\n", slice.max + 1)), HasSubstr("is outside"));
  EXPECT_THAT(error_of("[settings]\nslice_us = -5000\n"), HasSubstr("= -5000 is outside"));
  EXPECT_THAT(error_of("[settings]\nstats_secs = 9223372036854775807\n"), HasSubstr("is outside 0..3600 s"));
  EXPECT_THAT(error_of("[settings]\nslice_us = 99999999999999999999\n"),
              StartsWith("test.toml:2: not valid TOML"));
  EXPECT_THAT(error_of("[settings]\ninteractive_burst_us = 3000\nburst_threshold_us = 2500\n"),
              StartsWith("test.toml:2: settings.interactive_burst_us (3000) must be below"));
  EXPECT_EQ(error_of("mode = \"turbo\"\n"), "test.toml:1: unknown mode 'turbo' (auto, gaming or work)");
}

TEST(ConfigParseTest, BadNamesAndCgroupRulesAreNamed) {
  EXPECT_THAT(error_of("[names]\ngaming = [\"*\"]\n"),
              StartsWith("test.toml:2: names.gaming: '*' is not a name"));
  EXPECT_THAT(error_of("[names]\ngaming = [\"a*b\"]\n"), HasSubstr("'a*b' is not a name pattern"));
  EXPECT_THAT(error_of("[names]\ngaming = [\"/usr/bin/x\"]\n"), HasSubstr("is not a name pattern"));
  EXPECT_THAT(error_of("[names]\ngaming = [\"\"]\n"), HasSubstr("is not a name pattern"));
  EXPECT_THAT(error_of("[names]\ngame_env = [\"\"]\n"), HasSubstr("names.game_env holds an empty name"));
  // The rule's own line in the file: the text starts on line 4.
  EXPECT_EQ(error_of("mode = \"auto\"\n[cgroups]\nrules = \"\"\"\ngaming.slice gaming\nfoo bar\n\"\"\"\n"),
            "test.toml [cgroups] rules: line 5: unknown class 'bar'");
  EXPECT_THAT(error_of("[cgroups]\nrules = \"a gaming\"\nfile = \"/x\"\n"),
              HasSubstr("rules or file, not both"));
}

TEST(ConfigParseTest, HugeAndDeepInputIsRefusedWithoutCrashing) {
  const std::string huge = "# " + std::string(cfg::kMaxFileBytes, 'x') + "\n";
  EXPECT_EQ(error_of(huge),
            fmt::format("test.toml: {} bytes: larger than {} bytes", huge.size(), cfg::kMaxFileBytes));
  std::string deep = "a = " + std::string(10000, '[') + std::string(10000, ']') + "\n";
  EXPECT_THAT(error_of(deep), StartsWith("test.toml:1: not valid TOML"));
  std::string inline_deep = "a = ";
  for (int i = 0; i < 5000; ++i) inline_deep += "{b = ";
  EXPECT_THAT(error_of(inline_deep + "1" + std::string(5000, '}') + "\n"),
              StartsWith("test.toml:1: not valid TOML"));
}

TEST(ConfigLoadTest, AFileIsReadAndErrorsNameIt) {
  TempDir dir("config");
  const auto good = dir.write("good.toml", "mode = \"work\"\n");
  auto c = cfg::load_config(good);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->mode, GB_MODE_WORK);
  const auto bad = dir.write("bad.toml", "\nmode = \"nope\"\n");
  auto b = cfg::load_config(bad);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().message(), bad.string() + ":2: unknown mode 'nope' (auto, gaming or work)");
  auto missing = cfg::load_config(dir / "missing.toml");
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message(), HasSubstr("missing.toml: cannot read"));
  auto d = cfg::load_config(dir.path());
  ASSERT_FALSE(d);
  EXPECT_THAT(d.error().message(), HasSubstr("not a regular file"));
  const auto big = dir.write("big.toml", std::string(cfg::kMaxFileBytes + 1, '#'));
  auto h = cfg::load_config(big);
  ASSERT_FALSE(h);
  EXPECT_THAT(h.error().message(), HasSubstr("larger than 1048576 bytes"));
}

TEST(ConfigResolveTest, FlagsWinOverTheFileWhichWinsOverDefaults) {
  auto file = cfg::parse_config(
      "mode = \"gaming\"\nstate_dir = \"/file\"\n[settings]\nslice_us = 4000\n"
      "game_window_us = 500\n",
      "test.toml");
  ASSERT_TRUE(file) << file.error().message();
  ghostbrew::sched::Options cli;
  cli.slice_us = 3000;  // given as --slice-us 3000
  cli.verbose = true;   // not a file setting: stays
  cfg::Config flags;
  flags.setting(tuning::Setting::slice) = 3000;
  const auto o = cfg::resolve(cli, *file, flags);
  EXPECT_EQ(o.slice_us, 3000U) << "the flag wins";
  EXPECT_EQ(o.game_window_us, 500U) << "the file wins over the default";
  EXPECT_EQ(o.mode, GB_MODE_GAMING);
  EXPECT_EQ(o.state_dir, "/file");
  EXPECT_EQ(o.burst_threshold_us, tuning::default_value(tuning::Setting::burst_threshold)) << "default";
  EXPECT_TRUE(o.verbose);

  flags.mode = GB_MODE_WORK;
  flags.state_dir = "/flag";
  const auto o2 = cfg::resolve(cli, *file, flags);
  EXPECT_EQ(o2.mode, GB_MODE_WORK);
  EXPECT_EQ(o2.state_dir, "/flag");
}

TEST(ConfigResolveTest, ACgroupRulesFlagReplacesTheFilesInlineRules) {
  auto file = cfg::parse_config("[cgroups]\nrules = \"gaming.slice gaming\"\n", "test.toml");
  ASSERT_TRUE(file) << file.error().message();
  ghostbrew::sched::Options cli;
  auto o = cfg::resolve(cli, *file, {});
  ASSERT_TRUE(o.cgroup_rule_list);
  EXPECT_TRUE(o.cgroup_rules.empty());
  cfg::Config flags;
  flags.cgroup_rules_file = "/etc/rules";
  o = cfg::resolve(cli, *file, flags);
  EXPECT_EQ(o.cgroup_rules, "/etc/rules");
  EXPECT_FALSE(o.cgroup_rule_list);
}

}  // namespace

namespace {

/// dist/config.toml, the example a user copies: it parses as shipped (everything commented), and with
/// every commented line uncommented (but the cgroup rules file, which excludes the inline rules) it
/// sets every setting of the table to its default, names its bounds, and fills every [names] list.
TEST(ConfigExampleTest, TheShippedExampleDocumentsEveryKeyWithItsDefault) {
  const auto shipped = ghostbrew::fs::read_text(GHOSTBREW_SOURCE_DIR "/dist/config.toml");
  ASSERT_TRUE(shipped) << shipped.error().message();
  auto as_is = cfg::parse_config(*shipped, "dist/config.toml");
  ASSERT_TRUE(as_is) << as_is.error().message();
  EXPECT_FALSE(as_is->mode);

  std::string text, previous;
  for (std::size_t pos = 0; pos < shipped->size();) {
    auto nl = shipped->find('\n', pos);
    std::string line = shipped->substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? shipped->size() : nl + 1;
    if (line.size() > 1 && line[0] == '#' && line[1] != ' ' && !line.starts_with("#file")) line.erase(0, 1);
    for (const auto& s : tuning::kSettingTable)
      if (line.starts_with(fmt::format("{} = ", s.name))) {
        EXPECT_EQ(line, fmt::format("{} = {}", s.name, s.def)) << "the example shows the default";
        EXPECT_NE(previous.find(fmt::format("{}, {}..{}", s.unit, s.min, s.max)), std::string::npos)
            << "the comment above " << s.name << " names its bounds: " << previous;
      }
    text += line + "\n";
    previous = line;
  }
  auto all = cfg::parse_config(text, "dist/config.toml uncommented");
  ASSERT_TRUE(all) << all.error().message();
  EXPECT_EQ(all->mode, tuning::kDefaultMode);
  // Shipped, [power_profiles] maps nothing (not followed); uncommented, every profile.
  EXPECT_FALSE(as_is->power_profiles && as_is->power_profiles->any());
  ASSERT_TRUE(all->power_profiles);
  EXPECT_EQ(all->power_profiles->mode_for("power-saver"), GB_MODE_WORK);
  EXPECT_EQ(all->power_profiles->mode_for("balanced"), GB_MODE_AUTO);
  EXPECT_EQ(all->power_profiles->mode_for("performance"), GB_MODE_GAMING);
  for (const auto& s : tuning::kSettingTable) EXPECT_EQ(all->setting(s.id), s.def) << s.name;
  for (const auto& l : cfg::kNameLists)
    EXPECT_TRUE(std::any_of(all->names.begin(), all->names.end(),
                            [&](const auto& n) { return n.cls == l.cls && n.games_below == l.games_below; }))
        << "an example for [names] " << l.key;
  EXPECT_FALSE(all->game_env.empty());
  EXPECT_FALSE(all->ai_cmdline.empty());
  ASSERT_TRUE(all->cgroup_rules);
  EXPECT_FALSE(all->cgroup_rules->empty());
  EXPECT_TRUE(all->state_dir);
  EXPECT_TRUE(all->profiles_dir);
}

// [power_profiles]: each power-profiles-daemon profile to a mode; absent: not followed.
TEST(ConfigParseTest, PowerProfilesMapProfilesToModes) {
  auto c =
      cfg::parse_config("[power_profiles]\npower-saver = \"work\"\nperformance = \"gaming\"\n", "test.toml");
  ASSERT_TRUE(c) << c.error().message();
  ASSERT_TRUE(c->power_profiles);
  EXPECT_EQ(c->power_profiles->mode_for("power-saver"), GB_MODE_WORK);
  EXPECT_EQ(c->power_profiles->mode_for("performance"), GB_MODE_GAMING);
  EXPECT_EQ(c->power_profiles->mode_for("balanced"), std::nullopt);
  ghostbrew::sched::Options o;
  cfg::apply(*c, o);
  EXPECT_TRUE(o.power_profiles.any());
  EXPECT_EQ(o.power_profiles.mode_for("power-saver"), GB_MODE_WORK);

  auto none = cfg::parse_config("mode = \"auto\"\n", "test.toml");
  ASSERT_TRUE(none) << none.error().message();
  EXPECT_FALSE(none->power_profiles);
  ghostbrew::sched::Options off;
  cfg::apply(*none, off);
  EXPECT_FALSE(off.power_profiles.any());
}

TEST(ConfigParseTest, PowerProfilesRefuseUnknownProfilesAndModesWithTheirLine) {
  EXPECT_EQ(error_of("[power_profiles]\nbalanced = \"auto\"\nquiet = \"work\"\n"),
            "test.toml:3: unknown key 'quiet' in [power_profiles] (known: power-saver, balanced, "
            "performance)");
  EXPECT_EQ(error_of("[power_profiles]\n\npower-saver = \"turbo\"\n"),
            "test.toml:3: unknown mode 'turbo' (auto, gaming or work)");
  EXPECT_EQ(error_of("[power_profiles]\nbalanced = 1\n"),
            "test.toml:2: power_profiles.balanced must be a string, not an integer");
  EXPECT_EQ(error_of("power_profiles = \"work\"\n"),
            "test.toml:1: power_profiles must be a table ([power_profiles]), not a string");
}

}  // namespace
