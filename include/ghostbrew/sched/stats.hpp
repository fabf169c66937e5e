// The scheduler's per-CPU counters, summed and turned into one line per stats period.
#pragma once

#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "ghostbrew/bpf/abi.h"

namespace ghostbrew::sched {

/// Adds every counter of `b` into `a` (used to sum the per-CPU copies).
inline gb_stats& operator+=(gb_stats& a, const gb_stats& b) {
  for (int c = 0; c < GB_NR_CLASSES; ++c) a.dispatched[c] += b.dispatched[c];
  a.direct_dispatches += b.direct_dispatches;
  a.migrations += b.migrations;
  a.xccd_migrations += b.xccd_migrations;
  a.ccd_local += b.ccd_local;
  a.vcache_placements += b.vcache_placements;
  a.preemptions += b.preemptions;
  a.ringbuf_drops += b.ringbuf_drops;
  a.llc_steals += b.llc_steals;
  a.xccd_steals += b.xccd_steals;
  a.reclassifications += b.reclassifications;
  a.stale_heartbeat += b.stale_heartbeat;
  for (int c = 0; c < GB_NR_CLASSES; ++c) a.started[c] += b.started[c];
  a.predicted += b.predicted;
  a.observed += b.observed;
  return a;
}

/// now - before, counter by counter (counters only grow while one scheduler instance runs).
inline gb_stats delta(const gb_stats& now, const gb_stats& before) {
  gb_stats d{};
  for (int c = 0; c < GB_NR_CLASSES; ++c) d.dispatched[c] = now.dispatched[c] - before.dispatched[c];
#define GB_DELTA(f) d.f = now.f - before.f
  GB_DELTA(direct_dispatches);
  GB_DELTA(migrations);
  GB_DELTA(xccd_migrations);
  GB_DELTA(ccd_local);
  GB_DELTA(vcache_placements);
  GB_DELTA(preemptions);
  GB_DELTA(ringbuf_drops);
  GB_DELTA(llc_steals);
  GB_DELTA(xccd_steals);
  GB_DELTA(reclassifications);
  GB_DELTA(stale_heartbeat);
  for (int c = 0; c < GB_NR_CLASSES; ++c) d.started[c] = now.started[c] - before.started[c];
  GB_DELTA(predicted);
  GB_DELTA(observed);
#undef GB_DELTA
  return d;
}

/// One stats line for a period of `secs` seconds, rates per second:
/// "stats: dsp/s game=.. inter=.. vm=.. dflt=.. ai=.. ctr=.. batch=.. direct=..% mig/s=.. xccd/s=..
///  ccd_local=..% vcache/s=.. preempt/s=.. steal/s=.. reclass/s=.. stale=.. drops=.. learned: started/s=..
///  predicted=..% observed/s=.."
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
      "steal/s={:.0f} reclass/s={:.0f} stale={} drops={} started/s={:.0f} predicted={:.1f}% "
      "observed/s={:.0f}",
      rate(d.dispatched[GB_CLASS_GAMING]), rate(d.dispatched[GB_CLASS_INTERACTIVE]),
      rate(d.dispatched[GB_CLASS_VM]), rate(d.dispatched[GB_CLASS_DEFAULT]), rate(d.dispatched[GB_CLASS_AI]),
      rate(d.dispatched[GB_CLASS_CONTAINER]), rate(d.dispatched[GB_CLASS_BATCH]),
      pct(d.direct_dispatches, total), rate(d.migrations), rate(d.xccd_migrations), pct(d.ccd_local, ran),
      rate(d.vcache_placements), rate(d.preemptions), rate(d.llc_steals + d.xccd_steals),
      rate(d.reclassifications), d.stale_heartbeat, d.ringbuf_drops, rate(started), pct(d.predicted, started),
      rate(d.observed));
}

}  // namespace ghostbrew::sched
