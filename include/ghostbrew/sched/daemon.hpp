// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The ghost-sched daemon: preflight, load, feed, attach, then an event loop that sleeps until
// something happens: a signal (SIGINT/SIGTERM detach and exit, SIGHUP re-reads the cgroup rules
// and rescans), an exec/exit event (classify or forget that pid; when a full ring dropped some:
// rescan), the kernel ejecting the scheduler (the struct_ops link hangs up: restart in-process when
// the kernel asks for it, as after CPU hotplug), or the stats timer, which exists only when stats are
// on. No other wake-ups. The control socket (sched/control.hpp, ctl/) wakes it only when a client
// sends a request; systemd hears READY=1 after attach, STATUS= with the mode and classified counts,
// and WATCHDOG=1 pings (a timer only when the unit sets WatchdogSec=; a load, which the verifier can
// make slow, runs under a longer watchdog: load_notifications()).
// With x3d_cache_while_gaming, the AMD X3D driver's mode follows the GAMING processes (sched/x3d_mode.hpp):
// cache while one runs, the previous mode restored when the last one goes and whenever the daemon stops.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gsl/util>

#include "ghostbrew/core/event_loop.hpp"
#include "ghostbrew/core/state_file.hpp"
#include "ghostbrew/core/text.hpp"
#include "ghostbrew/ctl/server.hpp"
#include "ghostbrew/sched/class_feeder.hpp"
#include "ghostbrew/sched/collector.hpp"
#include "ghostbrew/sched/control.hpp"
#include "ghostbrew/sched/cpu_map.hpp"
#include "ghostbrew/sched/gamemode.hpp"
#include "ghostbrew/sched/learner.hpp"
#include "ghostbrew/sched/log.hpp"
#include "ghostbrew/sched/options.hpp"
#include "ghostbrew/sched/power_profile_follower.hpp"
#include "ghostbrew/sched/preflight.hpp"
#include "ghostbrew/sched/reconfigure.hpp"
#include "ghostbrew/sched/scheduler.hpp"
#include "ghostbrew/sched/stats.hpp"
#include "ghostbrew/sched/x3d_mode.hpp"
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
  /// Start each line with its priority's sd-daemon prefix (sched/log.hpp): when stderr is the journal.
  bool journal = is_journal_stream(STDERR_FILENO);
  /// The service manager's notifications ("READY=1", "STATUS=...", "WATCHDOG=1"; sched/systemd.hpp).
  std::function<void(const std::string&)> notify = [](const std::string&) {};
  /// How often the service manager wants WATCHDOG=1 (0: no watchdog, no timer).
  std::chrono::microseconds watchdog{0};
};

/// How long a scheduler load (the BPF verifier; tens of seconds on a slow machine) may take before
/// the service manager gives up on it: the unit's TimeoutStartSec.
inline constexpr std::chrono::seconds kLoadBudget{120};

/// What the service manager hears around a scheduler load, when no event loop runs to ping its
/// watchdog (`before`: just before the load; else once it is attached or failed). Before: the start
/// timeout extended by kLoadBudget (it counts at the first start only) and, with a watchdog of
/// `watchdog` shorter than that, a ping and a watchdog of kLoadBudget; after: the unit's watchdog
/// period again, and a ping. A slow load at a restart or reload is then not killed as a hang.
inline std::vector<std::string> load_notifications(std::chrono::microseconds watchdog, bool before) {
  const auto budget = std::chrono::duration_cast<std::chrono::microseconds>(kLoadBudget).count();
  std::vector<std::string> out;
  if (before) out.push_back(fmt::format("EXTEND_TIMEOUT_USEC={}", budget));
  if (watchdog.count() <= 0 || watchdog.count() >= budget) return out;
  out.emplace_back("WATCHDOG=1");
  out.push_back(fmt::format("WATCHDOG_USEC={}", before ? budget : watchdog.count()));
  return out;
}

