// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The tuning pipeline's offline commands (ghost-sched export-csv, ghost-sched best): read every
// sample in the state directory and print or save what they say. Errors are one line each.
#pragma once

#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "ghostbrew/tuning/csv.hpp"
#include "ghostbrew/tuning/profile.hpp"
#include "ghostbrew/tuning/sample_store.hpp"
#include "ghostbrew/tuning/score.hpp"

namespace ghostbrew::tuning {

using Print = std::function<void(const std::string&)>;

/// Writes every sample under `state_dir` to `file` ("-": `out`) as CSV with a header row. A corrupt
/// sample file is reported on `err` and skipped. Returns the exit status: 0, or 1 when nothing could
/// be written (no samples at all, or the output cannot be written).
inline int export_csv(const std::filesystem::path& state_dir, const std::string& file, std::ostream& out,
                      const Print& err) {
  auto loaded = load_all(state_dir);
  for (const auto& e : loaded.errors) err("skipped: " + e.message());
  if (loaded.samples.empty()) {
    err(fmt::format("no samples under {} (run ghost-sched --collect while a game runs)", state_dir.string()));
    return 1;
  }
  if (file == "-") {
    write_csv(loaded.samples, out);
    return out ? 0 : 1;
  }
  std::ofstream f(file);
  if (f) write_csv(loaded.samples, f);
  f.close();
  if (!f) {
    err(fmt::format("{}: cannot write", file));
    return 1;
  }
  err(fmt::format("wrote {} samples to {}", loaded.samples.size(), file));
  return 0;
}

/// Prints the best configuration seen for `game` (see best()) as a ghost-sched command line; with
/// `save`, also makes it the game's profile, applied when the daemon detects the game.
inline int print_best(const std::filesystem::path& state_dir, std::string_view game, bool save,
                      const Print& out, const Print& err) {
  auto loaded = load_all(state_dir);
  for (const auto& e : loaded.errors) err("skipped: " + e.message());
  auto b = best(loaded.samples, game);
  if (!b) {
    err(fmt::format("no samples of {} with game wake-ups under {}", game, state_dir.string()));
    return 1;
  }
  out(to_command_line(b->config));
  err(fmt::format("score {:.2f}, game wake-up p99 {:.0f} us ({} on {})", score(b->metrics),
                  b->metrics.gaming_wake_p99_ns / 1000.0, b->game, b->cpu_model));
  if (save) {
    if (auto r = save_profile(state_dir, Profile{std::string(game), b->config}); !r) {
      err(r.error().message());
      return 1;
    }
    err(fmt::format("saved as the profile of {}: {}", game, profile_path(state_dir, game).string()));
  }
  return 0;
}

}  // namespace ghostbrew::tuning
