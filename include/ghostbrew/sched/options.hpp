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
  std::uint64_t slice_us = 5000;              ///< time slice
  std::uint64_t burst_threshold_us = 20000;   ///< burst score at which unclassified work is BATCH
  std::uint64_t interactive_burst_us = 1000;  ///< burst score at or below which it is INTERACTIVE
  std::uint64_t game_window_us = 1000;        ///< deadline window of GAMING work
  std::uint64_t heartbeat_stale_ms = 5000;    ///< userspace maps are distrusted after this silence
  unsigned stats_secs = 0;                    ///< 0: no stats (and no timer: the idle daemon sleeps)
  bool verbose = false;
  bool detect = true;  ///< feed the class maps from /proc and cgroup detection
  std::string root = "/";
  /// cgroup path rules (`PATTERN CLASS` lines, see detect/cgroup.hpp) replacing the built-in ones;
  /// read at start and again on SIGHUP. Empty: the built-in rules.
  std::string cgroup_rules;
  /// Learn per-comm behaviour (the process database): BPF observes, the daemon predicts, and the
  /// database is kept in the state directory across restarts.
  bool learn = true;
  /// Sample configuration + metrics every collect_secs while a game runs, into the state directory.
  bool collect = false;
  unsigned collect_secs = 5;
  /// Explore settings online while a game runs (implies collect), settling on the best-scoring.
  bool tune = false;
  /// Apply the saved per-game profile when that game is detected.
  bool profiles = true;
  /// Where learned state lives; empty: core/state_file.hpp's state_dir() (/var/lib/ghostbrew for root).
  std::string state_dir;

  /// The latency histograms cost two clock reads per callback: only when the collector reads them.
  [[nodiscard]] bool histograms() const { return collect || tune; }
};

/// Bounds every tunable must respect; a value outside them is refused, never clamped silently.
inline Result<void> validate(const Options& o) {
  if (o.slice_us < 100 || o.slice_us > 100'000)
    return fail("--slice-us", "{} is outside 100..100000 us", o.slice_us);
  if (o.burst_threshold_us < 1000 || o.burst_threshold_us > 1'000'000)
    return fail("--burst-threshold-us", "{} is outside 1000..1000000 us", o.burst_threshold_us);
  if (o.interactive_burst_us < 50 || o.interactive_burst_us >= o.burst_threshold_us)
    return fail("--interactive-burst-us", "{} is outside 50 us .. the burst threshold ({} us)",
                o.interactive_burst_us, o.burst_threshold_us);
  if (o.game_window_us < 250 || o.game_window_us > 100'000)
    return fail("--game-window-us", "{} is outside 250..100000 us", o.game_window_us);
  if (o.collect_secs < 1 || o.collect_secs > 3600)
    return fail("--collect-secs", "{} is outside 1..3600 s", o.collect_secs);
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
  c.interactive_burst_ns = o.interactive_burst_us * 1000;
  c.class_window_ns[GB_CLASS_GAMING] = o.game_window_us * 1000;
  c.heartbeat_stale_ns = o.heartbeat_stale_ms * 1'000'000;
  c.mode = static_cast<std::uint32_t>(o.mode);
}

}  // namespace ghostbrew::sched
