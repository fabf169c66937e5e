// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Tuning samples as CSV, the input of tools/ml/train.py.
#pragma once

#include <cstddef>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "ghostbrew/core/text.hpp"
#include "ghostbrew/detect/workload_class.hpp"
#include "ghostbrew/tuning/config.hpp"
#include "ghostbrew/tuning/sample.hpp"
#include "ghostbrew/tuning/score.hpp"

namespace ghostbrew::tuning {

namespace detail {

/// RFC 4180 text field: always quoted, inner quotes doubled (commas, quotes and newlines survive),
/// valid UTF-8 (a name that is not becomes text::valid_utf8(name), so CSV readers can decode it).
inline std::string csv_text(std::string_view s) {
  std::string out = "\"";
  for (char c : text::valid_utf8(s)) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

inline constexpr std::string_view kOpNames[GB_NR_OPS] = {"select_cpu", "enqueue", "dispatch", "running",
                                                         "stopping"};

/// The column name of element i of array metric `name`: op_p99_ns_<callback>, threads_<class>.
inline std::string element_column(std::string_view name, std::size_t i) {
  if (name == "op_p99_ns") return fmt::format("{}_{}", name, kOpNames[i]);
  return fmt::format("{}_{}", name, detect::to_string(static_cast<detect::WorkloadClass>(i)));
}

}  // namespace detail

/// The header row write_csv() writes (no newline): timestamp, game, cpu_model, mode, the config fields
/// (slice_us, burst_threshold_us, interactive_burst_us, game_window_us), the metrics
/// (gaming_wake_p50_ns ... cpu_utilisation, op_p99_ns_<callback>, threads_<class>) and score.
[[nodiscard]] inline std::string csv_header() {
  std::string h = "timestamp,game,cpu_model,mode";
  for (Setting s : kSettings) h += fmt::format(",{}", bounds(s).name);
#define GB_COLUMN(name) h += "," #name;
#define GB_COLUMNS(name, n) \
  for (std::size_t i = 0; i < (n); ++i) h += fmt::format(",{}", detail::element_column(#name, i));
  GHOSTBREW_TUNING_METRICS(GB_COLUMN, GB_COLUMN, GB_COLUMNS, GB_COLUMNS)
#undef GB_COLUMN
#undef GB_COLUMNS
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
#define GB_VALUE(name) row += fmt::format(",{}", m.name);
#define GB_VALUES(name, n) \
  for (auto v : m.name) row += fmt::format(",{}", v);
    GHOSTBREW_TUNING_METRICS(GB_VALUE, GB_VALUE, GB_VALUES, GB_VALUES)
#undef GB_VALUE
#undef GB_VALUES
    row += fmt::format(",{}", score(m));
    out << row << '\n';
  }
}

}  // namespace ghostbrew::tuning
