// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "ghostbrew/core/text.hpp"
#include "ghostbrew/tuning/csv.hpp"
#include "ghostbrew/tuning/score.hpp"
#include "support.hpp"

namespace gt = ghostbrew::tuning;
using tuning_test::sample;

namespace {
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}
}  // namespace

TEST(CsvTest, HeaderNamesEveryColumnInOrder) {
  const std::string h = gt::csv_header();
  EXPECT_EQ(h.rfind("timestamp,game,cpu_model,mode,slice_us,burst_threshold_us,interactive_burst_us,"
                    "game_window_us,gaming_wake_p50_ns,gaming_wake_p99_ns,gaming_wake_p999_ns,gaming_wakeups,"
                    "interactive_wake_p99_ns,op_p99_ns_select_cpu,op_p99_ns_enqueue,op_p99_ns_dispatch,"
                    "op_p99_ns_running,op_p99_ns_stopping,dispatches_per_s,migrations_per_s,",
                    0),
            0u);
  EXPECT_NE(
      h.find(",threads_gaming,threads_interactive,threads_vm,threads_default,threads_ai,threads_container,"
             "threads_batch,score"),
      std::string::npos);
  EXPECT_EQ(h.substr(h.size() - 6), ",score");
}

TEST(CsvTest, RowsHaveOneFieldPerColumnAndQuoteText) {
  auto s = sample("Game, \"The\" Sequel", 1700000000, 2e6, {GB_MODE_GAMING, 4000, 30000, 700, 2000});
  std::ostringstream out;
  gt::write_csv(std::vector{s}, out);
  const auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(
      lines[1].rfind("1700000000,\"Game, \"\"The\"\" Sequel\",\"AMD Ryzen 9 7950X3D 16-Core Processor\","
                     "gaming,4000,30000,700,2000,250000,2000000,4000000,5000,1000000,1448,2896,5792,724,724,",
                     0),
      0u)
      << lines[1];
  // Field count: header columns == row fields once the quoted comma is discounted.
  const auto commas = [](const std::string& l) { return std::count(l.begin(), l.end(), ','); };
  EXPECT_EQ(commas(lines[1]) - 1, commas(lines[0]));
  // The last field is the score, printed in a form that reads back exactly.
  const auto last = lines[1].substr(lines[1].rfind(',') + 1);
  EXPECT_EQ(std::stod(last), gt::score(s.metrics));
}

// Each metric in its own named column: a metric the CSV forgot, or put in another's column, fails.
TEST(CsvTest, EveryMetricIsInItsNamedColumn) {
  gt::Sample s = sample("g", 1, 1e6);
  gt::Metrics& m = s.metrics;
  m.gaming_wake_p50_ns = 101;
  m.gaming_wake_p99_ns = 102;
  m.gaming_wake_p999_ns = 103;
  m.gaming_wakeups = 104;
  m.interactive_wake_p99_ns = 105;
  m.op_p99_ns = {106, 107, 108, 109, 110};
  m.dispatches_per_s = 111;
  m.migrations_per_s = 112;
  m.xccd_migrations_per_s = 113;
  m.ccd_locality = 0.114;
  m.direct_dispatch_rate = 0.115;
  m.preemptions_per_s = 116;
  m.cpu_utilisation = 0.117;
  m.threads = {118, 119, 120, 121, 122, 123, 124};
  std::ostringstream out;
  gt::write_csv(std::vector{s}, out);
  const auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 2u);
  const auto split = [](const std::string& l) {
    std::vector<std::string> f;
    std::istringstream in(l);
    for (std::string x; std::getline(in, x, ',');) f.push_back(x);
    return f;
  };
  const auto names = split(lines[0]);
  const auto values = split(lines[1]);
  ASSERT_EQ(names.size(), values.size());
  const auto at = [&](const std::string& name) {
    const auto it = std::find(names.begin(), names.end(), name);
    return it == names.end() ? std::string("missing") : values[static_cast<std::size_t>(it - names.begin())];
  };
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"gaming_wake_p50_ns", "101"},      {"gaming_wake_p99_ns", "102"},
      {"gaming_wake_p999_ns", "103"},     {"gaming_wakeups", "104"},
      {"interactive_wake_p99_ns", "105"}, {"op_p99_ns_select_cpu", "106"},
      {"op_p99_ns_enqueue", "107"},       {"op_p99_ns_dispatch", "108"},
      {"op_p99_ns_running", "109"},       {"op_p99_ns_stopping", "110"},
      {"dispatches_per_s", "111"},        {"migrations_per_s", "112"},
      {"xccd_migrations_per_s", "113"},   {"ccd_locality", "0.114"},
      {"direct_dispatch_rate", "0.115"},  {"preemptions_per_s", "116"},
      {"cpu_utilisation", "0.117"},       {"threads_gaming", "118"},
      {"threads_interactive", "119"},     {"threads_vm", "120"},
      {"threads_default", "121"},         {"threads_ai", "122"},
      {"threads_container", "123"},       {"threads_batch", "124"}};
  for (const auto& [name, value] : expected) EXPECT_EQ(at(name), value) << name;
  // timestamp, game, cpu_model, mode, the four settings, the metrics and the score: nothing else.
  EXPECT_EQ(names.size(), 4 + 4 + expected.size() + 1);
}

