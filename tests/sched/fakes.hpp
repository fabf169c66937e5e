// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// In-memory fakes of the daemon parts' interfaces (sched/ports.hpp): what a part wrote, how often,
// and what it will read, so ClassFeeder, Learner and Collector run on the host without BPF.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "ghostbrew/sched/ports.hpp"

namespace ghostbrew::testing {

/// The class maps as three std::maps and a generation counter.
struct FakeClassMaps final : sched::ClassMaps {
  std::map<std::uint32_t, std::uint32_t> tid, tgid;
  std::map<std::uint64_t, std::uint32_t> cgroup;
  int generation = 0;

  Result<void> set_tid_class(std::uint32_t t, std::uint32_t cls) override {
    tid[t] = cls;
    return {};
  }
  Result<void> set_tgid_class(std::uint32_t t, std::uint32_t cls) override {
    tgid[t] = cls;
    return {};
  }
  Result<void> set_cgroup_class(std::uint64_t id, std::uint32_t cls) override {
    cgroup[id] = cls;
    return {};
  }
  void erase_tid_class(std::uint32_t t) override { tid.erase(t); }
  void erase_tgid_class(std::uint32_t t) override { tgid.erase(t); }
  void erase_cgroup_class(std::uint64_t id) override { cgroup.erase(id); }
  Result<void> bump_generation() override {
    ++generation;
    return {};
  }
};

/// Observations waiting to be drained, and the predictions map with a count of its rewrites.
struct FakeLearningMaps final : sched::LearningMaps {
  Observations pending;
  std::vector<std::pair<gb_comm_key, gb_prediction>> predictions;
  int writes = 0;

  Result<Observations> drain_observations() override { return std::exchange(pending, {}); }
  Result<void> set_predictions(Predictions preds) override {
    predictions.assign(preds.begin(), preds.end());
    ++writes;
    return {};
  }
};

/// Every set of tunables written, in order.
struct FakeKnobs final : sched::Knobs {
  std::vector<gb_tunables> writes;
  Result<void> set_tunables(const gb_tunables& t) override {
    writes.push_back(t);
    return {};
  }
};

/// Counters and histograms the test sets, with a count of the reads.
struct FakeCounters final : sched::Counters {
  gb_stats counters{};
  gb_hist histograms{};
  mutable int reads = 0;
  Result<gb_stats> stats() const override {
    ++reads;
    return counters;
  }
  Result<gb_hist> hist() const override { return histograms; }
};

/// Every mode written, in order; fails the next write when `fail_next` is set.
struct FakeModeSwitch final : sched::ModeSwitch {
  std::vector<gb_mode> writes;
  bool fail_next = false;
  Result<void> set_mode(gb_mode m) override {
    if (std::exchange(fail_next, false)) return fail("knobs", "map update failed");
    writes.push_back(m);
    return {};
  }
};

}  // namespace ghostbrew::testing
