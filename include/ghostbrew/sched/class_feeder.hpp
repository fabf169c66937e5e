// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Feeds the BPF class maps from the detectors: a full /proc and cgroup scan at start (and on
// request), then one pid at a time from exec events, and removal on exit events. It remembers what
// it wrote so an exit removes exactly that process's entries.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ghostbrew/bpf/abi.h"
#include "ghostbrew/core/error.hpp"
#include "ghostbrew/detect/cgroup.hpp"
#include "ghostbrew/detect/scan.hpp"
#include "ghostbrew/sched/ports.hpp"

namespace ghostbrew::sched {

class ClassFeeder {
 public:
  /// One process the feeder has put into the maps.
  struct Entry {
    std::string comm;
    detect::Program program;          ///< its full name, exe, command line, Steam app id
    detect::Classification cls;       ///< the process's class (tgid map)
    std::vector<std::uint32_t> tids;  ///< threads with a class of their own (tid map), e.g. vCPUs
  };
  /// Receives a line for every decision (for --verbose); may be empty.
  using Log = std::function<void(const std::string&)>;

  explicit ClassFeeder(std::filesystem::path root = "/", detect::Rules rules = {}, Log log = {})
      : root_(std::move(root)), rules_(std::move(rules)), log_(std::move(log)) {}

  /// Scans every process and cgroup and writes the maps (replacing what this feeder wrote before).
  /// Returns the number of classified processes. Pids that vanish mid-scan are skipped, not errors.
  Result<std::size_t> full_scan(ClassMaps& s) {
    auto scan = detect::scan(root_, rules_);
    if (!scan) return tl::unexpected(scan.error());
    for (const auto& [pid, e] : entries_) forget(s, pid, e);
    entries_.clear();
    // scan() lists each process's rows together, in process order: one pass over them.
    auto row = scan->rows.begin();
    for (std::size_t i = 0; i < scan->processes.size(); ++i) {
      const auto& p = scan->processes[i];
      std::vector<detect::Row> rows;
      for (; row != scan->rows.end() && row->pid == p.pid(); ++row) rows.push_back(*row);
      auto cls = scan->classes[i];
      pinned(p.pid(), cls, rows);
      record(s, p.pid(), p.comm(), detect::program_of(p), cls, rows);
    }
    if (auto cg = detect::scan_cgroups(root_, rules_.cgroups)) {
      for (auto id : cgroup_ids_) s.erase_cgroup_class(id);  // rules may have changed
      cgroup_ids_.clear();
      for (const auto& c : *cg)
        if (s.set_cgroup_class(c.id, static_cast<std::uint32_t>(c.cls))) cgroup_ids_.push_back(c.id);
    } else if (log_) {
      log_(fmt::format("cgroup classes not loaded: {}", cg.error().message()));
    }
    if (auto r = s.bump_generation(); !r) return tl::unexpected(r.error());
    return entries_.size();
  }

  /// An exec event: classifies that process and updates the maps. A process that vanished already
  /// is not an error (short-lived processes usually have).
  void on_exec(ClassMaps& s, const gb_event& ev) {
    const int pid = static_cast<int>(ev.tgid);
    if (auto it = entries_.find(pid); it != entries_.end()) {
      forget(s, pid, it->second);
      entries_.erase(it);
    }
    auto pc = detect::classify_process(root_, pid, rules_);
    if (!pc || pc->rows.empty()) return;
    pinned(pid, pc->cls, pc->rows);
    // Named by the program it executed (the event's comm), not by what its main thread calls itself
    // by now: games rename their main thread ("render"), and the name keys profiles and samples.
    std::string name(ev.comm, strnlen(ev.comm, sizeof ev.comm));
    if (name.empty()) name = pc->process.comm();
    if (record(s, pid, name, detect::program_of(pc->process, name), pc->cls, pc->rows))
      (void)s.bump_generation();
  }

  /// An exit event of a process: removes what was written for it. An exit event of a thread with a
  /// class of its own (BPF sends those too) removes that thread only.
  void on_exit(ClassMaps& s, const gb_event& ev) {
    const int pid = static_cast<int>(ev.tgid);
    if (ev.pid == ev.tgid) pins_.erase(pid);
    auto it = entries_.find(pid);
    if (it == entries_.end()) return;
    if (ev.pid != ev.tgid) {
      auto& tids = it->second.tids;
      if (std::erase(tids, ev.pid) > 0) s.erase_tid_class(ev.pid);
      return;
    }
    if (log_)
      log_(fmt::format("pid {} ({}) exited: removed from {}", pid, it->second.comm,
                       detect::to_string(it->second.cls.cls)));
    forget(s, pid, it->second);
    entries_.erase(it);
  }

