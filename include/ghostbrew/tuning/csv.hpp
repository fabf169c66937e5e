// Tuning samples as CSV, the input of tools/ml/train.py.
#pragma once

#include <cstddef>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "ghostbrew/tuning/config.hpp"
#include "ghostbrew/tuning/sample.hpp"
#include "ghostbrew/tuning/score.hpp"

namespace ghostbrew::tuning {

namespace detail {

/// RFC 4180 text field: always quoted, inner quotes doubled (commas, quotes and newlines survive).
inline std::string csv_text(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

inline constexpr std::string_view kOpNames[GB_NR_OPS] = {"select_cpu", "enqueue", "dispatch", "running",
                                                         "stopping"};
inline constexpr std::string_view kClassNames[GB_NR_CLASSES] = {"gaming", "interactive", "vm",   "default",
                                                                "ai",     "container",   "batch"};

}  // namespace detail

/// The header row write_csv() writes (no newline): timestamp, game, cpu_model, mode, the config fields
/// (slice_us, burst_threshold_us, interactive_burst_us, game_window_us), the metrics
/// (gaming_wake_p50_ns ... cpu_utilisation, op_p99_ns_<callback>, threads_<class>) and score.
[[nodiscard]] inline std::string csv_header() {
  std::string h = "timestamp,game,cpu_model,mode";
  for (Setting s : kSettings) h += fmt::format(",{}", bounds(s).name);
  h += ",gaming_wake_p50_ns,gaming_wake_p99_ns,gaming_wake_p999_ns,gaming_wakeups,interactive_wake_p99_ns";
  for (auto op : detail::kOpNames) h += fmt::format(",op_p99_ns_{}", op);
  h += ",dispatches_per_s,migrations_per_s,xccd_migrations_per_s,ccd_locality,direct_dispatch_rate,"
       "preemptions_per_s,cpu_utilisation";
  for (auto c : detail::kClassNames) h += fmt::format(",threads_{}", c);
  h += ",score";
  return h;
}

/// Writes the header row and one row per sample ("\n" line ends). Text fields (game, cpu_model) are
/// always quoted with inner quotes doubled; mode is its name (auto, gaming, work); numbers are printed
/// so they read back exactly (shortest round-trip form).
inline void write_csv(std::span<const Sample> samples, std::ostream& out) {
  out << csv_header() << '\n';
  for (const Sample& s : samples) {
    const Metrics& m = s.metrics;
    std::string row = fmt::format("{},{},{},{}", s.unix_time, detail::csv_text(s.game),
                                  detail::csv_text(s.cpu_model), mode_name(s.config.mode));
    for (Setting st : kSettings) row += fmt::format(",{}", field(s.config, st));
    row += fmt::format(",{},{},{},{},{}", m.gaming_wake_p50_ns, m.gaming_wake_p99_ns, m.gaming_wake_p999_ns,
                       m.gaming_wakeups, m.interactive_wake_p99_ns);
    for (double v : m.op_p99_ns) row += fmt::format(",{}", v);
    row +=
        fmt::format(",{},{},{},{},{},{},{}", m.dispatches_per_s, m.migrations_per_s, m.xccd_migrations_per_s,
                    m.ccd_locality, m.direct_dispatch_rate, m.preemptions_per_s, m.cpu_utilisation);
    for (auto t : m.threads) row += fmt::format(",{}", t);
    row += fmt::format(",{}", score(m));
    out << row << '\n';
  }
}

}  // namespace ghostbrew::tuning
