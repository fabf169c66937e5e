// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// procdb/profile.hpp: the merge and decay rules, confidence and when a profile predicts. Expected
// numbers are worked out here from the documented rules.
#include "ghostbrew/procdb/profile.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

namespace ghostbrew::procdb {
namespace {

gb_observation obs_of(std::uint64_t tasks, std::uint64_t bursts, std::uint64_t runtime_ns,
                      std::uint64_t sq_us, gb_class cls) {
  gb_observation o{};
  o.tasks = tasks;
  o.bursts = bursts;
  o.runtime_ns = runtime_ns;
  o.runtime_sq_us = sq_us;
  o.class_tasks[cls] = tasks;
  return o;
}

Profile profile_with(std::array<double, GB_NR_CLASSES> votes, double runtime, double deviation,
                     std::uint64_t tasks) {
  Profile p;
  p.comm = std::string{"x"};  // not a literal: GCC 12 -O3 warns falsely (-Wrestrict) on assign
  p.votes = votes;
  p.runtime_ns = runtime;
  p.deviation_ns = deviation;
  p.tasks = tasks;
  return p;
}

TEST(ProcdbProfile, FirstMergeTakesTheObservationsAveragesOutright) {
  // 2 tasks, 4 bursts of 1, 1, 3 and 3 ms: 8 ms, squares in us^2 = 1e6 + 1e6 + 9e6 + 9e6.
  auto o = obs_of(2, 4, 8'000'000, 20'000'000, GB_CLASS_BATCH);
  o.wakeups = 10;
  o.switches = 20;
  o.lifetime_ns = 2'000'000'000;  // 2 s of task lifetime
  Profile p;
  p.comm = "cc1";
  ASSERT_TRUE(merge(p, o, 1000, LearnParams{}));
  EXPECT_DOUBLE_EQ(p.runtime_ns, 2e6);    // 8 ms / 4 bursts
  EXPECT_DOUBLE_EQ(p.deviation_ns, 1e6);  // sqrt(20e6/4 - 2000^2) us = 1000 us
  EXPECT_DOUBLE_EQ(p.wakeups_per_s, 5.0);
  EXPECT_DOUBLE_EQ(p.switches_per_s, 10.0);
  EXPECT_DOUBLE_EQ(p.votes[GB_CLASS_BATCH], 1.0);
  EXPECT_EQ(p.tasks, 2U);
  EXPECT_EQ(p.first_seen, 1000);
  EXPECT_EQ(p.last_seen, 1000);
}

TEST(ProcdbProfile, LaterMergesMoveByOneMinusDecayToTheTasks) {
  Profile p;
  p.comm = "cc1";
  auto first = obs_of(2, 4, 8'000'000, 20'000'000, GB_CLASS_BATCH);
  first.wakeups = 10;
  first.lifetime_ns = 2'000'000'000;
  ASSERT_TRUE(merge(p, first, 1000, LearnParams{}));
  // One task, two bursts of 4 ms each: mean 4 ms, variance 0, interactive, no lifetime.
  ASSERT_TRUE(merge(p, obs_of(1, 2, 8'000'000, 32'000'000, GB_CLASS_INTERACTIVE), 2000, LearnParams{}));
  const double alpha = 1.0 - 0.8;  // decay^1
  EXPECT_DOUBLE_EQ(p.runtime_ns, (1 - alpha) * 2e6 + alpha * 4e6);
  EXPECT_DOUBLE_EQ(p.deviation_ns, std::sqrt((1 - alpha) * 1e12));
  EXPECT_DOUBLE_EQ(p.wakeups_per_s, 5.0) << "no lifetime: the rates are left as they were";
  EXPECT_DOUBLE_EQ(p.votes[GB_CLASS_BATCH], 1 - alpha);
  EXPECT_DOUBLE_EQ(p.votes[GB_CLASS_INTERACTIVE], alpha);
  EXPECT_EQ(p.tasks, 3U);
  EXPECT_EQ(p.first_seen, 1000);
  EXPECT_EQ(p.last_seen, 2000);

  // Three tasks at once weigh 1 - 0.8^3 = 0.488.
  const double before = p.runtime_ns;
  ASSERT_TRUE(merge(p, obs_of(3, 3, 3'000'000, 3'000'000, GB_CLASS_BATCH), 3000, LearnParams{}));
  EXPECT_DOUBLE_EQ(p.runtime_ns, 0.512 * before + 0.488 * 1e6);
  EXPECT_NEAR(merge_weight(p, 3, LearnParams{}), 0.488, 1e-12);
}

TEST(ProcdbProfile, EmptyObservationsChangeNothing) {
  Profile p;
  p.comm = "ld";
  EXPECT_FALSE(merge(p, obs_of(0, 5, 1000, 1, GB_CLASS_BATCH), 10, LearnParams{}));
  EXPECT_FALSE(merge(p, obs_of(3, 0, 1000, 1, GB_CLASS_BATCH), 10, LearnParams{}));
  EXPECT_EQ(p.tasks, 0U);
  EXPECT_EQ(p.last_seen, 0);
  EXPECT_DOUBLE_EQ(p.votes[GB_CLASS_BATCH], 0.0);
}

TEST(ProcdbProfile, InconsistentOrExtremeSumsStayFiniteAndNonNegative) {
  Profile p;
  p.comm = "as";
  // Squares far below runtime^2 would give a negative variance: clamped to 0.
  ASSERT_TRUE(merge(p, obs_of(1, 2, 10'000'000, 0, GB_CLASS_BATCH), 1, LearnParams{}));
  EXPECT_DOUBLE_EQ(p.deviation_ns, 0.0);
  gb_observation huge{};
  huge.tasks = huge.bursts = huge.runtime_ns = huge.runtime_sq_us = UINT64_MAX;
  huge.wakeups = huge.switches = UINT64_MAX;
  huge.lifetime_ns = 1;
  for (auto& n : huge.class_tasks) n = UINT64_MAX;
  ASSERT_TRUE(merge(p, huge, 2, LearnParams{}));
  for (double v : {p.runtime_ns, p.deviation_ns, p.wakeups_per_s, p.switches_per_s}) {
    EXPECT_TRUE(std::isfinite(v));
    EXPECT_GE(v, 0.0);
  }
  EXPECT_EQ(p.tasks, UINT64_MAX) << "task count saturates";
  const double c = confidence(p, LearnParams{});
  EXPECT_TRUE(c >= 0.0 && c <= 1.0);
}

TEST(ProcdbProfile, ConfidenceIsAgreementTimesStabilityTimesMaturity) {
  const LearnParams params;
  std::array<double, GB_NR_CLASSES> batch{};
  batch[GB_CLASS_BATCH] = 1.0;
  std::array<double, GB_NR_CLASSES> mixed{};
  mixed[GB_CLASS_BATCH] = 0.5;
  mixed[GB_CLASS_INTERACTIVE] = 0.5;
  const auto agreeing = profile_with(batch, 1e6, 1e5, 10);
  const auto two_classes = profile_with(mixed, 1e6, 1e5, 10);
  const auto unstable = profile_with(batch, 1e6, 2e6, 10);
  const auto young = profile_with(batch, 1e6, 1e5, 1);
  EXPECT_DOUBLE_EQ(confidence(agreeing, params), 1.0 / 1.1);
  EXPECT_DOUBLE_EQ(confidence(two_classes, params), 0.5 / 1.1);
  EXPECT_DOUBLE_EQ(confidence(unstable, params), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(confidence(young, params), 1.0 / 1.1 / 3.0);
  EXPECT_GT(confidence(agreeing, params), confidence(two_classes, params));
  EXPECT_GT(confidence(two_classes, params), confidence(unstable, params));
  EXPECT_DOUBLE_EQ(confidence(profile_with({}, 1e6, 0, 10), params), 0.0) << "no votes, no confidence";
}

TEST(ProcdbProfile, PredictsOnlyAboveThresholdWithEnoughTasks) {
  const LearnParams params;  // threshold 0.6, min_tasks 3
  std::array<double, GB_NR_CLASSES> interactive{};
  interactive[GB_CLASS_INTERACTIVE] = 0.9;
  interactive[GB_CLASS_BATCH] = 0.1;
  const auto ok = profile_with(interactive, 250'400.4, 0, 3);
  const auto pred = predict(ok, params);
  ASSERT_TRUE(pred);
  EXPECT_EQ(pred->cls, static_cast<std::uint32_t>(GB_CLASS_INTERACTIVE));
  EXPECT_EQ(pred->runtime_ns, 250'400U);
  EXPECT_EQ(pred->confidence_pct, 90U);

  // Two tasks: confidence 0.9 * 2/3 = 0.6 is above a 0.5 threshold, but min_tasks (3) is not met.
  LearnParams low = params;
  low.threshold = 0.5;
  EXPECT_FALSE(predict(profile_with(interactive, 1e6, 0, 2), low));
  EXPECT_TRUE(predict(profile_with(interactive, 1e6, 0, 3), low));
  // Around the threshold: 0.9 / (1 + cv) is 0.6 at cv 0.5.
  EXPECT_TRUE(predict(profile_with(interactive, 1e6, 0.49e6, 3), params));
  EXPECT_FALSE(predict(profile_with(interactive, 1e6, 0.51e6, 3), params));
}

TEST(ProcdbProfile, ABrokenProfileHasNoConfidence) {
  std::array<double, GB_NR_CLASSES> batch{};
  batch[GB_CLASS_BATCH] = 1.0;
  const LearnParams params;
  for (double dev :
       {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN(), -1.0}) {
    const auto p = profile_with(batch, 1e6, dev, 10);
    EXPECT_EQ(confidence(p, params), 0.0) << dev;
    EXPECT_FALSE(predict(p, params)) << dev;
  }
  std::array<double, GB_NR_CLASSES> huge{};
  huge.fill(std::numeric_limits<double>::max());
  EXPECT_EQ(confidence(profile_with(huge, 1e6, 0, 10), params), 0.0) << "votes summing to infinity";
}

TEST(ProcdbProfile, MajorityTieGoesToTheLowerClass) {
  std::array<double, GB_NR_CLASSES> tie{};
  tie[GB_CLASS_BATCH] = 0.5;
  tie[GB_CLASS_GAMING] = 0.5;
  EXPECT_EQ(majority_class(profile_with(tie, 1, 0, 1)), GB_CLASS_GAMING);
  EXPECT_EQ(majority_class(profile_with({}, 1, 0, 1)), GB_CLASS_DEFAULT);
}

}  // namespace
}  // namespace ghostbrew::procdb
