// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// MangoHud's CSV frame logs, read into typed rows (what `ghost-sched frames` works on).
//
// The layout, as MangoHud's src/logging.cpp writes it (writeFileHeaders, writeToFile):
//   v1                                                   } only with log_versioning
//   0.7.2                                                }
//   ---------------------SYSTEM INFO---------------------}
//   os,cpu,gpu,ram,kernel,driver,cpuscheduler
//   Debian GNU/Linux 13,AMD Ryzen 9 7950X3D ...,...       (one line of values)
//   --------------------FRAME METRICS--------------------  only with log_versioning
//   fps,frametime,cpu_load,cpu_power,gpu_load,...,elapsed
//   143.2,6.98,31,...,118250000                          one row per frame (log_interval=0, the
//                                                         default) or per sample; frametime in ms
//                                                         (microseconds in 0.6), elapsed in ns since
//                                                         logging started
// MangoHud 0.6 (Debian 12's 0.6.8) writes frametime in microseconds (frametime_ns / 1000), later
// versions in ms; each row's fps is 1000 / that frame time in either unit's terms, so the unit is read
// off the log: microseconds when fps * frametime is about 10^6 (within 10x) on the median row, ms
// otherwise. With its default log_interval (100 ms), 0.6.8's first row holds no frame time but the
// time since boot (fps 8.5e-05, frametime 11774793452): a first row above kMaxFrameTimeMs in a log with
// more rows is dropped (FrameLog::dropped_first_row), any other such row is an error.
// Logs from MangoHud before 0.6 have no frametime column: the frame time is 1000 / fps then. The other
// columns vary with the version and the build (real 0.8 logs under the Steam Runtime have no cpu_mhz):
// columns are found by name, and only frametime (else fps) and elapsed are read.
// Everything before the column header (the line whose first field is "fps") is MangoHud's preamble
// and is skipped; from the header on, every line must be a row with as many fields as the header.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/fs.hpp"
#include "ghostbrew/core/text.hpp"

