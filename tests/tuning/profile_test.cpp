// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
#include <gtest/gtest.h>

#include <fstream>

#include "ghostbrew/tuning/profile.hpp"
#include "support.hpp"
#include "support/temp_dir.hpp"

namespace gt = ghostbrew::tuning;
using ghostbrew::testing::TempDir;

namespace {
void write_text(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
}
}  // namespace

TEST(ProfileTest, SavedProfileIsFoundAgain) {
  TempDir d;
  const gt::Profile p{"Cyberpunk2077.exe", {GB_MODE_GAMING, 4000, 30000, 700, 2000}};
  ASSERT_TRUE(gt::save_profile(d.path(), p));
  EXPECT_TRUE(std::filesystem::exists(d.path() / "profiles/cyberpunk2077-exe.json"));
  auto loaded = gt::load_profile(gt::profile_path(d.path(), p.game));
  ASSERT_TRUE(loaded) << loaded.error().message();
  EXPECT_EQ(*loaded, p);
  auto found = gt::find_profile(d.path(), "Cyberpunk2077.exe");
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, p.config);
}

TEST(ProfileTest, OverwriteReplacesTheProfile) {
  TempDir d;
  ASSERT_TRUE(gt::save_profile(d.path(), {"g", {GB_MODE_GAMING, 4000, 30000, 700, 2000}}));
  const gt::TuningConfig next{GB_MODE_AUTO, 3000, 20000, 1000, 1000};
  ASSERT_TRUE(gt::save_profile(d.path(), {"g", next}));
  EXPECT_EQ(**gt::find_profile(d.path(), "g"), next);
}

TEST(ProfileTest, MissingProfileOrAnotherGamesSlugIsNotFound) {
  TempDir d;
  auto none = gt::find_profile(d.path(), "g");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(gt::save_profile(d.path(), {"Half-Life", gt::defaults()}));
  auto other = gt::find_profile(d.path(), "half life");  // same slug, another game
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->has_value());
}

TEST(ProfileTest, InvalidConfigurationIsNotSaved) {
  TempDir d;
  auto r = gt::save_profile(d.path(), {"g", {GB_MODE_GAMING, 100, 30000, 700, 2000}});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("slice_us"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(gt::profile_path(d.path(), "g")));
}

TEST(ProfileTest, BadFilesAreErrorsNamingTheFile) {
  TempDir d;
  const auto p = gt::profile_path(d.path(), "g");
  const std::string good_tail =
      R"("burst_threshold_us": 20000, "interactive_burst_us": 1000, "game_window_us": 1000})";
  struct Case {
    std::string text;
    std::string needle;
  };
  const Case cases[] = {
      {"{\"version\": 1, \"game\": \"g\", ", "not valid JSON"},
      {"", "not valid JSON"},
      {"[1, 2]", "not a JSON object"},
      {R"({"version": 2, "game": "g", "mode": "gaming", "slice_us": 4000, )" + good_tail, "version"},
      {R"({"version": 1, "mode": "gaming", "slice_us": 4000, )" + good_tail, "\"game\""},
      {R"({"version": 1, "game": "g", "mode": "turbo", "slice_us": 4000, )" + good_tail,
       "unknown mode 'turbo'"},
      {R"({"version": 1, "game": "g", "mode": "gaming", "slice_us": "4000", )" + good_tail, "\"slice_us\""},
      {R"({"version": 1, "game": "g", "mode": "gaming", "slice_us": -4000, )" + good_tail, "\"slice_us\""},
      {R"({"version": 1, "game": "g", "mode": "gaming", "slice_us": 4000.5, )" + good_tail, "\"slice_us\""},
      {R"({"version": 1, "game": "g", "mode": "gaming", )" + good_tail, "\"slice_us\""},
      {R"({"version": 1, "game": "g", "mode": "gaming", "slice_us": 50000, )" + good_tail,
       "slice_us: 50000 is outside 500..20000"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    write_text(p, c.text);
    auto r = gt::find_profile(d.path(), "g");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().where, p.string());
    EXPECT_NE(r.error().what.find(c.needle), std::string::npos) << r.error().message();
  }
}

TEST(ProfileTest, GameNameThatIsNotUtf8IsSavedAndFoundAgain) {
  TempDir d;
  const std::string game = "\xff\xfe\x1b[1m\"\\x.exe";
  const gt::Profile p{game, {GB_MODE_GAMING, 4000, 30000, 700, 2000}};
  ASSERT_TRUE(gt::save_profile(d.path(), p));
  auto loaded = gt::load_profile(gt::profile_path(d.path(), game));
  ASSERT_TRUE(loaded) << loaded.error().message();
  EXPECT_EQ(loaded->game, "\xef\xbf\xbd\xef\xbf\xbd\x1b[1m\"\\x.exe");
  auto found = gt::find_profile(d.path(), game);
  ASSERT_TRUE(found) << found.error().message();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, p.config);
  auto other = gt::find_profile(d.path(), "\xfd\xfe\x1b[1m\"\\x.exe");
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->has_value()) << "names equal once made valid UTF-8 share a profile";
}