namespace detail {

/// How one run of the event loop ended: stopped by a signal, the kernel asked for a restart, the
/// kernel ejected the scheduler, or a reloaded configuration needs the scheduler loaded again.
enum class LoopEnd { stop, restart, ejected, reconfigure };

/// The detection rules the options give: the configured extra names and the cgroup rules (a file,
/// read now, else the inline ones, else the built-in ones).
inline Result<detect::Rules> load_rules(const Options& opts) {
  detect::Rules rules;
  rules.extra_names = opts.extra_names;
  rules.game_env.insert(rules.game_env.end(), opts.extra_game_env.begin(), opts.extra_game_env.end());
  rules.ai_names.insert(rules.ai_names.end(), opts.extra_ai_names.begin(), opts.extra_ai_names.end());
  if (!opts.cgroup_rules.empty()) {
    auto cg = detect::read_cgroup_rules(opts.cgroup_rules);
    if (!cg) return tl::unexpected(cg.error());
    rules.cgroups = std::move(*cg);
  } else if (opts.cgroup_rule_list) {
    rules.cgroups = *opts.cgroup_rule_list;
  }
  return rules;
}

/// The line that says a scheduler instance is attached and what it was given.
inline std::string attached_line(const Options& opts, const topology::Topology& topo, const CpuMap& cpus,
                                 std::size_t classified, std::size_t cgroups, bool restarted) {
  std::string vcache;
  for (int c : topo.vcache_ccds()) vcache += fmt::format("{}{}", vcache.empty() ? "" : ",", c);
  return fmt::format(
      "{} (ops ghostbrew, mode {}, {} CPUs, {} LLCs, {} CCDs, V-Cache CCDs [{}], {} preferred CPUs, "
      "{} classified processes, {} classified cgroups)",
      restarted ? "restarted" : "attached", to_string(opts.mode), topo.cpus.size(), cpus.nr_llcs,
      cpus.nr_ccds, vcache, cpus.nr_preferred, classified, cgroups);
}

/// The daemon: what lives for its whole life (signals, the feeder, the learner) and the scheduler
/// instances it runs one after the other (a new one when the kernel asks for a restart).
class Daemon {
 public:
  Daemon(ConfigSource src, std::span<const std::byte> elf, DaemonOutput out)
      : src_(std::move(src)), opts_(src_.cli), elf_(elf), out_(std::move(out)) {}

  /// Runs until SIGINT/SIGTERM (0), a fatal error (1) or a bad configuration (2).
  int run() {
    if (auto fatal = init()) return *fatal;
    const auto restore_x3d = gsl::finally([this] {
      if (x3d_) x3d_->stop();
    });
    for (int restarts = 0;; ++restarts) {
      auto end = run_instance(restarts > 0);
      if (!end) return end.error();
      if (*end != LoopEnd::restart && *end != LoopEnd::reconfigure) return *end == LoopEnd::stop ? 0 : 1;
    }
  }

 private:
  /// An exit status: the daemon stops with it (the reason is printed already).
  using Status = int;

  /// One loaded scheduler instance and what its event loop needs.
  struct Instance {
    std::unique_ptr<Scheduler> sched;
    std::optional<Collector> collector;
    std::vector<gb_event> pending;  // events collected by the ring buffer callback, handled after
    gb_stats last{};
    std::chrono::steady_clock::time_point last_at;
    std::optional<EventLoop> loop;
    UniqueFd stats_timer;
    UniqueFd rescan_timer;  // armed when events were lost (see note_lost_events())
    bool rescan_armed = false;
    std::vector<int> cpu_ids;      // the online CPUs of the topology it was loaded with
    std::uint64_t drops_seen = 0;  // ringbuf_drops when the events were last known complete
    UniqueFd watchdog_timer;
    std::chrono::steady_clock::time_point attached_at;
    std::string status;  // the last STATUS= sent
    LoopEnd end = LoopEnd::stop;
    ExitInfo exit{};
    std::uint64_t stale_seen = 0;                // BPF's stale_heartbeat counter at the last check
    std::unique_ptr<GameModeFollower> gamemode;  // games GameMode registers (sched/gamemode.hpp)
  };

  /// The daemon's log (sched/log.hpp): errors and warnings on the error stream, the rest on the other.
  /// Every line is escaped: it may carry process names, paths and file contents (text.hpp).
  void log(Priority p, const std::string& s) const {
    (p <= Priority::warning ? out_.error : out_.info)(log_line(p, text::escape(s), out_.journal));
  }
  void err(const std::string& s) const { log(Priority::err, s); }
  void warn(const std::string& s) const { log(Priority::warning, s); }
  void info(const std::string& s) const { log(Priority::info, s); }
  void debug(const std::string& s) const { log(Priority::debug, s); }

