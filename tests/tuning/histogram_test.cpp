// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Percentiles of hand-built histograms: expected values follow from the bucket rule in bpf/abi.h
// (bucket b holds [2^(b+6), 2^(b+7)) ns), worked out by hand below.
#include <gtest/gtest.h>

#include <cmath>

#include "ghostbrew/tuning/histogram.hpp"

namespace gt = ghostbrew::tuning;
using ghostbrew::tuning::operator+=;

namespace {
const double kSqrt2 = std::sqrt(2.0);
}

TEST(HistogramTest, InnerBucketReportsItsGeometricMidpoint) {
  // Bucket 4 = [1024, 2048) ns: midpoint 1024 * sqrt(2) = 1448.15 ns.
  EXPECT_DOUBLE_EQ(gt::bucket_value_ns(4), 1024.0 * kSqrt2);
  EXPECT_NEAR(gt::bucket_value_ns(4), 1448.15, 0.01);
}

TEST(HistogramTest, OpenEndedBucketsAreExplicit) {
  // First bucket (< 128 ns): midpoint of 64..128, 90.5 ns. Last bucket (25, >= 2^31 ns): its floor.
  EXPECT_NEAR(gt::bucket_value_ns(0), 90.51, 0.01);
  EXPECT_DOUBLE_EQ(gt::bucket_value_ns(GB_HIST_BUCKETS - 1), 2147483648.0);
}

TEST(HistogramTest, PercentilePicksTheBucketOfTheRank) {
  __u64 row[GB_HIST_BUCKETS] = {};
  row[3] = 90;  // 512..1024 ns
  row[7] = 9;   // 8192..16384 ns
  row[12] = 1;  // 262144..524288 ns
  const gt::HistRow r(row);
  EXPECT_EQ(gt::total(r), 100u);
  // p50: rank 50 -> bucket 3; p90: rank 90 -> still bucket 3; p91: rank 91 -> bucket 7;
  // p99: rank 99 -> bucket 7 (90 + 9 = 99); p99.9: rank ceil(99.9) = 100 -> bucket 12.
  EXPECT_DOUBLE_EQ(gt::percentile(r, 0.50), 512.0 * kSqrt2);
  EXPECT_DOUBLE_EQ(gt::percentile(r, 0.90), 512.0 * kSqrt2);
  EXPECT_DOUBLE_EQ(gt::percentile(r, 0.91), 8192.0 * kSqrt2);
  EXPECT_DOUBLE_EQ(gt::percentile(r, 0.99), 8192.0 * kSqrt2);
  EXPECT_DOUBLE_EQ(gt::percentile(r, 0.999), 262144.0 * kSqrt2);
  EXPECT_DOUBLE_EQ(gt::percentile(r, 1.0), 262144.0 * kSqrt2);
  EXPECT_DOUBLE_EQ(gt::percentile(r, 0.0), 512.0 * kSqrt2);  // rank 1: the smallest bucket used
}

TEST(HistogramTest, EmptyRowGivesZero) {
  const __u64 row[GB_HIST_BUCKETS] = {};
  const auto s = gt::summarize(gt::HistRow(row));
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.p50, 0.0);
  EXPECT_EQ(s.p999, 0.0);
}

TEST(HistogramTest, LastBucketValueIsItsFloor) {
  __u64 row[GB_HIST_BUCKETS] = {};
  row[GB_HIST_BUCKETS - 1] = 5;
  EXPECT_DOUBLE_EQ(gt::percentile(gt::HistRow(row), 0.5), 2147483648.0);
}

TEST(HistogramTest, SumAndDeltaWorkBucketByBucket) {
  gb_hist a{}, b{};
  a.wake_ns[GB_CLASS_GAMING][5] = 3;
  b.wake_ns[GB_CLASS_GAMING][5] = 4;
  b.op_ns[GB_OP_DISPATCH][2] = 7;
  gb_hist sum{};
  sum += a;
  sum += b;
  EXPECT_EQ(sum.wake_ns[GB_CLASS_GAMING][5], 7u);
  EXPECT_EQ(sum.op_ns[GB_OP_DISPATCH][2], 7u);
  const gb_hist d = gt::delta(sum, a);
  EXPECT_EQ(d.wake_ns[GB_CLASS_GAMING][5], 4u);
  EXPECT_EQ(d.op_ns[GB_OP_DISPATCH][2], 7u);
  // A bucket that went backwards (scheduler reloaded) counts nothing rather than wrapping.
  EXPECT_EQ(gt::delta(a, sum).wake_ns[GB_CLASS_GAMING][5], 0u);
}

TEST(HistogramTest, ClassAndOpHelpersReadTheirRow) {
  gb_hist h{};
  h.wake_ns[GB_CLASS_INTERACTIVE][10] = 100;  // 65536..131072 ns
  h.op_ns[GB_OP_ENQUEUE][1] = 10;             // 128..256 ns
  const auto w = gt::wake_latency(h, GB_CLASS_INTERACTIVE);
  EXPECT_EQ(w.count, 100u);
  EXPECT_DOUBLE_EQ(w.p99, 65536.0 * kSqrt2);
  EXPECT_EQ(gt::wake_latency(h, GB_CLASS_GAMING).count, 0u);
  EXPECT_DOUBLE_EQ(gt::op_latency(h, GB_OP_ENQUEUE).p50, 128.0 * kSqrt2);
}
