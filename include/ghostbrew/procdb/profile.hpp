// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// What ghostbrew has learned about one command name (comm): the decayed averages of its tasks'
// behaviour folded in from the BPF observations, how confident that knowledge is, and the prediction
// (class to start in, runtime per burst) BPF may act on for the next task with that comm.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include "ghostbrew/bpf/abi.h"

namespace ghostbrew::procdb {

/// Unix time in seconds (what profiles record as first and last seen).
using UnixSeconds = std::int64_t;

/// How observations are learned, and when a profile is trusted enough to predict.
struct LearnParams {
  /// Weight an old profile keeps per task of a new observation: an observation of n tasks moves every
  /// average by alpha = 1 - decay^n toward the observation's own. 0.8 lets the last ~5 tasks dominate,
  /// so a comm whose behaviour changed is re-learned after a few runs. Taken as clamped to [0, 1].
  double decay = 0.8;
  /// Tasks a profile must have seen before it may predict; confidence also grows with tasks up to
  /// this many (maturity = min(1, tasks / min_tasks)).
  std::uint64_t min_tasks = 3;
  /// Confidence (0..1) at or above which a profile predicts.
  double threshold = 0.6;
};

/// Bound of every average a Profile holds (ns, 1/s): above anything u64 observation sums can give
/// (at most 1.8e28 wake-ups/s), and low enough that squares stay finite. load() refuses larger values.
inline constexpr double max_average = 1e30;

/// The learned behaviour of one comm. Averages are exponentially decayed (see merge()); they are
/// finite, in [0, max_average], and the votes in [0, 1].
struct Profile {
  std::string comm;                           ///< task comm, 1..15 printable ASCII characters
  double runtime_ns = 0;                      ///< CPU time per burst (run until sleep), ns
  double deviation_ns = 0;                    ///< standard deviation of the CPU time per burst, ns
  double wakeups_per_s = 0;                   ///< wake-ups per second of task lifetime
  double switches_per_s = 0;                  ///< context switches in per second of task lifetime
  std::array<double, GB_NR_CLASSES> votes{};  ///< decayed share of tasks per enum gb_class (sums to 1)
  std::uint64_t tasks = 0;                    ///< tasks folded in, ever
  UnixSeconds first_seen = 0;                 ///< when the first observation was merged
  UnixSeconds last_seen = 0;                  ///< when the last observation was merged
};

namespace detail {

/// The averages one observation stands for on its own; nullopt for an empty observation.
struct ObservedAverages {
  double runtime_ns = 0;
  double variance_ns2 = 0;
  std::optional<double> wakeups_per_s;                           // nullopt without lifetime to divide by
  std::optional<double> switches_per_s;                          // idem
  std::optional<std::array<double, GB_NR_CLASSES>> class_share;  // nullopt when no task has a class
};

inline std::optional<ObservedAverages> averages_of(const gb_observation& obs) {
  if (obs.tasks == 0 || obs.bursts == 0) return std::nullopt;
  ObservedAverages a;
  const auto bursts = static_cast<double>(obs.bursts);
  a.runtime_ns = static_cast<double>(obs.runtime_ns) / bursts;
  // Var = E[x^2] - E[x]^2 in us^2 (how BPF sums the squares); a sum inconsistent with the runtime
  // (rounding, a racing update) would make it negative: clamp to 0.
  const double mean_us = a.runtime_ns / 1000.0;
  const double var_us2 = static_cast<double>(obs.runtime_sq_us) / bursts - mean_us * mean_us;
  a.variance_ns2 = std::max(0.0, var_us2) * 1e6;
  if (obs.lifetime_ns > 0) {
    const double seconds = static_cast<double>(obs.lifetime_ns) / 1e9;
    a.wakeups_per_s = static_cast<double>(obs.wakeups) / seconds;
    a.switches_per_s = static_cast<double>(obs.switches) / seconds;
  }
  double classified = 0;
  for (auto n : obs.class_tasks) classified += static_cast<double>(n);
  if (classified > 0) {
    std::array<double, GB_NR_CLASSES> share{};
    for (std::size_t c = 0; c < share.size(); ++c)
      share[c] = static_cast<double>(obs.class_tasks[c]) / classified;
    a.class_share = share;
  }
  return a;
}

inline double blend(double old_value, double new_value, double alpha) {
  return (1.0 - alpha) * old_value + alpha * new_value;
}

}  // namespace detail

/// Weight the observation gets: alpha = 1 - decay^tasks (1 for a profile that has seen no task yet).
[[nodiscard]] inline double merge_weight(const Profile& p, std::uint64_t observed_tasks,
                                         const LearnParams& params) {
  if (p.tasks == 0) return 1.0;
  const double decay = std::clamp(params.decay, 0.0, 1.0);
  return 1.0 - std::pow(decay, static_cast<double>(observed_tasks));
}

/// Folds one observation (sums over `obs.tasks` tasks, see struct gb_observation) into `p`:
///  - each average moves toward the observation's own by alpha = merge_weight() = 1 - decay^tasks:
///    runtime per burst = runtime_ns / bursts; the deviation blends variances (dev = sqrt((1-alpha)
///    dev^2 + alpha var)), var = runtime_sq_us / bursts - (runtime per burst in us)^2, clamped at 0;
///    wake-ups and switches per second divide by lifetime_ns and are left as they were when it is 0;
///    the class votes blend with the observation's class shares (class_tasks / their sum), are set to
///    them outright while the profile has no votes, and are left as they were when no task has a class;
///  - tasks adds up (saturating), last_seen = now, first_seen = now for a profile's first merge.
/// An empty observation (tasks == 0 or bursts == 0) is ignored: returns false. Never divides by zero:
/// every average stays finite and non-negative.
inline bool merge(Profile& p, const gb_observation& obs, UnixSeconds now, const LearnParams& params) {
  const auto a = detail::averages_of(obs);
  if (!a) return false;
  const double alpha = merge_weight(p, obs.tasks, params);
  p.runtime_ns = detail::blend(p.runtime_ns, a->runtime_ns, alpha);
  p.deviation_ns = std::sqrt(detail::blend(p.deviation_ns * p.deviation_ns, a->variance_ns2, alpha));
  if (a->wakeups_per_s) p.wakeups_per_s = detail::blend(p.wakeups_per_s, *a->wakeups_per_s, alpha);
  if (a->switches_per_s) p.switches_per_s = detail::blend(p.switches_per_s, *a->switches_per_s, alpha);
  if (a->class_share) {
    const bool had_votes = std::any_of(p.votes.begin(), p.votes.end(), [](double v) { return v > 0; });
    const double w = had_votes ? alpha : 1.0;  // the first classified tasks set the votes outright
    for (std::size_t c = 0; c < p.votes.size(); ++c)
      p.votes[c] = detail::blend(p.votes[c], (*a->class_share)[c], w);
  }
  if (p.tasks == 0) p.first_seen = now;
  p.tasks = p.tasks > UINT64_MAX - obs.tasks ? UINT64_MAX : p.tasks + obs.tasks;
  p.last_seen = now;
  return true;
}

/// The class with the largest vote (the lowest class value on a tie); GB_CLASS_DEFAULT without votes.
[[nodiscard]] inline gb_class majority_class(const Profile& p) {
  const auto it = std::max_element(p.votes.begin(), p.votes.end());
  if (*it <= 0) return GB_CLASS_DEFAULT;
  return static_cast<gb_class>(it - p.votes.begin());
}

/// Confidence in [0, 1] = agreement x stability x maturity, where
///   agreement = majority vote / sum of votes (0 without votes),
///   stability = 1 / (1 + cv), cv = deviation_ns / runtime_ns (0 when runtime_ns is 0),
///   maturity  = min(1, tasks / min_tasks) (1 when min_tasks is 0).
[[nodiscard]] inline double confidence(const Profile& p, const LearnParams& params) {
  double sum = 0;
  double top = 0;
  for (double v : p.votes) {
    if (!(v > 0)) continue;  // also skips NaN
    sum += v;
    top = std::max(top, v);
  }
  const double agreement = sum > 0 ? top / sum : 0.0;
  double stability = 1.0;
  if (!(p.deviation_ns >= 0) || !std::isfinite(p.deviation_ns)) {
    stability = 0.0;  // never from merge() or load(): no trust in a broken profile
  } else if (p.runtime_ns > 0) {
    const double cv = p.deviation_ns / p.runtime_ns;
    stability = std::isfinite(cv) ? 1.0 / (1.0 + cv) : 0.0;
  }
  const double maturity =
      params.min_tasks == 0
          ? 1.0
          : std::min(1.0, static_cast<double>(p.tasks) / static_cast<double>(params.min_tasks));
  const double c = agreement * stability * maturity;
  return std::isfinite(c) ? std::clamp(c, 0.0, 1.0) : 0.0;
}

/// What BPF should do with the next task of this comm: run it in the majority class (the learned
/// runtime per burst goes along for information). Only when confidence() >= params.threshold and tasks >=
/// params.min_tasks; nullopt otherwise.
[[nodiscard]] inline std::optional<gb_prediction> predict(const Profile& p, const LearnParams& params) {
  const double conf = confidence(p, params);
  if (p.tasks < params.min_tasks || conf < params.threshold || conf <= 0) return std::nullopt;
  if (!std::isfinite(p.runtime_ns) || p.runtime_ns < 0) return std::nullopt;  // never from merge()/load()
  gb_prediction out{};
  out.cls = static_cast<std::uint32_t>(majority_class(p));
  out.confidence_pct = static_cast<std::uint32_t>(std::lround(conf * 100.0));
  out.runtime_ns = p.runtime_ns >= 0x1p64 ? UINT64_MAX : static_cast<std::uint64_t>(std::round(p.runtime_ns));
  return out;
}

}  // namespace ghostbrew::procdb
