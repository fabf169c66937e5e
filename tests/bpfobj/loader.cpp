// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// gb-bpfobj-loader: a bare test loader for bpf/ghostbrew.bpf.c, used by VM scenarios to drive the
// object the way the daemon does (topology, config, heartbeat) without depending on the daemon.
// It follows the order documented in <ghostbrew/bpf/abi.h>: size maps and set the config before
// load, fill cpu_info after load, attach, heartbeat, and read the exit info after detach.
//
// Usage: gb-bpfobj-loader [--mode auto|gaming|work] [--topology SPEC] [--seconds N] [--nr-llcs N]
//                         [--verifier-stats]
//   --verifier-stats prints the verifier's cost of each program as it loads (`verifier: PROG:
//   processed N insns ... total_states N peak_states N`, `verifier: PROG: verification time N usec`).
//   --nr-llcs overrides the LLC count derived from SPEC (to feed the scheduler a bad topology).
//   SPEC: one entry per CPU, comma-separated, each LLC:CCD:NODE[:FLAGS] with FLAGS letters
//   v (V-Cache), p (preferred core), e (E-core); CPUs not listed stay unfilled.
// Prints `gb-loader: attached`, then after N seconds one `stat NAME VALUE` line per counter,
// `events exec N exit M`, and after detach `exit kind K code C reason R msg M` and `exit dump N
// lines: FIRST` (the kernel's dump, written for error exits). Exit status 0 when
// attached and detached, 1 when attach failed (with the exit info printed), 2 on bad usage.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <ghostbrew/bpf/abi.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ghostbrew/sched/stats.hpp"
#include "ghostbrew_bpfobj.h"

namespace {

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "gb-bpfobj-loader: %s\n", why.c_str());
  std::exit(2);
}

// libbpf's messages, of which only the verifier's statistics (its load log at level 4, which libbpf
// passes on at debug level after a successful load) are printed, one line each, named by program.
int print_verifier_stats(libbpf_print_level level, const char* format, va_list args) {
  if (level != LIBBPF_DEBUG || !std::strstr(format, "PROG LOAD LOG")) return 0;
  char text[8192];
  std::vsnprintf(text, sizeof text, format, args);
  std::string prog;
  if (const char* q = std::strchr(text, '\'')) prog.assign(q + 1, std::strcspn(q + 1, "'"));
  std::stringstream lines(text);
  std::string line;
  while (std::getline(lines, line))
    if (line.rfind("processed ", 0) == 0 || line.rfind("verification time", 0) == 0)
      std::printf("verifier: %s: %s\n", prog.c_str(), line.c_str());
  return 0;
}

std::vector<gb_cpu_info> parse_topology(const std::string& spec) {
  std::vector<gb_cpu_info> cpus;
  std::stringstream entries(spec);
  std::string entry;
  while (std::getline(entries, entry, ',')) {
    gb_cpu_info info{};
    char flags[8] = {};
    if (std::sscanf(entry.c_str(), "%u:%u:%u:%7s", &info.llc, &info.ccd, &info.node, flags) < 3)
      usage("bad topology entry '" + entry + "' (want LLC:CCD:NODE[:FLAGS])");
    info.core = static_cast<__u32>(cpus.size());
    info.smt_sibling = -1;
    info.flags = GB_CPU_VALID;
    for (const char* f = flags; *f; ++f) {
      if (*f == 'v')
        info.flags |= GB_CPU_VCACHE;
      else if (*f == 'p')
        info.flags |= GB_CPU_PREFERRED;
      else if (*f == 'e')
        info.type = GB_CPU_TYPE_EFFICIENCY;
      else
        usage(std::string("bad topology flag '") + *f + "' in '" + entry + "'");
    }
    cpus.push_back(info);
  }
  return cpus;
}

__u64 monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<__u64>(ts.tv_sec) * 1'000'000'000u + static_cast<__u64>(ts.tv_nsec);
}

int on_event(void* ctx, void* data, size_t size) {
  auto* counts = static_cast<unsigned long*>(ctx);
  if (size >= sizeof(gb_event)) {
    gb_event e{};
    std::memcpy(&e, data, sizeof(e));
    counts[e.kind == GB_EVENT_EXEC ? 0 : 1]++;
  }
  return 0;
}

