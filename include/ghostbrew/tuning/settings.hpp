// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// ghost-sched's settings, declared once: each setting's name, default, bounds, unit and help text, and
// the placement modes with their names. Every consumer reads this table: the ghost-sched flags and
// their validation (sched/options.hpp), the tuner's bounds and steps, profiles and CSV columns
// (tuning/config.hpp), and tools/ml/train.py (through `ghost-sched settings --json`). The BPF object
// keeps its own `const volatile` defaults; tests/bpfobj/object_test.cpp checks they equal these.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ghostbrew/bpf/abi.h"
#include "ghostbrew/core/error.hpp"

namespace ghostbrew::tuning {

/// Every numeric setting of ghost-sched, in table order. The first four are the ones the online
/// tuner explores and profiles save (kSettings); the others configure the daemon itself.
enum class Setting : std::uint8_t {
  slice,
  burst_threshold,
  interactive_burst,
  game_window,
  heartbeat_stale,
  collect,
  stats,
  wake_chain_hops,
  irq_wake_hops,
  frame_pacing,
  x3d_cache_while_gaming,
  follow_gamemode,
};

/// One row of the settings table.
struct SettingInfo {
  Setting id;
  std::string_view name;  ///< field name: Options/TuningConfig member, CSV column, profile JSON key
  std::string_view flag;  ///< ghost-sched flag
  std::uint64_t def;      ///< default (the BPF object's built-in value, where it has one)
  std::uint64_t min;      ///< inclusive bounds: a value outside is refused, never clamped
  std::uint64_t max;
  std::string_view unit;  ///< "us", "ms", "s", "hops" or "on/off"
  std::uint64_t step;     ///< how far the online tuner moves it at once; 0: not tuned
  std::string_view help;

