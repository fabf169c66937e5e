// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Workload detection cost: the daemon rescans all of /proc periodically and classifies one pid per
// exec event, so both must stay cheap next to a frame (16.7 ms at 60 Hz) on a 2-core machine.
// Budgets are CPU time (the CPU column): wall time on a loaded 2-core box also counts waiting for a core.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <memory>

#include "fake_proc.hpp"
#include "ghostbrew/detect/scan.hpp"

namespace {

using ghostbrew::testing::FakeProc;
using ghostbrew::testing::FakeRoot;
namespace gd = ghostbrew::detect;

/// 2,000 processes shaped like a busy desktop: games with many threads, a QEMU VM, containers,
/// services, plain shells; ~2 threads and a few device fds on average.
std::unique_ptr<FakeRoot> make_fixture(int n) {
  auto fr = std::make_unique<FakeRoot>();
  int tid = 100000;
  for (int i = 0; i < n; ++i) {
    FakeProc p;
    p.pid = 1000 + i;
    p.ppid = i % 7 == 0 ? 1 : 1000 + i - 1;
    p.start_time = static_cast<std::uint64_t>(1000 + i);
    switch (i % 10) {
      case 0:
        p.comm = "game.exe";
        p.exe = "/usr/lib/wine/wine64-preloader";
        p.environ = {"HOME=/home/u", "WINEPREFIX=/home/u/pfx"};
        for (int t = 0; t < 6; ++t) p.threads.emplace_back(tid++, "render");
        p.fds = {"/dev/nvidia0", "/dev/input/event3"};
        break;
      case 1:
        p.comm = "qemu-system-x86";
        p.exe = "/usr/bin/qemu-system-x86_64";
        p.threads = {{tid++, "CPU 0/KVM"}, {tid++, "CPU 1/KVM"}};
        break;
      case 2:
        p.comm = "nginx";
        p.exe = "/usr/sbin/nginx";
        p.cgroup = "/system.slice/docker-abc.scope";
        break;
      case 3:
        p.comm = "cron";
        p.exe = "/usr/sbin/cron";
        p.cgroup = "/system.slice/cron.service";
        break;
      default:
        p.comm = "bash";
        p.exe = "/bin/bash";
        p.environ = {"HOME=/home/u", "PATH=/usr/bin", "LANG=C.UTF-8"};
        p.cgroup = "/user.slice/user-1000.slice/session-2.scope";
        p.threads.emplace_back(tid++, "bash");
        break;
    }
    p.cmdline = {p.exe, "--flag"};
    fr->add(p);
  }
  return fr;
}

// Budget: 2,000 processes (about 4,800 threads) in under 150 ms of CPU: a rescan every few seconds
// costs under 5% of one core.
void BM_ScanFixture2000(benchmark::State& state) {
  static const auto fixture = make_fixture(2000);
  std::size_t rows = 0;
  for (auto _ : state) {
    auto s = gd::scan(fixture->root());
    if (!s) state.SkipWithError(s.error().message().c_str());
    rows = s ? s->rows.size() : 0;
    benchmark::DoNotOptimize(rows);
  }
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["budget_ms"] = 150;
}
BENCHMARK(BM_ScanFixture2000)->Unit(benchmark::kMillisecond);

// Budget: the live /proc of this machine (~100 processes) in under 10 ms of CPU.
void BM_ScanLiveProc(benchmark::State& state) {
  std::size_t rows = 0;
  for (auto _ : state) {
    auto s = gd::scan("/");
    if (!s) state.SkipWithError(s.error().message().c_str());
    rows = s ? s->rows.size() : 0;
    benchmark::DoNotOptimize(rows);
  }
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["budget_ms"] = 10;
}
BENCHMARK(BM_ScanLiveProc)->Unit(benchmark::kMillisecond);

// Budget: one exec event (read_process + classify of a real, just-started process, its parent chain
// read from /proc) in under 200 us of CPU,
// so a burst of 1,000 execs (a build) costs under 0.2 s of one core.
void BM_ClassifyExecEvent(benchmark::State& state) {
  const pid_t child = ::fork();
  if (child == 0) {
    ::execl("/bin/sleep", "sleep", "60", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::usleep(50000);  // let the exec finish
  const gd::Context ctx{"/", {}, {}};
  for (auto _ : state) {
    auto p = ghostbrew::procfs::read_process("/", child);
    if (!p) {
      state.SkipWithError(p.error().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(gd::classify(*p, ctx));
  }
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  state.counters["budget_us"] = 200;
}
BENCHMARK(BM_ClassifyExecEvent)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
