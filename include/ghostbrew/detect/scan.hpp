// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// A full scan: every pid under <root>/proc and every one of its threads, read and classified.
// Pids that exit or are reused mid-read are skipped (and counted); they never stop the scan.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/detect/classify.hpp"
#include "ghostbrew/procfs/process.hpp"

namespace ghostbrew::detect {

/// One thread's class: what the daemon writes into the BPF task map.
struct Row {
  int pid = 0;       ///< thread group id
  int tid = 0;       ///< thread id (== pid for the main thread)
  std::string comm;  ///< the thread's name
  Classification cls;
};

/// What scan() found.
struct ScanResult {
  std::vector<procfs::ProcessInfo> processes;  ///< sorted by pid
  std::vector<Classification> classes;         ///< classes[i] is processes[i]'s
  std::vector<Row> rows;                       ///< every thread of every process
  std::size_t skipped = 0;                     ///< pids that vanished or were reused while read
};

/// Reads and classifies every process and thread under `root`. Error only when <root>/proc cannot be
/// listed.
[[nodiscard]] inline Result<ScanResult> scan(const std::filesystem::path& root, const Rules& rules = {}) {
  auto pids = procfs::list_pids(root);
  if (!pids) return tl::unexpected(pids.error());
  ScanResult out;
  out.processes.reserve(pids->size());
  for (int pid : *pids) {
    auto p = procfs::read_process(root, pid);
    if (p)
      out.processes.push_back(std::move(*p));
    else
      ++out.skipped;
  }
  const Context ctx{root, rules, out.processes};
  out.classes.reserve(out.processes.size());
  for (const auto& p : out.processes) {
    out.classes.push_back(classify(p, ctx));
    const auto& pc = out.classes.back();
    if (p.threads.empty()) {
      out.rows.push_back({p.pid(), p.pid(), p.comm(), pc});  // no task dir (zombie leader): the pid itself
      continue;
    }
    for (const auto& t : p.threads) out.rows.push_back({p.pid(), t.tid, t.comm, classify_thread(t, pc)});
  }
  return out;
}

/// One process read and classified: the process, its class and its threads' rows.
struct ProcessClass {
  procfs::ProcessInfo process;
  Classification cls;
  std::vector<Row> rows;
};

/// Reads and classifies one pid, e.g. on an exec event. Parents for the parent-chain rule are read
/// from `root`.
[[nodiscard]] inline Result<ProcessClass> classify_process(const std::filesystem::path& root, int pid,
                                                           const Rules& rules = {}) {
  auto p = procfs::read_process(root, pid);
  if (!p) return tl::unexpected(p.error());
  const Context ctx{root, rules, {}};
  ProcessClass out{std::move(*p), {}, {}};
  out.cls = classify(out.process, ctx);
  if (out.process.threads.empty()) out.rows.push_back({pid, pid, out.process.comm(), out.cls});
  for (const auto& t : out.process.threads)
    out.rows.push_back({pid, t.tid, t.comm, classify_thread(t, out.cls)});
  return out;
}

/// classify_process()'s rows only: the process and its threads.
[[nodiscard]] inline Result<std::vector<Row>> classify_pid(const std::filesystem::path& root, int pid,
                                                           const Rules& rules = {}) {
  auto pc = classify_process(root, pid, rules);
  if (!pc) return tl::unexpected(pc.error());
  return std::move(pc->rows);
}

}  // namespace ghostbrew::detect
