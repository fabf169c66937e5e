// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// framesim: a synthetic game for scheduler A/B runs. A render thread paces frames at a fixed period,
// fans each frame's work out to a job system of worker threads and joins them; an input thread wakes
// at 1 kHz and an audio-like thread every 5 ms. It measures frame times (start of frame to join),
// deadline misses (a frame not joined by the next frame's start) and each periodic thread's
// wake-up-to-run latency (actual wake minus the absolute time it asked for).
//
// A game split across processes: with --helper PATH the render thread needs a reply from a helper
// process every frame (after the join, before its own work), through a futex in shared memory
// (--ipc futex, PATH a file both map) or a pair of FIFOs (--ipc pipe, PATH.req and PATH.rep). The
// helper is framesim itself started with --serve PATH (and the same --ipc), named whatever its
// binary is called; it does --serve-us of CPU work per request and ends when the game does.
// With --input-dev /dev/input/eventN the input thread reads that evdev device instead of waking on
// a timer: each event's latency is from the kernel's timestamp (CLOCK_MONOTONIC) to read()'s return.
//
// With --selfwake timer|pipe it is no game but a CPU hog that wakes itself: it runs --burst-us of
// CPU, then sleeps on a --sleep-us timer, or hands a byte through a pipe to a partner thread that
// hands it straight back; for --duration seconds; it prints the CPU time it got (cpu_ms).
//
// Output: a human summary, plus `GHOSTBREW-DATA key value` lines (read by tests/vm/run-guest.sh) and,
// with --dump FILE, every frame time and wake latency (us), one `kind value` per line, for plots;
// with --trace FILE, one line per frame with where its time went (see write_trace), to find what a
// slow frame waited for.
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/input.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

