// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// `ghost-sched frames LOG.csv [--vs OTHER.csv] [--plot OUT.svg]`: the frame-time table of a MangoHud
// log (or two side by side) on `out`, and optionally the SVG picture of them.
#pragma once

#include <filesystem>
#include <fstream>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "ghostbrew/frames/log.hpp"
#include "ghostbrew/frames/stats.hpp"
#include "ghostbrew/frames/svg.hpp"

namespace ghostbrew::frames {

/// Runs the command; errors go to `err` as one line each (a bad log names file:line). Returns the
/// exit status: 0, or 1 when a log cannot be read or the picture cannot be written.
inline int run_frames(const std::string& log_file, const std::string& vs_file, const std::string& plot_file,
                      std::ostream& out, const std::function<void(const std::string&)>& err) {
  std::vector<FrameLog> logs;
  for (const auto* file : {&log_file, &vs_file}) {
    if (file->empty()) continue;
    auto log = load_mangohud(*file);
    if (!log) return err(log.error().message()), 1;
    logs.push_back(std::move(*log));
  }
  const auto name = [](const FrameLog& l) { return std::filesystem::path(l.path).filename().string(); };
  std::vector<FrameStats> stats;
  for (const auto& l : logs) stats.push_back(compute(l));
  out << to_text(stats[0], name(logs[0]), stats.size() > 1 ? &stats[1] : nullptr,
                 logs.size() > 1 ? name(logs[1]) : std::string());
  for (const auto& l : logs)
    if (l.derived_from_fps)
      out << "note: " << text::escape(name(l))
          << " has no frametime column (MangoHud < 0.6): frame times are 1000/fps\n";
  if (plot_file.empty()) return 0;
  std::vector<PlotSeries> series;
  for (const auto& l : logs) series.push_back({&l, name(l)});
  std::ofstream svg(plot_file, std::ios::binary | std::ios::trunc);
  svg << to_svg(series);
  svg.close();
  if (!svg) return err(plot_file + ": cannot write"), 1;
  out << "wrote " << text::escape(plot_file) << "\n";
  return 0;
}

}  // namespace ghostbrew::frames
