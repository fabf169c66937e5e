// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// x3d_cache_while_gaming: the AMD X3D driver's mode (topology/x3d_mode.hpp) put to "cache" while a
// GAMING process runs, and back to what it was when the last one has gone.
//
// - The first GAMING process (none before): the mode in force is read and, when it is "frequency",
//   recorded in the state file `x3d-mode` of the state directory (atomically, core/state_file.hpp)
//   before "cache" is written. A mode that is "cache" already is left alone and nothing is recorded:
//   there is then nothing to restore.
// - The last GAMING process gone: the recorded mode is written back and the state file removed.
// - Start: a state file left by a run that did not stop (a crash, SIGKILL) names the mode to write
//   back; it is written and the file removed. Stop (SIGINT, SIGTERM, a fatal error): as when the
//   last game has gone.
// - The setting off: no instance exists (follow_setting()), so neither file is read or written.
// - No driver: one info line at start, nothing else. A read or write that fails (EACCES, the
//   driver's EINVAL) is one warning naming the file and the daemon goes on; "cache" is never written
//   unless the mode to restore is recorded first. A corrupt state file is one warning, renamed to
//   `x3d-mode.bad` and nothing is written from it; a restore that fails keeps the state file, so the
//   next stop or start tries again.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/fs.hpp"
#include "ghostbrew/core/state_file.hpp"
#include "ghostbrew/sched/class_feeder.hpp"
#include "ghostbrew/sched/collector.hpp"
#include "ghostbrew/sched/options.hpp"
#include "ghostbrew/topology/model.hpp"
#include "ghostbrew/topology/x3d_mode.hpp"

namespace ghostbrew::sched {

class X3dCacheWhileGaming {
 public:
  using Log = std::function<void(const std::string&)>;
  using X3dMode = topology::X3dMode;

  /// The state file's name in the state directory, its magic and version (payload: one u32, the
  /// mode to restore: 0 frequency, 1 cache).
  static constexpr std::string_view kStateFile = "x3d-mode";
  static constexpr std::string_view kMagic = "GBX3DMOD";
  static constexpr std::uint32_t kVersion = 1;

  /// `root`: the filesystem root the driver's file is found below; `state_dir`: where the state
  /// file goes. Nothing is read until start().
  X3dCacheWhileGaming(std::filesystem::path root, const std::filesystem::path& state_dir, Log info, Log warn)
      : root_(std::move(root)),
        state_file_(state_dir / kStateFile),
        info_(std::move(info)),
        warn_(std::move(warn)) {}

  /// Finds the driver's file (none: one info line, and nothing more is ever done) and writes back
  /// the mode a state file left by an earlier run names.
  void start() {
    file_ = topology::x3d_mode_file(root_);
    if (!file_) {
      info_(fmt::format(
          "x3d_cache_while_gaming: no amd_x3d_vcache driver (no AMDI0101:*/amd_x3d_mode below {}): "
          "nothing to switch{}",
          (root_ / "sys/bus/platform").string(),
          fs::exists(state_file_) ? fmt::format("; {} is kept", state_file_.string()) : ""));
      return;
    }
    if (!fs::exists(state_file_)) return;
    auto recorded = read_state();
    if (!recorded) {
      const auto aside = state_file_.string() + ".bad";
      std::error_code ec;
      std::filesystem::rename(state_file_, aside, ec);
      warn_(fmt::format("x3d mode not restored: {} (the file is kept as {})", recorded.error().message(),
                        ec ? "(rename failed: " + ec.message() + ")" : aside));
      return;
    }
    recorded_ = *recorded;
    restore("left by a run that did not stop cleanly");
  }

  /// The game running now (the GAMING process it goes by, collector.hpp's current_game()), or none.
  /// Acts only when GAMING processes appear (none before) or the last one goes.
  void on_game(const std::optional<std::string>& game) {
    if (!file_ || game.has_value() == gaming_) return;
    gaming_ = game.has_value();
    if (gaming_)
      switch_to_cache(*game);
    else
      restore("");
  }

  /// on_game() with the game of `feeder`'s GAMING processes: what the daemon calls whenever the
  /// classified processes change.
  void follow(const ClassFeeder& feeder) { on_game(current_game(feeder)); }

  /// The daemon stops: writes back the recorded mode (if any).
  void stop() {
    gaming_ = false;
    restore("");
  }

