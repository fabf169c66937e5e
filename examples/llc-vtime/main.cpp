// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// gb-llc-vtime: loads and runs llc_vtime.bpf.c, a per-LLC virtual-time sched_ext scheduler, using
// only ghostbrew's installed package: topology discovery (ghostbrew::topology) for the CPU -> LLC
// table, the typed object/map/link layer and ring-buffer consumer (ghostbrew::bpf), and the object
// compiled and embedded by ghostbrew_add_bpf_object(). Runs until SIGINT/SIGTERM or --duration.
//   gb-llc-vtime [--duration SECS] [--interval SECS]
#include <ghostbrew/bpf/link.hpp>
#include <ghostbrew/bpf/map.hpp>
#include <ghostbrew/bpf/object.hpp>
#include <ghostbrew/bpf/ring_buffer.hpp>
#include <ghostbrew/topology/discover.hpp>
#include <ghostbrew/version.hpp>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "llc_vtime.h"
#include "llc_vtime_bpfobj.h"

namespace {

volatile std::sig_atomic_t stop = 0;

int die(const std::string& what) {
  std::fprintf(stderr, "gb-llc-vtime: %s\n", what.c_str());
  return 1;
}

/// SECS from argv[i + 1]: a whole number of seconds, or -1.
long seconds(int argc, char** argv, int i) {
  if (i + 1 >= argc) return -1;
  char* end = nullptr;
  const long v = std::strtol(argv[i + 1], &end, 10);
  return (*argv[i + 1] != '\0' && *end == '\0' && v >= 0) ? v : -1;
}

}  // namespace

int main(int argc, char** argv) {
  long duration = 0;  // 0: until a signal
  long interval = 1;
  for (int i = 1; i < argc; i += 2) {
    const std::string_view arg = argv[i];
    long* target = arg == "--duration" ? &duration : arg == "--interval" ? &interval : nullptr;
    if (target == nullptr)
      return die("unknown argument '" + std::string(arg) + "' (--duration SECS, --interval SECS)");
    if ((*target = seconds(argc, argv, i)) < 0 || (target == &interval && *target == 0))
      return die(std::string(arg) + " needs a whole number of seconds" +
                 (target == &interval ? " above 0" : ""));
  }

  auto topo = ghostbrew::topology::discover("/");
  if (!topo) return die(topo.error().message());
  if (topo->llcs.size() > LLC_VTIME_MAX_LLCS)
    return die("this machine has " + std::to_string(topo->llcs.size()) + " LLCs, more than " +
               std::to_string(LLC_VTIME_MAX_LLCS));

  auto obj = ghostbrew::bpf::Object::open(llc_vtime_bpf_object(), "llc_vtime");
  if (!obj) return die(obj.error().message());
  auto nr_llcs = obj->global<std::uint32_t>(".rodata", "nr_llcs");
  auto cpu_llc = obj->global_array<std::uint32_t>(".rodata", "cpu_llc");
  if (!nr_llcs) return die(nr_llcs.error().message());
  if (!cpu_llc) return die(cpu_llc.error().message());
  **nr_llcs = static_cast<std::uint32_t>(topo->llcs.size());
  for (const auto& cpu : topo->cpus) {
    if (cpu.id < 0 || static_cast<std::size_t>(cpu.id) >= cpu_llc->size())
      return die("CPU " + std::to_string(cpu.id) + " is beyond the " + std::to_string(cpu_llc->size()) +
                 " this supports");
    (*cpu_llc)[static_cast<std::size_t>(cpu.id)] = static_cast<std::uint32_t>(cpu.llc);
  }
  if (auto r = obj->load(); !r) return die(r.error().message());

  auto stats = ghostbrew::bpf::PerCpuArray<llc_vtime_stats>::from(*obj, "stats");
  if (!stats) return die(stats.error().message());
  std::uint64_t shown = 0;
  auto events =
      ghostbrew::bpf::RingBuffer<llc_vtime_event>::create(*obj, "events", [&](const llc_vtime_event& e) {
        if (shown++ < 5)
          std::printf("gb-llc-vtime: event: pid %u (%.16s) joined on LLC %u\n", e.pid, e.comm, e.llc);
      });
  if (!events) return die(events.error().message());

  std::signal(SIGINT, [](int) { stop = 1; });
  std::signal(SIGTERM, [](int) { stop = 1; });
  auto link = obj->attach_struct_ops("llc_vtime_ops");
  if (!link) return die(link.error().message());
  std::printf("gb-llc-vtime %s: scheduling %zu CPUs on %zu LLC DSQs\n", GHOSTBREW_VERSION_STRING,
              topo->cpus.size(), topo->llcs.size());
  std::fflush(stdout);

  auto exit_kind = obj->global<const std::uint64_t>(".bss", "exit_kind");
  if (!exit_kind) return die(exit_kind.error().message());
  const auto start = std::chrono::steady_clock::now();
  auto next = start + std::chrono::seconds(interval);
  int status = 0;
  while (stop == 0) {
    if (auto r = events->poll(100); !r) return die(r.error().message());
    if (**exit_kind != 0) {
      status = die("the kernel ended the scheduler (exit kind " + std::to_string(**exit_kind) + ")");
      break;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= next) {
      next += std::chrono::seconds(interval);
      auto per_cpu = stats->lookup_all(0);
      if (!per_cpu) return die(per_cpu.error().message());
      llc_vtime_stats sum{};
      for (const auto& s : *per_cpu) {
        sum.direct += s.direct;
        sum.queued += s.queued;
        sum.local += s.local;
        sum.stolen += s.stolen;
        sum.enabled += s.enabled;
        sum.dropped += s.dropped;
      }
      std::printf(
          "gb-llc-vtime: stats direct=%llu queued=%llu local=%llu stolen=%llu enabled=%llu events=%llu "
          "dropped=%llu\n",
          static_cast<unsigned long long>(sum.direct), static_cast<unsigned long long>(sum.queued),
          static_cast<unsigned long long>(sum.local), static_cast<unsigned long long>(sum.stolen),
          static_cast<unsigned long long>(sum.enabled), static_cast<unsigned long long>(events->delivered()),
          static_cast<unsigned long long>(sum.dropped));
      std::fflush(stdout);
    }
    if (duration > 0 && now - start >= std::chrono::seconds(duration)) break;
  }
  if (auto r = link->detach(); !r) return die(r.error().message());
  std::printf("gb-llc-vtime: detached\n");
  return status;
}
