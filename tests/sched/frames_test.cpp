// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// sched/frames.hpp: which detected games `ghost-sched --stats` and `ghost-probe --frames` show, and how.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "ghostbrew/sched/frames.hpp"

namespace {

using ghostbrew::sched::format_frames;

gb_frame_pace pace(std::uint32_t pid, const char* comm, std::uint64_t period_ns, std::uint64_t start_ns,
                   std::uint32_t frames = 100) {
  gb_frame_pace f{};
  f.period_ns = period_ns;
  f.jitter_ns = period_ns / 100;
  f.frame_start_ns = start_ns;
  f.frames = frames;
  f.pid = pid;
  std::strncpy(f.comm, comm, sizeof f.comm);
  return f;
}

constexpr std::uint64_t kNow = 50'000'000'000ULL;

TEST(FramesTest, ShowsFpsPeriodAndJitterOfEachCurrentGameByPid) {
  const auto line = format_frames(
      {pace(900, "b.exe", 16'666'667, kNow - 1'000'000), pace(412, "game.exe", 8'333'333, kNow - 2'000'000)},
      kNow);
  EXPECT_EQ(line,
            "frames: game.exe[412] 120.0 fps (period 8.333 ms, jitter 0.083 ms, 100 frames)\n"
            "frames: b.exe[900] 60.0 fps (period 16.667 ms, jitter 0.167 ms, 100 frames)");
}

TEST(FramesTest, LeavesOutStaleAndUnconfirmedEntries) {
  // Last frame 2 s ago at 120 fps: the game exited or stalled. 15 frames: below GB_FRAME_MIN_FRAMES.
  const auto line = format_frames(
      {pace(1, "gone.exe", 8'333'333, kNow - 2'000'000'000ULL),
       pace(2, "new.exe", 8'333'333, kNow, GB_FRAME_MIN_FRAMES - 1), pace(3, "zero.exe", 0, kNow)},
      kNow);
  EXPECT_EQ(line, "frames: no paced game");
  EXPECT_EQ(format_frames({}, kNow), "frames: no paced game");
}

TEST(FramesTest, AFrameStartedAfterTheReadingIsCurrent) {
  // BPF's clock read on another CPU may be a little ahead of ours.
  EXPECT_NE(format_frames({pace(7, "g.exe", 10'000'000, kNow + 5'000)}, kNow).find("100.0 fps"),
            std::string::npos);
}

}  // namespace
