// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// `ghost-probe --procdb` end to end: a database saved with procdb::save() in a temp state directory is
// printed as a table and as JSON (comm, class, task count); a missing database and a corrupted one each
// exit 1 with one line on stderr naming the file.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ghostbrew/procdb/database.hpp"
#include "ghostbrew/procdb/store.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace ghostbrew {
namespace {

using ghostbrew::testing::RunResult;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Runs ghost-probe with `args`: stdout in `out`, stderr in `err`.
RunResult run(const std::string& args) {
  return ghostbrew::testing::run_split(std::string(GHOST_PROBE) + " " + args);
}

/// An observation of `tasks` tasks, `bursts_per_task` bursts of `burst_us` each, all in class `cls`.
gb_observation observation(std::uint64_t tasks, std::uint64_t bursts_per_task, std::uint64_t burst_us,
                           gb_class cls) {
  gb_observation o{};
  o.tasks = tasks;
  o.bursts = tasks * bursts_per_task;
  o.runtime_ns = o.bursts * burst_us * 1000;
  o.runtime_sq_us = o.bursts * burst_us * burst_us;
  o.wakeups = o.bursts;
  o.switches = o.bursts;
  o.lifetime_ns = tasks * 1'000'000'000ULL;
  o.class_tasks[cls] = tasks;
  return o;
}

class ProbeProcdbTest : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directories(dir_ / "state"); }

  /// Saves cc1 (two observations: 12 + 8 batch tasks) and kwin_wayland (3 interactive tasks).
  void save_sample() const {
    procdb::Database db;
    const auto now = static_cast<procdb::UnixSeconds>(std::time(nullptr));
    ASSERT_TRUE(db.observe("cc1", observation(12, 10, 5000, GB_CLASS_BATCH), now - 60));
    ASSERT_TRUE(db.observe("cc1", observation(8, 10, 5000, GB_CLASS_BATCH), now - 30));
    ASSERT_TRUE(db.observe("kwin_wayland", observation(3, 100, 200, GB_CLASS_INTERACTIVE), now - 30));
    ASSERT_TRUE(procdb::save(db, db_path()));
  }

  [[nodiscard]] std::filesystem::path db_path() const { return dir_ / "state" / "procdb.bin"; }
  [[nodiscard]] std::string state_args() const {
    return "--procdb --state-dir '" + (dir_ / "state").string() + "'";
  }

  ghostbrew::testing::TempDir dir_{"probe-procdb"};
};

TEST_F(ProbeProcdbTest, JsonListsEveryLearnedCommWithItsClassAndTasks) {
  save_sample();
  const auto r = run(state_args() + " --json");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.err, "");
  const auto j = nlohmann::json::parse(r.out);
  const auto& ps = j.at("profiles");
  ASSERT_EQ(ps.size(), 2U) << r.out;
  bool saw_cc1 = false;
  bool saw_kwin = false;
  for (const auto& p : ps) {
    if (p.at("comm") == "cc1") {
      saw_cc1 = true;
      EXPECT_EQ(p.at("class"), "batch");
      EXPECT_EQ(p.at("tasks"), 20) << "the two observations' tasks add up";
    } else if (p.at("comm") == "kwin_wayland") {
      saw_kwin = true;
      EXPECT_EQ(p.at("class"), "interactive");
      EXPECT_EQ(p.at("tasks"), 3);
    }
  }
  EXPECT_TRUE(saw_cc1) << r.out;
  EXPECT_TRUE(saw_kwin) << r.out;
}

TEST_F(ProbeProcdbTest, TableHasARowPerCommAndASummary) {
  save_sample();
  const auto r = run(state_args());
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  std::vector<std::string> lines;
  std::string line;
  for (const char c : r.out) {
    if (c == '\n') {
      lines.push_back(line);
      line.clear();
    } else {
      line += c;
    }
  }
  ASSERT_EQ(lines.size(), 4U) << r.out;  // header, two profiles, summary
  bool saw_cc1 = false;
  bool saw_kwin = false;
  for (const auto& l : lines) {
    if (l.rfind("cc1 ", 0) == 0) {
      saw_cc1 = true;
      EXPECT_NE(l.find(" 20 "), std::string::npos) << l;
      EXPECT_NE(l.find("batch"), std::string::npos) << l;
    }
    if (l.rfind("kwin_wayland ", 0) == 0) {
      saw_kwin = true;
      EXPECT_NE(l.find(" 3 "), std::string::npos) << l;
      EXPECT_NE(l.find("interactive"), std::string::npos) << l;
    }
  }
  EXPECT_TRUE(saw_cc1) << r.out;
  EXPECT_TRUE(saw_kwin) << r.out;
  EXPECT_EQ(lines.back().rfind("2 profiles", 0), 0U) << lines.back();
}

TEST_F(ProbeProcdbTest, MissingDatabaseExits1WithOneLineNamingThePath) {
  const auto r = run(state_args());
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("no process database at " + db_path().string()), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
}

TEST_F(ProbeProcdbTest, CorruptDatabaseExits1WithOneLineNamingTheFile) {
  save_sample();
  auto bytes = slurp(db_path());
  ASSERT_GT(bytes.size(), 40U);
  bytes[40] =
      static_cast<char>(bytes[40] ^ 0x01);  // inside the first record's comm: the CRC no longer matches
  std::ofstream(db_path(), std::ios::binary | std::ios::trunc) << bytes;
  const auto r = run(state_args() + " --json");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(db_path().string()), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
}

TEST_F(ProbeProcdbTest, StateDirWithoutProcdbIsRefusedByTheParser) {
  const auto r = run("--state-dir '" + (dir_ / "state").string() + "'");
  EXPECT_NE(r.status, 0) << "--state-dir means nothing without --procdb";
}

}  // namespace
}  // namespace ghostbrew
