// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// One loaded instance of the ghostbrew BPF scheduler: opened from the embedded object, configured,
// loaded, fed the topology, attached; with typed access to its class maps, knobs, stats, events and
// exit info. Destroying it detaches the scheduler (the kernel returns to its default scheduler).
#pragma once

#include <cstdint>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "ghostbrew/bpf/abi.h"
#include "ghostbrew/bpf/link.hpp"
#include "ghostbrew/bpf/map.hpp"
#include "ghostbrew/bpf/object.hpp"
#include "ghostbrew/bpf/ring_buffer.hpp"
#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/text.hpp"
#include "ghostbrew/sched/cpu_map.hpp"
#include "ghostbrew/sched/frames.hpp"
#include "ghostbrew/sched/options.hpp"
#include "ghostbrew/sched/ports.hpp"
#include "ghostbrew/sched/stats.hpp"
#include "ghostbrew/tuning/histogram.hpp"

namespace ghostbrew::sched {

/// The sched_ext exit code bit that asks userspace to restart the scheduler (kernel's SCX_ECODE_ACT_RESTART).
inline constexpr std::uint64_t kExitActRestart = 1ULL << 48;

/// Why the scheduler stopped, as the BPF side's ops.exit recorded it.
struct ExitInfo {
  int kind = 0;  ///< enum scx_exit_kind: 0 still running, 1 done, 64.. unregistered, 1024.. error
  std::int64_t exit_code = 0;
  std::string reason;
  std::string msg;
  /// The kernel's account of an error exit (every CPU, the tasks it waited on): raw bytes, with
  /// task names any user chose. Empty after an exit that is not an error.
  std::string dump;