  /// Reads the configuration file and checks the options, blocks the signals, reads the rules, runs
  /// the preflight and opens the learner. Returns the exit status when the daemon cannot start.
  std::optional<Status> init() {
    auto opts = load_options(src_);
    if (!opts) return err(opts.error().message()), 2;
    opts_ = std::move(*opts);
    if (!src_.file.empty()) info(fmt::format("configuration {}", src_.file));
    auto sig = make_signalfd({SIGINT, SIGTERM, SIGHUP});
    if (!sig) return err(sig.error().message()), 1;
    sig_ = std::move(*sig);
    auto rules = load_rules(opts_);
    if (!rules) return err(rules.error().message()), 2;
    if (auto p = preflight(opts_.root, ::geteuid() == 0); !p) return err(p.error().message()), 1;
    mode_ = opts_.mode;
    follow_power_profile();
    open_control_socket();
    feeder_.emplace(
        opts_.root, std::move(*rules),
        opts_.verbose ? ClassFeeder::Log([this](const std::string& s) { debug(s); }) : ClassFeeder::Log());
    if (opts_.learn || follows_games() || opts_.x3d_cache_while_gaming != 0) {
      auto dir = state_dir(opts_.state_dir);
      if (!dir) return err(dir.error().message()), 1;
      state_ = *dir;
    }
    // What is learned outlives a restart of the scheduler: one Learner for the daemon's life.
    if (opts_.learn) {
      auto l = Learner::open(procdb::default_procdb_path(state_), [this](const std::string& s) { warn(s); });
      if (!l) return err(l.error().message()), 1;
      learner_.emplace(std::move(*l));
    }
    return std::nullopt;
  }

  [[nodiscard]] bool follows_games() const { return opts_.collect || opts_.tune || opts_.profiles; }

  static std::vector<int> online_ids(const topology::Topology& t) {
    std::vector<int> ids;
    ids.reserve(t.cpus.size());
    for (const auto& c : t.cpus) ids.push_back(c.id);
    return ids;
  }

  /// Whether CPUs came or went between the topology read and the attach. The kernel asks for a
  /// restart only on hotplug while the scheduler is enabled, and loading it (the verifier) takes a
  /// while on a busy machine, or while CPUs come back after a resume: without this check it would
  /// run on without the CPUs that came meanwhile in its topology (a per-CPU kworker then stalled
  /// until the kernel ejected it, vm.soak). Logged; the caller loads it again.
  bool cpus_moved(const Instance& inst) {
    auto now = topology::discover(opts_.root);
    if (!now || online_ids(*now) == inst.cpu_ids) return false;
    info(
        fmt::format("CPUs came or went while the scheduler loaded ({} online now, {} in its topology): "
                    "loading it again",
                    now->cpus.size(), inst.cpu_ids.size()));
    return true;
  }

  /// Loads, feeds and attaches one instance, runs its event loop, and winds it down.
  tl::expected<LoopEnd, Status> run_instance(bool restarted) {
    Instance inst;
    // The control socket leaves this instance's loop before the loop goes, whatever the way out.
    struct DetachControl {
      ctl::Server* server;
      ~DetachControl() {
        if (server != nullptr) server->detach();
      }
    } detach_control{control_.get()};
    if (auto fatal = start(inst, restarted)) return tl::unexpected(*fatal);
    if (cpus_moved(inst)) {
      if (auto d = inst.sched->detach(); !d) err("detach: " + d.error().message());
      return LoopEnd::restart;
    }
    if (auto fatal = watch(inst)) return tl::unexpected(*fatal);
    if (auto r = inst.loop->run(); !r) return err(r.error().message()), tl::unexpected(1);
    Scheduler& s = *inst.sched;
    if (inst.collector) {
      FollowedModes modes(*this, inst);
      inst.collector->stop(s, modes);
    }
    drain_learner(s);
    if (learner_)
      if (auto r = learner_->save(); !r) warn("process database not saved: " + r.error().message());

    switch (inst.end) {
      case LoopEnd::stop: {
        out_.notify("STOPPING=1");
        if (auto d = s.detach(); !d) err("detach: " + d.error().message());
        auto e = s.exit_info();
        info(fmt::format("detached: {}", e && e->exited() ? e->describe() : std::string("unregistered")));
        break;
      }
      case LoopEnd::restart:
        info(fmt::format("the kernel asked for a restart: {}", inst.exit.describe()));
        break;  // the instance (and its link) is destroyed here; load again on the new topology
      case LoopEnd::ejected: {
        err(fmt::format("ejected by the kernel: {}", inst.exit.describe()));
        // The kernel's own account (which task waited, on which CPU and queue): what a report needs.
        const auto lines = inst.exit.dump_lines();
        if (!lines.empty()) info(fmt::format("the kernel's dump at the ejection ({} lines):", lines.size()));
        for (const auto& line : lines) info("dump: " + line);
        break;
      }
      case LoopEnd::reconfigure:  // loaded again with the new options
        if (auto d = s.detach(); !d) err("detach: " + d.error().message());
        break;
    }
    return inst.end;
  }

