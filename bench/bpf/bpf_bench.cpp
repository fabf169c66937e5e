// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Benchmarks of the typed libbpf layer on the host kernel (needs root; skipped otherwise).
// Each states its budget next to it and in its label; the `budget_met` counter is 1 when the run
// met it. The budgets are what the scheduler daemon needs with a wide margin, not records.
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <benchmark/benchmark.h>

#include "bpf_bench.h"
#include "gbb_bpf_bench_bpfobj.h"
#include "ghostbrew/bpf/map.hpp"
#include "ghostbrew/bpf/object.hpp"
#include "ghostbrew/bpf/ring_buffer.hpp"

namespace {

using ghostbrew::bpf::ArrayMap;
using ghostbrew::bpf::HashMap;
using ghostbrew::bpf::Object;
using ghostbrew::bpf::RingBuffer;

// Opens and loads the benchmark object, or skips the benchmark saying why.
std::optional<Object> load_or_skip(benchmark::State& state) {
  if (::geteuid() != 0) {
    state.SkipWithError("needs root: loads BPF programs into the kernel");
    return std::nullopt;
  }
  auto obj = Object::open(gbb_bpf_bench_bpf_object(), "bpf_bench");
  if (obj) {
    if (auto loaded = obj->load(); !loaded) obj = tl::unexpected(loaded.error());
  }
  if (!obj) {
    state.SkipWithError(obj.error().message().c_str());
    return std::nullopt;
  }
  return std::move(*obj);
}

using Clock = std::chrono::steady_clock;

void report_budget(benchmark::State& state, const char* label, bool met) {
  state.SetLabel(label);
  state.counters["budget_met"] = met ? 1 : 0;
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Ring buffer consumption: the `fill` program writes a batch of 24-byte events (untimed), then
// RingBuffer::consume() delivers them to a typed handler (timed).
// Budget: >= 20 million events per second delivered (a busy desktop scheduler emits < 100k/s).
void BM_RingBufferConsume(benchmark::State& state) {
  auto obj = load_or_skip(state);
  if (!obj) return;
  std::uint64_t checksum = 0;
  auto rb =
      RingBuffer<gb_bench_event>::create(*obj, "events", [&](const gb_bench_event& e) { checksum += e.pid; });
  if (!rb) return state.SkipWithError(rb.error().message().c_str());
  const auto batch = static_cast<std::uint32_t>(state.range(0));
  std::int64_t events = 0;
  Clock::duration consuming{};
  for (auto _ : state) {
    state.PauseTiming();
    gb_bench_fill_args args{batch, 0};
    auto ret = obj->run("fill", args);
    if (!ret || args.written != batch) {
      state.SkipWithError(ret ? "the ring buffer refused events" : ret.error().message().c_str());
      break;
    }
    state.ResumeTiming();
    const auto start = Clock::now();
    auto n = rb->consume();
    consuming += Clock::now() - start;
    if (!n || *n != static_cast<int>(batch)) {
      state.SkipWithError(n ? "consume delivered fewer events than written" : n.error().message().c_str());
      break;
    }
    events += *n;
  }
  benchmark::DoNotOptimize(checksum);
  state.SetItemsProcessed(events);
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["budget_events_per_s"] = 20e6;
  const double rate = events > 0 ? static_cast<double>(events) / seconds(consuming) : 0.0;
  report_budget(state, "budget >= 20M events/s", rate >= 20e6);
}
BENCHMARK(BM_RingBufferConsume)->Arg(1000)->Arg(100000)->UseRealTime()->Unit(benchmark::kMicrosecond);

// One typed map operation per iteration: each is one bpf() syscall plus the wrapper's checks.
// Budget: <= 2 us per operation (the daemon does a few hundred per second).
template <class Op>
void run_map_op(benchmark::State& state, Op op) {
  std::uint32_t key = 0;
  const auto start = Clock::now();
  for (auto _ : state) {
    if (!op(key)) {
      state.SkipWithError("map operation failed");
      break;
    }
    key = (key + 1) % GB_BENCH_MAP_ENTRIES;
  }
  const double ns_per_op = seconds(Clock::now() - start) * 1e9 / static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["budget_ns_per_op"] = 2000;
  report_budget(state, "budget <= 2 us/op", ns_per_op <= 2000);
}

void BM_HashMapUpdate(benchmark::State& state) {
  auto obj = load_or_skip(state);
  if (!obj) return;
  auto map = HashMap<std::uint32_t, std::uint64_t>::from(*obj, "hash");
  if (!map) return state.SkipWithError(map.error().message().c_str());
  run_map_op(state, [&](std::uint32_t k) { return map->update(k, k).has_value(); });
}
BENCHMARK(BM_HashMapUpdate);

void BM_HashMapLookup(benchmark::State& state) {
  auto obj = load_or_skip(state);
  if (!obj) return;
  auto map = HashMap<std::uint32_t, std::uint64_t>::from(*obj, "hash");
  if (!map) return state.SkipWithError(map.error().message().c_str());
  for (std::uint32_t k = 0; k < GB_BENCH_MAP_ENTRIES; ++k) (void)map->update(k, k);
  run_map_op(state, [&](std::uint32_t k) {
    auto v = map->lookup(k);
    return v && v->has_value();
  });
}
BENCHMARK(BM_HashMapLookup);

void BM_ArrayMapUpdate(benchmark::State& state) {
  auto obj = load_or_skip(state);
  if (!obj) return;
  auto map = ArrayMap<std::uint64_t>::from(*obj, "array");
  if (!map) return state.SkipWithError(map.error().message().c_str());
  run_map_op(state, [&](std::uint32_t k) { return map->update(k, k).has_value(); });
}
BENCHMARK(BM_ArrayMapUpdate);

void BM_ArrayMapLookup(benchmark::State& state) {
  auto obj = load_or_skip(state);
  if (!obj) return;
  auto map = ArrayMap<std::uint64_t>::from(*obj, "array");
  if (!map) return state.SkipWithError(map.error().message().c_str());
  run_map_op(state, [&](std::uint32_t k) {
    auto v = map->lookup(k);
    return v && v->has_value();
  });
}
BENCHMARK(BM_ArrayMapLookup);

}  // namespace

BENCHMARK_MAIN();
