// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
#include <gtest/gtest.h>

#include <cmath>

#include "ghostbrew/tuning/metrics.hpp"

namespace gt = ghostbrew::tuning;

TEST(MetricsTest, RatesSharesAndPercentilesFromHandBuiltDeltas) {
  gb_stats s{};
  s.dispatched[GB_CLASS_GAMING] = 600;
  s.dispatched[GB_CLASS_BATCH] = 400;  // 1000 dispatches in 2 s
  s.direct_dispatches = 250;           // 25 % of them direct
  s.migrations = 300;
  s.xccd_migrations = 40;
  s.ccd_local = 360;  // locality 360 / (360 + 40) = 0.9
  s.preemptions = 20;
  gb_hist h{};
  h.wake_ns[GB_CLASS_GAMING][4] = 98;  // 1024..2048 ns
  h.wake_ns[GB_CLASS_GAMING][9] = 2;   // 32768..65536 ns
  h.wake_ns[GB_CLASS_INTERACTIVE][6] = 10;
  h.op_ns[GB_OP_DISPATCH][3] = 100;
  const gt::ClassCounts threads = {12, 30, 0, 200, 0, 0, 8};
  auto m = gt::compute(s, h, 2.0, 0.75, threads);
  ASSERT_TRUE(m) << m.error().message();
  const double r2 = std::sqrt(2.0);
  EXPECT_DOUBLE_EQ(m->gaming_wake_p50_ns, 1024 * r2);
  EXPECT_DOUBLE_EQ(m->gaming_wake_p99_ns, 32768 * r2);  // rank 99 > 98
  EXPECT_DOUBLE_EQ(m->gaming_wake_p999_ns, 32768 * r2);
  EXPECT_EQ(m->gaming_wakeups, 100u);
  EXPECT_DOUBLE_EQ(m->interactive_wake_p99_ns, 4096 * r2);
  EXPECT_DOUBLE_EQ(m->op_p99_ns[GB_OP_DISPATCH], 512 * r2);
  EXPECT_EQ(m->op_p99_ns[GB_OP_ENQUEUE], 0.0);
  EXPECT_DOUBLE_EQ(m->dispatches_per_s, 500.0);
  EXPECT_DOUBLE_EQ(m->migrations_per_s, 150.0);
  EXPECT_DOUBLE_EQ(m->xccd_migrations_per_s, 20.0);
  EXPECT_DOUBLE_EQ(m->ccd_locality, 0.9);
  EXPECT_DOUBLE_EQ(m->direct_dispatch_rate, 0.25);
  EXPECT_DOUBLE_EQ(m->preemptions_per_s, 10.0);
  EXPECT_DOUBLE_EQ(m->cpu_utilisation, 0.75);
  EXPECT_EQ(m->threads, threads);
}

TEST(MetricsTest, IdlePeriodHasFullLocalityAndNoDirectShare) {
  auto m = gt::compute(gb_stats{}, gb_hist{}, 1.0, 0.0, {});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->ccd_locality, 1.0);
  EXPECT_EQ(m->direct_dispatch_rate, 0.0);
  EXPECT_EQ(m->gaming_wakeups, 0u);
}

TEST(MetricsTest, BadPeriodOrUtilisationIsAnError) {
  EXPECT_FALSE(gt::compute(gb_stats{}, gb_hist{}, 0.0, 0.5, {}));
  EXPECT_FALSE(gt::compute(gb_stats{}, gb_hist{}, -1.0, 0.5, {}));
  EXPECT_FALSE(gt::compute(gb_stats{}, gb_hist{}, 1.0, 1.5, {}));
  EXPECT_FALSE(gt::compute(gb_stats{}, gb_hist{}, 1.0, std::nan(""), {}));
  auto r = gt::compute(gb_stats{}, gb_hist{}, 1.0, -0.1, {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("utilisation"), std::string::npos);
}
