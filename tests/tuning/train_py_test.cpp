// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// tools/ml/train.py on bad input (exit 2 and one line naming the file) and on a small CSV whose best
// configuration is known.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace {

using TrainRun = ghostbrew::testing::RunResult;

TrainRun train(const std::string& args) {
  return ghostbrew::testing::run(std::string(PYTHON3) + " " + TRAIN_PY + " " + args);
}

std::string write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p) << text;
  return p.string();
}

void expect_error(const TrainRun& r, const std::string& file, const std::string& needle) {
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("train.py: error: " + file + ": "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(needle), std::string::npos) << r.out;
}

const char* kHeader =
    "timestamp,game,mode,slice_us,burst_threshold_us,interactive_burst_us,game_window_us,score\n";

}  // namespace

TEST(TrainPyTest, EmptyFileIsRefused) {
  ghostbrew::testing::TempDir d;
  const auto f = write(d / "empty.csv", "");
  expect_error(train(f), f, "empty file");
}

TEST(TrainPyTest, FileWithoutTheNeededColumnsIsRefused) {
  ghostbrew::testing::TempDir d;
  const auto f = write(d / "cols.csv", "timestamp,game,slice_us\n1,g,4000\n");
  expect_error(train(f), f,
               "missing column(s) mode, burst_threshold_us, interactive_burst_us, game_window_us, score");
}

TEST(TrainPyTest, MissingFileHeaderOnlyAndBadValuesAreRefused) {
  ghostbrew::testing::TempDir d;
  const auto missing = (d / "nope.csv").string();
  expect_error(train(missing), missing, "cannot read");
  const auto header_only = write(d / "header.csv", kHeader);
  expect_error(train(header_only), header_only, "no data rows");
  const auto bad_number = write(d / "bad.csv", std::string(kHeader) + "1,g,gaming,fast,20000,1000,1000,-3\n");
  expect_error(train(bad_number), bad_number + ":2", "slice_us 'fast' is not an integer");
  const auto bad_mode = write(d / "mode.csv", std::string(kHeader) + "1,g,turbo,4000,20000,1000,1000,-3\n");
  expect_error(train(bad_mode), bad_mode + ":2", "mode 'turbo'");
  const auto out_of_bounds =
      write(d / "oob.csv", std::string(kHeader) + "1,g,gaming,40000,20000,1000,1000,-3\n");
  expect_error(train(out_of_bounds), out_of_bounds + ":2", "outside 500..20000");
}

// A train.py that does not start (a syntax error, a bad import) fails here, never skips.
TEST(TrainPyTest, StartsAndPrintsItsUsage) {
  const TrainRun r = train("--help");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("usage"), std::string::npos) << r.out;
}

TEST(TrainPyTest, FindsTheBestSliceOfASmallCsv) {
  ghostbrew::testing::TempDir d;
  // Only the slice varies; the score peaks at 2000 us.
  std::string text = kHeader;
  int t = 0;
  for (int rep = 0; rep < 3; ++rep)
    for (int slice : {1000, 2000, 4000, 8000, 16000})
      text +=
          fmt::format("{},g,gaming,{},20000,1000,1000,{}\n", ++t, slice, -std::abs(slice - 2000) / 1000.0);
  const auto f = write(d / "ok.csv", text);
  const auto out = d / "out";
  const TrainRun r = train(f + " --out " + out.string());
  // Only an absent scikit-learn (a Debian package the host may lack) skips.
  if (r.status != 0 && r.out.find("scikit-learn is missing") != std::string::npos) GTEST_SKIP() << r.out;
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("15 samples, 5 distinct configurations"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("feature importances:\n  slice_us "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ghost-sched --gaming --slice-us 2000 --burst-threshold-us 20000"), std::string::npos)
      << r.out;
  EXPECT_TRUE(std::filesystem::exists(out / "best.json"));
  EXPECT_TRUE(std::filesystem::exists(out / "importances.csv"));
}
