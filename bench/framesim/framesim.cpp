// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// framesim: a synthetic game for scheduler A/B runs. A render thread paces frames at a fixed period,
// fans each frame's work out to a job system of worker threads and joins them; an input thread wakes
// at 1 kHz and an audio-like thread every 5 ms. It measures frame times (start of frame to join),
// deadline misses (a frame not joined by the next frame's start) and each periodic thread's
// wake-up-to-run latency (actual wake minus the absolute time it asked for).
//
// Output: a human summary, plus `GHOSTBREW-DATA key value` lines (read by tests/vm/run-guest.sh) and,
// with --dump FILE, every frame time and wake latency (us), one `kind value` per line, for plots.
#include <pthread.h>
#include <sys/prctl.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
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
  std::string dump;
  std::string label = "framesim";
};

/// One frame's fan-out/join: workers wait for a generation number, run, and count down.
class JobSystem {
 public:
  explicit JobSystem(int workers, ns_t work_ns) : work_ns_(work_ns) {
    for (int i = 0; i < workers; ++i)
      threads_.emplace_back([this, i] {
        prctl(PR_SET_NAME, fmt::format("worker{}", i).c_str());
        run();
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
  void run_frame() {
    {
      std::lock_guard lk(mu_);
      pending_ = static_cast<int>(threads_.size());
      ++gen_;
    }
    cv_.notify_all();
    std::unique_lock lk(mu_);
    done_cv_.wait(lk, [this] { return pending_ == 0; });
  }

 private:
  void run() {
    std::uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock lk(mu_);
        cv_.wait(lk, [&] { return gen_ != seen; });
        seen = gen_;
        if (quit_) return;
      }
      spin_cpu(work_ns_);
      std::lock_guard lk(mu_);
      if (--pending_ == 0) done_cv_.notify_one();
    }
  }
  ns_t work_ns_;
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
  app.add_option("--dump", c.dump, "write every sample (us) to this file");
  app.add_option("--label", c.label, "prefix of the GHOSTBREW-DATA keys");
  CLI11_PARSE(app, argc, argv);

  const ns_t period = static_cast<ns_t>(1e9 / c.fps);
  std::atomic<bool> stop{false};
  std::vector<std::unique_ptr<PeriodicThread>> periodic;
  std::vector<std::string> periodic_names;
  if (c.input_hz > 0) {
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
  ns_t last_present = 0;
  int misses = 0;
  {
    JobSystem jobs(c.workers, static_cast<ns_t>(c.work_us * 1000));
    prctl(PR_SET_NAME, "render");
    const ns_t start = now_ns();
    const ns_t end = start + static_cast<ns_t>(c.duration_s * 1e9);
    ns_t next = start + period;
    while (next < end) {
      sleep_until(next);
      const ns_t t0 = now_ns();
      render_lat.push_back(t0 - next);
      jobs.run_frame();
      spin_cpu(static_cast<ns_t>(c.render_us * 1000));
      const ns_t t1 = now_ns();
      frames.push_back(t1 - next);  // from the frame's deadline-aligned start to its completion
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