namespace ghostbrew::frames {

/// The longest frame time a row may hold (one minute): a larger number is not a frame time.
inline constexpr double kMaxFrameTimeMs = 60'000.0;

/// One row of the log: one frame (or one sample when MangoHud's log_interval is not 0).
struct FrameRow {
  double frametime_ms = 0;           ///< the frametime column, else 1000 / fps; in (0, kMaxFrameTimeMs]
  std::optional<double> elapsed_ns;  ///< the elapsed column, when the log has one
};

/// A parsed log: where it came from and its rows in file order (at least one).
struct FrameLog {
  std::string path;
  std::vector<FrameRow> rows;
  bool derived_from_fps = false;   ///< the log has no frametime column (MangoHud < 0.6)
  bool frametime_in_us = false;    ///< the frametime column is in microseconds (MangoHud 0.6)
  bool dropped_first_row = false;  ///< the first row held no frame time (MangoHud 0.6, log_interval > 0)
};

namespace detail {

/// Splits a CSV line at commas (MangoHud quotes nothing).
inline std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  for (std::size_t start = 0;;) {
    const auto comma = line.find(',', start);
    out.push_back(
        fs::detail::trim(line.substr(start, comma == std::string_view::npos ? comma : comma - start)));
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

/// A whole field as a finite decimal number.
inline std::optional<double> number(std::string_view field) {
  double v = 0;
  const auto* end = field.data() + field.size();
  const auto [ptr, ec] = std::from_chars(field.data(), end, v);
  if (field.empty() || ec != std::errc{} || ptr != end || !std::isfinite(v)) return std::nullopt;
  return v;
}

inline std::optional<std::size_t> column(const std::vector<std::string_view>& header, std::string_view name) {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  return std::nullopt;
}

}  // namespace detail

/// Parses the text of a MangoHud log; `path` names the errors, "path:line: what" for a bad row.
/// Errors: an empty text, no column header, a header without frametime or fps, a row with another
/// number of fields than the header, a frame time (or fps) that is not a number, not positive or
/// above kMaxFrameTimeMs (but a first row above it in a log with more rows is dropped: MangoHud 0.6),
/// an elapsed that is not a number, no rows at all. A frametime column in microseconds (MangoHud 0.6)
/// is read as such. CRLF line ends and a UTF-8 byte order mark are accepted; blank lines are skipped.
[[nodiscard]] inline Result<FrameLog> parse_mangohud(std::string_view text, const std::string& path) {
  if (text.substr(0, 3) == "\xef\xbb\xbf") text.remove_prefix(3);
  if (fs::detail::trim(text).empty()) return fail(path, "empty file (not a MangoHud log)");
  FrameLog log;
  log.path = path;
  std::vector<std::string_view> header;
  std::optional<std::size_t> frametime_col, fps_col, elapsed_col;
  std::size_t header_line = 0;
  std::size_t line_no = 0;
  // The rows as read: the unit of frametime is known once all are (see the top of this file).
  struct Raw {
    double value;               // frametime (or fps) as written
    std::optional<double> fps;  // the fps column, next to a frametime column
    std::string_view text;      // the field, for an error
    std::size_t line;
  };
  std::vector<Raw> raw;
  for (std::size_t pos = 0; pos < text.size();) {
    const auto nl = text.find('\n', pos);
    auto line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (fs::detail::trim(line).empty()) continue;
    const auto where = [&] { return fmt::format("{}:{}", path, line_no); };
    auto f = detail::fields(line);
    if (header.empty()) {
      if (f.front() != "fps") continue;  // MangoHud's preamble: version, system info
      header = std::move(f);
      header_line = line_no;
      frametime_col = detail::column(header, "frametime");
      fps_col = detail::column(header, "fps");
      elapsed_col = detail::column(header, "elapsed");
      log.derived_from_fps = !frametime_col;
      continue;
    }
    if (f.size() != header.size())
      return fail(where(), "{} fields, the column header (line {}) has {}", f.size(), header_line,
                  header.size());
    const std::size_t col = frametime_col ? *frametime_col : *fps_col;
    const auto value = detail::number(f[col]);
    if (!value)
      return fail(where(), "{} is not a number: '{}'", header[col], text::escape(f[col].substr(0, 40)));
    Raw r{*value, std::nullopt, f[col].substr(0, 40), line_no};
    if (frametime_col) r.fps = detail::number(f[*fps_col]);
    FrameRow row;
    if (elapsed_col) {
      row.elapsed_ns = detail::number(f[*elapsed_col]);
      if (!row.elapsed_ns)
        return fail(where(), "elapsed is not a number: '{}'", text::escape(f[*elapsed_col].substr(0, 40)));
    }
    raw.push_back(r);
    log.rows.push_back(row);
  }
  if (header.empty()) return fail(path, "no column header (a line starting with 'fps,'): not a MangoHud log");
  if (log.rows.empty()) return fail(path, "no frames after the column header (line {})", header_line);
  if (frametime_col) {  // the unit: fps * frametime is 1000 with ms, 10^6 with microseconds
    std::vector<double> products;
    for (const auto& r : raw)
      if (r.fps && *r.fps > 0 && r.value > 0) products.push_back(*r.fps * r.value);
    if (!products.empty()) {
      auto mid = products.begin() + static_cast<std::ptrdiff_t>(products.size() / 2);
      std::nth_element(products.begin(), mid, products.end());
      log.frametime_in_us = *mid >= 1e5 && *mid <= 1e7;
    }
  }
  const std::string_view unit = log.frametime_in_us ? " (us)" : "";
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const auto& r = raw[i];
    const double ms = !frametime_col        ? (r.value > 0 ? 1000.0 / r.value : 0.0)
                      : log.frametime_in_us ? r.value / 1000.0
                                            : r.value;
    if (i == 0 && raw.size() > 1 && ms > kMaxFrameTimeMs) {
      log.dropped_first_row = true;  // MangoHud 0.6's first sample: the time since boot
      continue;
    }
    if (!(ms > 0) || ms > kMaxFrameTimeMs)
      return fail(fmt::format("{}:{}", path, r.line), "{} {}{} is not a frame time (0 < ms <= {:.0f})",
                  frametime_col ? "frametime" : "fps", r.text, unit, kMaxFrameTimeMs);
    log.rows[i].frametime_ms = ms;
  }
  if (log.dropped_first_row) log.rows.erase(log.rows.begin());
  return log;
}

/// Reads and parses the MangoHud log in `file` (see parse_mangohud()).
[[nodiscard]] inline Result<FrameLog> load_mangohud(const std::filesystem::path& file) {
  auto content = fs::read_text(file);
  if (!content) return tl::unexpected(content.error());
  return parse_mangohud(*content, file.string());
}

}  // namespace ghostbrew::frames
