// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Topology discovery time (discover(): every sysfs read and the model build) on generated Zen 4
// style trees: 2 threads per core, private L1/L2, one 32 MiB L3 per 8 cores, amd-pstate prefcore
// ranks and max frequencies behind cpufreq symlinks. The trees live on tmpfs (/dev/shm), which is
// what sysfs is: memory, not disk. Each benchmark fails (SkipWithError) when the mean CPU time
// (user + system, of the discovering thread) of one discovery exceeds its budget, stated next to it.
// The budget is on CPU time so that a loaded machine (CI, other builds) does not fail it; the wall
// time is reported beside it as usual.
#include <time.h>

#include <algorithm>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "ghostbrew/topology/discover.hpp"
#include "support/temp_dir.hpp"
#include "sysfs_tree.hpp"

namespace {

namespace topo = ghostbrew::topology;

/// A tree of `cpus` logical CPUs (cpus/2 cores; sibling of cpu i is i + cpus/2).
std::vector<std::string> zen4_spec(int cpus) {
  const int cores = cpus / 2;
  std::vector<std::string> spec = {
      "cpuinfo AuthenticAMD 25 generated",
      fmt::format("for i in 0-{}: core 0 {{i}} {{i}},{{i+{}}}", cores - 1, cores),
      fmt::format("for i in 0-{}: cache 1 Data 32K {{i}},{{i+{}}}", cores - 1, cores),
      fmt::format("for i in 0-{}: cache 1 Instruction 32K {{i}},{{i+{}}}", cores - 1, cores),
      fmt::format("for i in 0-{}: cache 2 Unified 1024K {{i}},{{i+{}}}", cores - 1, cores),
      fmt::format("node 0 0-{} 10", cpus - 1),
      fmt::format("for i in 0-{}: set {{i}} cpufreq/cpuinfo_max_freq 5700000", cpus - 1),
      fmt::format("for i in 0-{}: set {{i}} cpufreq/amd_pstate_prefcore_ranking {{i%{}*-1+236}}", cpus - 1,
                  cores),
  };
  for (int l3 = 0; l3 * 8 < cores; ++l3) {
    const int lo = l3 * 8;
    const int hi = std::min(lo + 8, cores) - 1;
    spec.push_back(fmt::format("cache 3 Unified 32768K {}-{},{}-{} {}", lo, hi, lo + cores, hi + cores, l3));
  }
  return spec;
}

double thread_cpu_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

void discover_bench(benchmark::State& state, int cpus, double budget_ms) {
  const ghostbrew::testing::TempDir dir("topo-bench");
  topo::testing::write_tree(zen4_spec(cpus), dir.path());
  const auto check = topo::discover(dir.path());
  if (!check || check->cpus.size() != static_cast<std::size_t>(cpus)) {
    state.SkipWithError(check ? "wrong CPU count" : check.error().message().c_str());
    return;
  }
  double total_ms = 0;
  for (auto _ : state) {
    const double start = thread_cpu_ms();
    auto t = topo::discover(dir.path());
    total_ms += thread_cpu_ms() - start;
    benchmark::DoNotOptimize(t);
  }
  const double mean_ms = total_ms / static_cast<double>(state.iterations());
  state.counters["budget_cpu_ms"] = budget_ms;
  state.counters["mean_cpu_ms"] = mean_ms;
  if (mean_ms > budget_ms)
    state.SkipWithError(fmt::format("over budget: {:.3f} ms CPU > {} ms", mean_ms, budget_ms).c_str());
}

// Budgets (CPU time per discovery): the scheduler daemon reads the topology once at start-up and
// again on CPU hotplug; a desktop (32 CPUs) stays well under a 16 ms frame, a 256-CPU server under
// a tenth of a second. Measured on the 2-core dev VM (load average 8 from parallel builds): about
// 0.2 / 2.5 / 24 ms CPU per discovery (wall time about 2.5x that under that load).
void BM_Discover2Cpus(benchmark::State& s) { discover_bench(s, 2, 0.5); }       // budget: 0.5 ms
void BM_Discover32Cpus(benchmark::State& s) { discover_bench(s, 32, 5.0); }     // budget: 5 ms
void BM_Discover256Cpus(benchmark::State& s) { discover_bench(s, 256, 50.0); }  // budget: 50 ms
BENCHMARK(BM_Discover2Cpus)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Discover32Cpus)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Discover256Cpus)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
