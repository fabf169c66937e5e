// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// MangoHud frame logs: the parser on the real layouts and on hostile input (one error naming
// file:line), the statistics against values worked out by hand, the SVG parsed by libxml2.
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ghostbrew/frames/command.hpp"
#include "ghostbrew/frames/log.hpp"
#include "ghostbrew/frames/stats.hpp"
#include "ghostbrew/frames/svg.hpp"
#include "support/temp_dir.hpp"

namespace ghostbrew::frames {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::filesystem::path kDir = std::filesystem::path(GHOSTBREW_TEST_FIXTURES) / "frames";

const std::string kHeader =
    "fps,frametime,cpu_load,cpu_power,gpu_load,cpu_temp,gpu_temp,gpu_core_clock,gpu_mem_clock,gpu_vram_used,"
    "gpu_power,ram_used,swap_used,process_rss,cpu_mhz,elapsed\n";
const std::string kSystem =
    "os,cpu,gpu,ram,kernel,driver,cpuscheduler\nDebian,AMD Ryzen 9 7950X3D,RX 7900 XTX,64 GB,6.12,Mesa 25,"
    "performance\n";

/// One row of the current layout with `frametime` (ms) and `elapsed` (ns).
std::string row(const std::string& frametime, const std::string& elapsed = "0") {
  return "100," + frametime + ",31,41.5,97,62,71,2482,1249,12.1,301,9.8,0,2.4,4712," + elapsed + "\n";
}

/// A log of the current layout with these frame times (elapsed advancing by each frame).
std::string log_of(const std::vector<double>& ms) {
  std::string text = kSystem + kHeader;
  double elapsed = 0;
  for (double t : ms) {
    elapsed += t * 1e6;
    text += row(fmt::format("{}", t), fmt::format("{:.0f}", elapsed));
  }
  return text;
}

FrameLog parsed(const std::string& text) {
  auto log = parse_mangohud(text, "t.csv");
  EXPECT_TRUE(log) << log.error().message();
  return log ? *log : FrameLog{};
}

std::string error_of(const std::string& text) {
  auto log = parse_mangohud(text, "t.csv");
  return log ? std::string("(no error)") : log.error().message();
}

// ---- The real layouts ----

TEST(FramesLogTest, VersionedLayoutSkipsThePreambleAndReadsEveryFrame) {
  auto log = load_mangohud(kDir / "eevdf-v1.csv");
  ASSERT_TRUE(log) << log.error().message();
  ASSERT_EQ(log->rows.size(), 20U);
  EXPECT_DOUBLE_EQ(log->rows[0].frametime_ms, 10.0);
  EXPECT_DOUBLE_EQ(log->rows[9].frametime_ms, 25.0);
  EXPECT_DOUBLE_EQ(log->rows[19].frametime_ms, 40.0);
  EXPECT_EQ(log->rows[19].elapsed_ns, 245e6);
  EXPECT_FALSE(log->derived_from_fps);
}

TEST(FramesLogTest, DefaultLayoutReadsEveryFrame) {
  auto log = load_mangohud(kDir / "ghostbrew-plain.csv");
  ASSERT_TRUE(log) << log.error().message();
  ASSERT_EQ(log->rows.size(), 20U);
  EXPECT_DOUBLE_EQ(log->rows[0].frametime_ms, 8.0);
  EXPECT_DOUBLE_EQ(log->rows[1].frametime_ms, 12.0);
}

TEST(FramesLogTest, OldLayoutWithoutFrametimeUsesOneThousandOverFps) {
  auto log = load_mangohud(kDir / "old-fps-only.csv");
  ASSERT_TRUE(log) << log.error().message();
  EXPECT_TRUE(log->derived_from_fps);
  ASSERT_EQ(log->rows.size(), 4U);
  EXPECT_DOUBLE_EQ(log->rows[0].frametime_ms, 10.0);
  EXPECT_DOUBLE_EQ(log->rows[1].frametime_ms, 20.0);
  EXPECT_DOUBLE_EQ(log->rows[2].frametime_ms, 8.0);
  EXPECT_DOUBLE_EQ(log->rows[3].frametime_ms, 5.0);
}

TEST(FramesLogTest, CrlfAndByteOrderMarkReadLikeLf) {
  const std::string lf = log_of({10, 20, 30});
  std::string crlf;
  for (char c : lf) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  const auto a = parsed(lf);
  const auto b = parsed("\xef\xbb\xbf" + crlf);
  ASSERT_EQ(b.rows.size(), 3U);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(a.rows[i].frametime_ms, b.rows[i].frametime_ms);
}

TEST(FramesLogTest, BlankLinesAndAMissingLastNewlineAreFine) {
  const auto log =
      parsed(kSystem + "\n" + kHeader + row("5") + "\n\n" + row("6").substr(0, row("6").size() - 1));
  ASSERT_EQ(log.rows.size(), 2U);
  EXPECT_DOUBLE_EQ(log.rows[1].frametime_ms, 6.0);
}

// ---- Hostile input: one error naming the file (and the line) ----

TEST(FramesLogTest, EmptyFileIsAnError) {
  EXPECT_EQ(error_of(""), "t.csv: empty file (not a MangoHud log)");
  EXPECT_EQ(error_of("\r\n \n\t\n"), "t.csv: empty file (not a MangoHud log)");
  EXPECT_EQ(error_of("\xef\xbb\xbf"), "t.csv: empty file (not a MangoHud log)");
}

TEST(FramesLogTest, NoColumnHeaderIsAnError) {
  EXPECT_EQ(error_of(kSystem + "1,2,3\n"),
            "t.csv: no column header (a line starting with 'fps,'): not a MangoHud log");
  EXPECT_EQ(error_of("PK\x03\x04"
                     "binary\xff"),
            "t.csv: no column header (a line starting with 'fps,'): not a MangoHud log");
}

TEST(FramesLogTest, HeaderWithoutRowsIsAnError) {
  EXPECT_EQ(error_of(kSystem + kHeader), "t.csv: no frames after the column header (line 3)");
}

TEST(FramesLogTest, MissingColumnsNameTheLine) {
  EXPECT_EQ(error_of(kSystem + kHeader + row("5") + "100,6,31\n"),
            "t.csv:5: 3 fields, the column header (line 3) has 16");
  EXPECT_EQ(error_of(kSystem + kHeader + row("5").substr(0, row("5").size() - 1) + ",7\n"),
            "t.csv:4: 17 fields, the column header (line 3) has 16");
}

TEST(FramesLogTest, GarbageNumbersNameTheLineAndColumn) {
  EXPECT_EQ(error_of(kSystem + kHeader + row("5") + row("fast")),
            "t.csv:5: frametime is not a number: 'fast'");
  EXPECT_EQ(error_of(kSystem + kHeader + row("5x")), "t.csv:4: frametime is not a number: '5x'");
  EXPECT_EQ(error_of(kSystem + kHeader + row("")), "t.csv:4: frametime is not a number: ''");
  EXPECT_EQ(error_of(kSystem + kHeader + row("nan")), "t.csv:4: frametime is not a number: 'nan'");
  EXPECT_EQ(error_of(kSystem + kHeader + row("5", "soon")), "t.csv:4: elapsed is not a number: 'soon'");
}

TEST(FramesLogTest, ControlBytesInAFieldAreEscapedInTheError) {
  const auto e = error_of(kSystem + kHeader + row("\x1b[2J\xff"));
  EXPECT_EQ(e, "t.csv:4: frametime is not a number: '\\x1b[2J\\xff'");
}

TEST(FramesLogTest, HugeAndNonPositiveValuesAreErrors) {
  EXPECT_EQ(error_of(kSystem + kHeader + row("1e400")), "t.csv:4: frametime is not a number: '1e400'");
  EXPECT_EQ(error_of(kSystem + kHeader + row("inf")), "t.csv:4: frametime is not a number: 'inf'");
  EXPECT_EQ(error_of(kSystem + kHeader + row("1e9")),
            "t.csv:4: frametime 1e9 is not a frame time (0 < ms <= 60000)");
  EXPECT_EQ(error_of(kSystem + kHeader + row("0")),
            "t.csv:4: frametime 0 is not a frame time (0 < ms <= 60000)");
  EXPECT_EQ(error_of(kSystem + kHeader + row("-3")),
            "t.csv:4: frametime -3 is not a frame time (0 < ms <= 60000)");
  EXPECT_EQ(error_of("fps,elapsed\n0,1\n"), "t.csv:2: fps 0 is not a frame time (0 < ms <= 60000)");
  // A huge field is cut in the message, and a huge elapsed is only a number.
  const auto e = error_of(kSystem + kHeader + row(std::string(1 << 20, '9') + "x"));
  EXPECT_LT(e.size(), 120U);
  EXPECT_EQ(parsed(kSystem + kHeader + row("5", "1e300")).rows[0].elapsed_ns, 1e300);
}

TEST(FramesLogTest, MissingFileNamesIt) {
  auto log = load_mangohud(kDir / "no-such.csv");
  ASSERT_FALSE(log);
  EXPECT_THAT(log.error().message(), HasSubstr("no-such.csv: cannot open"));
}

// ---- Statistics, against values worked out by hand ----

TEST(FramesStatsTest, VersionedFixture) {
  // 18 x 10 ms, 25 ms, 40 ms: 245 ms; nearest rank p50 = 10th = 10, p99 = 20th = 40, p99.9 = 40;
  // 1% and 0.1% lows: the slowest ceil(0.2) = 1 frame, 1000/40 = 25 fps; stutters > 20 ms: 2.
  const auto s = compute(*load_mangohud(kDir / "eevdf-v1.csv"));
  EXPECT_EQ(s.frames, 20U);
  EXPECT_DOUBLE_EQ(s.seconds, 0.245);
  EXPECT_NEAR(s.avg_fps, 20000.0 / 245.0, 1e-9);
  EXPECT_DOUBLE_EQ(s.p50_ms, 10.0);
  EXPECT_DOUBLE_EQ(s.p99_ms, 40.0);
  EXPECT_DOUBLE_EQ(s.p999_ms, 40.0);
  EXPECT_DOUBLE_EQ(s.max_ms, 40.0);
  EXPECT_DOUBLE_EQ(s.low1_fps, 25.0);
  EXPECT_DOUBLE_EQ(s.low01_fps, 25.0);
  EXPECT_EQ(s.stutters, 2U);
  EXPECT_EQ(s.sampled, std::optional<bool>(false));
}

TEST(FramesStatsTest, LowsAverageTheSlowestFramesAndStuttersAreStrictlyOverTwiceTheMedian) {
  // 196 x 10 ms, then 15, 20, 30, 50: p50 = 100th = 10; p99 = 198th = 20; p99.9 = 200th = 50;
  // 1% low: slowest ceil(2) = 2 frames, (1000/50 + 1000/30) / 2; 0.1% low: ceil(0.2) = 1, 1000/50;
  // stutters > 20 ms: 30 and 50 (20 itself is not); 2075 ms in all.
  std::vector<double> ms(196, 10.0);
  ms.insert(ms.end(), {15, 20, 30, 50});
  const auto s = compute(parsed(log_of(ms)));
  EXPECT_EQ(s.frames, 200U);
  EXPECT_DOUBLE_EQ(s.p50_ms, 10.0);
  EXPECT_DOUBLE_EQ(s.p99_ms, 20.0);
  EXPECT_DOUBLE_EQ(s.p999_ms, 50.0);
  EXPECT_NEAR(s.low1_fps, (20.0 + 1000.0 / 30.0) / 2, 1e-9);
  EXPECT_DOUBLE_EQ(s.low01_fps, 20.0);
  EXPECT_EQ(s.stutters, 2U);
  EXPECT_NEAR(s.avg_fps, 200000.0 / 2075.0, 1e-9);
}

TEST(FramesStatsTest, OneFrameLog) {
  const auto s = compute(parsed(log_of({16.5})));
  EXPECT_EQ(s.frames, 1U);
  EXPECT_DOUBLE_EQ(s.p50_ms, 16.5);
  EXPECT_DOUBLE_EQ(s.p999_ms, 16.5);
  EXPECT_DOUBLE_EQ(s.low01_fps, 1000.0 / 16.5);
  EXPECT_EQ(s.stutters, 0U);
  EXPECT_FALSE(s.sampled.has_value()) << "one row has no span";
}

TEST(FramesStatsTest, OldLayoutFromFps) {
  // 10, 20, 8, 5 ms: p50 = 2nd of 5, 8, 10, 20 = 8; 43 ms; stutters > 16 ms: the 20 ms frame.
  const auto s = compute(*load_mangohud(kDir / "old-fps-only.csv"));
  EXPECT_DOUBLE_EQ(s.p50_ms, 8.0);
  EXPECT_NEAR(s.avg_fps, 4000.0 / 43.0, 1e-9);
  EXPECT_EQ(s.stutters, 1U);
  EXPECT_FALSE(s.sampled.has_value()) << "elapsed of old logs is in another unit";
}

TEST(FramesStatsTest, RowsLoggedEveryIntervalAreFlaggedAsSamples) {
  // log_interval=100: a 7 ms frame time every 100 ms.
  std::string text = kSystem + kHeader;
  for (int i = 0; i < 10; ++i) text += row("7", std::to_string(i * 100'000'000));
  const auto s = compute(parsed(text));
  EXPECT_EQ(s.sampled, std::optional<bool>(true));
  EXPECT_THAT(to_text(s, "a.csv"), HasSubstr("warning: a.csv: rows are samples, not every frame"));
}

// Real logs, recorded by us with Debian 12's MangoHud 0.6.8 (tests/fixtures/frames/README.md and
// record-mangohud.sh: glxgears on Xvfb with Mesa's software renderer, fps_limit=60). MangoHud 0.6
// writes frametime in microseconds (fps * frametime = 10^6), 12 columns (no cpu_power, swap_used,
// process_rss, cpu_mhz), ram in kB, empty gpu and cpuscheduler; with log_interval=100 its first row
// holds the time since boot (11758255466 us), not a frame time. Expected values computed
// independently of this code, with a python one-off over the files (csv.DictReader from the line
// starting "fps,"; frametime / 1000 as ms; a first row over 60000 ms dropped; sorted; nearest rank =
// sorted[ceil(p * n) - 1]; lows = mean of 1000 / t over the slowest ceil(share * n); stutters = t >
// 2 * p50; sampled = (last elapsed - first elapsed) > 2 * (sum of frame times - the first row's) * 1e6):
//   glxgears:         n 352, sum 5861.111 ms, avg 60.056873 fps, p50 16.668, p99 21.532, p99.9 = max
//                     22.051, 1% low 45.853446, 0.1% low 45.349417, stutters 0, not sampled
//   glxgears-loaded:  n 309, sum 5541.042 ms, avg 55.765685 fps, p50 16.671, p99 67.632, p99.9 = max
//                     83.79, 1% low 12.818881, 0.1% low 11.934598, stutters 6, not sampled
//   glxgears-sampled: n 59 (60 rows, the first dropped), sum 974.921 ms, avg 60.517724 fps, p50 16.661,
//                     p99 = p99.9 = max 18.711, lows 53.444498, stutters 0, sampled
TEST(FramesRealLogTest, MangoHud06LogIsReadInMicroseconds) {
  auto log = load_mangohud(kDir / "mangohud-glxgears.csv");
  ASSERT_TRUE(log) << log.error().message();
  ASSERT_EQ(log->rows.size(), 352U);
  EXPECT_FALSE(log->derived_from_fps);
  EXPECT_TRUE(log->frametime_in_us);
  EXPECT_FALSE(log->dropped_first_row);
  EXPECT_DOUBLE_EQ(log->rows.front().frametime_ms, 11.152);  // the first row: 11152 us
  EXPECT_EQ(log->rows.front().elapsed_ns, std::optional<double>(156970993));
  EXPECT_DOUBLE_EQ(log->rows.back().frametime_ms, 16.675);  // the last row
  EXPECT_EQ(log->rows.back().elapsed_ns, std::optional<double>(6007238803.0));
}

TEST(FramesRealLogTest, MangoHud06LogStatistics) {
  const auto s = compute(*load_mangohud(kDir / "mangohud-glxgears.csv"));
  EXPECT_EQ(s.frames, 352U);
  EXPECT_NEAR(s.seconds, 5.861111, 1e-9);
  EXPECT_NEAR(s.avg_fps, 60.056873, 1e-6);
  EXPECT_DOUBLE_EQ(s.p50_ms, 16.668);
  EXPECT_DOUBLE_EQ(s.p99_ms, 21.532);
  EXPECT_DOUBLE_EQ(s.p999_ms, 22.051);
  EXPECT_DOUBLE_EQ(s.max_ms, 22.051);
  EXPECT_NEAR(s.low1_fps, 45.853446, 1e-6);
  EXPECT_NEAR(s.low01_fps, 45.349417, 1e-6);
  EXPECT_EQ(s.stutters, 0U);
  EXPECT_EQ(s.sampled, std::optional<bool>(false)) << "a row every frame (log_interval=0)";
}

TEST(FramesRealLogTest, TwoRealLogsSideBySide) {
  std::ostringstream out;
  std::vector<std::string> errors;
  const int rc =
      run_frames((kDir / "mangohud-glxgears.csv").string(), (kDir / "mangohud-glxgears-loaded.csv").string(),
                 "", out, [&](const std::string& e) { errors.push_back(e); });
  ASSERT_EQ(rc, 0) << ::testing::PrintToString(errors);
  const auto b = compute(*load_mangohud(kDir / "mangohud-glxgears-loaded.csv"));
  EXPECT_EQ(b.frames, 309U);
  EXPECT_NEAR(b.avg_fps, 55.765685, 1e-6);
  EXPECT_DOUBLE_EQ(b.p50_ms, 16.671);
  EXPECT_DOUBLE_EQ(b.p99_ms, 67.632);
  EXPECT_DOUBLE_EQ(b.max_ms, 83.79) << "over a minute's 60000 if read as ms";
  EXPECT_NEAR(b.low1_fps, 12.818881, 1e-6);
  EXPECT_NEAR(b.low01_fps, 11.934598, 1e-6);
  EXPECT_EQ(b.stutters, 6U);
  EXPECT_EQ(b.sampled, std::optional<bool>(false));
  // avg fps 60.1 vs 55.8 (ratio 55.765685 / 60.056873 = 0.929); p99 21.53 vs 67.63 (3.141);
  // 1% low 45.9 vs 12.8 (0.280); stutters 6 of 309 frames.
  const auto& t = out.str();
  EXPECT_THAT(t, HasSubstr("60.1"));
  EXPECT_THAT(t, HasSubstr("55.8"));
  EXPECT_THAT(t, HasSubstr("0.929"));
  EXPECT_THAT(t, HasSubstr("3.141"));
  EXPECT_THAT(t, HasSubstr("0.280"));
  EXPECT_THAT(t, HasSubstr("6 (1.94%)"));
  EXPECT_THAT(t, Not(HasSubstr("warning")));
}

TEST(FramesRealLogTest, MangoHud06SampledLogDropsItsFirstRowAndIsFlagged) {
  auto log = load_mangohud(kDir / "mangohud-glxgears-sampled.csv");
  ASSERT_TRUE(log) << log.error().message();
  EXPECT_TRUE(log->frametime_in_us);
  EXPECT_TRUE(log->dropped_first_row) << "frametime 11758255466 us: the time since boot";
  ASSERT_EQ(log->rows.size(), 59U);
  EXPECT_DOUBLE_EQ(log->rows.front().frametime_ms, 16.663);  // the second row
  EXPECT_EQ(log->rows.front().elapsed_ns, std::optional<double>(242209049));
  const auto s = compute(*log);
  EXPECT_NEAR(s.seconds, 0.974921, 1e-9);
  EXPECT_NEAR(s.avg_fps, 60.517724, 1e-6);
  EXPECT_DOUBLE_EQ(s.p50_ms, 16.661);
  EXPECT_DOUBLE_EQ(s.p99_ms, 18.711);
  EXPECT_NEAR(s.low1_fps, 53.444498, 1e-6);
  EXPECT_EQ(s.stutters, 0U);
  EXPECT_EQ(s.sampled, std::optional<bool>(true)) << "a row every 100 ms";
  EXPECT_THAT(to_text(s, "sampled.csv"), HasSubstr("warning: sampled.csv: rows are samples"));
}

TEST(FramesLogTest, MicrosecondsAreToldByFpsAndOnlyAFirstRowMayHoldNoFrameTime) {
  // MangoHud 0.6's layout: fps * frametime (us) = 10^6.
  const std::string header =
      "fps,frametime,cpu_load,gpu_load,cpu_temp,gpu_temp,gpu_core_clock,gpu_mem_clock,gpu_vram_used,"
      "gpu_power,ram_used,elapsed\n";
  const auto us = [](const std::string& fps, const std::string& frametime) {
    return fps + "," + frametime + ",100,0,0,0,0,0,0,0,1.5,100000000\n";
  };
  const auto log =
      parsed(kSystem + header + us("8.5e-05", "11758255466") + us("50", "20000") + us("25", "40000"));
  EXPECT_TRUE(log.frametime_in_us);
  EXPECT_TRUE(log.dropped_first_row);
  ASSERT_EQ(log.rows.size(), 2U);
  EXPECT_DOUBLE_EQ(log.rows[0].frametime_ms, 20.0);
  EXPECT_DOUBLE_EQ(log.rows[1].frametime_ms, 40.0);
  EXPECT_EQ(error_of(kSystem + header + us("50", "20000") + us("8.5e-05", "11758255466")),
            "t.csv:5: frametime 11758255466 (us) is not a frame time (0 < ms <= 60000)");
  EXPECT_EQ(error_of(kSystem + header + us("8.5e-05", "11758255466")),
            "t.csv:4: frametime 11758255466 (us) is not a frame time (0 < ms <= 60000)")
      << "a log of that row alone has no frames";
  EXPECT_FALSE(parsed(kSystem + header + us("50", "20")).frametime_in_us) << "fps * ms = 1000";
}

TEST(FramesStatsTest, TableSideBySideWithRatios) {
  const auto a = compute(*load_mangohud(kDir / "eevdf-v1.csv"));
  const auto b = compute(*load_mangohud(kDir / "ghostbrew-plain.csv"));
  const auto t = to_text(a, "eevdf-v1.csv", &b, "ghostbrew-plain.csv");
  // b: 10 x 8 ms + 10 x 12 ms = 200 ms, 100 fps; p50 8, p99 12; lows 1000/12.
  EXPECT_THAT(t, HasSubstr("avg fps                             81.6                100.0     1.225\n"));
  EXPECT_THAT(t, HasSubstr("1% low fps                          25.0                 83.3     3.333\n"));
  EXPECT_THAT(t, HasSubstr("frame time p99 (ms)                40.00                12.00     0.300\n"));
  EXPECT_THAT(t, HasSubstr("stutters (> 2x p50)           2 (10.00%)            0 (0.00%)     0.000\n"));
  EXPECT_THAT(t, HasSubstr("  eevdf-v1.csv  ghostbrew-plain.csv     ratio\n"))
      << "names longer than a column";
  EXPECT_THAT(t, HasSubstr("ratio = ghostbrew-plain.csv / eevdf-v1.csv"));
  EXPECT_THAT(t, Not(HasSubstr("warning")));
}

TEST(FramesStatsTest, HostileNamesAreEscapedInTheTable) {
  const auto s = compute(parsed(log_of({10})));
  const auto t = to_text(s, "\x1b]0;pwned\x07.csv");
  EXPECT_THAT(t, HasSubstr("\\x1b]0;pwned\\x07.csv"));
  EXPECT_EQ(t.find('\x1b'), std::string::npos);
}

// ---- SVG ----

/// Parses `svg` with libxml2 (no network, errors fatal); the root element's name, or "" when not XML.
std::string svg_root(const std::string& svg, int* polylines = nullptr) {
  xmlDocPtr doc = xmlReadMemory(svg.data(), static_cast<int>(svg.size()), "plot.svg", nullptr,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == nullptr) return "";
  const xmlNode* root = xmlDocGetRootElement(doc);
  std::string name = root ? reinterpret_cast<const char*>(root->name) : "";
  if (polylines != nullptr) {
    *polylines = 0;
    for (const xmlNode* n = root ? root->children : nullptr; n != nullptr; n = n->next)
      if (n->type == XML_ELEMENT_NODE && std::string(reinterpret_cast<const char*>(n->name)) == "polyline")
        ++*polylines;
  }
  xmlFreeDoc(doc);
  return name;
}

TEST(FramesSvgTest, TwoLogsAreWellFormedSvgWithTwoLinesEach) {
  const auto a = *load_mangohud(kDir / "eevdf-v1.csv");
  const auto b = *load_mangohud(kDir / "ghostbrew-plain.csv");
  int lines = 0;
  EXPECT_EQ(svg_root(to_svg({{&a, "eevdf"}, {&b, "ghostbrew"}}), &lines), "svg");
  EXPECT_EQ(lines, 4) << "frame time over time and its distribution, per log";
  EXPECT_EQ(svg_root("<svg><g></svg>"), "") << "the checker itself rejects broken XML";
}

TEST(FramesSvgTest, HostileNamesAndOneFrameStayWellFormed) {
  const auto one = parsed(log_of({12}));
  const auto svg = to_svg({{&one, "<b>&\"'\x1b[31m\xff</b>"}});
  int lines = 0;
  EXPECT_EQ(svg_root(svg, &lines), "svg");
  EXPECT_EQ(lines, 2);
  EXPECT_EQ(svg.find('\x1b'), std::string::npos);
  EXPECT_THAT(svg, HasSubstr("&lt;b&gt;&amp;&quot;&apos;\\x1b[31m\\xff&lt;/b&gt;"));
}

TEST(FramesSvgTest, LongLogsAreThinnedKeepingTheSlowestFrame) {
  std::vector<double> ms(100'000, 8.0);
  ms[54'321] = 55.0;
  const auto log = parsed(log_of(ms));
  const auto svg = to_svg({{&log, "long"}});
  EXPECT_EQ(svg_root(svg), "svg");
  EXPECT_LT(svg.size(), 200'000U);
  // The y axis ends at nice_ceil(min(55, 4 * p99.9 = 32)) = 50 ms: the hitch is drawn at the top edge
  // (y = 50 px), and the title says frames over 50 ms are.
  EXPECT_THAT(svg, HasSubstr(",50.0 "));
  EXPECT_THAT(svg, HasSubstr("frames over 50 ms drawn at the top"));
}

// ---- The command ----

TEST(FramesCommandTest, PrintsTheTableAndWritesThePlot) {
  const ghostbrew::testing::TempDir dir("frames");
  const auto plot = dir / "plot.svg";
  std::ostringstream out;
  std::vector<std::string> errors;
  const int rc = run_frames((kDir / "eevdf-v1.csv").string(), (kDir / "ghostbrew-plain.csv").string(),
                            plot.string(), out, [&](const std::string& e) { errors.push_back(e); });
  EXPECT_EQ(rc, 0);
  EXPECT_TRUE(errors.empty());
  EXPECT_THAT(out.str(), HasSubstr("0.1% low fps"));
  EXPECT_THAT(out.str(), HasSubstr("wrote " + plot.string()));
  std::ifstream in(plot);
  const std::string svg((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(svg_root(svg), "svg");
}

TEST(FramesCommandTest, BadLogIsOneLineAndStatusOne) {
  std::ostringstream out;
  std::vector<std::string> errors;
  const int rc = run_frames((kDir / "eevdf-v1.csv").string(), (kDir / "README.md").string(), "", out,
                            [&](const std::string& e) { errors.push_back(e); });
  EXPECT_EQ(rc, 1);
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_THAT(errors[0], HasSubstr("README.md: no column header"));
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace ghostbrew::frames
