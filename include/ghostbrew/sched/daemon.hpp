// The ghost-sched daemon: preflight, load, feed, attach, then an event loop that sleeps until
// something happens: a signal (SIGINT/SIGTERM detach and exit, SIGHUP re-reads the cgroup rules
// and rescans), an exec/exit event
// (classify or forget that pid), the kernel ejecting the scheduler (the struct_ops link hangs up:
// restart in-process when the kernel asks for it, as after CPU hotplug), or the stats timer, which
// exists only when stats are on. No other wake-ups.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ghostbrew/core/event_loop.hpp"
#include "ghostbrew/core/state_file.hpp"
#include "ghostbrew/sched/class_feeder.hpp"
#include "ghostbrew/sched/collector.hpp"
#include "ghostbrew/sched/cpu_map.hpp"
#include "ghostbrew/sched/learner.hpp"
#include "ghostbrew/sched/options.hpp"
#include "ghostbrew/sched/preflight.hpp"
#include "ghostbrew/sched/scheduler.hpp"
#include "ghostbrew/sched/stats.hpp"
#include "ghostbrew/topology/discover.hpp"

namespace ghostbrew::sched {

/// Where the daemon's lines go (stdout for status and stats, stderr for errors by default).
struct DaemonOutput {
  std::function<void(const std::string&)> info = [](const std::string& s) {
    std::fputs((s + "\n").c_str(), stdout);
    std::fflush(stdout);
  };
  std::function<void(const std::string&)> error = [](const std::string& s) {
    std::fputs((s + "\n").c_str(), stderr);
    std::fflush(stderr);
  };
};

namespace detail {

/// One attached scheduler instance and what the loop needs to drive it.
struct Instance {
  std::unique_ptr<Scheduler> sched;
  std::vector<gb_event> pending;  // events collected by the ring buffer callback, handled after
  gb_stats last{};
  std::chrono::steady_clock::time_point last_at;
};

/// How one run of the event loop ended.
enum class LoopEnd { stop, restart, ejected };

}  // namespace detail

/// Runs the daemon until SIGINT/SIGTERM (exit status 0) or a fatal error (1). `elf` is the embedded
/// BPF object.
inline int run_daemon(const Options& opts, std::span<const std::byte> elf, DaemonOutput out = {}) {
  const auto err = [&](const std::string& s) { out.error("ghost-sched: " + s); };
  const auto info = [&](const std::string& s) { out.info("ghost-sched: " + s); };
  if (auto v = validate(opts); !v) return err(v.error().message()), 2;

  auto sig = make_signalfd({SIGINT, SIGTERM, SIGHUP});
  if (!sig) return err(sig.error().message()), 1;
  // The configuration SIGHUP reloads: the cgroup rules file, when one is given.
  const auto load_rules = [&]() -> Result<detect::Rules> {
    detect::Rules rules;
    if (opts.cgroup_rules.empty()) return rules;
    auto cg = detect::read_cgroup_rules(opts.cgroup_rules);
    if (!cg) return tl::unexpected(cg.error());
    rules.cgroups = std::move(*cg);
    return rules;
  };
  auto rules = load_rules();
  if (!rules) return err(rules.error().message()), 2;
  if (auto p = preflight(opts.root, ::geteuid() == 0); !p) return err(p.error().message()), 1;
  ClassFeeder feeder(opts.root, std::move(*rules),
                     opts.verbose ? ClassFeeder::Log(info) : ClassFeeder::Log());
  // What is learned outlives a restart of the scheduler: one Learner for the daemon's life.
  std::optional<Learner> learner;
  const bool follows_games = opts.collect || opts.tune || opts.profiles;
  std::filesystem::path state;
  if (opts.learn || follows_games) {
    auto dir = state_dir(opts.state_dir);
    if (!dir) return err(dir.error().message()), 1;
    state = *dir;
  }
  if (opts.learn) {
    auto l = Learner::open(procdb::default_procdb_path(state), err);
    if (!l) return err(l.error().message()), 1;
    learner.emplace(std::move(*l));
  }
  const auto drain_learner = [&](Scheduler& s) {
    if (!learner) return;
    if (auto d = learner->drain(s, err); !d)
      err("learning: " + d.error().message());
    else if (opts.verbose && d->comms > 0)
      info(fmt::format("learned from {} tasks of {} comms; {} predictions in BPF", d->tasks, d->comms,
                       d->predictions));
  };

  for (int restarts = 0;; ++restarts) {
    auto topo = topology::discover(opts.root);
    if (!topo) return err("topology: " + topo.error().message()), 1;
    const auto cpus = build_cpu_map(*topo);

    std::optional<Collector> collector;
    if (follows_games && opts.detect) {
      auto c = Collector::create(opts, state, topo->identity.model_name.value_or("unknown CPU"), info, err);
      if (!c) return err(c.error().message()), 1;
      collector.emplace(std::move(*c));
    }

    detail::Instance inst;
    auto loaded = Scheduler::load(elf, opts, cpus, [&inst](const gb_event& e) { inst.pending.push_back(e); });
    if (!loaded) return err(loaded.error().message()), 1;
    inst.sched = std::move(*loaded);
    Scheduler& s = *inst.sched;
    std::size_t classified = 0;
    if (opts.detect) {
      if (auto n = feeder.full_scan(s))
        classified = *n;
      else
        err("detection scan failed, continuing with BPF's own rules: " + n.error().message());
    }
    if (learner) {
      learner->forget_published();  // a fresh instance: its predictions map is empty
      if (auto n = learner->publish(s))
        info(fmt::format("process database {}: {} profiles, {} predictions", learner->path().string(),
                         learner->database().size(), *n));
      else
        err("predictions not loaded: " + n.error().message());
    }
    if (auto a = s.attach(); !a) {
      auto st = read_sched_ext(opts.root);
      if (st && st->state != "disabled")
        return err(fmt::format("another sched_ext scheduler is loaded: {} ({})", st->ops.value_or("unknown"),
                               a.error().message())),
               1;
      return err("attach: " + a.error().message()), 1;
    }
    std::string vcache;
    for (int c : topo->vcache_ccds()) vcache += fmt::format("{}{}", vcache.empty() ? "" : ",", c);
    info(fmt::format(
        "{} (ops ghostbrew, mode {}, {} CPUs, {} LLCs, {} CCDs, V-Cache CCDs [{}], {} preferred CPUs, "
        "{} classified processes, {} classified cgroups)",
        restarts == 0 ? "attached" : "restarted", to_string(opts.mode), topo->cpus.size(), cpus.nr_llcs,
        cpus.nr_ccds, vcache, cpus.nr_preferred, classified, feeder.cgroups()));

    auto loop = EventLoop::create();
    if (!loop) return err(loop.error().message()), 1;
    auto end = detail::LoopEnd::stop;
    ExitInfo exit{};

    const auto check_exit = [&]() {
      auto e = s.exit_info();
      if (!e || !e->exited()) return;
      exit = *e;
      end = e->wants_restart() ? detail::LoopEnd::restart : detail::LoopEnd::ejected;
      loop->stop();
    };
    (void)loop->add(sig->get(), [&] {
      switch (read_signal(sig->get())) {
        case SIGHUP:
          if (auto r = load_rules())
            feeder.set_rules(std::move(*r));
          else
            err("reload kept the previous rules: " + r.error().message());
          if (auto n = feeder.full_scan(s))
            info(fmt::format("reloaded: {} classified processes, {} cgroups", *n, feeder.cgroups()));
          else
            err("rescan failed: " + n.error().message());
          if (collector) collector->on_classes_changed(s, feeder);
          break;
        case SIGINT:
        case SIGTERM:
          end = detail::LoopEnd::stop;
          loop->stop();
          break;
        default:
          break;
      }
    });
    (void)loop->add(s.events_fd(), [&] {
      if (auto n = s.consume_events(); !n) err("events: " + n.error().message());
      for (const auto& e : inst.pending) {
        if (!opts.detect) break;
        if (e.kind == GB_EVENT_EXEC)
          feeder.on_exec(s, e);
        else if (e.kind == GB_EVENT_EXIT)
          feeder.on_exit(s, e);
      }
      if (learner && !inst.pending.empty())
        if (auto r = learner->on_activity(); !r) err("learning: " + r.error().message());
      if (collector && !inst.pending.empty()) collector->on_classes_changed(s, feeder);
      inst.pending.clear();
      check_exit();
    });
    if (learner) (void)loop->add(learner->timer_fd(), [&] { drain_learner(s); });
    if (collector) {
      (void)loop->add(collector->timer_fd(), [&] { collector->tick(s); });
      collector->on_classes_changed(s, feeder);
    }
    // The kernel hangs up the struct_ops link when it ejects the scheduler (6.10+); kernels whose
    // links cannot be polled are checked on each event and stats tick instead.
    const bool link_polled = loop->add(s.ops_link_fd(), [&] { check_exit(); }).has_value();
    UniqueFd timer;
    std::chrono::milliseconds tick{opts.stats_secs * 1000U};
    if (!link_polled && tick.count() == 0) tick = std::chrono::milliseconds(1000);
    if (tick.count() > 0) {
      auto t = make_timerfd(tick);
      if (!t) return err(t.error().message()), 1;
      timer = std::move(*t);
      inst.last_at = std::chrono::steady_clock::now();
      if (auto st = s.stats()) inst.last = *st;
      (void)loop->add(timer.get(), [&] {
        (void)read_timer(timer.get());
        if (opts.stats_secs > 0) {
          if (auto st = s.stats()) {
            const auto now = std::chrono::steady_clock::now();
            const double secs = std::chrono::duration<double>(now - inst.last_at).count();
            out.info(format_stats(delta(*st, inst.last), secs));
            inst.last = *st;
            inst.last_at = now;
          }
        }
        check_exit();
      });
    }

    if (auto r = loop->run(); !r) return err(r.error().message()), 1;
    if (collector) collector->stop(s);
    drain_learner(s);
    if (learner)
      if (auto r = learner->save(); !r) err("process database not saved: " + r.error().message());

    switch (end) {
      case detail::LoopEnd::stop: {
        if (auto d = s.detach(); !d) err("detach: " + d.error().message());
        auto e = s.exit_info();
        info(fmt::format("detached: {}", e && e->exited() ? e->describe() : std::string("unregistered")));
        return 0;
      }
      case detail::LoopEnd::restart:
        info(fmt::format("the kernel asked for a restart: {}", exit.describe()));
        continue;  // the instance (and its link) is destroyed here; load again on the new topology
      case detail::LoopEnd::ejected:
        err(fmt::format("ejected by the kernel: {}", exit.describe()));
        return 1;
    }
  }
}

}  // namespace ghostbrew::sched
