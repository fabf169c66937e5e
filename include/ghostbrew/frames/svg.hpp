// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// One SVG picture of one or two MangoHud logs (`ghost-sched frames --plot`): frame time over time
// on top, the distribution of frame times (a CDF: the share of frames at or below each frame time)
// below. Hand-written SVG 1.1, no scripts, no external references.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ghostbrew/core/text.hpp"
#include "ghostbrew/frames/log.hpp"
#include "ghostbrew/frames/stats.hpp"

namespace ghostbrew::frames {

/// A log to draw and the name its legend shows.
struct PlotSeries {
  const FrameLog* log = nullptr;
  std::string name;
};

namespace detail {

inline constexpr std::array<std::string_view, 2> kColours{"#1f77b4", "#d62728"};
inline constexpr int kWidth = 960, kHeight = 660, kLeft = 70, kRight = 20,
                     kPlotWidth = kWidth - kLeft - kRight;
inline constexpr int kTimeTop = 50, kTimeHeight = 300, kCdfTop = 420, kCdfHeight = 190;
/// At most this many points per line: each point of the time plot is the slowest frame of its bucket.
inline constexpr std::size_t kMaxPoints = 1500;

/// `s` as XML character data or attribute text (after text::escape: no control characters).
inline std::string xml(std::string_view s) {
  std::string out;
  for (char c : text::escape(s)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

/// The smallest 1, 2 or 5 times a power of ten that is >= v (v > 0).
inline double nice_ceil(double v) {
  const double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= v * (1 - 1e-9)) return m * p;
  return 10 * p;
}

inline std::string axis(int top, int height, double x_max, double y_max, std::string_view x_label,
                        std::string_view y_label, bool y_percent) {
  std::string out =
      fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#444\"/>\n",
                  kLeft, top, kPlotWidth, height);
  for (int i = 0; i <= 4; ++i) {
    const double y = top + height - height * i / 4.0;
    const double v = y_max * i / 4.0;
    out += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>\n", kLeft, y,
                       kLeft + kPlotWidth, y);
    out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", kLeft - 6, y + 4,
                       y_percent ? fmt::format("{:.0f}%", v * 100) : fmt::format("{:g}", v));
    const double x = kLeft + kPlotWidth * i / 4.0;
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{:g}</text>\n", x,
                       top + height + 16, x_max * i / 4.0);
  }
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", kLeft + kPlotWidth / 2,
                     top + height + 34, xml(x_label));
  out +=
      fmt::format("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">{}</text>\n", kLeft, top - 8, xml(y_label));
  return out;
}

inline std::string polyline(const std::vector<std::pair<double, double>>& points, std::string_view colour) {
  std::string out = fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1\" points=\"", colour);
  for (const auto& [x, y] : points) out += fmt::format("{:.1f},{:.1f} ", x, y);
  if (!points.empty()) out.pop_back();
  return out + "\"/>\n";
}

}  // namespace detail

/// The SVG document for `series` (one or two logs, each with at least one row).
[[nodiscard]] inline std::string to_svg(const std::vector<PlotSeries>& series) {
  double seconds = 0, p999 = 0, max_ms = 0;
  for (const auto& s : series) {
    const auto st = compute(*s.log);
    seconds = std::max(seconds, st.seconds);
    p999 = std::max(p999, st.p999_ms);
    max_ms = std::max(max_ms, st.max_ms);
  }
  // Frame time axes end at 4x the p99.9 (one long hitch would flatten the rest); slower frames are
  // drawn at the top edge, and the title says so.
  const double t_max = detail::nice_ceil(std::max(std::min(max_ms, 4 * p999), 1.0));
  const double x_max = detail::nice_ceil(std::max(seconds, 1e-3));
  const double cdf_max = detail::nice_ceil(std::max(1.5 * p999, 1.0));
  std::string out = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      detail::kWidth, detail::kHeight);
  out += detail::axis(detail::kTimeTop, detail::kTimeHeight, x_max, t_max, "time (s)",
                      max_ms > t_max
                          ? fmt::format("frame time (ms); frames over {:g} ms drawn at the top", t_max)
                          : std::string("frame time (ms)"),
                      false);
  out += detail::axis(detail::kCdfTop, detail::kCdfHeight, cdf_max, 1.0, "frame time (ms)",
                      "share of frames at or below a frame time", true);
  for (std::size_t i = 0; i < series.size(); ++i) {
    const auto& rows = series[i].log->rows;
    const auto colour = detail::kColours[i % detail::kColours.size()];
    // Over time: the slowest frame of each bucket, at the bucket's end.
    std::vector<std::pair<double, double>> points;
    const std::size_t per = (rows.size() + detail::kMaxPoints - 1) / detail::kMaxPoints;
    double t = 0, worst = 0;
    for (std::size_t k = 0; k < rows.size(); ++k) {
      t += rows[k].frametime_ms / 1000.0;
      worst = std::max(worst, rows[k].frametime_ms);
      if ((k + 1) % per != 0 && k + 1 != rows.size()) continue;
      points.emplace_back(detail::kLeft + detail::kPlotWidth * std::min(t / x_max, 1.0),
                          detail::kTimeTop + detail::kTimeHeight * (1 - std::min(worst / t_max, 1.0)));
      worst = 0;
    }
    out += detail::polyline(points, colour);
    // Distribution: the frame time at each of detail::kMaxPoints evenly spaced shares.
    std::vector<double> sorted;
    for (const auto& r : rows) sorted.push_back(r.frametime_ms);
    std::sort(sorted.begin(), sorted.end());
    points.clear();
    const std::size_t steps = std::min(detail::kMaxPoints, sorted.size());
    for (std::size_t q = 0; q <= steps; ++q) {
      const double share = static_cast<double>(q) / static_cast<double>(steps);
      const auto idx = std::min(sorted.size() - 1,
                                static_cast<std::size_t>(share * static_cast<double>(sorted.size() - 1)));
      points.emplace_back(detail::kLeft + detail::kPlotWidth * std::min(sorted[idx] / cdf_max, 1.0),
                          detail::kCdfTop + detail::kCdfHeight * (1 - share));
    }
    out += detail::polyline(points, colour);
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>\n",
                       detail::kLeft + 10 + 300 * static_cast<int>(i), 12, colour);
    out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", detail::kLeft + 28 + 300 * static_cast<int>(i),
                       23, detail::xml(series[i].name));
  }
  return out + "</svg>\n";
}

}  // namespace ghostbrew::frames
