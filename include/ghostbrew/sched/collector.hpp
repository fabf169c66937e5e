// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The daemon's side of tuning: while a game runs, sample the configuration in force and the metrics
// it produced (latency histograms, counters, CPU utilisation) every collect_secs into the state
// directory (one file per game per CPU model, tuning/sample_store.hpp); apply the game's saved
// profile when it is detected (a hand-written profile's mode is switched to live and the previous
// mode restored when the game ends); and, with online tuning, let tuning::OnlineTuner pick the next
// settings after each sample and save the best as the game's profile once it settles.
// Without a game there is no timer: the daemon stays idle.
#pragma once

#include <ctime>
#include <filesystem>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "ghostbrew/config/game_profile.hpp"
#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/event_loop.hpp"
#include "ghostbrew/core/fs.hpp"
#include "ghostbrew/sched/class_feeder.hpp"
#include "ghostbrew/sched/options.hpp"
#include "ghostbrew/sched/ports.hpp"
#include "ghostbrew/sched/stats.hpp"
#include "ghostbrew/tuning/config.hpp"
#include "ghostbrew/tuning/histogram.hpp"
#include "ghostbrew/tuning/metrics.hpp"
#include "ghostbrew/tuning/online.hpp"
#include "ghostbrew/tuning/profile.hpp"
#include "ghostbrew/tuning/sample_store.hpp"
#include "ghostbrew/tuning/score.hpp"

namespace ghostbrew::sched {

/// Busy and total jiffies of all CPUs from `root`/proc/stat's first line.
struct CpuTimes {
  std::uint64_t busy = 0;
  std::uint64_t total = 0;
};

inline Result<CpuTimes> read_cpu_times(const std::filesystem::path& root) {
  const auto path = root / "proc/stat";
  auto text = fs::read_text(path);
  if (!text) return tl::unexpected(text.error());
  std::istringstream in(*text);
  std::string cpu;
  in >> cpu;
  if (cpu != "cpu") return fail(path.string(), "first line does not start with 'cpu'");
  CpuTimes t;
  std::uint64_t v = 0;
  for (int i = 0; i < 8 && in >> v; ++i) {  // user nice system idle iowait irq softirq steal
    t.total += v;
    if (i != 3 && i != 4) t.busy += v;
  }
  if (t.total == 0) return fail(path.string(), "no CPU time on the 'cpu' line");
  return t;
}

/// The game the feeder has classified, if any: a *.exe program first (the game itself rather than
/// its wine/proton helpers), else the GAMING process with the lowest pid. Programs go by their full
/// name (detect::program_name()): the kernel cuts comms to 15 bytes, "Cyberpunk2077.exe" to
/// "Cyberpunk2077.e".
inline std::optional<detect::Program> current_program(const ClassFeeder& feeder) {
  std::optional<detect::Program> any;
  for (const auto& [pid, e] : feeder.entries()) {
    if (e.cls.cls != detect::WorkloadClass::Gaming) continue;
    const auto& name = e.program.name;
    if (name.size() > 4 && name.ends_with(".exe")) return e.program;
    if (!any) any = e.program;
  }
  return any;
}

/// The name of current_program(), if any.
inline std::optional<std::string> current_game(const ClassFeeder& feeder) {
  auto p = current_program(feeder);
  if (!p) return std::nullopt;
  return std::move(p->name);
}

class Collector {
 public:
  using Log = std::function<void(const std::string&)>;

  static Result<Collector> create(const Options& opts, std::filesystem::path state_dir, std::string cpu_model,
                                  Log info, Log err) {
    auto timer = make_oneshot_timerfd();
    if (!timer) return tl::unexpected(timer.error());
    return Collector(opts, std::move(state_dir), std::move(cpu_model), std::move(*timer), std::move(info),
                     std::move(err));
  }

  /// The configuration the options put in force (before any profile or tuner).
  static tuning::TuningConfig configured(const Options& o) {
    return {static_cast<gb_mode>(o.mode), o.slice_us, o.burst_threshold_us, o.interactive_burst_us,
            o.game_window_us};
  }

  /// The sampling timer (register it with the event loop; call tick() when readable).
  [[nodiscard]] int timer_fd() const { return timer_.get(); }

