// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The process database: what has been learned per comm (procdb::Profile), bounded in size and age,
// fed with the BPF observations and read back as the predictions BPF starts new tasks with.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghostbrew/bpf/abi.h"
#include "ghostbrew/core/error.hpp"
#include "ghostbrew/procdb/comm.hpp"
#include "ghostbrew/procdb/profile.hpp"

namespace ghostbrew::procdb {

/// Bounds of a Database.
struct Limits {
  /// Profiles kept; beyond it the least recently seen is evicted (ties: fewest tasks, then comm).
  std::size_t max_profiles = 4096;
  /// A profile not seen for this long (seconds) is dropped by age_out() and never predicts.
  std::int64_t max_age_s = 30LL * 24 * 3600;
};

/// One entry for GB_MAP_PREDICTIONS.
struct CommPrediction {
  gb_comm_key key{};
  gb_prediction prediction{};
};

/// Profiles by comm, within Limits. Deterministic: the same calls give the same content and order.
class Database {
 public:
  explicit Database(Limits limits = {}, LearnParams params = {}) : limits_(limits), params_(params) {}

  /// Merges one observation into the profile of `comm` (see merge()), creating it when missing, then
  /// evicts down to max_profiles. Returns false for an empty observation (nothing changes); an error
  /// when check_comm() refuses `comm`.
  Result<bool> observe(std::string_view comm, const gb_observation& obs, UnixSeconds now) {
    if (auto ok = check_comm(comm, "observation"); !ok) return tl::unexpected(ok.error());
    if (obs.tasks == 0 || obs.bursts == 0) return false;
    auto it = profiles_.find(comm);
    if (it == profiles_.end()) {
      it = profiles_.emplace(std::string(comm), Profile{}).first;
      it->second.comm = std::string(comm);
    }
    merge(it->second, obs, now, params_);
    evict_to_cap();
    return true;
  }

  /// observe() with the comm of a GB_MAP_OBSERVATIONS key (see comm_from_key()).
  Result<bool> observe(const gb_comm_key& key, const gb_observation& obs, UnixSeconds now) {
    auto comm = comm_from_key(key, "observation");
    if (!comm) return tl::unexpected(comm.error());
    return observe(*comm, obs, now);
  }

  /// Adds a whole profile (what load() restores), then evicts down to max_profiles. Errors when its
  /// comm is refused by check_comm() or already present.
  Result<void> insert(Profile p) {
    if (auto ok = check_comm(p.comm, "profile"); !ok) return tl::unexpected(ok.error());
    if (profiles_.contains(p.comm)) return fail("profile", "duplicate comm '{}'", p.comm);
    auto comm = p.comm;
    profiles_.emplace(std::move(comm), std::move(p));
    evict_to_cap();
    return {};
  }

  /// Drops every profile last seen max_age_s or longer before `now`; returns how many.
  std::size_t age_out(UnixSeconds now) {
    return std::erase_if(profiles_, [&](const auto& kv) { return expired(kv.second, now); });
  }

  /// What BPF should do with new tasks of `p`'s comm at `now`: predict(), unless `p` is expired.
  [[nodiscard]] std::optional<gb_prediction> prediction(const Profile& p, UnixSeconds now) const {
    if (expired(p, now)) return std::nullopt;
    return predict(p, params_);
  }

  /// The predictions to write to GB_MAP_PREDICTIONS: every unexpired profile that predicts, the most
  /// confident first (ties: more tasks, then comm), at most GB_MAX_PREDICTIONS.
  [[nodiscard]] std::vector<CommPrediction> predictions(UnixSeconds now) const {
    struct Ranked {
      double confidence;
      const Profile* profile;
      gb_prediction prediction;
    };
    std::vector<Ranked> ranked;
    for (const auto& [comm, p] : profiles_)
      if (auto pr = prediction(p, now)) ranked.push_back({confidence(p, params_), &p, *pr});
    std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
      if (a.confidence != b.confidence) return a.confidence > b.confidence;
      if (a.profile->tasks != b.profile->tasks) return a.profile->tasks > b.profile->tasks;
      return a.profile->comm < b.profile->comm;
    });
    if (ranked.size() > GB_MAX_PREDICTIONS) ranked.resize(GB_MAX_PREDICTIONS);
    std::vector<CommPrediction> out;
    out.reserve(ranked.size());
    for (const auto& r : ranked) out.push_back({comm_key(r.profile->comm), r.prediction});
    return out;
  }

  /// The profile of `comm`, or nullptr.
  [[nodiscard]] const Profile* find(std::string_view comm) const {
    const auto it = profiles_.find(comm);
    return it == profiles_.end() ? nullptr : &it->second;
  }

  /// Every profile, ordered by comm.
  [[nodiscard]] const std::map<std::string, Profile, std::less<>>& profiles() const { return profiles_; }
  [[nodiscard]] std::size_t size() const { return profiles_.size(); }
  [[nodiscard]] const Limits& limits() const { return limits_; }
  [[nodiscard]] const LearnParams& params() const { return params_; }

 private:
  [[nodiscard]] bool expired(const Profile& p, UnixSeconds now) const {
    std::int64_t age = 0;  // hostile or skewed timestamps must not overflow
    if (__builtin_sub_overflow(now, p.last_seen, &age)) return now > p.last_seen;
    return age >= limits_.max_age_s;
  }

  void evict_to_cap() {
    while (profiles_.size() > limits_.max_profiles) {
      const auto victim =
          std::min_element(profiles_.begin(), profiles_.end(), [](const auto& a, const auto& b) {
            if (a.second.last_seen != b.second.last_seen) return a.second.last_seen < b.second.last_seen;
            if (a.second.tasks != b.second.tasks) return a.second.tasks < b.second.tasks;
            return a.first < b.first;
          });
      profiles_.erase(victim);
    }
  }

  Limits limits_;
  LearnParams params_;
  std::map<std::string, Profile, std::less<>> profiles_;
};

}  // namespace ghostbrew::procdb