  /// Discovers the topology, loads the scheduler, feeds it classes and predictions, and attaches it.
  std::optional<Status> start(Instance& inst, bool restarted) {
    auto topo = topology::discover(opts_.root);
    if (!topo) return err("topology: " + topo.error().message()), 1;
    for (const auto& w : topo->warnings) info("topology: warning: " + w);
    inst.cpu_ids = online_ids(*topo);
    const auto cpus = build_cpu_map(*topo);
    follow_setting(
        x3d_, opts_, state_, [this](const std::string& s) { info(s); },
        [this](const std::string& s) { warn(s); });

    if (follows_games() && opts_.detect) {
      auto c = Collector::create(
          opts_, state_, topo->identity.model_name.value_or("unknown CPU"),
          [this](const std::string& s) { info(s); }, [this](const std::string& s) { warn(s); });
      if (!c) return err(c.error().message()), 1;
      inst.collector.emplace(std::move(*c));
    }

    // The load, the scan and the attach run without the event loop: no watchdog pings meanwhile.
    for (const auto& n : load_notifications(out_.watchdog, true)) out_.notify(n);
    auto loaded =
        Scheduler::load(elf_, opts_, cpus, [&inst](const gb_event& e) { inst.pending.push_back(e); });
    if (!loaded) return err(loaded.error().message()), 1;
    inst.sched = std::move(*loaded);
    Scheduler& s = *inst.sched;
    std::size_t classified = 0;
    if (opts_.detect) {
      if (auto n = feeder_->full_scan(s))
        classified = *n;
      else
        warn("detection scan failed, continuing with BPF's own rules: " + n.error().message());
    }
    if (learner_) {
      learner_->forget_published();  // a fresh instance: its predictions map is empty
      if (auto n = learner_->publish(s))
        info(fmt::format("process database {}: {} profiles, {} predictions", learner_->path().string(),
                         learner_->database().size(), *n));
      else
        warn("predictions not loaded: " + n.error().message());
    }
    if (mode_ != opts_.mode)  // switched over the control socket before this (re)load
      if (auto m = s.set_mode(mode_); !m) {
        err(fmt::format("mode {} not switched, {} stays: {}", to_string(mode_), to_string(opts_.mode),
                        m.error().message()));
        mode_ = opts_.mode;  // what BPF was loaded with
      }
    if (inst.collector) inst.collector->mode_switched(mode_);
    if (auto a = s.attach(); !a) {
      auto st = read_sched_ext(opts_.root);
      if (st && st->state != "disabled")
        return err(fmt::format("another sched_ext scheduler is loaded: {} ({})", st->ops.value_or("unknown"),
                               a.error().message())),
               1;
      return err("attach: " + a.error().message()), 1;
    }
    for (const auto& n : load_notifications(out_.watchdog, false)) out_.notify(n);
    info(attached_line(opts_, *topo, cpus, classified, feeder_->cgroups(), restarted));
    if (restarted) ++restarts_;
    inst.attached_at = std::chrono::steady_clock::now();
    out_.notify("READY=1");
    notify_status(inst);
    return std::nullopt;
  }

