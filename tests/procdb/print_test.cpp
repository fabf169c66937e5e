// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// procdb/print.hpp: the table and the JSON of `ghost-probe --procdb`.
#include "ghostbrew/procdb/print.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace ghostbrew::procdb {
namespace {

Database sample() {
  Database db(Limits{.max_profiles = 16, .max_age_s = 1000});
  Profile cc1;
  cc1.comm = "cc1";
  cc1.runtime_ns = 4.5e6;
  cc1.deviation_ns = 2.5e4;
  cc1.wakeups_per_s = 1.5;
  cc1.switches_per_s = 20.25;
  cc1.votes[GB_CLASS_BATCH] = 1;
  cc1.tasks = 30;
  cc1.first_seen = 10;
  cc1.last_seen = 20;
  Profile kwin;
  kwin.comm = "kwin_wayland";
  kwin.runtime_ns = 800;
  kwin.votes[GB_CLASS_INTERACTIVE] = 0.5;
  kwin.votes[GB_CLASS_DEFAULT] = 0.5;
  kwin.tasks = 2;
  kwin.first_seen = kwin.last_seen = 20;
  (void)db.insert(cc1);
  (void)db.insert(kwin);
  return db;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(ProcdbPrint, TableHasAHeaderARowPerProfileMostConfidentFirstAndASummary) {
  const auto lines = lines_of(to_text(sample(), 30));
  ASSERT_EQ(lines.size(), 4U);
  for (const char* column :
       {"comm", "tasks", "run/burst", "deviation", "wake/s", "switch/s", "class", "conf", "predicted"})
    EXPECT_NE(lines[0].find(column), std::string::npos) << column;
  // cc1: confidence 1 / (1 + 25e3 / 4.5e6) = 99.4 %, predicts.
  EXPECT_EQ(lines[1].rfind("cc1 ", 0), 0U) << lines[1];
  for (const char* cell : {" 30 ", "4.50 ms", "25.0 us", "1.5", "20.2", "batch", "99%", "yes"})
    EXPECT_NE(lines[1].find(cell), std::string::npos) << cell << " in: " << lines[1];
  // kwin_wayland: agreement 0.5 x maturity 2/3 = 33 %, the tie goes to interactive, no prediction.
  EXPECT_EQ(lines[2].rfind("kwin_wayland ", 0), 0U) << lines[2];
  for (const char* cell : {"800 ns", "interactive", "33%", "no"})
    EXPECT_NE(lines[2].find(cell), std::string::npos) << cell << " in: " << lines[2];
  EXPECT_EQ(lines[3], "2 profiles (1 predicting), cap 16");
}

TEST(ProcdbPrint, AnExpiredProfileIsShownAsNotPredicting) {
  const auto text = to_text(sample(), 20 + 1000);
  EXPECT_NE(text.find("(0 predicting)"), std::string::npos) << text;
}

TEST(ProcdbPrint, JsonCarriesEveryField) {
  const auto j = to_json(sample(), 30);
  EXPECT_EQ(j.at("max_profiles"), 16);
  const auto& ps = j.at("profiles");
  ASSERT_EQ(ps.size(), 2U);
  const auto& cc1 = ps.at(0);
  EXPECT_EQ(cc1.at("comm"), "cc1");
  EXPECT_EQ(cc1.at("tasks"), 30);
  EXPECT_EQ(cc1.at("runtime_ns"), 4.5e6);
  EXPECT_EQ(cc1.at("deviation_ns"), 2.5e4);
  EXPECT_EQ(cc1.at("wakeups_per_s"), 1.5);
  EXPECT_EQ(cc1.at("switches_per_s"), 20.25);
  EXPECT_EQ(cc1.at("class"), "batch");
  EXPECT_EQ(cc1.at("votes").at("batch"), 1.0);
  EXPECT_EQ(cc1.at("votes").at("gaming"), 0.0);
  EXPECT_EQ(cc1.at("votes").size(), static_cast<std::size_t>(GB_NR_CLASSES));
  EXPECT_DOUBLE_EQ(cc1.at("confidence").get<double>(), 1.0 / (1.0 + 2.5e4 / 4.5e6));
  EXPECT_EQ(cc1.at("predicted"), true);
  EXPECT_EQ(cc1.at("first_seen"), 10);
  EXPECT_EQ(cc1.at("last_seen"), 20);
  EXPECT_EQ(ps.at(1).at("comm"), "kwin_wayland");
  EXPECT_EQ(ps.at(1).at("predicted"), false);
  // Valid JSON text that parses back to the same document.
  EXPECT_EQ(nlohmann::json::parse(j.dump()), j);
}

TEST(ProcdbPrintTest, CommsAreEscapedInTheTableAndDumpAsValidJson) {
  Database db(Limits{.max_profiles = 16, .max_age_s = 1000});
  Profile p;
  p.comm = "\x1b[31m\xff";
  EXPECT_FALSE(db.insert(p)) << "the database holds printable ASCII comms only";
  p.comm = "say \"hi\" \\o/";
  p.votes[GB_CLASS_BATCH] = 1;
  p.tasks = 1;
  p.first_seen = p.last_seen = 20;
  ASSERT_TRUE(db.insert(p));
  const auto text = to_text(db, 20);
  ASSERT_EQ(lines_of(text).size(), 3U) << text;
  EXPECT_EQ(lines_of(text).at(1).rfind("say \"hi\" \\\\o/ ", 0), 0U) << text;
  const auto j = nlohmann::json::parse(text::dump(to_json(db, 20)));
  EXPECT_EQ(j["profiles"][0]["comm"], "say \"hi\" \\o/");
}

}  // namespace
}  // namespace ghostbrew::procdb
