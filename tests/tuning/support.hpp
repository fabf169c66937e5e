// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Shared by the tuning tests: a plausible sample.
#pragma once

#include <filesystem>
#include <string>

#include "ghostbrew/tuning/sample.hpp"

namespace tuning_test {

/// A sample whose gaming p99 is `p99_ns` (the other latencies scale with it).
inline ghostbrew::tuning::Sample sample(std::string game, std::int64_t t, double p99_ns,
                                        ghostbrew::tuning::TuningConfig config = {}) {
  ghostbrew::tuning::Sample s;
  s.unix_time = t;
  s.game = std::move(game);
  s.cpu_model = "AMD Ryzen 9 7950X3D 16-Core Processor";
  s.config = config;
  auto& m = s.metrics;
  m.gaming_wake_p50_ns = p99_ns / 8;
  m.gaming_wake_p99_ns = p99_ns;
  m.gaming_wake_p999_ns = p99_ns * 2;
  m.gaming_wakeups = 5000;
  m.interactive_wake_p99_ns = p99_ns / 2;
  m.op_p99_ns = {1448, 2896, 5792, 724, 724};
  m.dispatches_per_s = 12000;
  m.migrations_per_s = 800;
  m.xccd_migrations_per_s = 30;
  m.ccd_locality = 0.97;
  m.direct_dispatch_rate = 0.4;
  m.preemptions_per_s = 55;
  m.cpu_utilisation = 0.6;
  m.threads = {40, 12, 0, 300, 0, 0, 6};
  return s;
}

}  // namespace tuning_test