  /// Creates the instance's event loop: signals, events, the learner's and collector's timers, the
  /// struct_ops link, and the stats timer (only with stats, or when the link cannot be polled).
  std::optional<Status> watch(Instance& inst) {
    auto loop = EventLoop::create();
    if (!loop) return err(loop.error().message()), 1;
    inst.loop.emplace(std::move(*loop));
    auto& l = *inst.loop;
    Scheduler& s = *inst.sched;
    (void)l.add(sig_.get(), [this, &inst] { on_signal(inst); });
    (void)l.add(s.events_fd(), [this, &inst] { on_events(inst); });
    auto rescan = make_oneshot_timerfd();
    if (!rescan) return err(rescan.error().message()), 1;
    inst.rescan_timer = std::move(*rescan);
    if (auto st = s.stats()) inst.drops_seen = st->ringbuf_drops;
    (void)l.add(inst.rescan_timer.get(), [this, &inst] { on_rescan(inst); });
    if (auto st = s.stats()) inst.stale_seen = st->stale_heartbeat;
    if (learner_) (void)l.add(learner_->timer_fd(), [this, &s] { drain_learner(s); });
    if (inst.collector) (void)l.add(inst.collector->timer_fd(), [&inst, &s] { inst.collector->tick(s, s); });
    follow_games(inst);
    // The kernel hangs up the struct_ops link when it ejects the scheduler (6.10+); kernels whose
    // links cannot be polled are checked on each event and stats tick instead.
    const bool link_polled = l.add(s.ops_link_fd(), [&inst] { check_exit(inst); }).has_value();
    if (power_)
      if (auto a = power_->attach(
              l,
              [this, &inst](const PowerProfileState& from, const PowerProfileState& to) {
                ProfileSwitchedModes modes(*this, inst);
                info(follow_profile(opts_.power_profiles, from, to, mode_, modes));
              },
              [this](const Error& e) { warn("power profile no longer followed: " + e.message()); });
          !a)
        warn("power profile not followed: " + a.error().message());
    if (control_) {
      control_->set_dispatch([this, &inst](const ctl::Request& r) { return control(inst).handle(r); });
      if (auto a = control_->attach(l); !a) err("control socket: " + a.error().message());
    }
    follow_gamemode(inst);
    if (out_.watchdog.count() > 0) {
      auto t = make_timerfd(std::chrono::duration_cast<std::chrono::milliseconds>(out_.watchdog / 2));
      if (!t) return err(t.error().message()), 1;
      inst.watchdog_timer = std::move(*t);
      (void)l.add(inst.watchdog_timer.get(), [this, &inst] {
        (void)read_timer(inst.watchdog_timer.get());
        check_exit(inst);  // an ejected scheduler stops the loop instead of being vouched for
        if (inst.end != LoopEnd::ejected) out_.notify("WATCHDOG=1");
      });
    }
    std::chrono::milliseconds tick{opts_.stats_secs * 1000U};
    if (!link_polled && tick.count() == 0) tick = std::chrono::milliseconds(1000);
    if (tick.count() > 0) {
      auto t = make_timerfd(tick);
      if (!t) return err(t.error().message()), 1;
      inst.stats_timer = std::move(*t);
      inst.last_at = std::chrono::steady_clock::now();
      if (auto st = s.stats()) inst.last = *st;
      (void)l.add(inst.stats_timer.get(), [this, &inst] { on_stats_tick(inst); });
    }
    return std::nullopt;
  }

  /// Follows GameMode on the users' session buses (unless detection or follow_gamemode is off): its
  /// games are GAMING by rule "gamemode".
  void follow_gamemode(Instance& inst) {
    Scheduler& s = *inst.sched;
    const auto changed = [this, &inst] {
      follow_games(inst);
      notify_status(inst);
    };
    inst.gamemode = start_gamemode_follower(
        opts_, *inst.loop,
        GameModeFollower::Hooks{
            .registered =
                [this, &s, changed](int pid) {
                  feeder_->pin(s, pid, detect::WorkloadClass::Gaming, std::string(kGameModeRule));
                  info(fmt::format("GameMode registered pid {}: gaming (rule {})", pid, kGameModeRule));
                  changed();
                },
            .unregistered =
                [this, &s, changed](int pid) {
                  feeder_->unpin(s, pid);
                  info(fmt::format("GameMode unregistered pid {}: its own class again", pid));
                  changed();
                },
            .debug =
                [this](const std::string& line) {
                  if (opts_.verbose) debug(line);
                }});
  }

  /// Stops the loop when the scheduler has exited (restart when the kernel asked for one).
  static void check_exit(Instance& inst) {
    auto e = inst.sched->exit_info();
    if (!e || !e->exited()) return;
    inst.exit = *e;
    inst.end = e->wants_restart() ? LoopEnd::restart : LoopEnd::ejected;
    inst.loop->stop();
  }

  /// SIGHUP re-reads the rules and rescans; SIGINT/SIGTERM stop.
  void on_signal(Instance& inst) {
    switch (read_signal(sig_.get())) {
      case SIGHUP:
        (void)reload(inst);  // it logs what it did
        break;
      case SIGINT:
      case SIGTERM:
        inst.end = LoopEnd::stop;
        inst.loop->stop();
        break;
      default:
        break;
    }
  }

  /// What SIGHUP and the control socket's "reload" both do: re-read the configuration file (when
  /// the daemon has one; a bad file keeps the last good options), then either load the scheduler
  /// again (a load-time setting changed) or re-read the rules and rescan. Everything is logged; the
  /// result is the line for the control client, or the first thing that went wrong.
  Result<std::string> reload(Instance& inst) {
    auto config = reload_config(inst);
    if (config && *config) return std::string("configuration reloaded: the scheduler restarts with it");
    auto rescan = reload_and_rescan(inst);
    if (!config) return tl::unexpected(config.error());
    return rescan;
  }

