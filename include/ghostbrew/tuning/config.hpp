// The settings the tuner may change at run time (gb_tunables plus the placement mode), their safe
// bounds, and the two forms they leave the library in: gb_tunables for GB_MAP_KNOBS and a ghost-sched
// command line.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "ghostbrew/bpf/abi.h"
#include "ghostbrew/core/error.hpp"

namespace ghostbrew::tuning {

/// One candidate configuration of the scheduler, in microseconds.
struct TuningConfig {
  gb_mode mode = GB_MODE_AUTO;
  std::uint64_t slice_us = 5000;              ///< time slice of every task
  std::uint64_t burst_threshold_us = 20000;   ///< burst score at or above which unclassified work is BATCH
  std::uint64_t interactive_burst_us = 1000;  ///< burst score at or below which it is INTERACTIVE
  std::uint64_t game_window_us = 1000;        ///< deadline window of the GAMING class

  friend bool operator==(const TuningConfig&, const TuningConfig&) = default;
};

/// The BPF object's built-in values (bpf/ghostbrew.bpf.c gb_config): 5 ms slice, 20 ms burst
/// threshold, 1 ms interactive burst, 1 ms game window, auto mode.
[[nodiscard]] inline TuningConfig defaults() { return TuningConfig{}; }

/// The numeric settings, for code that walks them (the online tuner, CSV columns).
enum class Setting { slice, burst_threshold, interactive_burst, game_window };
inline constexpr std::array<Setting, 4> kSettings = {Setting::slice, Setting::burst_threshold,
                                                     Setting::interactive_burst, Setting::game_window};

/// Safe range of one setting (inclusive, us) and the step the online tuner moves it by.
struct SettingBounds {
  std::string_view name;  ///< field name, as in validate()'s errors, the CSV and the profile JSON
  std::string_view flag;  ///< ghost-sched flag
  std::uint64_t min_us;
  std::uint64_t max_us;
  std::uint64_t step_us;
};

/// The safe bounds. Outside them the scheduler still runs, but each end stops making sense:
/// - slice 500..20000 us: below 0.5 ms the context-switch cost dominates; above 20 ms a CPU hog
///   delays a frame (16.7 ms at 60 Hz) by more than a frame.
/// - burst threshold 2000..100000 us: below 2 ms a game's render thread (bursts of a few ms) would
///   be batch; above 100 ms nothing would be.
/// - interactive burst 100..5000 us, and below the burst threshold: input and audio threads run for
///   tens of microseconds; beyond 5 ms render threads would pass as interactive.
/// - game window 250..8000 us: the deadline window of the gaming class; under 0.25 ms it is within
///   the scheduler's own overhead, over 8 ms it is no tighter than DEFAULT's.
[[nodiscard]] inline constexpr SettingBounds bounds(Setting s) {
  switch (s) {
    case Setting::slice:
      return {"slice_us", "--slice-us", 500, 20000, 500};
    case Setting::burst_threshold:
      return {"burst_threshold_us", "--burst-threshold-us", 2000, 100000, 2000};
    case Setting::interactive_burst:
      return {"interactive_burst_us", "--interactive-burst-us", 100, 5000, 100};
    case Setting::game_window:
      break;
  }
  return {"game_window_us", "--game-window-us", 250, 8000, 250};
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
      break;
  }
  return c.game_window_us;
}
}  // namespace detail

/// The field of `c` that holds setting `s`.
[[nodiscard]] inline std::uint64_t& field(TuningConfig& c, Setting s) { return detail::field_ref(c, s); }

/// The value of setting `s` in `c`.
[[nodiscard]] inline std::uint64_t field(const TuningConfig& c, Setting s) { return detail::field_ref(c, s); }

/// "auto", "gaming" or "work" (the ghost-sched flag without its dashes); "invalid" for other values.
[[nodiscard]] inline std::string_view mode_name(gb_mode m) {
  switch (m) {
    case GB_MODE_AUTO:
      return "auto";
    case GB_MODE_GAMING:
      return "gaming";
    case GB_MODE_WORK:
      return "work";
    case GB_NR_MODES:
      break;
  }
  return "invalid";
}

/// The mode named `name` ("auto", "gaming", "work"); `where` names the input in the error.
[[nodiscard]] inline Result<gb_mode> parse_mode(std::string_view name, std::string_view where = "mode") {
  for (gb_mode m : {GB_MODE_AUTO, GB_MODE_GAMING, GB_MODE_WORK})
    if (name == mode_name(m)) return m;
  return fail(std::string(where), "unknown mode '{}' (auto, gaming or work)", name);
}

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
