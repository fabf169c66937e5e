// ghost-sched's settings and how they become the BPF object's load-time configuration.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "ghostbrew/bpf/abi.h"
#include "ghostbrew/core/error.hpp"

namespace ghostbrew::sched {

/// Placement mode: which CCD latency-sensitive work prefers (see the block comment of
/// bpf/ghostbrew.bpf.c).
enum class Mode : std::uint32_t { auto_ = GB_MODE_AUTO, gaming = GB_MODE_GAMING, work = GB_MODE_WORK };

[[nodiscard]] inline std::string_view to_string(Mode m) {
  switch (m) {
    case Mode::gaming:
      return "gaming";
    case Mode::work:
      return "work";
    case Mode::auto_:
      break;
  }
  return "auto";
}

/// Everything the daemon is told on its command line.
struct Options {
  Mode mode = Mode::auto_;
  std::uint64_t slice_us = 5000;             ///< time slice
  std::uint64_t burst_threshold_us = 20000;  ///< burst score at which unclassified work is BATCH
  std::uint64_t heartbeat_stale_ms = 5000;   ///< userspace maps are distrusted after this silence
  unsigned stats_secs = 0;                   ///< 0: no stats (and no timer: the idle daemon sleeps)
  bool verbose = false;
  bool detect = true;  ///< feed the class maps from /proc and cgroup detection
  std::string root = "/";
  /// cgroup path rules (`PATTERN CLASS` lines, see detect/cgroup.hpp) replacing the built-in ones;
  /// read at start and again on SIGHUP. Empty: the built-in rules.
  std::string cgroup_rules;
};

/// Bounds every tunable must respect; a value outside them is refused, never clamped silently.
inline Result<void> validate(const Options& o) {
  if (o.slice_us < 100 || o.slice_us > 100'000)
    return fail("--slice-us", "{} is outside 100..100000 us", o.slice_us);
  if (o.burst_threshold_us < 1000 || o.burst_threshold_us > 1'000'000)
    return fail("--burst-threshold-us", "{} is outside 1000..1000000 us", o.burst_threshold_us);
  if (o.heartbeat_stale_ms < 100 || o.heartbeat_stale_ms > 600'000)
    return fail("--heartbeat-stale-ms", "{} is outside 100..600000 ms", o.heartbeat_stale_ms);
  if (o.stats_secs > 3600) return fail("--stats", "{} is more than 3600 s", o.stats_secs);
  return {};
}

/// Writes the options into the object's default configuration (keeping the defaults it has for
/// everything the options do not name).
inline void apply(const Options& o, gb_config& c) {
  c.slice_ns = o.slice_us * 1000;
  c.burst_threshold_ns = o.burst_threshold_us * 1000;
  if (c.interactive_burst_ns >= c.burst_threshold_ns) c.interactive_burst_ns = c.burst_threshold_ns / 2;
  c.heartbeat_stale_ns = o.heartbeat_stale_ms * 1'000'000;
  c.mode = static_cast<std::uint32_t>(o.mode);
}

}  // namespace ghostbrew::sched
