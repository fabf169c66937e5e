// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The settings the tuner may change at run time (gb_tunables plus the placement mode; their defaults
// and bounds are rows of tuning/settings.hpp), and the two forms they leave the library in: gb_tunables for
// GB_MAP_KNOBS and a ghost-sched command line.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "ghostbrew/bpf/abi.h"
#include "ghostbrew/core/error.hpp"
#include "ghostbrew/tuning/settings.hpp"

namespace ghostbrew::tuning {

/// One candidate configuration of the scheduler, in microseconds; defaults from the settings table.
struct TuningConfig {
  gb_mode mode = kDefaultMode;
  std::uint64_t slice_us = default_value(Setting::slice);  ///< time slice of every task
  std::uint64_t burst_threshold_us =
      default_value(Setting::burst_threshold);  ///< learning votes BATCH at or above
  std::uint64_t interactive_burst_us =
      default_value(Setting::interactive_burst);                       ///< ... INTERACTIVE at or below
  std::uint64_t game_window_us = default_value(Setting::game_window);  ///< latency offset of the GAMING class

  friend bool operator==(const TuningConfig&, const TuningConfig&) = default;
};

/// The built-in configuration: the settings table's defaults (equal to the BPF object's gb_config,
/// checked by tests/bpfobj/object_test.cpp).
[[nodiscard]] inline TuningConfig defaults() { return TuningConfig{}; }

/// Safe range of one tuned setting (inclusive, us) and the step the online tuner moves it by: its row
/// of the settings table (tuning/settings.hpp, where the bounds are explained).
struct SettingBounds {
  std::string_view name;  ///< field name, as in validate()'s errors, the CSV and the profile JSON
  std::string_view flag;  ///< ghost-sched flag
  std::uint64_t min_us;
  std::uint64_t max_us;
  std::uint64_t step_us;
};

/// The bounds of setting `s` (one of kSettings), from the settings table.
[[nodiscard]] inline constexpr SettingBounds bounds(Setting s) {
  const auto& i = info(s);
  return {i.name, i.flag, i.min, i.max, i.step};
}

namespace detail {
template <class Config>
auto& field_ref(Config& c, Setting s) {
  switch (s) {
    case Setting::slice:
      return c.slice_us;
    case Setting::burst_threshold:
      return c.burst_threshold_us;
    case Setting::interactive_burst:
      return c.interactive_burst_us;
    case Setting::game_window:
    case Setting::heartbeat_stale:  // not a TuningConfig field: callers pass one of kSettings
    case Setting::collect:
    case Setting::stats:
    case Setting::wake_chain_hops:
    case Setting::irq_wake_hops:
    case Setting::frame_pacing:
    case Setting::x3d_cache_while_gaming:
    case Setting::follow_gamemode:
      break;
  }
  return c.game_window_us;
}
}  // namespace detail

/// The field of `c` that holds setting `s` (one of kSettings).
[[nodiscard]] inline std::uint64_t& field(TuningConfig& c, Setting s) { return detail::field_ref(c, s); }

/// The value of setting `s` (one of kSettings) in `c`.
[[nodiscard]] inline std::uint64_t field(const TuningConfig& c, Setting s) { return detail::field_ref(c, s); }

/// Checks every setting against bounds() and interactive burst < burst threshold; the error names
/// the first field that is wrong: `slice_us: 100 is outside 500..20000 us`.
[[nodiscard]] inline Result<void> validate(const TuningConfig& c) {
  if (static_cast<unsigned>(c.mode) >= GB_NR_MODES)
    return fail("mode", "{} is not a mode (0 auto, 1 gaming, 2 work)", static_cast<unsigned>(c.mode));
  for (Setting s : kSettings) {
    const auto b = bounds(s);
    const auto v = field(c, s);
    if (v < b.min_us || v > b.max_us)
      return fail(std::string(b.name), "{} is outside {}..{} us", v, b.min_us, b.max_us);
  }
  if (c.interactive_burst_us >= c.burst_threshold_us)
    return fail("interactive_burst_us", "{} is not below burst_threshold_us ({})", c.interactive_burst_us,
                c.burst_threshold_us);
  return {};
}

/// The runtime overrides for gb_knobs.tune (ns). Callers validate() first: this converts only.
[[nodiscard]] inline gb_tunables to_tunables(const TuningConfig& c) {
  gb_tunables t{};
  t.slice_ns = c.slice_us * 1000;
  t.burst_threshold_ns = c.burst_threshold_us * 1000;
  t.interactive_burst_ns = c.interactive_burst_us * 1000;
  t.game_window_ns = c.game_window_us * 1000;
  return t;
}

/// The ghost-sched invocation that starts with this configuration:
/// `ghost-sched --gaming --slice-us 4000 --burst-threshold-us 20000 --interactive-burst-us 1000
/// --game-window-us 1000`.
[[nodiscard]] inline std::string to_command_line(const TuningConfig& c) {
  std::string line = fmt::format("ghost-sched --{}", mode_name(c.mode));
  for (Setting s : kSettings) line += fmt::format(" {} {}", bounds(s).flag, field(c, s));
  return line;
}

}  // namespace ghostbrew::tuning
