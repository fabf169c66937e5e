// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// ghost-sched's settings and how they become the BPF object's load-time configuration.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include <optional>
#include <vector>

#include "ghostbrew/bpf/abi.h"
#include "ghostbrew/core/error.hpp"
#include "ghostbrew/ctl/protocol.hpp"
#include "ghostbrew/detect/cgroup.hpp"
#include "ghostbrew/detect/comm_patterns.hpp"
#include "ghostbrew/sched/power_profile.hpp"
#include "ghostbrew/tuning/settings.hpp"

namespace ghostbrew::sched {

/// Placement mode: abi.h's enum gb_mode (see the block comment of bpf/ghostbrew.bpf.c); its names
/// are tuning::kModes. `Mode` is kept as a name for it.
using Mode = gb_mode;

/// "auto", "gaming" or "work" (tuning::mode_name()).
[[nodiscard]] inline std::string_view to_string(gb_mode m) { return tuning::mode_name(m); }

/// Everything the daemon is told on its command line.
struct Options {
  // The defaults of the numeric settings are rows of tuning/settings.hpp (for_each_setting() below).
  gb_mode mode = tuning::kDefaultMode;
  std::uint64_t slice_us = tuning::default_value(tuning::Setting::slice);
  std::uint64_t burst_threshold_us = tuning::default_value(tuning::Setting::burst_threshold);
  std::uint64_t interactive_burst_us = tuning::default_value(tuning::Setting::interactive_burst);
  std::uint64_t game_window_us = tuning::default_value(tuning::Setting::game_window);
  std::uint64_t heartbeat_stale_ms = tuning::default_value(tuning::Setting::heartbeat_stale);
  unsigned stats_secs =
      static_cast<unsigned>(tuning::default_value(tuning::Setting::stats));  ///< 0: no timer
  std::uint32_t wake_chain_hops =
      static_cast<std::uint32_t>(tuning::default_value(tuning::Setting::wake_chain_hops));
  std::uint32_t irq_wake_hops =
      static_cast<std::uint32_t>(tuning::default_value(tuning::Setting::irq_wake_hops));
  std::uint32_t frame_pacing =
      static_cast<std::uint32_t>(tuning::default_value(tuning::Setting::frame_pacing));
  /// 1: the X3D driver's mode is cache while a game runs (sched/x3d_mode.hpp); 0: never touched.
  std::uint32_t x3d_cache_while_gaming =
      static_cast<std::uint32_t>(tuning::default_value(tuning::Setting::x3d_cache_while_gaming));
  /// 1: games GameMode registers are GAMING by rule "gamemode" (sched/gamemode.hpp); 0: not followed.
  std::uint32_t follow_gamemode =
      static_cast<std::uint32_t>(tuning::default_value(tuning::Setting::follow_gamemode));
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
  unsigned collect_secs = static_cast<unsigned>(tuning::default_value(tuning::Setting::collect));
  /// Explore settings online while a game runs (implies collect), settling on the best-scoring.
  bool tune = false;
  /// Apply the saved per-game profile when that game is detected.
  bool profiles = true;
  /// Where learned state lives; empty: core/state_file.hpp's state_dir() (/var/lib/ghostbrew for root).
  std::string state_dir;
  /// The configuration file read at start and on SIGHUP (config/config.hpp); empty: none.
  std::string config_file;
  /// Inline cgroup rules (the configuration file's [cgroups] rules), used when cgroup_rules is empty.
  std::optional<std::vector<detect::CgroupRule>> cgroup_rule_list;
  /// Names beside detect/comm_patterns.def, environment variables beside the built-in game ones, and
  /// Python AI server names (from the configuration file; userspace detection only).
  std::vector<detect::NamePattern> extra_names;
  std::vector<std::string> extra_game_env;
  std::vector<std::string> extra_ai_names;
  /// Where hand-written per-game profiles (*.toml, config/game_profile.hpp) are; empty: none.
  std::string profiles_dir = "/etc/ghostbrew/profiles";
  /// The control socket (ghost-sched --monitor, ctl); empty: none.
  std::string socket = std::string(ctl::kDefaultSocket);
  /// The mode each power profile switches to (the configuration's [power_profiles]); none mapped:
  /// the power profile is not followed (no system bus connection).
  PowerProfileModes power_profiles;

  /// The latency histograms cost two clock reads per callback: only when the collector reads them.
  [[nodiscard]] bool histograms() const { return collect || tune; }
};

/// Calls f(row, field) for each row of the settings table with the Options member that holds it
/// (`o` const or not): flags, validation and printing loop over this.
template <class O, class F>
requires std::same_as<std::remove_const_t<O>, Options>
void for_each_setting(O& o, F&& f) {
  using tuning::info;
  using tuning::Setting;
  f(info(Setting::slice), o.slice_us);
  f(info(Setting::burst_threshold), o.burst_threshold_us);
  f(info(Setting::interactive_burst), o.interactive_burst_us);
  f(info(Setting::game_window), o.game_window_us);
  f(info(Setting::heartbeat_stale), o.heartbeat_stale_ms);
  f(info(Setting::collect), o.collect_secs);
  f(info(Setting::stats), o.stats_secs);
  f(info(Setting::wake_chain_hops), o.wake_chain_hops);
  f(info(Setting::irq_wake_hops), o.irq_wake_hops);
  f(info(Setting::frame_pacing), o.frame_pacing);
  f(info(Setting::x3d_cache_while_gaming), o.x3d_cache_while_gaming);
  f(info(Setting::follow_gamemode), o.follow_gamemode);
}

/// Every setting within its bounds (tuning::kSettingTable) and the interactive burst below the burst
/// threshold; a value outside is refused, never clamped silently. The error names the flag:
/// `--slice-us: 100 is outside 500..20000 us`.
inline Result<void> validate(const Options& o) {
  Result<void> r;
  for_each_setting(o, [&](const tuning::SettingInfo& s, const auto& v) {
    if (r && !s.contains(v))
      r = fail(std::string(s.flag), "{} is outside {}..{} {}", v, s.min, s.max, s.unit);
  });
  if (!r) return r;
  if (o.interactive_burst_us >= o.burst_threshold_us)
    return fail("--interactive-burst-us", "{} is not below the burst threshold ({} us)",
                o.interactive_burst_us, o.burst_threshold_us);
  if (static_cast<unsigned>(o.mode) >= GB_NR_MODES)
    return fail("mode", "{} is not a mode", static_cast<unsigned>(o.mode));
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
  c.wake_chain_hops = o.wake_chain_hops;
  c.irq_wake_hops = o.irq_wake_hops;
  c.frame_pacing = o.frame_pacing;
}

}  // namespace ghostbrew::sched
