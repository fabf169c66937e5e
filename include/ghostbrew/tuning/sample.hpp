// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// One tuning sample: which configuration ran, for which game on which CPU, and how it went.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "ghostbrew/tuning/config.hpp"
#include "ghostbrew/tuning/metrics.hpp"

namespace ghostbrew::tuning {

/// Longest game name (bytes) a sample can hold; the store refuses longer ones.
inline constexpr std::size_t kMaxGameName = 63;
/// Longest CPU model name (bytes) a sample can hold (/proc/cpuinfo "model name" is at most 48).
inline constexpr std::size_t kMaxCpuModel = 95;

/// One measurement period of one configuration.
struct Sample {
  std::int64_t unix_time = 0;  ///< end of the period, seconds since the epoch
  std::string game;            ///< the game that ran (e.g. its comm or executable name)
  std::string cpu_model;       ///< /proc/cpuinfo "model name": samples only compare on one CPU model
  TuningConfig config;
  Metrics metrics;

  friend bool operator==(const Sample&, const Sample&) = default;
};

}  // namespace ghostbrew::tuning