  /// The classified processes changed (scan, exec, exit): start or stop following a game. `modes`
  /// switches BPF's mode for a profile that sets one (and back when the game ends).
  void on_classes_changed(Knobs& knobs, ModeSwitch& modes, const Counters& counters,
                          const ClassFeeder& feeder) {
    auto program = current_program(feeder);
    auto game = program ? std::optional<std::string>(program->name) : std::nullopt;
    if (game == game_) return;
    if (game_) finish_game(knobs, modes);
    game_ = std::move(game);
    program_ = std::move(program);
    if (!game_) return;
    info_(fmt::format(
        "game detected: {}{}", *game_,
        program_->steam_app_id.empty() ? "" : fmt::format(" (steam app id {})", program_->steam_app_id)));
    in_force_ = configured(opts_);
    in_force_.mode = mode_;
    if (opts_.profiles && !opts_.tune) apply_profile(knobs, modes);
    if (opts_.tune) {
      auto t = tuning::OnlineTuner::create(in_force_);
      if (t) {
        tuner_.emplace(std::move(*t));
      } else {
        err_("online tuning off: the starting settings are outside its bounds: " + t.error().message());
      }
    }
    if (opts_.collect || tuner_) start_period(counters);
  }

  /// One sampling period ended: record it, let the tuner choose, start the next.
  void tick(Knobs& knobs, const Counters& counters) {
    (void)read_timer(timer_.get());
    if (!game_) return;
    auto m = measure(counters);
    if (!m) {
      err_("collect: " + m.error().message());
    } else if (m->gaming_wakeups > 0) {
      tuning::Sample sample{static_cast<std::int64_t>(std::time(nullptr)), *game_, cpu_model_, in_force_, *m};
      if (auto r = tuning::append(state_dir_, sample); !r) err_("collect: " + r.error().message());
      ++samples_;
      if (tuner_ && !tuner_->settled()) {
        const auto& next = tuner_->report(tuning::score(*m));
        if (tuner_->settled()) save_best();
        apply(knobs, next);
      }
    }
    start_period(counters);
  }

  /// The daemon stops: close the game being followed (the tuner's best is saved as its profile, a
  /// mode its profile switched to is switched back).
  void stop(Knobs& knobs, ModeSwitch& modes) {
    if (game_) finish_game(knobs, modes);
    game_.reset();
    program_.reset();
  }

  /// Someone else switched BPF's mode to `m` (`ghost-sched ctl mode`, a configuration reload): it is
  /// the one in force, and the end of the game leaves it (a profile's mode is no longer to undo).
  void mode_switched(gb_mode m) {
    mode_ = m;
    in_force_.mode = m;
    restore_mode_.reset();
  }

 private:
  Collector(const Options& opts, std::filesystem::path state_dir, std::string cpu_model, UniqueFd timer,
            Log info, Log err)
      : opts_(opts),
        mode_(opts.mode),
        state_dir_(std::move(state_dir)),
        cpu_model_(std::move(cpu_model)),
        timer_(std::move(timer)),
        info_(std::move(info)),
        err_(std::move(err)) {}

  /// Applies the game's profile: a hand-written one (config/game_profile.hpp) that matches it, else
  /// the learned one of the state directory (tuning/profile.hpp), else none. Only a hand-written one
  /// chooses a mode: a learned one carries the mode it was learned in (the tuner never changes it).
  void apply_profile(Knobs& knobs, ModeSwitch& modes) {
    if (!opts_.profiles_dir.empty()) {
      auto set = config::load_game_profiles(opts_.profiles_dir);
      for (const auto& e : set.errors) err_("profile skipped: " + e.message());
      if (auto m = config::match_game_profile(set.profiles, *program_)) {
        auto cfg = m->profile->applied_to(in_force_);
        if (!cfg) return err_("profile not applied: " + cfg.error().message());
        return use_profile(knobs, modes, *cfg, m->profile->mode,
                           fmt::format("{} ({})", m->profile->file, m->why));
      }
    }
    auto p = tuning::find_profile(state_dir_, *game_);
    if (!p) return err_("profile not applied: " + p.error().message());
    if (!*p) return;
    use_profile(knobs, modes, **p, std::nullopt,
                fmt::format("{} (learned)", tuning::profile_path(state_dir_, *game_).string()));
  }

  /// Puts `cfg`'s settings in force, and `mode` (live, until the game ends) when it is not already.
  void use_profile(Knobs& knobs, ModeSwitch& modes, tuning::TuningConfig cfg, std::optional<gb_mode> mode,
                   const std::string& which) {
    if (mode && *mode != mode_) {
      if (auto r = modes.set_mode(*mode); !r) {
        err_(fmt::format("profile {} wants mode {}, not switched (mode {} stays): {}", which,
                         tuning::mode_name(*mode), tuning::mode_name(mode_), r.error().message()));
      } else {
        info_(fmt::format("profile {} switches the mode {} -> {} while {} runs", which,
                          tuning::mode_name(mode_), tuning::mode_name(*mode), *game_));
        restore_mode_ = mode_;
        mode_ = *mode;
      }
    }
    apply(knobs, cfg);
    info_(fmt::format("applied the profile of {} from {}: {}", *game_, which,
                      tuning::to_command_line(in_force_)));
  }

