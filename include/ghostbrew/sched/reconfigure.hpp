// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Where the daemon's options come from (the command line and the configuration file, flags winning)
// and what re-reading the file on SIGHUP does: a bad file keeps the last good options and says why;
// a good one replaces them, and the daemon restarts its scheduler when a setting BPF takes at load
// time changed (the mode, the tunables' load-time values, the heartbeat), else it only re-reads the
// detection rules and puts the file's mode in force live (reload_action()).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ghostbrew/config/config.hpp"
#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/fs.hpp"
#include "ghostbrew/sched/options.hpp"

namespace ghostbrew::sched {

/// The daemon's command line: the options as parsed (defaults where no flag was given), the flags
/// that were given (they win over the file), and the configuration file, if any.
struct ConfigSource {
  Options cli;
  config::Config flags;
  std::string file;  ///< empty: no configuration file
};

/// The configuration file ghost-sched reads: `--config FILE` when given (it must exist), else
/// config::kDefaultPath under `root` when it exists, else none (empty).
[[nodiscard]] inline std::string config_file_to_read(const std::string& given,
                                                     const std::filesystem::path& root = "/") {
  if (!given.empty()) return given;
  const auto file = root / std::filesystem::path(config::kDefaultPath).relative_path();
  return fs::exists(file) ? file.string() : std::string();
}

/// The options `src` gives: the file read and resolved under the flags, then validate()d. Errors name
/// the file and line (a bad file) or the setting (a combination of flags and file out of bounds).
[[nodiscard]] inline Result<Options> load_options(const ConfigSource& src) {
  config::Config file;
  if (!src.file.empty()) {
    auto c = config::load_config(src.file);
    if (!c) return tl::unexpected(c.error());
    file = std::move(*c);
  }
  auto o = config::resolve(src.cli, file, src.flags);
  o.config_file = src.file;
  if (auto v = validate(o); !v) {
    if (src.file.empty()) return tl::unexpected(v.error());
    return fail(fmt::format("{} with the flags", src.file), "{}", v.error().message());
  }
  return o;
}

/// What a re-read of the configuration decided.
struct Reload {
  enum class Kind {
    kept,     ///< the file is bad (or gone): the last good options stay in force
    rules,    ///< applied; only detection changed (names, cgroup rules): re-read the rules, rescan
    restart,  ///< applied; a load-time setting changed: load the scheduler again with the new options
  };
  Kind kind = Kind::kept;
  Options opts;      ///< the options in force now
  std::string line;  ///< what to log (an error for kept)
};

/// True when `a` and `b` differ in what the scheduler takes at load time or its loop is built with:
/// the mode, a numeric setting, the profiles directory.
[[nodiscard]] inline bool needs_restart(const Options& a, const Options& b) {
  const auto values = [](const Options& o) {
    std::vector<std::uint64_t> v;
    for_each_setting(o, [&](const tuning::SettingInfo&, const auto& x) { v.push_back(x); });
    return v;
  };
  return a.mode != b.mode || a.profiles_dir != b.profiles_dir || values(a) != values(b);
}

/// Re-reads the configuration of `src` with `current` in force. The state directory is opened once
/// per start: a change to it is reported and waits for the next start.
[[nodiscard]] inline Reload reload(const Options& current, const ConfigSource& src) {
  auto next = load_options(src);
  if (!next)
    return {Reload::Kind::kept, current,
            fmt::format("configuration not reloaded, keeping the last good one: {}", next.error().message())};
  std::string note;
  if (next->state_dir != current.state_dir) {
    note = fmt::format(" (state_dir {} takes effect at the next start)", next->state_dir);
    next->state_dir = current.state_dir;
  }
  const bool restart = needs_restart(current, *next);
  const std::string what = src.file.empty() ? std::string("the command line") : src.file;
  if (restart) {
    const auto mode = next->mode == current.mode
                          ? fmt::format("mode {}", to_string(next->mode))
                          : fmt::format("mode {} -> {}", to_string(current.mode), to_string(next->mode));
    return {
        Reload::Kind::restart, std::move(*next),
        fmt::format("configuration reloaded from {}: {}, restarting the scheduler with the new settings{}",
                    what, mode, note)};
  }
  return {Reload::Kind::rules, std::move(*next), fmt::format("configuration reloaded from {}{}", what, note)};
}

/// What the daemon does to its running scheduler after a re-read of the configuration.
enum class ReloadAction {
  nothing,   ///< the mode in force stays (a bad file, or a good one whose mode is in force already)
  set_mode,  ///< switch BPF to the file's mode live (a mode switched since, by `ctl mode` or a profile)
  restart,   ///< load the scheduler again with the new options (it starts in their mode)
};

/// What `r` asks of a scheduler running in mode `in_force`. A good file's mode applies on every
/// reload, replacing one switched since by `ctl mode` or a game's profile, so that the mode the daemon
/// reports (STATUS=, `ctl status`) is the one BPF has: a reload that changes only names or rules still
/// switches BPF back to the file's mode. A bad file changes nothing.
[[nodiscard]] inline ReloadAction reload_action(const Reload& r, gb_mode in_force) {
  switch (r.kind) {
    case Reload::Kind::kept:
      return ReloadAction::nothing;
    case Reload::Kind::restart:
      return ReloadAction::restart;
    case Reload::Kind::rules:
      break;
  }
  return r.opts.mode == in_force ? ReloadAction::nothing : ReloadAction::set_mode;
}

}  // namespace ghostbrew::sched