TEST(CsvTest, NoSamplesGiveOnlyTheHeader) {
  std::ostringstream out;
  gt::write_csv({}, out);
  EXPECT_EQ(out.str(), gt::csv_header() + "\n");
}

TEST(ScoreTest, LowerGamingLatencyScoresHigher) {
  EXPECT_GT(gt::score(sample("g", 1, 1e6).metrics), gt::score(sample("g", 1, 2e6).metrics));
  EXPECT_GT(gt::score(sample("g", 1, 50e3).metrics), gt::score(sample("g", 1, 60e3).metrics));
}

TEST(ScoreTest, GamingP99OutweighsTheOtherLatencies) {
  // Doubling the gaming p99 costs more than doubling the interactive p99 or every callback's p99.
  const auto base = sample("g", 1, 4e6).metrics;
  auto worse_game = base;
  worse_game.gaming_wake_p99_ns *= 2;
  auto worse_inter = base;
  worse_inter.interactive_wake_p99_ns *= 2;
  auto worse_ops = base;
  for (auto& v : worse_ops.op_p99_ns) v *= 2;
  auto worse_tail = base;
  worse_tail.gaming_wake_p999_ns *= 2;
  EXPECT_LT(gt::score(worse_game), gt::score(worse_tail));
  EXPECT_LT(gt::score(worse_tail), gt::score(worse_inter));
  EXPECT_LT(gt::score(worse_game), gt::score(worse_ops));
}

TEST(ScoreTest, CrossCcdTrafficAndLowLocalityArePenalised) {
  const auto base = sample("g", 1, 1e6).metrics;
  auto remote = base;
  remote.ccd_locality = 0.5;
  EXPECT_LT(gt::score(remote), gt::score(base));
  auto busy = base;
  busy.xccd_migrations_per_s = 5000;
  EXPECT_LT(gt::score(busy), gt::score(base));
}

TEST(BestTest, PicksTheConfigWithTheHighestMeanScore) {
  const gt::TuningConfig a{GB_MODE_GAMING, 4000, 20000, 1000, 1000};
  const gt::TuningConfig b{GB_MODE_GAMING, 3000, 20000, 1000, 1000};
  const std::vector<gt::Sample> s = {sample("g", 1, 2e6, a), sample("g", 2, 3e6, a), sample("g", 3, 1e6, b),
                                     sample("g", 4, 1.5e6, b), sample("other", 5, 1e3, a)};
  auto w = gt::best(s, "g");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->config, b);
  EXPECT_EQ(w->unix_time, 4);  // the newest sample of the winner
}

TEST(BestTest, SingleLuckySampleLosesToRepeatedMeasurements) {
  const gt::TuningConfig a{GB_MODE_GAMING, 4000, 20000, 1000, 1000};
  const gt::TuningConfig lucky{GB_MODE_GAMING, 1000, 20000, 1000, 1000};
  const std::vector<gt::Sample> s = {sample("g", 1, 2e6, a), sample("g", 2, 2e6, a),
                                     sample("g", 3, 10e3, lucky)};
  auto w = gt::best(s, "g");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->config, a);
  // Without any repeated configuration, single samples compete.
  auto w1 = gt::best(std::vector{s[0], s[2]}, "g");
  ASSERT_TRUE(w1);
  EXPECT_EQ(w1->config, lucky);
}

TEST(BestTest, FiltersByGameCpuModelAndGamingWakeups) {
  auto idle = sample("g", 1, 10, {GB_MODE_WORK, 500, 2000, 100, 250});
  idle.metrics.gaming_wakeups = 0;
  auto other_cpu = sample("g", 2, 20, {GB_MODE_AUTO, 500, 2000, 100, 250});
  other_cpu.cpu_model = "Intel";
  const auto normal = sample("g", 3, 2e6);
  const std::vector<gt::Sample> s = {idle, other_cpu, normal};
  EXPECT_EQ(gt::best(s, "g", normal.cpu_model)->config, normal.config);
  EXPECT_EQ(gt::best(s, "g")->config, other_cpu.config);
  EXPECT_FALSE(gt::best(s, "nothing"));
  EXPECT_FALSE(gt::best(std::vector{idle}, "g"));
}

TEST(CsvTest, TextThatIsNotUtf8IsWrittenAsValidUtf8) {
  auto s = sample("\xff\xfegame\x1b", 1700000000, 2e6, {GB_MODE_GAMING, 4000, 30000, 700, 2000});
  std::ostringstream out;
  gt::write_csv(std::vector{s}, out);
  EXPECT_EQ(lines_of(out.str()).at(1).rfind("1700000000,\"\xef\xbf\xbd\xef\xbf\xbdgame\x1b\",", 0), 0u);
  EXPECT_EQ(ghostbrew::text::valid_utf8(out.str()), out.str());
}