  [[nodiscard]] constexpr bool contains(std::uint64_t v) const { return v >= min && v <= max; }
  [[nodiscard]] constexpr bool tuned() const { return step != 0; }
};

/// The settings. One set of bounds serves the command line, profiles, the tuner and train.py: the
/// safe range, where each setting still means what it says. A wider command-line range only let a
/// user start with a value the tuner and profiles then refused (and the tuner switched itself off).
/// Why each range ends where it does:
/// - slice 500..20000 us: below 0.5 ms the context-switch cost dominates; above 20 ms a CPU hog
///   delays a frame (16.7 ms at 60 Hz) by more than a frame.
/// - burst threshold 2000..100000 us: below 2 ms a game's render thread (bursts of a few ms) would
///   be batch; above 100 ms nothing would be.
/// - interactive burst 100..5000 us, and below the burst threshold: input and audio threads run for
///   tens of microseconds; beyond 5 ms render threads would pass as interactive.
/// - game window 250..8000 us: the GAMING latency offset; under 0.25 ms it is within the scheduler's
///   own overhead, over 8 ms it is no tighter than DEFAULT's (8 ms in bpf/ghostbrew.bpf.h).
/// - heartbeat stale 100..600000 ms: under 0.1 s a busy daemon would be distrusted between two
///   drains; over 10 min a dead daemon's pid maps would be trusted long after pids were reused.
/// - collect 1..3600 s: a sample needs at least a second of wake-ups; an hour is a whole session.
/// - stats 0..3600 s: 0 turns the stats line off.
/// - wake chain hops 0..3: 0 turns wake-up chains off (bpf/wake_chain.bpf.h); each hop more lets a
///   game's latency bias reach one task further from it (and a hog one more way to be handed it).
///   Off by default: in the guest the split game did no better with chains (bpf/NOTES.md).
/// - irq wake hops 0..2: 0 turns the interrupt wake-up bias off; 1 biases the woken task, 2 also
///   what it wakes next in its process (the input thread's hand-off to the game's logic). Off by
///   default: in the guest it did not yet shorten input latency (bpf/NOTES.md).
/// - x3d cache while gaming 0..1: 1 lets the daemon write the amd_x3d_vcache driver's sysfs file
///   (sched/x3d_mode.hpp); off by default, as a machine setting the user did not ask to change.
/// - follow gamemode 0..1: 1 follows Feral GameMode on the users' session buses (sched/gamemode.hpp);
///   on by default: a game the user started with gamemoderun asked to be treated as one.
inline constexpr std::array<SettingInfo, 12> kSettingTable = {{
    {Setting::slice, "slice_us", "--slice-us", 5000, GB_SLICE_MIN_US, GB_SLICE_MAX_US, "us", 500,
     "time slice of every task"},
    {Setting::burst_threshold, "burst_threshold_us", "--burst-threshold-us", 20000, 2000, 100000, "us", 2000,
     "mean CPU burst (run time until sleep) at or above which learning votes batch for a program"},
    {Setting::interactive_burst, "interactive_burst_us", "--interactive-burst-us", 1000, 100, 5000, "us", 100,
     "mean CPU burst at or below which learning votes interactive (below the burst threshold)"},
    {Setting::game_window, "game_window_us", "--game-window-us", 1000, 250, 8000, "us", 250,
     "latency offset of game threads (added to their deadlines: earlier than other work)"},
    {Setting::heartbeat_stale, "heartbeat_stale_ms", "--heartbeat-stale-ms", 5000, 100, 600000, "ms", 0,
     "BPF distrusts the daemon's class maps after this long without a heartbeat"},
    {Setting::collect, "collect_secs", "--collect-secs", 5, 1, 3600, "s", 0,
     "seconds per sample with --collect or --tune"},
    {Setting::stats, "stats_secs", "--stats", 0, 0, 3600, "s", 0,
     "print one stats line every SECS seconds (0: off)"},
    {Setting::wake_chain_hops, "wake_chain_hops", "--wake-chain-hops", 0, 0, 3, "hops", 0,
     "how far a game or interactive task's latency bias passes along the wake-ups it makes (0: off, the "
     "default until it proves a gain: bpf/NOTES.md)"},
    {Setting::irq_wake_hops, "irq_wake_hops", "--irq-wake-hops", 0, 0, 2, "hops", 0,
     "a task woken by an interrupt is latency-critical for its burst (1), and what it wakes next in its "
     "process (2); 0: off (default: not yet proven, bpf/NOTES.md)"},
    {Setting::frame_pacing, "frame_pacing", "--frame-pacing", 0, 0, 1, "on/off", 0,
     "1: a paced game's threads have their frame's work due within the frame; 0: pacing is detected and "
     "shown only (default: no gain shown, bpf/NOTES.md)"},
    {Setting::x3d_cache_while_gaming, "x3d_cache_while_gaming", "--x3d-cache-while-gaming", 0, 0, 1, "on/off",
     0,
     "1: the AMD X3D driver's amd_x3d_mode is set to cache while a game runs and put back after (also after "
     "a "
     "crash, at the next start); 0: never touched"},
    {Setting::follow_gamemode, "follow_gamemode", "--follow-gamemode", 1, 0, 1, "on/off", 0,
     "1: a game Feral GameMode registers (gamemoderun, Lutris, Steam) is GAMING at once (rule gamemode), "
     "until it unregisters it; 0: GameMode is not followed (no scan for gamemoded, no bus connection)"},
}};

/// The row of setting `s`.
[[nodiscard]] constexpr const SettingInfo& info(Setting s) {
  return kSettingTable[static_cast<std::size_t>(s)];
}

/// The default of setting `s`.
[[nodiscard]] constexpr std::uint64_t default_value(Setting s) { return info(s).def; }

/// The settings the online tuner explores and profiles save, in table order.
inline constexpr std::array<Setting, 4> kSettings = {Setting::slice, Setting::burst_threshold,
                                                     Setting::interactive_burst, Setting::game_window};

namespace detail {
constexpr bool table_is_consistent() {
  for (std::size_t i = 0; i < kSettingTable.size(); ++i) {
    const auto& s = kSettingTable[i];
    if (static_cast<std::size_t>(s.id) != i || s.min > s.max || !s.contains(s.def)) return false;
    if (s.tuned() && s.step > s.max - s.min) return false;
  }
  for (std::size_t i = 0; i < kSettingTable.size(); ++i)
    if (kSettingTable[i].tuned() != (i < kSettings.size() && kSettings[i] == kSettingTable[i].id))
      return false;
  return default_value(Setting::interactive_burst) < default_value(Setting::burst_threshold);
}
static_assert(table_is_consistent(),
              "settings table: rows in enum order, defaults within bounds, "
              "the tuned ones first and in kSettings");
}  // namespace detail

/// One placement mode: abi.h's enum gb_mode, its name (the ghost-sched flag without its dashes, the
/// profile and CSV value) and help text.
struct ModeInfo {
  gb_mode mode;
  std::string_view name;
  std::string_view help;
};

inline constexpr std::array<ModeInfo, GB_NR_MODES> kModes = {{
    {GB_MODE_AUTO, "auto", "games on V-Cache, interactive on the frequency CCD (default)"},
    {GB_MODE_GAMING, "gaming", "games and interactive work on the V-Cache CCD (X3D)"},
    {GB_MODE_WORK, "work", "latency-sensitive work on the frequency CCD, batch on V-Cache"},
}};
static_assert(kModes[GB_MODE_AUTO].mode == GB_MODE_AUTO && kModes[GB_MODE_GAMING].mode == GB_MODE_GAMING &&
                  kModes[GB_MODE_WORK].mode == GB_MODE_WORK,
              "kModes is indexed by enum gb_mode");

/// The mode the scheduler runs in unless told otherwise (the BPF object's built-in value).
inline constexpr gb_mode kDefaultMode = GB_MODE_AUTO;

/// "auto", "gaming" or "work"; "invalid" for other values.
[[nodiscard]] constexpr std::string_view mode_name(gb_mode m) {
  const auto i = static_cast<std::size_t>(m);
  return i < kModes.size() ? kModes[i].name : "invalid";
}

/// The mode named `name` ("auto", "gaming", "work"); `where` names the input in the error.
[[nodiscard]] inline Result<gb_mode> parse_mode(std::string_view name, std::string_view where = "mode") {
  for (const auto& m : kModes)
    if (name == m.name) return m.mode;
  return fail(std::string(where), "unknown mode '{}' (auto, gaming or work)", name);
}

/// The table as JSON (what `ghost-sched settings --json` prints and tools/ml/train.py reads):
/// {"modes": [{"name", "help"}...], "settings": [{"name", "flag", "default", "min", "max", "unit",
/// "step", "tuned", "help"}...]}, in table order.
[[nodiscard]] inline nlohmann::json settings_json() {
  nlohmann::json modes = nlohmann::json::array();
  for (const auto& m : kModes) modes.push_back({{"name", m.name}, {"help", m.help}});
  nlohmann::json settings = nlohmann::json::array();
  for (const auto& s : kSettingTable)
    settings.push_back({{"name", s.name},
                        {"flag", s.flag},
                        {"default", s.def},
                        {"min", s.min},
                        {"max", s.max},
                        {"unit", s.unit},
                        {"step", s.step},
                        {"tuned", s.tuned()},
                        {"help", s.help}});
  return {{"modes", modes}, {"default_mode", mode_name(kDefaultMode)}, {"settings", settings}};
}

/// The table for people: one line per setting, `--slice-us  5000 us  (500..20000)  time slice ...`.
[[nodiscard]] inline std::string format_settings() {
  std::string out;
  for (const auto& m : kModes) out += fmt::format("--{:<22} {}\n", m.name, m.help);
  for (const auto& s : kSettingTable)
    out += fmt::format("{:<24} {:>6} {:<2}  ({}..{}{})  {}\n", s.flag, s.def, s.unit, s.min, s.max,
                       s.tuned() ? fmt::format(", tuned in steps of {}", s.step) : "", s.help);
  return out;
}

}  // namespace ghostbrew::tuning