  /// Puts `cfg`'s tunables in force (the mode is mode_, switched only by use_profile()).
  void apply(Knobs& knobs, tuning::TuningConfig cfg) {
    cfg.mode = mode_;
    if (auto r = knobs.set_tunables(tuning::to_tunables(cfg)); !r)
      return err_("tunables: " + r.error().message());
    in_force_ = cfg;
  }

  void finish_game(Knobs& knobs, ModeSwitch& modes) {
    if (tuner_) save_best();
    tuner_.reset();
    disarm_timer(timer_.get());
    if (auto r = knobs.set_tunables(gb_tunables{}); !r) err_("tunables: " + r.error().message());
    info_(fmt::format("{} ended: {} samples", *game_, samples_));
    if (auto back = std::exchange(restore_mode_, std::nullopt)) {
      if (auto r = modes.set_mode(*back); !r) {
        err_(fmt::format("mode {} not restored after {} (mode {} stays): {}", tuning::mode_name(*back),
                         *game_, tuning::mode_name(mode_), r.error().message()));
      } else {
        info_(fmt::format("{} ended: its profile's mode {} -> {} again", *game_, tuning::mode_name(mode_),
                          tuning::mode_name(*back)));
        mode_ = *back;
      }
    }
    samples_ = 0;
  }

  void save_best() {
    if (!tuner_ || tuner_->trials() == 0) return;
    tuning::Profile p{*game_, tuner_->best()};
    if (auto r = tuning::save_profile(state_dir_, p); !r)
      return err_("profile not saved: " + r.error().message());
    info_(fmt::format("saved the profile of {} ({} trials, best score {:.2f}): {}", *game_, tuner_->trials(),
                      tuner_->best_score(), tuning::to_command_line(p.config)));
  }

  void start_period(const Counters& counters) {
    if (auto st = counters.stats()) stats0_ = *st;
    if (auto h = counters.hist()) hist0_ = *h;
    if (auto t = read_cpu_times(opts_.root)) cpu0_ = *t;
    t0_ = std::chrono::steady_clock::now();
    if (auto r = arm_timer(timer_.get(), std::chrono::milliseconds(opts_.collect_secs * 1000U)); !r)
      err_(r.error().message());
  }

  Result<tuning::Metrics> measure(const Counters& counters) {
    auto st = counters.stats();
    if (!st) return tl::unexpected(st.error());
    auto h = counters.hist();
    if (!h) return tl::unexpected(h.error());
    auto cpu = read_cpu_times(opts_.root);
    if (!cpu) return tl::unexpected(cpu.error());
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    const auto total = cpu->total - cpu0_.total;
    const double util =
        total ? static_cast<double>(cpu->busy - cpu0_.busy) / static_cast<double>(total) : 0.0;
    // Thread counts per class: the tasks that started in each class during the period (BPF's started[]).
    tuning::ClassCounts classes{};
    for (int c = 0; c < GB_NR_CLASSES; ++c)
      classes[static_cast<std::size_t>(c)] = static_cast<std::uint32_t>(st->started[c] - stats0_.started[c]);
    return tuning::compute(delta(*st, stats0_), tuning::delta(*h, hist0_), secs,
                           std::min(std::max(util, 0.0), 1.0), classes);
  }

  Options opts_;
  gb_mode mode_;                         ///< BPF's: the options', a switch's, or the game profile's
  std::optional<gb_mode> restore_mode_;  ///< the mode before the game's profile switched it
  std::filesystem::path state_dir_;
  std::string cpu_model_;
  UniqueFd timer_;
  Log info_, err_;
  std::optional<std::string> game_;
  std::optional<detect::Program> program_;  ///< the game's program (what hand-written profiles match)
  tuning::TuningConfig in_force_;
  std::optional<tuning::OnlineTuner> tuner_;
  std::size_t samples_ = 0;
  gb_stats stats0_{};
  gb_hist hist0_{};
  CpuTimes cpu0_{};
  std::chrono::steady_clock::time_point t0_{};
};

}  // namespace ghostbrew::sched