  /// Re-reads the rules (keeping the previous ones when they are bad) and rescans, saying so in the
  /// log. Returns the "reloaded: ..." line, or why the previous rules stayed or the rescan failed.
  Result<std::string> reload_and_rescan(Instance& inst) {
    Scheduler& s = *inst.sched;
    std::optional<Error> kept;
    if (auto r = load_rules(opts_))
      feeder_->set_rules(std::move(*r));
    else
      kept = Error{"", "reload kept the previous rules: " + r.error().message()}, warn(kept->message());
    auto n = feeder_->full_scan(s);
    follow_games(inst);
    notify_status(inst);
    if (!n)
      return warn("rescan failed: " + n.error().message()),
             fail("", "rescan failed: {}", n.error().message());
    const std::string line =
        fmt::format("reloaded: {} classified processes, {} cgroups", *n, feeder_->cgroups());
    info(line);
    if (kept) return tl::unexpected(*kept);
    return line;
  }

  /// Creates the control socket; without it the daemon still schedules (the error says why).
  void open_control_socket() {
    if (opts_.socket.empty()) return;
    auto srv = ctl::Server::listen(opts_.socket);
    if (!srv) return err("control socket unavailable (no --monitor or ctl): " + srv.error().message());
    control_ = std::move(*srv);
  }

  /// The control requests' view of the daemon and of `inst`'s scheduler.
  Control control(Instance& inst) {
    return Control(*inst.sched, *inst.sched,
                   {.status = [this, &inst] { return status(inst); },
                    .mode_changed =
                        [this, &inst](gb_mode m) {
                          mode_switched(inst, m);
                          if (inst.collector) inst.collector->mode_switched(m);
                        },
                    .reload = [this, &inst] { return reload(inst); }});
  }

  /// Switches BPF to mode `m`; mode_ (what STATUS= and `ctl status` report) follows only when BPF
  /// took it, so the two always agree.
  Result<void> switch_mode(Instance& inst, gb_mode m) {
    if (auto r = inst.sched->set_mode(m); !r) {
      err(fmt::format("mode {} not switched, {} stays: {}", to_string(m), to_string(mode_),
                      r.error().message()));
      return fail("", "mode {} not switched: {}", to_string(m), r.error().message());
    }
    mode_switched(inst, m);
    if (inst.collector) inst.collector->mode_switched(m);
    return {};
  }

  /// BPF took mode `m`: log the change and tell the service manager.
  void mode_switched(Instance& inst, gb_mode m) {
    if (m != mode_) info(fmt::format("mode {} -> {}", to_string(mode_), to_string(m)));
    mode_ = m;
    notify_status(inst);
  }

  /// How the collector switches BPF's mode for a game's profile (and back): mode_ and STATUS=
  /// follow what BPF took.
  class FollowedModes final : public ModeSwitch {
   public:
    FollowedModes(Daemon& d, Instance& inst) : daemon_(&d), inst_(&inst) {}
    Result<void> set_mode(gb_mode m) override {
      if (auto r = inst_->sched->set_mode(m); !r) return r;
      daemon_->mode_switched(*inst_, m);
      return {};
    }

   private:
    Daemon* daemon_;
    Instance* inst_;
  };

  /// How a power profile change switches BPF's mode: as `ctl mode` does (the collector hears of it,
  /// the last switch wins), follow_profile() logging the one line that says why.
  class ProfileSwitchedModes final : public ModeSwitch {
   public:
    ProfileSwitchedModes(Daemon& d, Instance& inst) : daemon_(&d), inst_(&inst) {}
    Result<void> set_mode(gb_mode m) override {
      if (auto r = inst_->sched->set_mode(m); !r) return r;
      daemon_->mode_ = m;
      daemon_->notify_status(*inst_);
      if (inst_->collector) inst_->collector->mode_switched(m);
      return {};
    }

   private:
    Daemon* daemon_;
    Instance* inst_;
  };

  /// With a [power_profiles] mapping: follows the power profile on the system bus (none there: one
  /// line, nothing else), the first instance starting in the active profile's mode.
  void follow_power_profile() {
    if (!opts_.power_profiles.any()) return;
    auto bus = Bus::system();
    if (!bus) return info("power profile not followed: " + bus.error().message());
    auto f = PowerProfileFollower::follow(std::move(*bus));
    if (!f) return info("power profile not followed: " + f.error().message());
    power_ = std::move(*f);
    const auto& st = power_->state();
    const auto m = opts_.power_profiles.mode_for(st.profile);
    info(fmt::format("power profile {}{}", describe(st),
                     st.profile.empty() ? ": followed when one starts"
                     : m                ? fmt::format(": mode {}", to_string(*m))
                                        : std::string(": not mapped")));
    if (m) mode_ = *m;
  }

