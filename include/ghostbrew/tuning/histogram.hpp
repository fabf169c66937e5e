// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Latency histograms of the scheduler (struct gb_hist, GB_MAP_HIST): summing the per-CPU copies, the
// difference between two snapshots, and percentiles of one row.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>

#include <gsl/assert>

#include "ghostbrew/bpf/abi.h"

namespace ghostbrew::tuning {

/// One histogram row: GB_HIST_BUCKETS counts, bucket b holding values v (ns) with
/// floor(log2(v)) == b + GB_HIST_SHIFT (first bucket: every v < 128 ns; last: every v >= 2^31 ns).
using HistRow = std::span<const __u64, GB_HIST_BUCKETS>;

/// Adds every bucket of `b` into `a` (used to sum the per-CPU copies of GB_MAP_HIST). gb_hist is a
/// global C struct, so callers outside this namespace say `using ghostbrew::tuning::operator+=;`.
inline gb_hist& operator+=(gb_hist& a, const gb_hist& b) {
  for (int o = 0; o < GB_NR_OPS; ++o)
    for (int i = 0; i < GB_HIST_BUCKETS; ++i) a.op_ns[o][i] += b.op_ns[o][i];
  for (int c = 0; c < GB_NR_CLASSES; ++c)
    for (int i = 0; i < GB_HIST_BUCKETS; ++i) a.wake_ns[c][i] += b.wake_ns[c][i];
  return a;
}

/// now - before, bucket by bucket: what was counted between two snapshots of the same scheduler
/// instance (buckets only grow while it runs; a bucket that shrank, after a reload, counts as 0).
[[nodiscard]] inline gb_hist delta(const gb_hist& now, const gb_hist& before) {
  const auto sub = [](std::uint64_t n, std::uint64_t b) { return n >= b ? n - b : 0; };
  gb_hist d{};
  for (int o = 0; o < GB_NR_OPS; ++o)
    for (int i = 0; i < GB_HIST_BUCKETS; ++i) d.op_ns[o][i] = sub(now.op_ns[o][i], before.op_ns[o][i]);
  for (int c = 0; c < GB_NR_CLASSES; ++c)
    for (int i = 0; i < GB_HIST_BUCKETS; ++i) d.wake_ns[c][i] = sub(now.wake_ns[c][i], before.wake_ns[c][i]);
  return d;
}

/// The value (ns) a percentile falling into bucket `b` reports:
/// - an inner bucket [2^(b+SHIFT), 2^(b+SHIFT+1)): its geometric midpoint 2^(b+SHIFT) * sqrt(2)
///   (the bucket's values spread over a factor of two, so the midpoint on a log scale is at most
///   a factor sqrt(2) from any of them);
/// - the first bucket (everything under 128 ns, zero included): the same midpoint of its nominal
///   range 64..128 ns, 90.5 ns (latencies that small are all "free" to the tuner);
/// - the last bucket (2^31 ns = 2.15 s and more, no upper edge): its lower bound 2^31 ns exactly, a
///   floor of the true value.
[[nodiscard]] inline double bucket_value_ns(int b) {
  Expects(b >= 0 && b < GB_HIST_BUCKETS);
  const double lower = std::ldexp(1.0, b + GB_HIST_SHIFT);
  if (b == GB_HIST_BUCKETS - 1) return lower;
  return lower * std::sqrt(2.0);
}

/// The number of values a row counts.
[[nodiscard]] inline std::uint64_t total(HistRow row) {
  std::uint64_t n = 0;
  for (auto v : row) n += v;
  return n;
}

/// The q-quantile (0 <= q <= 1) of a row, in ns: bucket_value_ns() of the bucket holding the value of
/// rank ceil(q * count) in ascending order (rank 1 for q = 0, so 0 gives the smallest bucket used).
/// 0 when the row is empty (check total() when that matters).
[[nodiscard]] inline double percentile(HistRow row, double q) {
  Expects(q >= 0.0 && q <= 1.0);
  const std::uint64_t n = total(row);
  if (n == 0) return 0.0;
  // The small slack keeps 0.99 * 100 at rank 99 despite the binary representation of 0.99.
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(n) - 1e-9));
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  std::uint64_t seen = 0;
  for (int b = 0; b < GB_HIST_BUCKETS; ++b) {
    seen += row[static_cast<std::size_t>(b)];
    if (seen >= rank) return bucket_value_ns(b);
  }
  return bucket_value_ns(GB_HIST_BUCKETS - 1);  // unreachable: seen == n >= rank at the end
}

/// The usual percentiles of one row (ns); all 0 when count is 0.
struct LatencySummary {
  std::uint64_t count = 0;
  double p50 = 0;
  double p99 = 0;
  double p999 = 0;
};

/// count, p50, p99 and p99.9 of a row (see percentile()).
[[nodiscard]] inline LatencySummary summarize(HistRow row) {
  return {total(row), percentile(row, 0.50), percentile(row, 0.99), percentile(row, 0.999)};
}

/// The row of wake-up latencies (wake-up to running) of tasks of class `c`.
[[nodiscard]] inline HistRow wake_row(const gb_hist& h, gb_class c) {
  Expects(c >= 0 && c < GB_NR_CLASSES);
  return HistRow(h.wake_ns[c]);
}

/// The row of run times of scheduler callback `o`.
[[nodiscard]] inline HistRow op_row(const gb_hist& h, gb_op o) {
  Expects(o >= 0 && o < GB_NR_OPS);
  return HistRow(h.op_ns[o]);
}

/// Wake-up latency summary of class `c`.
[[nodiscard]] inline LatencySummary wake_latency(const gb_hist& h, gb_class c) {
  return summarize(wake_row(h, c));
}

/// Run-time summary of callback `o`.
[[nodiscard]] inline LatencySummary op_latency(const gb_hist& h, gb_op o) { return summarize(op_row(h, o)); }

}  // namespace ghostbrew::tuning
