// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The scheduler's per-CPU counters, summed and turned into one line per stats period.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "ghostbrew/bpf/abi.h"

namespace ghostbrew::sched {

/// Calls f(name, member) for every counter of gb_stats, in struct order: `member` is a pointer to a
/// __u64 member or to a __u64[GB_NR_CLASSES] one. Generated from abi.h's GB_STATS_COUNTERS.
template <class F>
constexpr void for_each_counter(F&& f) {
#define GB_VISIT(name, ...) f(std::string_view(#name), &gb_stats::name);
  GB_STATS_COUNTERS(GB_VISIT, GB_VISIT)
#undef GB_VISIT
}

/// Calls f(name, description, member) for every counter, as for_each_counter() does, with the text
/// abi.h gives it (the control socket's stats_meta and --help-stats).
template <class F>
constexpr void for_each_described_counter(F&& f) {
#define GB_VISIT_COUNTER(name, desc) f(std::string_view(#name), std::string_view(desc), &gb_stats::name);
#define GB_VISIT_ARRAY(name, n, desc) f(std::string_view(#name), std::string_view(desc), &gb_stats::name);
  GB_STATS_COUNTERS(GB_VISIT_COUNTER, GB_VISIT_ARRAY)
#undef GB_VISIT_COUNTER
#undef GB_VISIT_ARRAY
}

namespace detail {
// The counters are __u64 and __u64 arrays only, so the list covers the struct when the sizes add up.
constexpr std::size_t counted_bytes() {
  std::size_t n = 0;
  for_each_counter([&](std::string_view, auto member) { n += sizeof(gb_stats{}.*member); });
  return n;
}
static_assert(counted_bytes() == sizeof(gb_stats), "GB_STATS_COUNTERS lists every gb_stats member");

template <class Op>
void combine(__u64& a, __u64 b, Op op) {
  a = op(a, b);
}
template <class Op, std::size_t N>
void combine(__u64 (&a)[N], const __u64 (&b)[N], Op op) {
  for (std::size_t i = 0; i < N; ++i) a[i] = op(a[i], b[i]);
}
}  // namespace detail

/// Adds every counter of `b` into `a` (used to sum the per-CPU copies).
inline gb_stats& operator+=(gb_stats& a, const gb_stats& b) {
  for_each_counter([&](std::string_view, auto member) {
    detail::combine(a.*member, b.*member, [](__u64 x, __u64 y) { return x + y; });
  });
  return a;
}

/// now - before, counter by counter (counters only grow while one scheduler instance runs).
inline gb_stats delta(const gb_stats& now, const gb_stats& before) {
  gb_stats d = now;
  for_each_counter([&](std::string_view, auto member) {
    detail::combine(d.*member, before.*member, [](__u64 x, __u64 y) { return x - y; });
  });
  return d;
}

/// One stats line for a period of `secs` seconds, rates per second:
/// "stats: dsp/s game=.. inter=.. vm=.. dflt=.. ai=.. ctr=.. batch=.. direct=..% mig/s=.. xccd/s=..
///  ccd_local=..% vcache/s=.. preempt/s=.. steal/s=.. reclass/s=.. stale=.. drops=.. rt=.. learned:
///  started/s=.. predicted=..% observed/s=.. chain/s=.. irq/s=.. pace/s=.. modesw=.."
inline std::string format_stats(const gb_stats& d, double secs) {
  std::uint64_t total = 0;
  for (auto v : d.dispatched) total += v;
  std::uint64_t started = 0;
  for (auto v : d.started) started += v;
  const auto rate = [&](std::uint64_t v) { return secs > 0 ? static_cast<double>(v) / secs : 0.0; };
  const auto pct = [](std::uint64_t part, std::uint64_t whole) {
    return whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0;
  };
  const std::uint64_t ran = d.ccd_local + d.xccd_migrations;
  return fmt::format(
      "stats: dsp/s game={:.0f} inter={:.0f} vm={:.0f} dflt={:.0f} ai={:.0f} ctr={:.0f} batch={:.0f} "
      "direct={:.1f}% mig/s={:.0f} xccd/s={:.0f} ccd_local={:.1f}% vcache/s={:.0f} preempt/s={:.0f} "
      "steal/s={:.0f} reclass/s={:.0f} stale={} drops={} rt={} rt_avoided={} rt_rescued={} started/s={:.0f} "
      "predicted={:.1f}% "
      "observed/s={:.0f} chain/s={:.0f} irq/s={:.0f} pace/s={:.0f} modesw={}",
      rate(d.dispatched[GB_CLASS_GAMING]), rate(d.dispatched[GB_CLASS_INTERACTIVE]),
      rate(d.dispatched[GB_CLASS_VM]), rate(d.dispatched[GB_CLASS_DEFAULT]), rate(d.dispatched[GB_CLASS_AI]),
      rate(d.dispatched[GB_CLASS_CONTAINER]), rate(d.dispatched[GB_CLASS_BATCH]),
      pct(d.direct_dispatches, total), rate(d.migrations), rate(d.xccd_migrations), pct(d.ccd_local, ran),
      rate(d.vcache_placements), rate(d.preemptions), rate(d.llc_steals + d.xccd_steals),
      rate(d.reclassifications), d.stale_heartbeat, d.ringbuf_drops, d.rt_reenqueues, d.rt_avoided,
      d.rt_rescued, rate(started), pct(d.predicted, started), rate(d.observed), rate(d.chain_boosts),
      rate(d.irq_boosts), rate(d.pace_boosts), d.mode_switches);
}

}  // namespace ghostbrew::sched