  /// Tells the X3D switch and the collector (when there are) that the classified processes changed.
  void follow_games(Instance& inst) {
    if (x3d_) x3d_->follow(*feeder_);
    if (!inst.collector) return;
    FollowedModes modes(*this, inst);
    inst.collector->on_classes_changed(*inst.sched, modes, *inst.sched, *feeder_);
  }

  [[nodiscard]] DaemonStatus status(const Instance& inst) const {
    DaemonStatus st;
    st.mode = mode_;
    st.uptime_secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - inst.attached_at).count();
    for (const auto& [pid, e] : feeder_->entries())
      ++st.classified[static_cast<std::size_t>(e.cls.cls) % GB_NR_CLASSES];
    st.cgroups = feeder_->cgroups();
    st.restarts = restarts_;
    st.pid = ::getpid();
    st.power_profile =
        power_ ? (power_->state().profile.empty() ? "absent" : power_->state().profile) : "off";
    return st;
  }

  /// Tells the service manager the mode and the classified counts, when they changed.
  void notify_status(Instance& inst) {
    const DaemonStatus st = status(inst);
    std::string line = fmt::format("mode {}; classified:", to_string(st.mode));
    for (std::size_t c = 0; c < GB_NR_CLASSES; ++c)
      if (st.classified[c] > 0) line += fmt::format(" {} {}", class_name(c), st.classified[c]);
    line += fmt::format("; {} cgroups", st.cgroups);
    if (st.power_profile != "off") line += "; power profile " + st.power_profile;
    if (line == inst.status) return;
    inst.status = line;
    out_.notify("STATUS=" + line);
  }

  /// Exec/exit events: classify or forget those pids, tell the learner and the collector.
  void on_events(Instance& inst) {
    Scheduler& s = *inst.sched;
    if (auto n = s.consume_events(); !n) err("events: " + n.error().message());
    for (const auto& e : inst.pending) {
      if (!opts_.detect) break;
      if (e.kind == GB_EVENT_EXEC) {
        feeder_->on_exec(s, e);
        if (inst.gamemode)
          inst.gamemode->on_exec(static_cast<int>(e.tgid), {e.comm, strnlen(e.comm, sizeof e.comm)});
      } else if (e.kind == GB_EVENT_EXIT)
        feeder_->on_exit(s, e);
    }
    if (learner_ && !inst.pending.empty())
      if (auto r = learner_->on_activity(); !r) warn("learning: " + r.error().message());
    if (!inst.pending.empty()) follow_games(inst);
    if (!inst.pending.empty()) check_heartbeat(inst);
    if (!inst.pending.empty()) notify_status(inst);
    inst.pending.clear();
    note_lost_events(inst);
    check_exit(inst);
  }

  /// Exec/exit events the full ring dropped (a storm, a stalled daemon) are unknown: the whole of /proc
  /// is read again, once per kRescanDelay at most, after the burst of losses.
  static constexpr std::chrono::milliseconds kRescanDelay{250};
  void note_lost_events(Instance& inst) {
    if (!opts_.detect || inst.rescan_armed) return;
    auto st = inst.sched->stats();
    if (!st || st->ringbuf_drops == inst.drops_seen) return;
    inst.rescan_armed = arm_timer(inst.rescan_timer.get(), kRescanDelay).has_value();
  }

  void on_rescan(Instance& inst) {
    (void)read_timer(inst.rescan_timer.get());
    inst.rescan_armed = false;
    Scheduler& s = *inst.sched;
    auto st = s.stats();
    if (!st) return err("stats: " + st.error().message());
    const auto lost = st->ringbuf_drops - inst.drops_seen;
    inst.drops_seen = st->ringbuf_drops;
    if (auto n = feeder_->full_scan(s))
      info(fmt::format("{} exec/exit events lost (ring full): rescanned, {} classified processes", lost, *n));
    else
      err("rescan after lost events failed: " + n.error().message());
    follow_games(inst);
  }

