// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// What the daemon's parts use of a loaded scheduler, as small interfaces: ClassFeeder writes the
// class maps, Learner drains observations and writes predictions, Collector sets the runtime knobs
// and reads the counters, the control socket (sched/control.hpp) reads the counters and switches the
// mode. Scheduler implements them all over the real BPF maps; host unit tests give
// the parts small in-memory fakes of these interfaces (never of the kernel).
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "ghostbrew/bpf/abi.h"
#include "ghostbrew/core/error.hpp"

namespace ghostbrew::sched {

/// The class maps BPF places tasks by (tid, tgid and cgroup id -> enum gb_class), and the generation
/// that makes BPF classify every task again after they change.
class ClassMaps {
 public:
  virtual ~ClassMaps() = default;
  virtual Result<void> set_tid_class(std::uint32_t tid, std::uint32_t cls) = 0;
  virtual Result<void> set_tgid_class(std::uint32_t tgid, std::uint32_t cls) = 0;
  virtual Result<void> set_cgroup_class(std::uint64_t cgroup_id, std::uint32_t cls) = 0;
  /// Removes an entry; one that is not there is not an error.
  virtual void erase_tid_class(std::uint32_t tid) = 0;
  virtual void erase_tgid_class(std::uint32_t tgid) = 0;
  virtual void erase_cgroup_class(std::uint64_t cgroup_id) = 0;
  /// Makes BPF classify every task again (after class map changes).
  virtual Result<void> bump_generation() = 0;
};

/// Observations BPF folds in per comm, and the predictions it starts new tasks of a comm with.
class LearningMaps {
 public:
  using Observations = std::vector<std::pair<gb_comm_key, gb_observation>>;
  using Predictions = std::span<const std::pair<gb_comm_key, gb_prediction>>;
  virtual ~LearningMaps() = default;
  /// Takes every observation folded in since the last drain (they are removed from BPF).
  virtual Result<Observations> drain_observations() = 0;
  /// Makes `preds` the whole content of the predictions map (entries not in it are removed).
  virtual Result<void> set_predictions(Predictions preds) = 0;
};

/// Runtime overrides of the load-time settings (per-game profiles, online tuning).
class Knobs {
 public:
  virtual ~Knobs() = default;
  /// Zeros restore the load-time values.
  virtual Result<void> set_tunables(const gb_tunables& t) = 0;
};

/// The placement mode (enum gb_mode), switched while the scheduler runs.
class ModeSwitch {
 public:
  virtual ~ModeSwitch() = default;
  virtual Result<void> set_mode(gb_mode mode) = 0;
};

/// BPF's counters and latency histograms, summed over every CPU.
class Counters {
 public:
  virtual ~Counters() = default;
  [[nodiscard]] virtual Result<gb_stats> stats() const = 0;
  /// Filled only with GB_KNOB_HISTOGRAMS.
  [[nodiscard]] virtual Result<gb_hist> hist() const = 0;
};

}  // namespace ghostbrew::sched