  /// Gives `pid` (and its threads but vCPUs) class `cls` by `rule` whatever the detectors say, until
  /// unpin() or its exit: what an outside source decided (a game GameMode registered). Also rewritten
  /// by every later scan. A pid that does not exist is not pinned.
  void pin(ClassMaps& s, int pid, detect::WorkloadClass cls, std::string rule) {
    pins_[pid] = detect::Classification{cls, std::move(rule)};
    if (!reclassify(s, pid)) pins_.erase(pid);
  }

  /// Takes the pin off `pid`: it gets the class the detectors give it again.
  void unpin(ClassMaps& s, int pid) {
    if (pins_.erase(pid) > 0) (void)reclassify(s, pid);
  }

  /// Replaces the detection rules (takes effect at the next scan or event).
  void set_rules(detect::Rules rules) { rules_ = std::move(rules); }

  /// What is in the maps now, by tgid.
  [[nodiscard]] const std::map<int, Entry>& entries() const { return entries_; }
  [[nodiscard]] std::size_t cgroups() const { return cgroup_ids_.size(); }

 private:
  /// Replaces what the detectors gave `pid` with its pin, if it has one.
  void pinned(int pid, detect::Classification& cls, std::vector<detect::Row>& rows) const {
    auto it = pins_.find(pid);
    if (it == pins_.end()) return;
    for (auto& r : rows)
      if (r.cls == cls) r.cls = it->second;
    cls = it->second;
  }

  /// Reads and classifies `pid` again and rewrites its entries; false when it is gone.
  bool reclassify(ClassMaps& s, int pid) {
    if (auto it = entries_.find(pid); it != entries_.end()) {
      forget(s, pid, it->second);
      entries_.erase(it);
    }
    auto pc = detect::classify_process(root_, pid, rules_);
    if (!pc || pc->rows.empty()) return false;
    pinned(pid, pc->cls, pc->rows);
    (void)record(s, pid, pc->process.comm(), detect::program_of(pc->process), pc->cls, pc->rows);
    (void)s.bump_generation();
    return true;
  }

  /// Writes one process's class (when it is not the default) and its threads' own classes.
  /// Returns true when anything was written.
  bool record(ClassMaps& s, int pid, const std::string& comm, detect::Program program,
              const detect::Classification& cls, const std::vector<detect::Row>& rows) {
    Entry e{comm, std::move(program), cls, {}};
    bool wrote = false;
    if (cls.cls != detect::WorkloadClass::Default) {
      wrote =
          s.set_tgid_class(static_cast<std::uint32_t>(pid), static_cast<std::uint32_t>(cls.cls)).has_value();
    }
    for (const auto& r : rows) {
      if (r.tid == pid || r.cls.cls == cls.cls || r.cls.cls == detect::WorkloadClass::Default) continue;
      if (s.set_tid_class(static_cast<std::uint32_t>(r.tid), static_cast<std::uint32_t>(r.cls.cls))) {
        e.tids.push_back(static_cast<std::uint32_t>(r.tid));
        wrote = true;
      }
    }
    if (!wrote) return false;
    if (log_)
      log_(fmt::format("pid {} ({}) -> {} by {}{}", pid, comm, detect::to_string(cls.cls), cls.rule,
                       e.tids.empty() ? "" : fmt::format(", {} threads of their own", e.tids.size())));
    entries_[pid] = std::move(e);
    return true;
  }

  static void forget(ClassMaps& s, int pid, const Entry& e) {
    s.erase_tgid_class(static_cast<std::uint32_t>(pid));
    for (auto tid : e.tids) s.erase_tid_class(tid);
  }

  std::filesystem::path root_;
  detect::Rules rules_;
  Log log_;
  std::map<int, Entry> entries_;
  std::map<int, detect::Classification> pins_;  ///< pin()ned pids
  std::vector<std::uint64_t> cgroup_ids_;       ///< cgroup ids this feeder wrote
};

}  // namespace ghostbrew::sched