  /// Prints the counters of the last period (with stats on) and checks the scheduler still runs.
  void on_stats_tick(Instance& inst) {
    (void)read_timer(inst.stats_timer.get());
    check_heartbeat(inst);
    if (opts_.stats_secs > 0) {
      if (auto st = inst.sched->stats()) {
        const auto now = std::chrono::steady_clock::now();
        const double secs = std::chrono::duration<double>(now - inst.last_at).count();
        out_.info(std::string(out_.journal ? journal_prefix(Priority::info) : "") +
                  format_stats(delta(*st, inst.last), secs));
        inst.last = *st;
        inst.last_at = now;
      }
      // The power profile followed and the mode it mapped to ([power_profiles]), when followed.
      if (power_)
        out_.info(fmt::format("power: profile {}, mode {}", describe(power_->state()), to_string(mode_)));
      // The games whose frame rate BPF detected (sched/frames.hpp), when there are any.
      if (auto f = inst.sched->frames()) {
        if (auto line = format_frames(std::move(*f), monotonic_ns()); line != kNoPacedGame) out_.info(line);
      }
    }
    check_exit(inst);
  }

  /// Says so when BPF classified tasks without the daemon's class maps since the last check: the
  /// daemon's heartbeat went stale (it was stopped, or drained no events for heartbeat_stale_ms).
  void check_heartbeat(Instance& inst) {
    auto st = inst.sched->stats();
    if (!st) return;
    if (st->stale_heartbeat > inst.stale_seen)
      warn(
          fmt::format("heartbeat went stale: BPF classified {} tasks without the daemon's class maps (no "
                      "events drained for over {} ms)",
                      st->stale_heartbeat - inst.stale_seen, opts_.heartbeat_stale_ms));
    inst.stale_seen = st->stale_heartbeat;
  }

  /// Re-reads the configuration file. True when the scheduler must be loaded again (the loop
  /// stops); false when there is no file or only the detection rules are to be re-read (the file's
  /// mode is then switched to live, reload_action()); the error when the file is bad and the last
  /// good options stay, or when BPF refused the file's mode.
  Result<bool> reload_config(Instance& inst) {
    if (src_.file.empty()) return false;
    auto r = sched::reload(opts_, src_);
    if (r.kind == Reload::Kind::kept) return warn(r.line), fail("", "{}", r.line);
    info(r.line);
    const ReloadAction action = reload_action(r, mode_);
    opts_ = std::move(r.opts);
    if (action == ReloadAction::set_mode)
      if (auto m = switch_mode(inst, opts_.mode); !m) return tl::unexpected(m.error());
    if (action != ReloadAction::restart) return false;
    mode_ = opts_.mode;  // the instance loaded next starts in the file's mode
    if (inst.collector) inst.collector->mode_switched(mode_);  // no profile's mode to undo at its stop
    if (auto rules = load_rules(opts_))
      feeder_->set_rules(std::move(*rules));
    else
      warn("reload kept the previous rules: " + rules.error().message());
    inst.end = LoopEnd::reconfigure;
    inst.loop->stop();
    return true;
  }

  void drain_learner(LearningMaps& s) {
    if (!learner_) return;
    if (auto d = learner_->drain(s, [this](const std::string& m) { warn(m); }); !d)
      warn("learning: " + d.error().message());
    else if (opts_.verbose && d->comms > 0)
      debug(fmt::format("learned from {} tasks of {} comms; {} predictions in BPF", d->tasks, d->comms,
                        d->predictions));
  }

  ConfigSource src_;
  Options opts_;  ///< in force: src_ resolved at start, replaced by each good reload
  std::span<const std::byte> elf_;
  DaemonOutput out_;
  UniqueFd sig_;
  std::optional<ClassFeeder> feeder_;
  std::unique_ptr<ctl::Server> control_;
  gb_mode mode_ = tuning::kDefaultMode;  ///< BPF's: the options' until switched (ctl mode, a profile)
  std::uint64_t restarts_ = 0;
  std::optional<Learner> learner_;
  std::filesystem::path state_;
  std::unique_ptr<PowerProfileFollower> power_;  ///< with a [power_profiles] mapping
  std::optional<X3dCacheWhileGaming> x3d_;       ///< with x3d_cache_while_gaming only
};

}  // namespace detail

/// Runs the daemon until SIGINT/SIGTERM (exit status 0), a fatal error (1) or a bad configuration
/// (2). `src` is its command line and configuration file; `elf` is the embedded BPF object.
inline int run_daemon(ConfigSource src, std::span<const std::byte> elf, DaemonOutput out = {}) {
  return detail::Daemon(std::move(src), elf, std::move(out)).run();
}

/// run_daemon() with options and no configuration file.
inline int run_daemon(const Options& opts, std::span<const std::byte> elf, DaemonOutput out = {}) {
  return run_daemon(ConfigSource{opts, {}, {}}, elf, std::move(out));
}

}  // namespace ghostbrew::sched
