// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Frame pacing as the scheduler sees it: the games whose frame period bpf/frame.bpf.h detected
// (GB_MAP_FRAMES), read from the loaded scheduler and printed by `ghost-sched --stats` and
// `ghost-probe --frames`.
#pragma once

#include <bpf/bpf.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "ghostbrew/bpf/abi.h"
#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/unique_fd.hpp"

namespace ghostbrew::sched {

/// CLOCK_MONOTONIC in ns: bpf_ktime_get_ns()'s clock (the heartbeat, frame starts).
[[nodiscard]] inline std::uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

/// Whether entry `f` still describes a running game at `now_ns`: its last frame began within 4
/// periods and a second (an exited or stalled game's entry can outlive it in the LRU map).
[[nodiscard]] inline bool frame_is_current(const gb_frame_pace& f, std::uint64_t now_ns) {
  if (f.period_ns == 0 || f.frames < GB_FRAME_MIN_FRAMES) return false;
  return now_ns < f.frame_start_ns || now_ns - f.frame_start_ns <= 4 * f.period_ns + 1'000'000'000ULL;
}

/// What format_frames() says when no game is paced.
inline constexpr std::string_view kNoPacedGame = "frames: no paced game";

/// "frames: game.exe[412] 120.0 fps (period 8.333 ms, jitter 0.051 ms, 1234 frames)" per current
/// entry, by pid; "frames: no paced game" when none is current.
[[nodiscard]] inline std::string format_frames(std::vector<gb_frame_pace> frames, std::uint64_t now_ns) {
  std::erase_if(frames, [&](const gb_frame_pace& f) { return !frame_is_current(f, now_ns); });
  if (frames.empty()) return std::string(kNoPacedGame);
  std::ranges::sort(frames, {}, &gb_frame_pace::pid);
  std::string out;
  for (const auto& f : frames) {
    if (!out.empty()) out += '\n';
    const std::string_view comm(f.comm, strnlen(f.comm, sizeof f.comm));
    out += fmt::format("frames: {}[{}] {:.1f} fps (period {:.3f} ms, jitter {:.3f} ms, {} frames)", comm,
                       f.pid, 1e9 / static_cast<double>(f.period_ns), static_cast<double>(f.period_ns) / 1e6,
                       static_cast<double>(f.jitter_ns) / 1e6, f.frames);
  }
  return out;
}

/// Every entry of the frames map `fd` (a BPF LRU hash of u32 tgid -> gb_frame_pace).
[[nodiscard]] inline Result<std::vector<gb_frame_pace>> read_frames(int fd) {
  std::vector<gb_frame_pace> out;
  std::uint32_t key = 0;
  std::uint32_t next = 0;
  const std::uint32_t* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    gb_frame_pace v{};
    if (bpf_map_lookup_elem(fd, &next, &v) == 0) out.push_back(v);  // else deleted meanwhile
    key = next;
    prev = &key;
  }
  if (errno != ENOENT) return fail(GB_MAP_FRAMES, "reading the map: {}", std::strerror(errno));
  return out;
}

/// The frames map of the ghostbrew scheduler loaded in the kernel (found among every BPF map by its
/// name and sizes): needs CAP_SYS_ADMIN. An error says why none was found.
[[nodiscard]] inline Result<UniqueFd> find_loaded_frames_map() {
  std::uint32_t id = 0;
  int last_errno = ENOENT;
  while (bpf_map_get_next_id(id, &id) == 0) {
    UniqueFd fd(bpf_map_get_fd_by_id(id));
    if (!fd) {
      last_errno = errno;
      continue;
    }
    bpf_map_info info{};
    std::uint32_t len = sizeof info;
    if (bpf_map_get_info_by_fd(fd.get(), &info, &len) != 0) continue;
    if (std::string_view(info.name) == GB_MAP_FRAMES && info.key_size == sizeof(std::uint32_t) &&
        info.value_size == sizeof(gb_frame_pace))
      return fd;
  }
  if (errno == EPERM || last_errno == EPERM)
    return fail("bpf", "listing BPF maps needs root (CAP_SYS_ADMIN): {}", std::strerror(EPERM));
  return fail("bpf", "no '{}' map loaded: is ghost-sched running?", GB_MAP_FRAMES);
}

}  // namespace ghostbrew::sched
