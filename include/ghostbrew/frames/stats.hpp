// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Frame-time statistics of a MangoHud log, and the table `ghost-sched frames` prints (one log, or two
// side by side with ratios).
//
// Definitions (n frames, frame times t_i in ms, sorted ascending):
//   percentile p    nearest rank: the ceil(p * n)-th smallest frame time (p50, p99, p99.9)
//   average fps     1000 * n / sum(t_i)
//   1 % / 0.1 % low the mean of 1000 / t over the slowest ceil(1 % of n) (ceil(0.1 % of n)) frames,
//                   as MangoHud's own summary computes them
//   stutter         a frame longer than twice the median (p50) frame time
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ghostbrew/core/text.hpp"
#include "ghostbrew/frames/log.hpp"

namespace ghostbrew::frames {

/// A frame longer than this many medians is a stutter.
inline constexpr double kStutterFactor = 2.0;

struct FrameStats {
  std::size_t frames = 0;
  double seconds = 0;  ///< sum of the frame times
  double avg_fps = 0;
  double p50_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
  double low1_fps = 0, low01_fps = 0;
  std::size_t stutters = 0;  ///< frames > kStutterFactor * p50_ms
  /// The rows are samples, not frames: MangoHud logged every log_interval ms (the elapsed span is
  /// more than twice the sum of the frame times). Empty when the log has no elapsed column.
  std::optional<bool> sampled;
};

namespace detail {

/// The nearest-rank percentile `p` (0 < p <= 1) of ascending `sorted` (not empty).
[[nodiscard]] inline double nearest_rank(const std::vector<double>& sorted, double p) {
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

/// Mean fps of the slowest ceil(share * n) frames of ascending `sorted` (at least one frame).
[[nodiscard]] inline double low_fps(const std::vector<double>& sorted, double share) {
  const auto k = std::clamp<std::size_t>(
      static_cast<std::size_t>(std::ceil(share * static_cast<double>(sorted.size()))), 1, sorted.size());
  double sum = 0;
  for (std::size_t i = 0; i < k; ++i) sum += 1000.0 / sorted[sorted.size() - 1 - i];
  return sum / static_cast<double>(k);
}

}  // namespace detail

/// The statistics of `log` (which has at least one row, as parse_mangohud() guarantees).
[[nodiscard]] inline FrameStats compute(const FrameLog& log) {
  FrameStats s;
  std::vector<double> t;
  t.reserve(log.rows.size());
  for (const auto& r : log.rows) t.push_back(r.frametime_ms);
  if (t.empty()) return s;
  std::sort(t.begin(), t.end());
  s.frames = t.size();
  double sum_ms = 0;
  for (double v : t) sum_ms += v;
  s.seconds = sum_ms / 1000.0;
  s.avg_fps = 1000.0 * static_cast<double>(s.frames) / sum_ms;
  s.p50_ms = detail::nearest_rank(t, 0.50);
  s.p99_ms = detail::nearest_rank(t, 0.99);
  s.p999_ms = detail::nearest_rank(t, 0.999);
  s.max_ms = t.back();
  s.low1_fps = detail::low_fps(t, 0.01);
  s.low01_fps = detail::low_fps(t, 0.001);
  s.stutters =
      static_cast<std::size_t>(t.end() - std::upper_bound(t.begin(), t.end(), kStutterFactor * s.p50_ms));
  const auto& first = log.rows.front().elapsed_ns;
  const auto& last = log.rows.back().elapsed_ns;
  if (first && last && log.rows.size() > 1 && !log.derived_from_fps) {  // elapsed in ns since 0.6
    // The span covers every row but the first's own frame.
    const double frames_ns = (sum_ms - log.rows.front().frametime_ms) * 1e6;
    s.sampled = *last - *first > 2.0 * frames_ns;
  }
  return s;
}

namespace detail {

/// One line of the table: its label, its value, how many decimals it is shown with, and whether its
/// share of all frames is shown after it.
struct Metric {
  std::string_view label;
  double (*value)(const FrameStats&);
  int decimals;
  bool share_of_frames = false;
};

inline constexpr std::array<Metric, 8> kMetrics{{
    {"avg fps", [](const FrameStats& s) { return s.avg_fps; }, 1},
    {"1% low fps", [](const FrameStats& s) { return s.low1_fps; }, 1},
    {"0.1% low fps", [](const FrameStats& s) { return s.low01_fps; }, 1},
    {"frame time p50 (ms)", [](const FrameStats& s) { return s.p50_ms; }, 2},
    {"frame time p99 (ms)", [](const FrameStats& s) { return s.p99_ms; }, 2},
    {"frame time p99.9 (ms)", [](const FrameStats& s) { return s.p999_ms; }, 2},
    {"frame time max (ms)", [](const FrameStats& s) { return s.max_ms; }, 2},
    {"stutters (> 2x p50)", [](const FrameStats& s) { return static_cast<double>(s.stutters); }, 0, true},
}};

inline std::string cell(const Metric& m, const FrameStats& s) {
  const double v = m.value(s);
  if (!m.share_of_frames) return fmt::format("{:.{}f}", v, m.decimals);
  return fmt::format("{:.{}f} ({:.2f}%)", v, m.decimals,
                     100.0 * v / static_cast<double>(std::max<std::size_t>(s.frames, 1)));
}

}  // namespace detail

/// The table of `a` (named `a_name`), or of `a` and `b` side by side with a `b/a` ratio column when
/// `b` is given. Names are escaped (text::escape). Ends with notes: the stutter rule, and a warning
/// for a log whose rows are samples rather than frames.
[[nodiscard]] inline std::string to_text(const FrameStats& a, std::string_view a_name,
                                         const FrameStats* b = nullptr, std::string_view b_name = {}) {
  const auto an = text::escape(a_name);
  const auto bn = text::escape(b_name);
  // Each value column is as wide as its name, and at least 16.
  const std::size_t aw = std::max<std::size_t>(16, an.size() + 2);
  const std::size_t bw = std::max<std::size_t>(16, bn.size() + 2);
  const auto line = [&](std::string_view label, const std::string& av, const std::string& bv,
                        const std::string& ratio) {
    std::string l = fmt::format("{:<24}{:>{}}", label, av, aw);
    if (b) l += fmt::format("{:>{}}{:>10}", bv, bw, ratio);
    return l + "\n";
  };
  std::string out = line("", an, bn, "ratio");
  out += line("frames", fmt::format("{}", a.frames), b ? fmt::format("{}", b->frames) : "", "");
  out += line("seconds", fmt::format("{:.1f}", a.seconds), b ? fmt::format("{:.1f}", b->seconds) : "", "");
  for (const auto& m : detail::kMetrics) {
    const double av = m.value(a);
    out += line(m.label, detail::cell(m, a), b ? detail::cell(m, *b) : "",
                b && av > 0 ? fmt::format("{:.3f}", m.value(*b) / av) : "-");
  }
  if (b) out += fmt::format("ratio = {} / {}: above 1 is more fps, or longer frame times\n", bn, an);
  for (const auto& [s, name] : {std::pair{&a, an}, std::pair{b, bn}})
    if (s && s->sampled.value_or(false))
      out += fmt::format(
          "warning: {}: rows are samples, not every frame (MangoHud log_interval is not 0): lows, "
          "percentiles and stutters describe the samples\n",
          name);
  return out;
}

}  // namespace ghostbrew::frames
