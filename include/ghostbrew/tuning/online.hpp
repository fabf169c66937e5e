// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Opt-in online exploration: try neighbouring configurations one measurement period at a time, keep
// the best, fall back to it when a trial hurts, and settle on it once nothing better turns up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/tuning/config.hpp"

namespace ghostbrew::tuning {

/// The knobs of the tuner itself. Scores are score() values (higher is better); there 0.5 is about
/// a 9 % worse gaming wake p99 (4 * log2(1.09)), 0.1 about 1.7 % better.
struct OnlineTunerOptions {
  std::uint32_t seed = 1;        ///< the same seed and reported scores give the same proposals
  double revert_margin = 0.5;    ///< a trial this much below the best goes back to the best at once
  double min_improvement = 0.1;  ///< a trial must beat the best by more than this to become the best
  unsigned settle_after = 32;    ///< settle after this many trials in a row without improvement (a
                                 ///< configuration has at most 32 neighbours: 8 one-setting, 24 two-setting)
  unsigned max_trials = 500;     ///< and after this many trials in all, whatever happens
};

/// Hill climbing with a memory, one proposal per measurement period. Guard rails:
/// - every configuration it puts in force passes validate(): each setting within bounds(), the
///   interactive burst below the burst threshold; the mode is never changed (it is the user's);
/// - a proposal changes one or two settings of its base by one bounds().step_us each (clamped to
///   the bounds), so one bad trial is a small step from a known configuration;
/// - a trial that scores more than revert_margin below the best puts the best back in force for
///   the next period (which also measures it again: the best's score is the mean of its periods, so
///   one lucky period does not hold the title); a trial within the margin becomes the base of the
///   next proposal (crossing plateaus and noise);
/// - untried neighbours are proposed first;
/// - after settle_after trials without improvement (or max_trials in all) it settles: the best stays
///   in force and report() proposes nothing new.
class OnlineTuner {
 public:
  /// A tuner starting with `start` in force. Error: `start` fails validate() (or the options are
  /// unusable: settle_after 0, a negative margin).
  [[nodiscard]] static Result<OnlineTuner> create(const TuningConfig& start,
                                                  OnlineTunerOptions options = {}) {
    if (auto ok = validate(start); !ok) return tl::unexpected(ok.error());
    if (options.settle_after == 0 || options.max_trials == 0)
      return fail("online tuner", "settle_after and max_trials must be at least 1");
    if (!(options.revert_margin >= 0) || !(options.min_improvement >= 0))
      return fail("online tuner", "revert_margin and min_improvement must be non-negative");
    return OnlineTuner(start, options);
  }

  /// The configuration in force: the one the next report() scores.
  [[nodiscard]] const TuningConfig& current() const { return current_; }
  /// The best configuration measured so far (the start before the first report()).
  [[nodiscard]] const TuningConfig& best() const { return best_; }
  /// The mean score of best() over its periods (meaningless before the first report()).
  [[nodiscard]] double best_score() const { return best_score_; }
  /// True once exploration stopped: current() == best() from then on.
  [[nodiscard]] bool settled() const { return settled_; }
  /// Trials (periods of a configuration other than the best) so far.
  [[nodiscard]] unsigned trials() const { return trials_; }
  /// Trials that scored more than revert_margin below the best.
  [[nodiscard]] unsigned reverts() const { return reverts_; }

  /// Tells the tuner the score measured while current() was in force; returns the configuration to
  /// put in force for the next period (the new current()).
  const TuningConfig& report(double measured) {
    if (!measured_) {
      measured_ = true;
      best_ = current_;
      best_score_ = measured;
      best_periods_ = 1;
      tried_.push_back(current_);
      if (settled_) return current_;
      return propose_from(best_);
    }
    if (current_ == best_) {  // a period of the best itself: refine its mean
      ++best_periods_;
      best_score_ += (measured - best_score_) / static_cast<double>(best_periods_);
      if (settled_) return current_;
      return propose_from(best_);
    }
    ++trials_;
    if (measured > best_score_ + options_.min_improvement) {
      best_ = current_;
      best_score_ = measured;
      best_periods_ = 1;
      stale_ = 0;
      if (trials_ >= options_.max_trials) return settle();
      return propose_from(best_);
    }
    ++stale_;
    if (stale_ >= options_.settle_after || trials_ >= options_.max_trials) return settle();
    if (measured < best_score_ - options_.revert_margin) {
      ++reverts_;
      current_ = best_;
      return current_;
    }
    return propose_from(current_);
  }

 private:
  OnlineTuner(const TuningConfig& start, OnlineTunerOptions options)
      : options_(options), rng_(options.seed), current_(start), best_(start) {}

  const TuningConfig& settle() {
    settled_ = true;
    current_ = best_;
    return current_;
  }

  /// `base` with setting `s` moved by `dir` steps, clamped to the bounds.
  static TuningConfig moved(TuningConfig c, Setting s, int dir) {
    const auto b = bounds(s);
    std::uint64_t& v = field(c, s);
    if (dir > 0)
      v = v + b.step_us > b.max_us ? b.max_us : v + b.step_us;
    else
      v = v < b.min_us + b.step_us ? b.min_us : v - b.step_us;
    return c;
  }

  [[nodiscard]] bool was_tried(const TuningConfig& c) const {
    for (const auto& t : tried_)
      if (t == c) return true;
    return false;
  }

  /// Puts a random valid neighbour of `base` in force: one setting moved (half the time) or two,
  /// untried ones first.
  const TuningConfig& propose_from(const TuningConfig& base) {
    std::vector<TuningConfig> singles;
    std::vector<TuningConfig> pairs;
    const auto keep = [&](std::vector<TuningConfig>& into, const TuningConfig& c) {
      if (c != base && validate(c)) into.push_back(c);
    };
    for (std::size_t i = 0; i < kSettings.size(); ++i)
      for (int d : {-1, 1}) {
        const TuningConfig one = moved(base, kSettings[i], d);
        keep(singles, one);
        for (std::size_t j = i + 1; j < kSettings.size(); ++j)
          for (int e : {-1, 1}) keep(pairs, moved(one, kSettings[j], e));
      }
    const auto untried = [&](const std::vector<TuningConfig>& all) {
      std::vector<TuningConfig> out;
      for (const auto& c : all)
        if (!was_tried(c)) out.push_back(c);
      return out;
    };
    const bool single_first = rng_() % 2 == 0;
    const std::vector<TuningConfig>* order[2] = {single_first ? &singles : &pairs,
                                                 single_first ? &pairs : &singles};
    std::vector<TuningConfig> pool = untried(*order[0]);
    if (pool.empty()) pool = untried(*order[1]);
    if (pool.empty()) pool = order[0]->empty() ? *order[1] : *order[0];
    if (pool.empty()) return settle();  // no valid neighbour at all (cannot happen with these bounds)
    current_ = pool[rng_() % pool.size()];
    tried_.push_back(current_);
    return current_;
  }

  OnlineTunerOptions options_;
  std::mt19937 rng_;
  TuningConfig current_;
  TuningConfig best_;
  double best_score_ = 0;
  unsigned best_periods_ = 0;
  bool measured_ = false;
  bool settled_ = false;
  unsigned trials_ = 0;
  unsigned stale_ = 0;
  unsigned reverts_ = 0;
  std::vector<TuningConfig> tried_;
};

}  // namespace ghostbrew::tuning
