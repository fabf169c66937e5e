// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// What one measurement period of the scheduler looked like: the numbers a tuning sample keeps, derived
// from the counter and histogram deltas of the period.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "ghostbrew/bpf/abi.h"
#include "ghostbrew/core/error.hpp"
#include "ghostbrew/tuning/histogram.hpp"

namespace ghostbrew::tuning {

/// Thread counts per class (index: enum gb_class), as the daemon's class maps know them.
using ClassCounts = std::array<std::uint32_t, GB_NR_CLASSES>;

/// The fields of Metrics, declared once, in struct order: REAL(name) a double, COUNT(name) a counter,
/// REALS(name, n) n doubles (by enum gb_op), COUNTS(name, n) n counters (by enum gb_class). The sample
/// record and its codec (sample_store.hpp) and the CSV columns (csv.hpp) loop over it: a new metric is a
/// line here, its member below and its computation in compute() (plus a new sample record version).
#define GHOSTBREW_TUNING_METRICS(REAL, COUNT, REALS, COUNTS) \
  REAL(gaming_wake_p50_ns)                                   \
  REAL(gaming_wake_p99_ns)                                   \
  REAL(gaming_wake_p999_ns)                                  \
  COUNT(gaming_wakeups)                                      \
  REAL(interactive_wake_p99_ns)                              \
  REALS(op_p99_ns, GB_NR_OPS)                                \
  REAL(dispatches_per_s)                                     \
  REAL(migrations_per_s)                                     \
  REAL(xccd_migrations_per_s)                                \
  REAL(ccd_locality)                                         \
  REAL(direct_dispatch_rate)                                 \
  REAL(preemptions_per_s)                                    \
  REAL(cpu_utilisation)                                      \
  COUNTS(threads, GB_NR_CLASSES)

/// One period's metrics. Latencies in ns (histogram percentiles, see percentile()), rates per
/// second, shares 0..1.
struct Metrics {
  double gaming_wake_p50_ns = 0;
  double gaming_wake_p99_ns = 0;
  double gaming_wake_p999_ns = 0;
  std::uint64_t gaming_wakeups = 0;  ///< wake-ups behind the gaming percentiles (0: none, all 0)
  double interactive_wake_p99_ns = 0;
  std::array<double, GB_NR_OPS> op_p99_ns{};  ///< p99 run time of each callback (index: enum gb_op)
  double dispatches_per_s = 0;                ///< every class
  double migrations_per_s = 0;
  double xccd_migrations_per_s = 0;
  double ccd_locality = 1;          ///< ccd_local / (ccd_local + xccd_migrations); 1 when nothing ran
  double direct_dispatch_rate = 0;  ///< direct_dispatches / dispatched; 0 when nothing was dispatched
  double preemptions_per_s = 0;
  double cpu_utilisation = 0;  ///< 0..1, measured by the caller (e.g. /proc/stat)
  ClassCounts threads{};       ///< threads per class

  friend bool operator==(const Metrics&, const Metrics&) = default;
};

namespace detail {
// The list names every member: their sizes add up to the struct's, up to its tail padding.
#define GB_METRIC_SIZE(name, ...) +sizeof(Metrics::name)
inline constexpr std::size_t kListedMetricBytes =
    0 GHOSTBREW_TUNING_METRICS(GB_METRIC_SIZE, GB_METRIC_SIZE, GB_METRIC_SIZE, GB_METRIC_SIZE);
#undef GB_METRIC_SIZE
static_assert((kListedMetricBytes + alignof(Metrics) - 1) / alignof(Metrics) * alignof(Metrics) ==
                  sizeof(Metrics),
              "GHOSTBREW_TUNING_METRICS lists every Metrics member");
}  // namespace detail

/// The metrics of a period of `secs` seconds from its counter delta `stats` and histogram delta `hist`
/// (sched::delta() and tuning::delta() of two snapshots), the CPU utilisation `util` (0..1) and thread
/// counts the caller measured. CCD locality counts a run on the same CCD (ccd_local) against a run on
/// another CCD (xccd_migrations): a migration within the CCD keeps its L3 and counts as local.
/// Errors: secs not > 0 or util outside 0..1 (or not finite).
[[nodiscard]] inline Result<Metrics> compute(const gb_stats& stats, const gb_hist& hist, double secs,
                                             double util, const ClassCounts& classes) {
  if (!std::isfinite(secs) || secs <= 0) return fail("metrics", "period of {} s is not positive", secs);
  if (!std::isfinite(util) || util < 0 || util > 1)
    return fail("metrics", "CPU utilisation {} is outside 0..1", util);
  const auto rate = [secs](std::uint64_t n) { return static_cast<double>(n) / secs; };
  const auto share = [](std::uint64_t part, std::uint64_t whole, double none) {
    return whole ? static_cast<double>(part) / static_cast<double>(whole) : none;
  };
  Metrics m;
  const auto game = wake_latency(hist, GB_CLASS_GAMING);
  m.gaming_wake_p50_ns = game.p50;
  m.gaming_wake_p99_ns = game.p99;
  m.gaming_wake_p999_ns = game.p999;
  m.gaming_wakeups = game.count;
  m.interactive_wake_p99_ns = wake_latency(hist, GB_CLASS_INTERACTIVE).p99;
  for (int o = 0; o < GB_NR_OPS; ++o)
    m.op_p99_ns[static_cast<std::size_t>(o)] = op_latency(hist, static_cast<gb_op>(o)).p99;
  std::uint64_t dispatched = 0;
  for (auto d : stats.dispatched) dispatched += d;
  m.dispatches_per_s = rate(dispatched);
  m.migrations_per_s = rate(stats.migrations);
  m.xccd_migrations_per_s = rate(stats.xccd_migrations);
  m.ccd_locality = share(stats.ccd_local, stats.ccd_local + stats.xccd_migrations, 1.0);
  m.direct_dispatch_rate = share(stats.direct_dispatches, dispatched, 0.0);
  m.preemptions_per_s = rate(stats.preemptions);
  m.cpu_utilisation = util;
  m.threads = classes;
  return m;
}

}  // namespace ghostbrew::tuning