void print_exit_info(bpf_object* obj) {
  gb_exit_info info{};
  __u32 key = 0;
  if (bpf_map_lookup_elem(bpf_map__fd(bpf_object__find_map_by_name(obj, GB_MAP_EXIT_INFO)), &key, &info) !=
      0) {
    std::printf("exit unreadable: %s\n", std::strerror(errno));
    return;
  }
  std::printf("exit kind %d code %lld reason %s msg %s\n", info.kind, static_cast<long long>(info.exit_code),
              info.reason, info.msg);
  // The kernel's dump (error exits only): its line count and first line.
  static gb_exit_dump dump{};
  if (bpf_map_lookup_elem(bpf_map__fd(bpf_object__find_map_by_name(obj, GB_MAP_EXIT_DUMP)), &key, &dump) ==
      0) {
    const std::string text(dump.text, strnlen(dump.text, sizeof dump.text));
    std::printf("exit dump %zu lines: %s\n",
                static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')),
                text.substr(0, text.find('\n')).c_str());
  }
}

__s32 exit_kind(bpf_object* obj) {
  gb_exit_info info{};
  __u32 key = 0;
  bpf_map_lookup_elem(bpf_map__fd(bpf_object__find_map_by_name(obj, GB_MAP_EXIT_INFO)), &key, &info);
  return info.kind;
}

std::string sched_ext_state() {
  char buf[32] = {};
  FILE* f = std::fopen("/sys/kernel/sched_ext/state", "r");
  if (!f) return "missing";
  if (!std::fgets(buf, sizeof(buf), f)) buf[0] = 0;
  std::fclose(f);
  std::string state = buf;
  while (!state.empty() && (state.back() == '\n' || state.back() == ' ')) state.pop_back();
  return state;
}

