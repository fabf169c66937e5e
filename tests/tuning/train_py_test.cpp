// tools/ml/train.py on bad input (exit 2 and one line naming the file) and on a small CSV whose best
// configuration is known.
#include <gtest/gtest.h>

#include <stdio.h>
#include <sys/wait.h>

#include <array>
#include <cmath>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "support.hpp"

namespace {

struct TrainRun {
  int status = -1;
  std::string output;  // stdout and stderr
};

TrainRun train(const std::string& args) {
  const std::string cmd = std::string(PYTHON3) + " " + TRAIN_PY + " " + args + " 2>&1";
  TrainRun r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;) r.output.append(buf.data(), n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p) << text;
  return p.string();
}

void expect_error(const TrainRun& r, const std::string& file, const std::string& needle) {
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("train.py: error: " + file + ": "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(needle), std::string::npos) << r.output;
}

const char* kHeader =
    "timestamp,game,mode,slice_us,burst_threshold_us,interactive_burst_us,game_window_us,score\n";

}  // namespace

TEST(TrainPyTest, EmptyFileIsRefused) {
  tuning_test::ScratchDir d;
  const auto f = write(d.path / "empty.csv", "");
  expect_error(train(f), f, "empty file");
}

TEST(TrainPyTest, FileWithoutTheNeededColumnsIsRefused) {
  tuning_test::ScratchDir d;
  const auto f = write(d.path / "cols.csv", "timestamp,game,slice_us\n1,g,4000\n");
  expect_error(train(f), f,
               "missing column(s) mode, burst_threshold_us, interactive_burst_us, game_window_us, score");
}

TEST(TrainPyTest, MissingFileHeaderOnlyAndBadValuesAreRefused) {
  tuning_test::ScratchDir d;
  const auto missing = (d.path / "nope.csv").string();
  expect_error(train(missing), missing, "cannot read");
  const auto header_only = write(d.path / "header.csv", kHeader);
  expect_error(train(header_only), header_only, "no data rows");
  const auto bad_number =
      write(d.path / "bad.csv", std::string(kHeader) + "1,g,gaming,fast,20000,1000,1000,-3\n");
  expect_error(train(bad_number), bad_number + ":2", "slice_us 'fast' is not an integer");
  const auto bad_mode =
      write(d.path / "mode.csv", std::string(kHeader) + "1,g,turbo,4000,20000,1000,1000,-3\n");
  expect_error(train(bad_mode), bad_mode + ":2", "mode 'turbo'");
  const auto out_of_bounds =
      write(d.path / "oob.csv", std::string(kHeader) + "1,g,gaming,40000,20000,1000,1000,-3\n");
  expect_error(train(out_of_bounds), out_of_bounds + ":2", "outside 500..20000");
}

TEST(TrainPyTest, FindsTheBestSliceOfASmallCsv) {
  if (train("--help").output.find("usage") == std::string::npos) GTEST_SKIP() << "train.py does not start";
  tuning_test::ScratchDir d;
  // Only the slice varies; the score peaks at 2000 us.
  std::string text = kHeader;
  int t = 0;
  for (int rep = 0; rep < 3; ++rep)
    for (int slice : {1000, 2000, 4000, 8000, 16000})
      text +=
          fmt::format("{},g,gaming,{},20000,1000,1000,{}\n", ++t, slice, -std::abs(slice - 2000) / 1000.0);
  const auto f = write(d.path / "ok.csv", text);
  const auto out = d.path / "out";
  const TrainRun r = train(f + " --out " + out.string());
  if (r.output.find("scikit-learn is missing") != std::string::npos) GTEST_SKIP() << r.output;
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("15 samples, 5 distinct configurations"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("feature importances:\n  slice_us "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ghost-sched --gaming --slice-us 2000 --burst-threshold-us 20000"),
            std::string::npos)
      << r.output;
  EXPECT_TRUE(std::filesystem::exists(out / "best.json"));
  EXPECT_TRUE(std::filesystem::exists(out / "importances.csv"));
}
