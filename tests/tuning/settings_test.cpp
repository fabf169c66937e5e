// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The settings table (tuning/settings.hpp) and its copies outside C++: tools/ml/settings.json must be
// what `ghost-sched settings --json` prints, and train.py must take its bounds from the table it reads.
#include "ghostbrew/tuning/settings.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "ghostbrew/tuning/config.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace gt = ghostbrew::tuning;
using ghostbrew::testing::TempDir;

TEST(SettingsTableTest, TunedSettingsAreTheTunersWithTheirBounds) {
  for (gt::Setting s : gt::kSettings) {
    const auto& row = gt::info(s);
    EXPECT_TRUE(row.tuned()) << row.name;
    EXPECT_EQ(gt::bounds(s).min_us, row.min);
    EXPECT_EQ(gt::bounds(s).max_us, row.max);
    EXPECT_EQ(gt::bounds(s).step_us, row.step);
    EXPECT_EQ(gt::field(gt::defaults(), s), row.def) << row.name;
  }
  EXPECT_EQ(gt::defaults().mode, gt::kDefaultMode);
}

TEST(SettingsTableTest, ModeNamesRoundTripThroughTheOneTable) {
  for (const auto& m : gt::kModes) {
    EXPECT_EQ(gt::mode_name(m.mode), m.name);
    auto parsed = gt::parse_mode(m.name);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, m.mode);
  }
  EXPECT_EQ(gt::mode_name(GB_NR_MODES), "invalid");
}

TEST(SettingsTableTest, JsonHasEveryRow) {
  const auto j = gt::settings_json();
  ASSERT_EQ(j["settings"].size(), gt::kSettingTable.size());
  for (std::size_t i = 0; i < gt::kSettingTable.size(); ++i) {
    const auto& row = gt::kSettingTable[i];
    const auto& r = j["settings"][i];
    EXPECT_EQ(r["name"], std::string(row.name));
    EXPECT_EQ(r["flag"], std::string(row.flag));
    EXPECT_EQ(r["default"], row.def);
    EXPECT_EQ(r["min"], row.min);
    EXPECT_EQ(r["max"], row.max);
    EXPECT_EQ(r["unit"], std::string(row.unit));
    EXPECT_EQ(r["tuned"], row.tuned());
  }
  EXPECT_EQ(j["modes"].size(), gt::kModes.size());
}

TEST(SettingsTableTest, TrainPyCopyIsTheTable) {
  std::ifstream in(SETTINGS_JSON);
  ASSERT_TRUE(in) << SETTINGS_JSON;
  const auto copy = nlohmann::json::parse(in, nullptr, false);
  EXPECT_EQ(copy, gt::settings_json())
      << SETTINGS_JSON << " is stale: regenerate it with `ghost-sched settings --json > " << SETTINGS_JSON
      << "`";
}

namespace {

ghostbrew::testing::RunResult train(const std::string& args) {
  return ghostbrew::testing::run(std::string(PYTHON3) + " " + TRAIN_PY + " " + args);
}

const char* kCsv =
    "timestamp,game,mode,slice_us,burst_threshold_us,interactive_burst_us,game_window_us,score\n"
    "1,g,gaming,4000,20000,1000,1000,-3\n";

}  // namespace

TEST(TrainPySettingsTest, BoundsComeFromTheSettingsFile) {
  const TempDir d;
  auto table = gt::settings_json();
  table["settings"][0]["max"] = 3000;  // slice_us: 4000 is now out of bounds
  const auto settings = d.write("settings.json", table.dump()).string();
  const auto csv = d.write("s.csv", kCsv).string();
  const auto r = train(csv + " --settings " + settings);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("train.py: error: " + csv + ":2: slice_us 4000 is outside 500..3000"),
            std::string::npos)
      << r.out;
}

TEST(TrainPySettingsTest, ModesComeFromTheSettingsFile) {
  const TempDir d;
  auto table = gt::settings_json();
  table["modes"].erase(1);  // no "gaming"
  const auto settings = d.write("settings.json", table.dump()).string();
  const auto csv = d.write("m.csv", kCsv).string();
  const auto r = train(csv + " --settings " + settings);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("mode 'gaming' is not one of auto, work"), std::string::npos) << r.out;
}

TEST(TrainPySettingsTest, MissingOrMalformedSettingsFileIsRefused) {
  const TempDir d;
  const auto csv = d.write("s.csv", kCsv).string();
  const auto missing = (d.path() / "nope.json").string();
  auto r = train(csv + " --settings " + missing);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("train.py: error: " + missing + ": cannot read"), std::string::npos) << r.out;
  const auto bad = d.write("bad.json", "{\"settings\": 3}").string();
  r = train(csv + " --settings " + bad);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("train.py: error: " + bad + ": not a settings table"), std::string::npos) << r.out;
}
