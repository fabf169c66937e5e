// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Writes the seed corpus of samples_fuzz into the directory given as argv[1]: a sample file of two
// samples as the store saves them (save_samples()).
#include <cstdio>
#include <filesystem>
#include <vector>

#include "ghostbrew/tuning/sample_store.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: samples_fuzz_seed CORPUS_DIR\n");
    return 2;
  }
  namespace tuning = ghostbrew::tuning;
  std::vector<tuning::Sample> samples(2);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    auto& s = samples[i];
    s.unix_time = 1'700'000'000 + static_cast<std::int64_t>(i) * 60;
    s.game = i == 0 ? "Cyberpunk2077.exe" : "framesim";
    s.cpu_model = "AMD Ryzen 9 7950X3D 16-Core Processor";
    s.metrics.gaming_wake_p50_ns = 20'000;
    s.metrics.gaming_wake_p99_ns = 180'000;
    s.metrics.gaming_wake_p999_ns = 900'000;
    s.metrics.gaming_wakeups = 12'000;
    s.metrics.dispatches_per_s = 40'000;
    s.metrics.ccd_locality = 0.93;
    s.metrics.cpu_utilisation = 0.6;
  }
  if (auto ok = tuning::save_samples(std::filesystem::path(argv[1]) / "two.bin", samples); !ok) {
    std::fprintf(stderr, "%s\n", ok.error().message().c_str());
    return 1;
  }
  return 0;
}
