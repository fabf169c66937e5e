// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// `ghost-probe --frames` end to end against a real BPF map (root: label bpf): a map named and shaped
// like the scheduler's GB_MAP_FRAMES, created in the host kernel and filled with one current game and
// one stale one, is found among the loaded maps and printed; with no such map it exits 1 saying so.
#include <gtest/gtest.h>

#include <bpf/bpf.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "ghostbrew/bpf/abi.h"
#include "ghostbrew/core/unique_fd.hpp"
#include "ghostbrew/sched/frames.hpp"
#include "support/run.hpp"

namespace {

using ghostbrew::UniqueFd;

UniqueFd frames_map() {
  return UniqueFd(bpf_map_create(BPF_MAP_TYPE_LRU_HASH, GB_MAP_FRAMES, sizeof(std::uint32_t),
                                 sizeof(gb_frame_pace), GB_MAX_PACED_GAMES, nullptr));
}

gb_frame_pace pace(std::uint32_t pid, const char* comm, std::uint64_t period_ns, std::uint64_t start_ns) {
  gb_frame_pace f{};
  f.period_ns = period_ns;
  f.jitter_ns = 40'000;
  f.frame_start_ns = start_ns;
  f.frames = 500;
  f.pid = pid;
  std::strncpy(f.comm, comm, sizeof f.comm);
  return f;
}

TEST(ProbeFrames, PrintsTheCurrentGamesOfTheLoadedMap) {
  if (geteuid() != 0) GTEST_SKIP() << "creating and listing BPF maps needs root";
  // One map named "frames" at a time: the probe takes the first it finds.
  if (ghostbrew::sched::find_loaded_frames_map())
    GTEST_SKIP() << "a scheduler's frames map is loaded already";
  UniqueFd fd = frames_map();
  ASSERT_TRUE(fd) << std::strerror(errno);
  const auto now = ghostbrew::sched::monotonic_ns();
  const std::uint32_t live = 4242, gone = 4343;
  const auto a = pace(live, "game.exe", 16'666'667, now - 2'000'000);
  const auto b = pace(gone, "old.exe", 8'333'333, now - 5'000'000'000ULL);
  ASSERT_EQ(bpf_map_update_elem(fd.get(), &live, &a, BPF_ANY), 0);
  ASSERT_EQ(bpf_map_update_elem(fd.get(), &gone, &b, BPF_ANY), 0);
  const auto r = ghostbrew::testing::run(GHOST_PROBE " --frames");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "frames: game.exe[4242] 60.0 fps (period 16.667 ms, jitter 0.040 ms, 500 frames)\n");
}

TEST(ProbeFrames, SaysSoWhenNoSchedulerIsLoaded) {
  if (geteuid() != 0) GTEST_SKIP() << "listing BPF maps needs root";
  if (ghostbrew::sched::find_loaded_frames_map()) GTEST_SKIP() << "a scheduler's frames map is loaded";
  const auto r = ghostbrew::testing::run_split(GHOST_PROBE " --frames");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "ghost-probe: bpf: no 'frames' map loaded: is ghost-sched running?\n");
}

}  // namespace