  /// The mode to write back when the game ends; empty when there is none (no switch made).
  [[nodiscard]] const std::optional<X3dMode>& recorded() const { return recorded_; }
  [[nodiscard]] const std::filesystem::path& state_file() const { return state_file_; }

 private:
  void switch_to_cache(const std::string& game) {
    if (!recorded_) {  // else a restore failed: what it is to restore stays recorded
      auto now = topology::read_x3d_mode_file(*file_);
      if (!now) return warn_("x3d mode not switched to cache: " + now.error().message());
      if (*now == X3dMode::cache) return info_(fmt::format("x3d mode is cache already while {} runs", game));
      const auto value = static_cast<std::uint32_t>(*now == X3dMode::cache ? 1 : 0);
      if (auto w = write_state_file(state_file_, kMagic, kVersion, 1, std::as_bytes(std::span(&value, 1)));
          !w)
        return warn_(
            fmt::format("x3d mode not switched to cache: the mode to restore could not be recorded: {}",
                        w.error().message()));
      recorded_ = *now;
    }
    if (auto w = topology::write_x3d_mode(*file_, X3dMode::cache); !w) {
      warn_("x3d mode not switched to cache: " + w.error().message());
      forget();
      return;
    }
    info_(fmt::format("x3d mode {} -> cache while {} runs", topology::to_string(*recorded_), game));
  }

  /// Writes back the recorded mode; the state file goes once it is written.
  void restore(std::string_view why) {
    if (!file_ || !recorded_) return;
    if (auto w = topology::write_x3d_mode(*file_, *recorded_); !w)
      return warn_(fmt::format("x3d mode not restored to {}: {} ({} is kept for the next try)",
                               topology::to_string(*recorded_), w.error().message(), state_file_.string()));
    info_(fmt::format("x3d mode restored to {}{}", topology::to_string(*recorded_),
                      why.empty() ? std::string() : fmt::format(" ({}: {})", why, state_file_.string())));
    forget();
  }

  /// Nothing to restore any more: the state file goes.
  void forget() {
    recorded_.reset();
    std::error_code ec;
    if (!std::filesystem::remove(state_file_, ec) && ec)
      warn_(fmt::format("{}: cannot remove: {}", state_file_.string(), ec.message()));
  }

  [[nodiscard]] Result<X3dMode> read_state() const {
    auto blob = read_state_file(state_file_, kMagic, sizeof(std::uint32_t));
    if (!blob) return tl::unexpected(blob.error());
    if (blob->version != kVersion) return fail(state_file_.string(), "unknown version {}", blob->version);
    if (blob->count != 1 || blob->payload.size() != sizeof(std::uint32_t))
      return fail(state_file_.string(), "{} records of {} bytes, expected one u32", blob->count,
                  blob->payload.size());
    std::uint32_t v = 0;
    std::memcpy(&v, blob->payload.data(), sizeof v);
    if (v > 1) return fail(state_file_.string(), "mode {} is neither 0 (frequency) nor 1 (cache)", v);
    return v == 1 ? X3dMode::cache : X3dMode::frequency;
  }

  std::filesystem::path root_;
  std::filesystem::path state_file_;
  Log info_, warn_;
  std::optional<std::filesystem::path> file_;  ///< the driver's amd_x3d_mode; empty: no driver
  std::optional<X3dMode> recorded_;            ///< what to write back; empty: nothing switched
  bool gaming_ = false;                        ///< GAMING processes were running at the last call
};

/// Makes `x3d` what the options ask for: created and started when x3d_cache_while_gaming is on (and
/// it was not), stopped and dropped when it is off (and it was on). Called at each scheduler start,
/// so a reload that turns the setting on or off takes effect.
inline void follow_setting(std::optional<X3dCacheWhileGaming>& x3d, const Options& o,
                           const std::filesystem::path& state_dir, X3dCacheWhileGaming::Log info,
                           X3dCacheWhileGaming::Log warn) {
  if (o.x3d_cache_while_gaming == 0) {
    if (x3d) x3d->stop();
    x3d.reset();
    return;
  }
  if (x3d) return;
  if (state_dir.empty())
    return warn(
        "x3d_cache_while_gaming stays off until ghost-sched restarts: it has no state directory to "
        "record the mode in (opened at start only)");
  x3d.emplace(o.root, state_dir, std::move(info), std::move(warn));
  x3d->start();
}

}  // namespace ghostbrew::sched