// The kernel may report success for the attach and run ops.init afterwards: the scheduler runs only
// once the state is `enabled` with no exit recorded. Waits up to 10 s for either outcome.
bool wait_until_enabled(bpf_object* obj) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (exit_kind(obj) != 0) return false;
    if (sched_ext_state() == "enabled") return exit_kind(obj) == 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void print_stats(bpf_object* obj) {
  const int ncpus = libbpf_num_possible_cpus();
  std::vector<gb_stats> per_cpu(static_cast<size_t>(std::max(ncpus, 1)));
  __u32 key = 0;
  if (bpf_map_lookup_elem(bpf_map__fd(bpf_object__find_map_by_name(obj, GB_MAP_STATS)), &key, per_cpu.data()))
    return;
  gb_stats sum{};
  using ghostbrew::sched::operator+=;
  for (const auto& s : per_cpu) sum += s;
  for (int c = 0; c < GB_NR_CLASSES; ++c)
    std::printf("stat dispatched_%d %llu\n", c, static_cast<unsigned long long>(sum.dispatched[c]));
#define GB_PRINT(field) std::printf("stat " #field " %llu\n", static_cast<unsigned long long>(sum.field))
  GB_PRINT(direct_dispatches);
  GB_PRINT(migrations);
  GB_PRINT(xccd_migrations);
  GB_PRINT(ccd_local);
  GB_PRINT(vcache_placements);
  GB_PRINT(preemptions);
  GB_PRINT(ringbuf_drops);
  GB_PRINT(llc_steals);
  GB_PRINT(xccd_steals);
  GB_PRINT(reclassifications);
  GB_PRINT(stale_heartbeat);
#undef GB_PRINT
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = "auto", topology;
  int seconds = 5;
  __u32 nr_llcs_override = 0;
  bool verifier_stats = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--verifier-stats") {
      verifier_stats = true;
      continue;
    }
    if (i + 1 >= argc) usage("option " + arg + " wants a value");
    if (arg == "--mode")
      mode = argv[++i];
    else if (arg == "--topology")
      topology = argv[++i];
    else if (arg == "--seconds")
      seconds = std::atoi(argv[++i]);
    else if (arg == "--nr-llcs")
      nr_llcs_override = static_cast<__u32>(std::atoi(argv[++i]));
    else
      usage("unknown option " + arg);
  }
  const std::vector<gb_cpu_info> cpus = parse_topology(topology);
  gb_config want{};
  want.mode = mode == "gaming" ? GB_MODE_GAMING : mode == "work" ? GB_MODE_WORK : GB_MODE_AUTO;
  if (mode != "auto" && mode != "gaming" && mode != "work") usage("bad mode " + mode);
  for (const auto& c : cpus) {
    want.nr_llcs = std::max(want.nr_llcs, c.llc + 1);
    want.nr_ccds = std::max(want.nr_ccds, c.ccd + 1);
    want.nr_nodes = std::max(want.nr_nodes, c.node + 1);
  }

  LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "ghostbrew");
  if (verifier_stats) {
    opts.kernel_log_level = 4;
    libbpf_set_print(print_verifier_stats);
  }
  auto image = ghostbrew_bpf_object();
  bpf_object* obj = bpf_object__open_mem(image.data(), image.size(), &opts);
  if (!obj) usage(std::string("open: ") + std::strerror(errno));
  const int ncpus = libbpf_num_possible_cpus();
  bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, GB_MAP_CPU_INFO), static_cast<__u32>(ncpus));
  size_t size = 0;
  auto* cfg = static_cast<gb_config*>(
      bpf_map__initial_value(bpf_object__find_map_by_name(obj, GB_MAP_CONFIG), &size));
  cfg->mode = want.mode;
  // Sized from the topology when one was given, else the defaults (1) stay: both sides agree.
  if (!cpus.empty()) {
    cfg->nr_llcs = want.nr_llcs;
    cfg->nr_ccds = want.nr_ccds;
    cfg->nr_nodes = want.nr_nodes;
  }
  if (nr_llcs_override) cfg->nr_llcs = nr_llcs_override;
  bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, GB_MAP_LLC_CTX), std::max(cfg->nr_llcs, 1u));
  bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, GB_MAP_CCD_CTX), std::max(cfg->nr_ccds, 1u));
  bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, GB_MAP_NODE_CTX), std::max(cfg->nr_nodes, 1u));
  if (int err = bpf_object__load(obj)) usage(std::string("load: ") + std::strerror(-err));

  const int cpu_info_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, GB_MAP_CPU_INFO));
  for (size_t cpu = 0; cpu < cpus.size() && cpu < static_cast<size_t>(ncpus); ++cpu) {
    auto key = static_cast<__u32>(cpu);
    if (bpf_map_update_elem(cpu_info_fd, &key, &cpus[cpu], BPF_ANY))
      usage("cpu_info update: " + std::string(std::strerror(errno)));
  }
  const int knobs_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, GB_MAP_KNOBS));
  __u32 zero = 0;
  gb_knobs knobs{monotonic_ns(), 1, 0, {}, 0, 0};
  bpf_map_update_elem(knobs_fd, &zero, &knobs, BPF_ANY);

  bpf_link* link = bpf_map__attach_struct_ops(bpf_object__find_map_by_name(obj, GB_MAP_OPS));
  if (!link || !wait_until_enabled(obj)) {
    std::printf("gb-loader: attach failed: %s\n",
                link ? "the scheduler did not become enabled" : std::strerror(errno));
    bpf_link__destroy(link);
    print_exit_info(obj);
    bpf_object__close(obj);
    return 1;
  }
  std::printf("gb-loader: attached\n");
  std::fflush(stdout);
  bpf_link* exec_link = bpf_program__attach(bpf_object__find_program_by_name(obj, GB_PROG_EXEC));
  bpf_link* exit_link = bpf_program__attach(bpf_object__find_program_by_name(obj, GB_PROG_EXIT));
  unsigned long counts[2] = {0, 0};
  ring_buffer* rb = ring_buffer__new(bpf_map__fd(bpf_object__find_map_by_name(obj, GB_MAP_EVENTS)), on_event,
                                     counts, nullptr);

  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < end) {
    knobs.heartbeat_ns = monotonic_ns();
    bpf_map_update_elem(knobs_fd, &zero, &knobs, BPF_ANY);
    if (rb)
      ring_buffer__poll(rb, 250);
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  print_stats(obj);
  std::printf("events exec %lu exit %lu\n", counts[0], counts[1]);
  ring_buffer__free(rb);
  bpf_link__destroy(exec_link);
  bpf_link__destroy(exit_link);
  bpf_link__destroy(link);
  print_exit_info(obj);
  bpf_object__close(obj);
  return 0;
}