namespace {

using ns_t = std::int64_t;

ns_t now_ns(clockid_t clock = CLOCK_MONOTONIC) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

void sleep_until(ns_t t) {
  timespec ts{static_cast<time_t>(t / 1'000'000'000LL), static_cast<long>(t % 1'000'000'000LL)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

/// Burns `ns` of this thread's own CPU time (so preemption delays the frame instead of shortening
/// the work).
void spin_cpu(ns_t ns) {
  const ns_t end = now_ns(CLOCK_THREAD_CPUTIME_ID) + ns;
  volatile std::uint64_t x = 0;
  while (now_ns(CLOCK_THREAD_CPUTIME_ID) < end)
    for (int i = 0; i < 200; ++i) x = x + static_cast<std::uint64_t>(i);
}

struct Config {
  double fps = 120.0;
  int workers = 3;
  double work_us = 1500.0;   // per worker per frame
  double render_us = 500.0;  // render thread's own work per frame (after the join)
  double duration_s = 10.0;
  double input_hz = 1000.0;
  double audio_ms = 5.0;
  int vcpu_threads = 0;  // VM-like load: threads named "CPU N/KVM" running 2 ms, sleeping 1 ms
  std::string helper;    // ask this helper for a reply every frame (path of its futex file / FIFOs)
  std::string serve;     // be the helper at this path
  std::string ipc = "futex";
  double serve_us = 500.0;   // the helper's CPU work per request
  std::string input_dev;     // read input events from this evdev device instead of a timer
  std::string selfwake;      // be a hog that wakes itself: "timer" or "pipe"
  double burst_us = 2000.0;  // --selfwake: CPU per burst
  double sleep_us = 50.0;    // --selfwake timer: the sleep between bursts
  std::string dump;
  std::string trace;
  std::string label = "framesim";
};

/// When one frame's fan-out happened: the wake-up call, and each worker's start and end.
struct FanOut {
  ns_t notified = 0;
  std::vector<ns_t> started, ended;
};

/// One frame's fan-out/join: workers wait for a generation number, run, and count down.
class JobSystem {
 public:
  explicit JobSystem(int workers, ns_t work_ns)
      : work_ns_(work_ns),
        started_(static_cast<std::size_t>(workers)),
        ended_(static_cast<std::size_t>(workers)) {
    for (int i = 0; i < workers; ++i)
      threads_.emplace_back([this, i] {
        prctl(PR_SET_NAME, fmt::format("worker{}", i).c_str());
        run(static_cast<std::size_t>(i));
      });
  }
  ~JobSystem() {
    {
      std::lock_guard lk(mu_);
      quit_ = true;
      ++gen_;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  FanOut run_frame() {
    FanOut f;
    {
      std::lock_guard lk(mu_);
      pending_ = static_cast<int>(threads_.size());
      ++gen_;
      f.notified = now_ns();
    }
    cv_.notify_all();
    std::unique_lock lk(mu_);
    done_cv_.wait(lk, [this] { return pending_ == 0; });
    f.started = started_;
    f.ended = ended_;
    return f;
  }

 private:
  void run(std::size_t i) {
    std::uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock lk(mu_);
        cv_.wait(lk, [&] { return gen_ != seen; });
        seen = gen_;
        if (quit_) return;
        started_[i] = now_ns();
      }
      spin_cpu(work_ns_);
      std::lock_guard lk(mu_);
      ended_[i] = now_ns();
      if (--pending_ == 0) done_cv_.notify_one();
    }
  }
  ns_t work_ns_;
  std::vector<ns_t> started_, ended_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::uint64_t gen_ = 0;
  int pending_ = 0;
  bool quit_ = false;
  std::vector<std::thread> threads_;
};

/// A thread that asks to wake every `period` and records how late each wake-up was.
class PeriodicThread {
 public:
  PeriodicThread(std::string name, ns_t period, ns_t work, std::atomic<bool>& stop)
      : thread_([this, name, period, work, &stop] {
          prctl(PR_SET_NAME, name.c_str());
          ns_t next = now_ns() + period;
          while (!stop.load(std::memory_order_relaxed)) {
            sleep_until(next);
            lat_.push_back(now_ns() - next);
            spin_cpu(work);
            next += period;
            const ns_t t = now_ns();
            if (next < t) next = t + period;  // fell behind: do not burst to catch up
          }
        }) {}
  std::vector<ns_t> join() {
    thread_.join();
    return std::move(lat_);
  }

 private:
  std::vector<ns_t> lat_;
  std::thread thread_;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "framesim: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

/// The request and reply counters a game and its helper share (--ipc futex), in a MAP_SHARED file.
struct Shared {
  std::atomic<std::uint32_t> req{0};
  std::atomic<std::uint32_t> rep{0};
  std::atomic<std::uint32_t> quit{0};
};

long futex(std::atomic<std::uint32_t>* word, int op, std::uint32_t val) {
  return syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), op, val, nullptr, nullptr, 0);
}

/// Waits until *word differs from `seen` (a shared futex: the other side is another process).
std::uint32_t wait_change(std::atomic<std::uint32_t>* word, std::uint32_t seen) {
  std::uint32_t v;
  while ((v = word->load()) == seen) futex(word, FUTEX_WAIT, seen);
  return v;
}

Shared* map_shared(const std::string& path, bool create) {
  const int fd = open(path.c_str(), create ? O_RDWR | O_CREAT | O_TRUNC : O_RDWR, 0600);
  if (fd < 0) die("open " + path);
  if (create && ftruncate(fd, 4096) != 0) die("ftruncate " + path);
  void* m = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (m == MAP_FAILED) die("mmap " + path);
  return create ? new (m) Shared : static_cast<Shared*>(m);
}

/// The game's side of the helper: one request and its reply per frame.
class HelperClient {
 public:
  HelperClient(const std::string& path, const std::string& ipc) {
    if (ipc == "futex") {
      shared_ = map_shared(path, false);
    } else {
      req_ = open((path + ".req").c_str(), O_WRONLY);
      if (req_ < 0) die("open " + path + ".req");
      rep_ = open((path + ".rep").c_str(), O_RDONLY);
      if (rep_ < 0) die("open " + path + ".rep");
    }
  }
  ~HelperClient() {
    if (shared_) {
      shared_->quit = 1;
      shared_->req.fetch_add(1);
      futex(&shared_->req, FUTEX_WAKE, 1);
      munmap(shared_, 4096);
    } else {
      close(req_);
      close(rep_);
    }
  }
  HelperClient(const HelperClient&) = delete;
  HelperClient& operator=(const HelperClient&) = delete;
  void ask() {
    if (shared_) {
      const std::uint32_t n = shared_->req.fetch_add(1) + 1;
      futex(&shared_->req, FUTEX_WAKE, 1);
      std::uint32_t r;
      while ((r = shared_->rep.load()) != n) futex(&shared_->rep, FUTEX_WAIT, r);
      return;
    }
    char b = 'f';
    if (write(req_, &b, 1) != 1) die("write to the helper");
    if (read(rep_, &b, 1) != 1) die("read the helper's reply");
  }

 private:
  Shared* shared_ = nullptr;
  int req_ = -1, rep_ = -1;
};

/// --serve: answer the game's requests, serve_ns of CPU work each, until it quits. Returns the count.
std::uint64_t serve(const Config& c) {
  const ns_t work = static_cast<ns_t>(c.serve_us * 1000);
  std::uint64_t served = 0;
  if (c.ipc == "futex") {
    Shared* sh = map_shared(c.serve, true);
    std::uint32_t seen = 0;
    std::printf("framesim: serving %s (futex)\n", c.serve.c_str());
    std::fflush(stdout);
    for (;;) {
      seen = wait_change(&sh->req, seen);
      if (sh->quit) break;
      spin_cpu(work);
      ++served;
      sh->rep = seen;
      futex(&sh->rep, FUTEX_WAKE, 1);
    }
    return served;
  }
  for (const char* suffix : {".req", ".rep"})
    if (mkfifo((c.serve + suffix).c_str(), 0600) != 0 && errno != EEXIST) die("mkfifo " + c.serve + suffix);
  std::printf("framesim: serving %s (pipe)\n", c.serve.c_str());
  std::fflush(stdout);
  const int req = open((c.serve + ".req").c_str(), O_RDONLY);
  if (req < 0) die("open " + c.serve + ".req");
  const int rep = open((c.serve + ".rep").c_str(), O_WRONLY);
  if (rep < 0) die("open " + c.serve + ".rep");
  char b;
  while (read(req, &b, 1) == 1) {
    spin_cpu(work);
    ++served;
    if (write(rep, &b, 1) != 1) break;
  }
  close(req);
  close(rep);
  return served;
}

/// The input thread of --input-dev: every event's latency from its kernel timestamp to read()'s return.
class InputReader {
 public:
  InputReader(const std::string& dev, std::atomic<bool>& stop) {
    fd_ = open(dev.c_str(), O_RDONLY | O_NONBLOCK);
    if (fd_ < 0) die("open " + dev);
    int clock = CLOCK_MONOTONIC;
    if (ioctl(fd_, EVIOCSCLOCKID, &clock) != 0) die("EVIOCSCLOCKID " + dev);
    thread_ = std::thread([this, &stop] {
      prctl(PR_SET_NAME, "input");
      input_event ev[64];
      while (!stop.load(std::memory_order_relaxed)) {
        // Sleeps in poll (woken by the device's interrupt through evdev), then reads at once.
        pollfd pfd{fd_, POLLIN, 0};
        if (poll(&pfd, 1, 100) <= 0) continue;
        const ssize_t n = read(fd_, ev, sizeof ev);
        const ns_t t = now_ns();
        if (n <= 0) continue;
        for (ssize_t i = 0; i < n / static_cast<ssize_t>(sizeof(input_event)); ++i) {
          if (ev[i].type == EV_SYN) continue;  // the report's end: same timestamp as its events
          lat_.push_back(t - (static_cast<ns_t>(ev[i].input_event_sec) * 1'000'000'000LL +
                              static_cast<ns_t>(ev[i].input_event_usec) * 1000));
        }
      }
    });
  }
  std::vector<ns_t> join() {
    thread_.join();
    close(fd_);
    return std::move(lat_);
  }

 private:
  int fd_ = -1;
  std::vector<ns_t> lat_;
  std::thread thread_;
};

/// --selfwake: a hog that wakes itself (timer or pipe) for duration_s; returns its CPU time in ns.
ns_t selfwake(const Config& c) {
  const ns_t burst = static_cast<ns_t>(c.burst_us * 1000), nap = static_cast<ns_t>(c.sleep_us * 1000);
  const ns_t end = now_ns() + static_cast<ns_t>(c.duration_s * 1e9);
  int to[2], back[2];
  std::thread partner;
  if (c.selfwake == "pipe") {
    if (pipe(to) != 0 || pipe(back) != 0) die("pipe");
    partner = std::thread([&] {
      char b;
      while (read(to[0], &b, 1) == 1 && write(back[1], &b, 1) == 1) {
      }
      close(back[1]);
    });
  }
  const ns_t cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
  while (now_ns() < end) {
    spin_cpu(burst);
    if (c.selfwake == "timer") {
      sleep_until(now_ns() + nap);
    } else {
      char b = 'w';
      if (write(to[1], &b, 1) != 1 || read(back[0], &b, 1) != 1) die("the partner's pipe");
    }
  }
  const ns_t cpu = now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
  if (partner.joinable()) {
    close(to[1]);
    partner.join();
  }
  return cpu;
}

double percentile(std::vector<ns_t> v, double p) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const auto idx = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return static_cast<double>(v[std::min(idx, v.size() - 1)]) / 1000.0;
}

/// "1% low" fps: the average fps over the slowest 1% of frame-to-frame (present) intervals.
double one_percent_low_fps(std::vector<ns_t> frames) {
  if (frames.empty()) return 0.0;
  std::sort(frames.begin(), frames.end(), std::greater<>());
  const auto n = std::max<std::size_t>(1, frames.size() / 100);
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += static_cast<double>(frames[i]);
  return 1e9 / (sum / static_cast<double>(n));
}

void data(const Config& c, const char* key, double v) {
  std::printf("GHOSTBREW-DATA %s.%s %.3f\n", c.label.c_str(), key, v);
}

/// The distribution as quantile points (`GHOSTBREW-CDF label.kind q value_us`), compact enough for
/// a serial console and enough to draw a CDF: every percent plus the tail.
void cdf(const Config& c, const std::string& kind, const std::vector<ns_t>& v) {
  if (v.empty()) return;
  std::vector<double> qs;
  for (int q = 0; q <= 100; q += 2) qs.push_back(q);
  for (double q : {95.0, 97.0, 99.0, 99.5, 99.9}) qs.push_back(q);
  std::sort(qs.begin(), qs.end());
  for (double q : qs)
    std::printf("GHOSTBREW-CDF %s.%s %.1f %.3f\n", c.label.c_str(), kind.c_str(), q, percentile(v, q));
}

/// Where one frame's time went: CLOCK_MONOTONIC times (ns).
struct FrameTrace {
  ns_t due;      // when the frame was due to start
  ns_t woke;     // the render thread ran after its sleep
  FanOut fan;    // its workers
  ns_t joined;   // the render thread ran after the join
  ns_t replied;  // the helper's reply arrived (== joined without a helper)
  ns_t done;     // its own work was done
};

/// --trace: a header, then one line per frame (us): when it was due since the start, how late the
/// render thread woke, then per worker how long after the wake-up call it started and how long its
/// fixed CPU work took in wall time (longer: preempted), then how long the render thread took to
/// run after the last worker ended, the helper's round trip, its own work's wall time, and the frame.
bool write_trace(const std::string& path, const std::vector<FrameTrace>& traces, ns_t start) {
  std::ofstream out(path);
  if (!out) {
    std::fprintf(stderr, "framesim: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  const auto us = [](ns_t ns) { return fmt::format("{:.0f}", static_cast<double>(ns) / 1000.0); };
  const std::size_t workers = traces.empty() ? 0 : traces.front().fan.started.size();
  out << "due_ms render_wake";
  for (std::size_t i = 0; i < workers; ++i) out << fmt::format(" w{0}_start w{0}_run", i);
  out << " join helper render frame\n";
  for (const auto& t : traces) {
    out << fmt::format("{:.1f} {}", static_cast<double>(t.due - start) / 1e6, us(t.woke - t.due));
    ns_t last_end = t.fan.notified;
    for (std::size_t i = 0; i < workers; ++i) {
      out << ' ' << us(t.fan.started[i] - t.fan.notified) << ' ' << us(t.fan.ended[i] - t.fan.started[i]);
      last_end = std::max(last_end, t.fan.ended[i]);
    }
    out << ' ' << us(t.joined - last_end) << ' ' << us(t.replied - t.joined) << ' ' << us(t.done - t.replied)
        << ' ' << us(t.done - t.due) << '\n';
  }
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  CLI::App app{"framesim: a synthetic game measuring frame pacing and wake-up latency"};
  app.add_option("--fps", c.fps, "frame rate")->check(CLI::Range(1.0, 1000.0));
  app.add_option("--workers", c.workers, "job-system worker threads")->check(CLI::Range(0, 64));
  app.add_option("--work-us", c.work_us, "CPU work per worker per frame (us)")->check(CLI::Range(0.0, 1e6));
  app.add_option("--render-us", c.render_us, "render thread's own work per frame (us)")
      ->check(CLI::Range(0.0, 1e6));
  app.add_option("--duration", c.duration_s, "seconds to run")->check(CLI::Range(0.1, 3600.0));
  app.add_option("--input-hz", c.input_hz, "input thread wake rate (0: none)")
      ->check(CLI::Range(0.0, 10000.0));
  app.add_option("--audio-ms", c.audio_ms, "audio thread period in ms (0: none)")
      ->check(CLI::Range(0.0, 1000.0));
  app.add_option("--vcpu-threads", c.vcpu_threads,
                 "also run N VM-like threads named 'CPU i/KVM' (2 ms on, 1 ms off)")
      ->check(CLI::Range(0, 64));
  app.add_option("--helper", c.helper, "ask the helper at this path for a reply every frame");
  app.add_option("--serve", c.serve, "be the helper at this path (until the game ends)");
  app.add_option("--ipc", c.ipc, "how game and helper talk: futex (shared memory) or pipe")
      ->check(CLI::IsMember({"futex", "pipe"}));
  app.add_option("--serve-us", c.serve_us, "the helper's CPU work per request (us)")
      ->check(CLI::Range(0.0, 1e6));
  app.add_option("--input-dev", c.input_dev,
                 "the input thread reads this evdev device (latency: event timestamp to read return)");
  app.add_option("--selfwake", c.selfwake, "be a CPU hog that wakes itself: timer or pipe (no game)")
      ->check(CLI::IsMember({"timer", "pipe"}));
  app.add_option("--burst-us", c.burst_us, "--selfwake: CPU per burst (us)")->check(CLI::Range(1.0, 1e6));
  app.add_option("--sleep-us", c.sleep_us, "--selfwake timer: sleep between bursts (us)")
      ->check(CLI::Range(1.0, 1e6));
  app.add_option("--dump", c.dump, "write every sample (us) to this file");
  app.add_option("--trace", c.trace, "write where each frame's time went (one line per frame) to this file");
  app.add_option("--label", c.label, "prefix of the GHOSTBREW-DATA keys");
  CLI11_PARSE(app, argc, argv);
  if (!c.selfwake.empty()) {
    const double cpu_ms = static_cast<double>(selfwake(c)) / 1e6;
    std::printf("%s: selfwake %s cpu_ms=%.1f\n", c.label.c_str(), c.selfwake.c_str(), cpu_ms);
    data(c, "cpu_ms", cpu_ms);
    return 0;
  }
  if (!c.serve.empty()) {
    const auto served = serve(c);
    std::printf("framesim: served %llu requests\n", static_cast<unsigned long long>(served));
    return 0;
  }

  const ns_t period = static_cast<ns_t>(1e9 / c.fps);
  std::atomic<bool> stop{false};
  std::vector<std::unique_ptr<PeriodicThread>> periodic;
  std::vector<std::string> periodic_names;
  std::unique_ptr<InputReader> input;
  if (!c.input_dev.empty()) {
    input = std::make_unique<InputReader>(c.input_dev, stop);
  } else if (c.input_hz > 0) {
    periodic.push_back(
        std::make_unique<PeriodicThread>("input", static_cast<ns_t>(1e9 / c.input_hz), 20'000, stop));
    periodic_names.emplace_back("input");
  }
  if (c.audio_ms > 0) {
    periodic.push_back(
        std::make_unique<PeriodicThread>("audio", static_cast<ns_t>(c.audio_ms * 1e6), 200'000, stop));
    periodic_names.emplace_back("audio");
  }

  // VM-like vCPU threads: how many 2 ms work periods they completed is their progress.
  std::atomic<std::uint64_t> vcpu_periods{0};
  std::vector<std::thread> vcpus;
  for (int i = 0; i < c.vcpu_threads; ++i)
    vcpus.emplace_back([i, &stop, &vcpu_periods] {
      prctl(PR_SET_NAME, fmt::format("CPU {}/KVM", i).c_str());
      while (!stop.load(std::memory_order_relaxed)) {
        spin_cpu(2'000'000);
        vcpu_periods.fetch_add(1, std::memory_order_relaxed);
        sleep_until(now_ns() + 1'000'000);
      }
    });

  std::vector<ns_t> frames, render_lat, intervals;
  std::vector<FrameTrace> traces;
  ns_t run_start = 0;
  ns_t last_present = 0;
  int misses = 0;
  {
    std::unique_ptr<HelperClient> helper;
    if (!c.helper.empty()) helper = std::make_unique<HelperClient>(c.helper, c.ipc);
    JobSystem jobs(c.workers, static_cast<ns_t>(c.work_us * 1000));
    prctl(PR_SET_NAME, "render");
    const ns_t start = now_ns();
    run_start = start;
    const ns_t end = start + static_cast<ns_t>(c.duration_s * 1e9);
    ns_t next = start + period;
    while (next < end) {
      sleep_until(next);
      const ns_t t0 = now_ns();
      render_lat.push_back(t0 - next);
      FrameTrace tr{next, t0, jobs.run_frame(), now_ns(), 0, 0};
      if (helper) helper->ask();
      tr.replied = now_ns();
      spin_cpu(static_cast<ns_t>(c.render_us * 1000));
      const ns_t t1 = now_ns();
      tr.done = t1;
      frames.push_back(t1 - next);  // from the frame's deadline-aligned start to its completion
      if (!c.trace.empty()) traces.push_back(std::move(tr));
      if (last_present != 0) intervals.push_back(t1 - last_present);
      last_present = t1;
      next += period;
      if (t1 > next) {
        // The frame overran its slot: count every deadline it skipped and restart the cadence.
        const auto skipped = (t1 - next) / period + 1;
        misses += static_cast<int>(skipped);
        next += skipped * period;
      }
    }
    stop = true;
  }
  std::vector<std::vector<ns_t>> lat;
  for (auto& p : periodic) lat.push_back(p->join());
  if (input) {
    lat.push_back(input->join());
    periodic_names.emplace_back("input");
    const auto& ev = lat.back();
    data(c, "input_events", static_cast<double>(ev.size()));
    data(c, "input_p50_us", percentile(ev, 50));
    data(c, "input_p99_us", percentile(ev, 99));
  }
  for (auto& t : vcpus) t.join();
  if (c.vcpu_threads > 0)
    data(c, "vcpu_periods_per_s", static_cast<double>(vcpu_periods.load()) / c.duration_s);

  const auto total = static_cast<double>(frames.size() + static_cast<std::size_t>(misses));
  const double miss_pct = total > 0 ? 100.0 * misses / total : 0.0;
  std::printf(
      "%s: frames=%zu period_us=%.0f p50_us=%.0f p99_us=%.0f p999_us=%.0f low1_fps=%.1f misses=%d (%.2f%%)\n",
      c.label.c_str(), frames.size(), static_cast<double>(period) / 1000.0, percentile(frames, 50),
      percentile(frames, 99), percentile(frames, 99.9), one_percent_low_fps(intervals), misses, miss_pct);
  data(c, "frames", static_cast<double>(frames.size()));
  data(c, "frame_p50_us", percentile(frames, 50));
  data(c, "frame_p99_us", percentile(frames, 99));
  data(c, "frame_p999_us", percentile(frames, 99.9));
  data(c, "low1_fps", one_percent_low_fps(intervals));
  data(c, "miss_pct", miss_pct);
  data(c, "render_wake_p99_us", percentile(render_lat, 99));
  std::vector<ns_t> all_wake = render_lat;
  for (std::size_t i = 0; i < lat.size(); ++i) {
    std::printf("%s: %s wake_p50_us=%.0f wake_p99_us=%.0f wake_max_us=%.0f n=%zu\n", c.label.c_str(),
                periodic_names[i].c_str(), percentile(lat[i], 50), percentile(lat[i], 99),
                percentile(lat[i], 100), lat[i].size());
    data(c, (periodic_names[i] + "_wake_p99_us").c_str(), percentile(lat[i], 99));
    all_wake.insert(all_wake.end(), lat[i].begin(), lat[i].end());
  }
  data(c, "wake_p50_us", percentile(all_wake, 50));
  cdf(c, "frame", frames);
  cdf(c, "wake", all_wake);
  data(c, "wake_p99_us", percentile(all_wake, 99));
  if (!c.trace.empty() && !write_trace(c.trace, traces, run_start)) return 1;
  if (!c.dump.empty()) {
    std::ofstream out(c.dump);
    if (!out) {
      std::fprintf(stderr, "framesim: cannot write %s: %s\n", c.dump.c_str(), std::strerror(errno));
      return 1;
    }
    for (auto f : frames) out << "frame " << static_cast<double>(f) / 1000.0 << '\n';
    for (auto w : render_lat) out << "wake_render " << static_cast<double>(w) / 1000.0 << '\n';
    for (std::size_t i = 0; i < lat.size(); ++i)
      for (auto w : lat[i])
        out << "wake_" << periodic_names[i] << ' ' << static_cast<double>(w) / 1000.0 << '\n';
  }
  return 0;
}