  [[nodiscard]] bool exited() const { return kind != 0; }
  /// The dump's lines, each escaped for a terminal or a log (text::escape), blank ones left out.
  [[nodiscard]] std::vector<std::string> dump_lines() const {
    std::vector<std::string> lines;
    std::string_view rest = dump;
    while (!rest.empty()) {
      const auto eol = rest.find('\n');
      const auto line = rest.substr(0, eol);
      if (line.find_first_not_of(" \t\r") != std::string_view::npos) lines.push_back(text::escape(line));
      if (eol == std::string_view::npos) break;
      rest.remove_prefix(eol + 1);
    }
    return lines;
  }
  /// The kernel (or the BPF side) asked to be restarted, e.g. after CPU hotplug.
  [[nodiscard]] bool wants_restart() const {
    return (static_cast<std::uint64_t>(exit_code) & kExitActRestart) != 0;
  }
  /// "reason (msg)" or just "reason".
  [[nodiscard]] std::string describe() const {
    std::string s = reason.empty() ? fmt::format("exit kind {}", kind) : reason;
    if (!msg.empty() && msg != reason) s += fmt::format(" ({})", msg);
    return s;
  }
};

/// Refuses an object built from another abi.h: its gb_abi_version (GB_MAP_ABI) must equal this
/// loader's GB_ABI_VERSION. Call before touching any map or global.
inline Result<void> check_abi(bpf::Object& o) {
  auto v = o.global<const std::uint32_t>(GB_MAP_ABI, GB_ABI_VERSION_VAR);
  if (!v)
    return fail(o.where(), "no ABI version in the object ({}): built from an older ghostbrew?",
                v.error().what);
  if (**v != GB_ABI_VERSION)
    return fail(o.where(),
                "ABI version {} does not match this loader's {} (ghostbrew/bpf/abi.h): build the "
                "BPF object and the loader from the same ghostbrew",
                **v, GB_ABI_VERSION);
  return {};
}

/// Implements the daemon parts' interfaces (ports.hpp) over the loaded object's maps.
class Scheduler final : public ClassMaps,
                        public LearningMaps,
                        public Knobs,
                        public Counters,
                        public ModeSwitch {
 public:
  using EventHandler = std::function<void(const gb_event&)>;

  /// Opens `elf`, applies the options and topology, loads (the verifier runs here: its log tail is
  /// in the error), writes cpu_info, and attaches the exec/exit event programs. Not yet scheduling:
  /// call attach().
  static Result<std::unique_ptr<Scheduler>> load(std::span<const std::byte> elf, const Options& opts,
                                                 const CpuMap& cpus, EventHandler on_event) {
    auto obj = bpf::Object::open(elf, "ghostbrew");
    if (!obj) return tl::unexpected(obj.error());
    if (auto r = check_abi(*obj); !r) return tl::unexpected(r.error());
    std::unique_ptr<Scheduler> s(new Scheduler(std::move(*obj)));
    auto& o = s->obj_;
    const auto n = static_cast<std::uint32_t>(cpus.cpus.size());
    for (auto [map, size] : {std::pair{GB_MAP_CPU_INFO, n},
                             {GB_MAP_LLC_CTX, cpus.nr_llcs},
                             {GB_MAP_CCD_CTX, cpus.nr_ccds},
                             {GB_MAP_NODE_CTX, cpus.nr_nodes}})
      if (auto r = o.set_max_entries(map, size); !r) return tl::unexpected(r.error());
    auto cfg = o.global<gb_config>(".rodata.config", "gb_config");
    if (!cfg) return tl::unexpected(cfg.error());
    apply(opts, **cfg);
    (*cfg)->nr_llcs = cpus.nr_llcs;
    (*cfg)->nr_ccds = cpus.nr_ccds;
    (*cfg)->nr_nodes = cpus.nr_nodes;
    if (auto r = o.load(); !r) return tl::unexpected(r.error());

    auto info = bpf::ArrayMap<gb_cpu_info>::from(o, GB_MAP_CPU_INFO);
    if (!info) return tl::unexpected(info.error());
    for (std::uint32_t id = 0; id < n; ++id)
      if ((cpus.cpus[id].flags & GB_CPU_VALID) != 0)
        if (auto r = info->update(id, cpus.cpus[id]); !r) return tl::unexpected(r.error());

    using U32Hash = bpf::HashMap<std::uint32_t, std::uint32_t>;
    if (auto r = bind<U32Hash>(o, GB_MAP_TID_CLASS, s->tid_class_); !r) return tl::unexpected(r.error());
    if (auto r = bind<U32Hash>(o, GB_MAP_TGID_CLASS, s->tgid_class_); !r) return tl::unexpected(r.error());
    if (auto r = bind<bpf::HashMap<std::uint64_t, std::uint32_t>>(o, GB_MAP_CGROUP_CLASS, s->cgroup_class_);
        !r)
      return tl::unexpected(r.error());
    if (auto r = bind<bpf::ArrayMap<gb_knobs>>(o, GB_MAP_KNOBS, s->knobs_); !r)
      return tl::unexpected(r.error());
    if (auto r = bind<bpf::PerCpuArray<gb_stats>>(o, GB_MAP_STATS, s->stats_); !r)
      return tl::unexpected(r.error());
    if (auto r = bind<bpf::ArrayMap<gb_exit_dump>>(o, GB_MAP_EXIT_DUMP, s->exit_dump_); !r)
      return tl::unexpected(r.error());
    if (auto r = bind<bpf::ArrayMap<gb_exit_info>>(o, GB_MAP_EXIT_INFO, s->exit_info_); !r)
      return tl::unexpected(r.error());
    if (auto r = bind<bpf::LruHashMap<gb_comm_key, gb_observation>>(o, GB_MAP_OBSERVATIONS, s->observations_);
        !r)
      return tl::unexpected(r.error());
    if (auto r = bind<bpf::HashMap<gb_comm_key, gb_prediction>>(o, GB_MAP_PREDICTIONS, s->predictions_); !r)
      return tl::unexpected(r.error());
    if (auto r = bind<bpf::LruHashMap<std::uint32_t, gb_frame_pace>>(o, GB_MAP_FRAMES, s->frames_); !r)
      return tl::unexpected(r.error());
    if (auto r = bind<bpf::PerCpuArray<gb_hist>>(o, GB_MAP_HIST, s->hist_); !r)
      return tl::unexpected(r.error());
    if (opts.learn) s->knobs_state_.flags |= GB_KNOB_LEARN;
    if (opts.histograms()) s->knobs_state_.flags |= GB_KNOB_HISTOGRAMS;
    auto rb = bpf::RingBuffer<gb_event>::create(o, GB_MAP_EVENTS, std::move(on_event));
    if (!rb) return tl::unexpected(rb.error());
    s->events_.emplace(std::move(*rb));
    if (auto r = s->heartbeat(); !r) return tl::unexpected(r.error());
    for (const char* prog : {GB_PROG_EXEC, GB_PROG_EXIT}) {
      auto l = o.attach(prog);
      if (!l) return tl::unexpected(l.error());
      s->event_links_.push_back(std::move(*l));
    }
    return s;
  }

  /// Registers the struct_ops: from here on sched_ext runs every normal task through us.
  /// The kernel can accept the link and still fail ops.init: that is an error here, with its reason.
  Result<void> attach() {
    auto l = obj_.attach_struct_ops(GB_MAP_OPS);
    if (!l) return tl::unexpected(l.error());
    ops_link_ = std::move(*l);
    auto e = exit_info();
    if (!e) return tl::unexpected(e.error());
    if (e->exited()) {
      (void)ops_link_.detach();
      return fail(obj_.where(), "the scheduler failed to initialise: {}", e->describe());
    }
    return {};
  }

  /// Unregisters the struct_ops (the kernel goes back to its default scheduler).
  Result<void> detach() { return ops_link_.detach(); }

  /// The struct_ops link's fd: readable (EPOLLHUP) when the kernel ejected the scheduler.
  [[nodiscard]] int ops_link_fd() const { return ops_link_.fd(); }
  /// The events ring buffer's epoll fd: readable when exec/exit events wait.
  [[nodiscard]] int events_fd() const { return events_->epoll_fd(); }
  /// Delivers every waiting event to the handler; refreshes the heartbeat.
  Result<int> consume_events() {
    auto n = events_->consume();
    if (n) (void)heartbeat();
    return n;
  }

  /// Tells BPF userspace is alive (see gb_knobs in abi.h: the daemon is event-driven, so it
  /// heartbeats whenever it drains the events and needs no timer).
  Result<void> heartbeat() {
    knobs_state_.heartbeat_ns = monotonic_ns();
    return knobs_->update(0, knobs_state_);
  }
  /// Makes BPF classify every task again (after class map changes).
  Result<void> bump_generation() override {
    ++knobs_state_.generation;
    return heartbeat();
  }

  /// Runtime overrides of the load-time settings (per-game profiles, online tuning); zeros restore
  /// the load-time values.
  Result<void> set_tunables(const gb_tunables& t) override {
    knobs_state_.tune = t;
    return heartbeat();
  }

  /// Switches the placement mode without reloading: BPF rebuilds its role cpumasks at the next
  /// placement (gb_stats.mode_switches counts it).
  Result<void> set_mode(gb_mode mode) override {
    if (static_cast<unsigned>(mode) >= GB_NR_MODES)
      return fail("mode", "{} is not a mode", static_cast<unsigned>(mode));
    knobs_state_.mode = static_cast<std::uint32_t>(mode) + 1;
    return heartbeat();
  }

  /// Takes every observation BPF has folded in since the last drain (each entry is read, then
  /// deleted; an update racing with the delete loses at most that task's observation).
  Result<Observations> drain_observations() override {
    auto keys = observations_->keys();
    if (!keys) return tl::unexpected(keys.error());
    Observations out;
    out.reserve(keys->size());
    for (const auto& k : *keys) {
      auto v = observations_->lookup(k);
      if (!v) return tl::unexpected(v.error());
      if (!*v) continue;  // evicted meanwhile
      (void)observations_->erase(k);
      out.emplace_back(k, **v);
    }
    return out;
  }

  /// Makes `preds` the whole content of the predictions map (entries not in it are removed).
  Result<void> set_predictions(Predictions preds) override {
    auto old = predictions_->keys();
    if (!old) return tl::unexpected(old.error());
    const auto comm_of = [](const gb_comm_key& k) { return std::string(k.comm, sizeof k.comm); };
    std::set<std::string> kept;
    for (const auto& p : preds) kept.insert(comm_of(p.first));
    for (const auto& k : *old)
      if (!kept.contains(comm_of(k))) (void)predictions_->erase(k);
    for (const auto& [k, v] : preds)
      if (auto r = predictions_->update(k, v); !r) return r;
    return {};
  }

  /// The latency histograms summed over every CPU (filled only with GB_KNOB_HISTOGRAMS).
  Result<gb_hist> hist() const override {
    using tuning::operator+=;
    return hist_->fold(0, gb_hist{}, [](gb_hist acc, const gb_hist& v) { return acc += v; });
  }

  Result<void> set_tid_class(std::uint32_t tid, std::uint32_t cls) override {
    return tid_class_->update(tid, cls);
  }
  Result<void> set_tgid_class(std::uint32_t tgid, std::uint32_t cls) override {
    return tgid_class_->update(tgid, cls);
  }
  Result<void> set_cgroup_class(std::uint64_t cgroup_id, std::uint32_t cls) override {
    return cgroup_class_->update(cgroup_id, cls);
  }
  void erase_tid_class(std::uint32_t tid) override { (void)tid_class_->erase(tid); }
  void erase_tgid_class(std::uint32_t tgid) override { (void)tgid_class_->erase(tgid); }
  void erase_cgroup_class(std::uint64_t cgroup_id) override { (void)cgroup_class_->erase(cgroup_id); }

  /// Counters summed over every CPU.
  Result<gb_stats> stats() const override {
    return stats_->fold(0, gb_stats{}, [](gb_stats acc, const gb_stats& v) { return acc += v; });
  }

  /// The games whose frame period BPF detected (sched/frames.hpp prints them).
  Result<std::vector<gb_frame_pace>> frames() const {
    auto fd = frames_->raw() ? bpf_map__fd(frames_->raw()) : -1;
    if (fd < 0) return fail(GB_MAP_FRAMES, "not loaded");
    return read_frames(fd);
  }

  /// What ops.exit recorded (kind 0 while still running).
  Result<ExitInfo> exit_info() const {
    auto v = exit_info_->lookup(0);
    if (!v) return tl::unexpected(v.error());
    ExitInfo e;
    if (!*v) return e;
    const auto& raw = **v;
    e.kind = raw.kind;
    e.exit_code = raw.exit_code;
    e.reason.assign(raw.reason, strnlen(raw.reason, sizeof raw.reason));
    e.msg.assign(raw.msg, strnlen(raw.msg, sizeof raw.msg));
    // The dump is 32 KiB and this runs at every event drain: read it only once the scheduler exited.
    if (!e.exited()) return e;
    if (auto d = exit_dump_->lookup(0); d && *d)
      e.dump.assign((*d)->text, strnlen((*d)->text, sizeof(*d)->text));
    return e;
  }

 private:
  explicit Scheduler(bpf::Object obj) : obj_(std::move(obj)) {}

  /// Binds a typed view of map `name` into `slot` (type and sizes checked against the object).
  template <class M>
  static Result<void> bind(bpf::Object& o, const char* name, std::optional<M>& slot) {
    auto m = M::from(o, name);
    if (!m) return tl::unexpected(m.error());
    slot.emplace(std::move(*m));
    return {};
  }

  bpf::Object obj_;
  std::optional<bpf::HashMap<std::uint32_t, std::uint32_t>> tid_class_, tgid_class_;
  std::optional<bpf::HashMap<std::uint64_t, std::uint32_t>> cgroup_class_;
  std::optional<bpf::ArrayMap<gb_knobs>> knobs_;
  std::optional<bpf::PerCpuArray<gb_stats>> stats_;
  std::optional<bpf::ArrayMap<gb_exit_info>> exit_info_;
  std::optional<bpf::ArrayMap<gb_exit_dump>> exit_dump_;
  std::optional<bpf::RingBuffer<gb_event>> events_;
  std::optional<bpf::LruHashMap<gb_comm_key, gb_observation>> observations_;
  std::optional<bpf::HashMap<gb_comm_key, gb_prediction>> predictions_;
  std::optional<bpf::PerCpuArray<gb_hist>> hist_;
  std::optional<bpf::LruHashMap<std::uint32_t, gb_frame_pace>> frames_;
  gb_knobs knobs_state_{0, 0, GB_KNOB_EVENT_DRIVEN, {}, 0, 0};  // heartbeats come with draining the events
  std::vector<bpf::Link> event_links_;
  bpf::Link ops_link_;  // last member: destroyed (detached) first
};

}  // namespace ghostbrew::sched
