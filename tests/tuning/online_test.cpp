// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <vector>

#include "ghostbrew/tuning/online.hpp"

namespace gt = ghostbrew::tuning;

namespace {

/// A synthetic score with one optimum at slice 8000, burst 30000, interactive 700, window 2000:
/// minus the number of steps away from it.
double synthetic(const gt::TuningConfig& c) {
  const auto steps = [](std::uint64_t v, std::uint64_t target, std::uint64_t step) {
    return std::abs(static_cast<double>(v) - static_cast<double>(target)) / static_cast<double>(step);
  };
  return -(steps(c.slice_us, 8000, 500) + steps(c.burst_threshold_us, 30000, 2000) +
           steps(c.interactive_burst_us, 700, 100) + steps(c.game_window_us, 2000, 250));
}

const gt::TuningConfig kOptimum{GB_MODE_GAMING, 8000, 30000, 700, 2000};

}  // namespace

TEST(OnlineTunerTest, InvalidStartIsRefused) {
  gt::TuningConfig bad = gt::defaults();
  bad.game_window_us = 10;
  auto t = gt::OnlineTuner::create(bad);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().where, "game_window_us");
  EXPECT_FALSE(gt::OnlineTuner::create(gt::defaults(), {.settle_after = 0}));
}

TEST(OnlineTunerTest, NeverLeavesTheBoundsOver1000Steps) {
  // Random scores and a start in a corner: every configuration put in force stays valid and keeps
  // the mode.
  gt::TuningConfig corner{GB_MODE_WORK, 500, 2000, 1900, 8000};
  ASSERT_TRUE(gt::validate(corner));
  auto t = gt::OnlineTuner::create(corner, {.seed = 7, .settle_after = 1000000, .max_trials = 1000000});
  ASSERT_TRUE(t);
  std::mt19937 noise(3);
  std::uniform_real_distribution<double> u(-10, 0);
  for (int i = 0; i < 1000; ++i) {
    const gt::TuningConfig& next = t->report(u(noise));
    ASSERT_TRUE(gt::validate(next)) << "step " << i << ": " << gt::validate(next).error().message();
    EXPECT_EQ(next.mode, GB_MODE_WORK);
  }
  EXPECT_FALSE(t->settled());
}

TEST(OnlineTunerTest, ProposalsMoveOneOrTwoSettingsByOneStep) {
  auto t = gt::OnlineTuner::create(gt::defaults(), {.seed = 11, .settle_after = 1000, .max_trials = 1000});
  ASSERT_TRUE(t);
  // Equal scores: every trial is within the margin, so each proposal is a neighbour of the previous one.
  gt::TuningConfig prev = t->current();
  for (int i = 0; i < 200; ++i) {
    const gt::TuningConfig next = t->report(-5.0);
    int changed = 0;
    for (auto s : gt::kSettings) {
      const auto a = gt::field(prev, s), b = gt::field(next, s);
      if (a == b) continue;
      ++changed;
      EXPECT_LE(a > b ? a - b : b - a, gt::bounds(s).step_us);
    }
    EXPECT_GE(changed, 1);
    EXPECT_LE(changed, 2);
    prev = next;
  }
}

TEST(OnlineTunerTest, ConvergesToTheOptimumOfASyntheticScore) {
  for (std::uint32_t seed : {1u, 2u, 3u, 42u, 1234u}) {
    SCOPED_TRACE(seed);
    gt::TuningConfig start = gt::defaults();
    start.mode = GB_MODE_GAMING;
    auto t = gt::OnlineTuner::create(start, {.seed = seed});
    ASSERT_TRUE(t);
    int periods = 0;
    while (!t->settled() && periods < 5000) {
      t->report(synthetic(t->current()));
      ++periods;
    }
    EXPECT_TRUE(t->settled());
    EXPECT_EQ(t->best(), kOptimum);
    EXPECT_EQ(t->current(), kOptimum);
    EXPECT_DOUBLE_EQ(t->best_score(), 0.0);
  }
}

namespace {

/// The first `n` proposals of a tuner seeded with `seed`, fed synthetic scores.
std::vector<gt::TuningConfig> proposals(std::uint32_t seed, int n) {
  auto t = gt::OnlineTuner::create(gt::defaults(), {.seed = seed});
  EXPECT_TRUE(t);
  std::vector<gt::TuningConfig> out;
  for (int i = 0; i < n; ++i) out.push_back(t->report(synthetic(t->current())));
  return out;
}

}  // namespace

TEST(OnlineTunerTest, SameSeedSameProposalsOtherSeedOthers) {
  const auto a = proposals(5, 50);
  EXPECT_EQ(a, proposals(5, 50));
  // The seed must matter: a tuner that ignored it would repeat these.
  EXPECT_NE(a, proposals(6, 50));
}

TEST(OnlineTunerTest, RevertsToTheBestAfterADrop) {
  auto t = gt::OnlineTuner::create(gt::defaults(), {.revert_margin = 0.5});
  ASSERT_TRUE(t);
  const gt::TuningConfig start = t->current();
  const gt::TuningConfig trial = t->report(-10.0);  // the start is the best so far
  EXPECT_NE(trial, start);
  // Within the margin: no revert, the next proposal explores on from the trial.
  const gt::TuningConfig trial2 = t->report(-10.4);
  EXPECT_NE(trial2, start);
  EXPECT_EQ(t->reverts(), 0u);
  // A drop beyond the margin puts the best back in force at once.
  const gt::TuningConfig& after_drop = t->report(-20.0);
  EXPECT_EQ(after_drop, start);
  EXPECT_EQ(t->best(), start);
  EXPECT_EQ(t->reverts(), 1u);
  // The best's next period refines its mean, and exploration resumes from it.
  EXPECT_NE(t->report(-10.0), start);
}

TEST(OnlineTunerTest, ImprovementBecomesTheBestAndSettlingKeepsIt) {
  auto t = gt::OnlineTuner::create(gt::defaults(), {.settle_after = 3});
  ASSERT_TRUE(t);
  t->report(-10.0);
  const gt::TuningConfig better = t->current();
  t->report(-5.0);
  EXPECT_EQ(t->best(), better);
  EXPECT_DOUBLE_EQ(t->best_score(), -5.0);
  // Three trials without improvement (within the margin, so no revert): settled on `better`.
  t->report(-5.2);
  t->report(-5.2);
  const gt::TuningConfig& last = t->report(-5.2);
  EXPECT_TRUE(t->settled());
  EXPECT_EQ(last, better);
  EXPECT_EQ(t->report(-1.0), better);  // settled: no more proposals
}
