// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// How good one measurement period was (one number, higher is better), and the best configuration a
// game's samples show.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "ghostbrew/tuning/metrics.hpp"
#include "ghostbrew/tuning/sample.hpp"

namespace ghostbrew::tuning {

namespace detail {
/// A latency on a log scale: log2(1 + us). Halving a latency gains about one point wherever it lies,
/// so a 40 -> 20 ms gain weighs like 4 -> 2 ms, and the +1 keeps sub-microsecond values near 0.
inline double log_us(double ns) { return std::log2(1.0 + std::max(ns, 0.0) / 1000.0); }
}  // namespace detail

/// The score of one period (<= 0, higher is better):
///
///   - 4 * L(gaming wake p99)      a late game thread is a late frame: the p99 is the stutter players
///                                 see, so it dominates
///   - 2 * L(gaming wake p99.9)    the rare long hitch; half weight because a period holds few such
///                                 wake-ups, so it is the noisier estimate
///   - 1 * L(interactive wake p99) input, audio and the compositor feed the game's frames too
///   - 1 * L(max callback p99)     scheduler overhead delays every decision on its CPU, but it is
///                                 microseconds against the milliseconds above
///   - 2 * (1 - ccd locality)      a run on another CCD starts with a cold L3 (and leaves the V-Cache):
///                                 all runs remote costs as much as doubling the p99.9
///   - 1 * log2(1 + xccd migrations/s / 1000)  the same cost counted by rate, so a busy period with the
///                                 same share pays more
///
/// where L(ns) = log2(1 + ns / 1000) (detail::log_us). Weights are relative; the log scale makes a
/// relative improvement count the same at any latency. A period without gaming wake-ups
/// (gaming_wakeups == 0) scores its gaming terms as 0 latency: do not record such periods as game
/// samples (best() ignores them).
[[nodiscard]] inline double score(const Metrics& m) {
  const double op_p99 = *std::max_element(m.op_p99_ns.begin(), m.op_p99_ns.end());
  const double locality = std::clamp(m.ccd_locality, 0.0, 1.0);
  return -(4.0 * detail::log_us(m.gaming_wake_p99_ns) + 2.0 * detail::log_us(m.gaming_wake_p999_ns) +
           1.0 * detail::log_us(m.interactive_wake_p99_ns) + 1.0 * detail::log_us(op_p99) +
           2.0 * (1.0 - locality) + 1.0 * std::log2(1.0 + std::max(m.xccd_migrations_per_s, 0.0) / 1000.0));
}

/// The best sample of `game` (compared by exact name; and of `cpu_model` unless it is empty): the
/// samples are grouped by configuration, and the configuration with the highest mean score() wins.
/// When any configuration has 2 or more samples, only those compete (one lucky period does not beat a
/// repeated measurement). Ties go to the configuration with more samples, then to the first seen.
/// Returns the newest sample of the winner (its config is the point), or nullopt when the game has
/// no sample with gaming wake-ups.
[[nodiscard]] inline std::optional<Sample> best(std::span<const Sample> samples, std::string_view game,
                                                std::string_view cpu_model = {}) {
  struct Group {
    const Sample* newest;
    double sum;
    std::size_t n;
  };
  std::vector<Group> groups;
  for (const Sample& s : samples) {
    if (s.game != game || (!cpu_model.empty() && s.cpu_model != cpu_model) || s.metrics.gaming_wakeups == 0)
      continue;
    auto g = std::find_if(groups.begin(), groups.end(),
                          [&](const Group& x) { return x.newest->config == s.config; });
    if (g == groups.end()) {
      groups.push_back({&s, score(s.metrics), 1});
      continue;
    }
    g->sum += score(s.metrics);
    ++g->n;
    if (s.unix_time >= g->newest->unix_time) g->newest = &s;
  }
  const bool repeated = std::any_of(groups.begin(), groups.end(), [](const Group& g) { return g.n >= 2; });
  const Group* winner = nullptr;
  for (const Group& g : groups) {
    if (repeated && g.n < 2) continue;
    const double mean = g.sum / static_cast<double>(g.n);
    if (!winner) {
      winner = &g;
      continue;
    }
    const double best_mean = winner->sum / static_cast<double>(winner->n);
    if (mean > best_mean || (mean == best_mean && g.n > winner->n)) winner = &g;
  }
  if (!winner) return std::nullopt;
  return *winner->newest;
}

}  // namespace ghostbrew::tuning
