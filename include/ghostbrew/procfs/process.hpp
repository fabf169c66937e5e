// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// One process as workload detection sees it, read from <root>/proc/PID, with the races of a live
// /proc handled: a pid that exits or is reused while we read it is an error for that pid only (never
// a half-read process), a denied file (another user's environ) leaves that field marked unreadable,
// and a thread that ends between listing and reading is simply not listed.
#pragma once

#include <dirent.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/procfs/io.hpp"
#include "ghostbrew/procfs/stat.hpp"

namespace ghostbrew::procfs {

/// One thread of a process: its id and its name (pthread_setname_np / PR_SET_NAME, 15 bytes max).
struct ThreadInfo {
  int tid = 0;
  std::string comm;
};

/// What read_process() gathers about one pid.
struct ProcessInfo {
  Stat stat;                            ///< pid, comm, state, ppid, flags, nice, start time
  std::vector<std::string> cmdline;     ///< argv; empty for kernel threads and zombies
  std::vector<std::string> environ;     ///< "KEY=value" entries
  bool environ_readable = true;         ///< false when the kernel denied /proc/PID/environ
  std::string exe;                      ///< /proc/PID/exe target without " (deleted)"; may be empty
  bool exe_readable = true;             ///< false when the kernel denied the exe link
  std::string cgroup;                   ///< cgroup v2 path from the "0::" line of /proc/PID/cgroup
  std::vector<std::string> device_fds;  ///< open fds on /dev/input, /dev/dri, /dev/nvidia* (targets)
  std::vector<ThreadInfo> threads;      ///< every thread (the main thread included), by tid

  [[nodiscard]] int pid() const { return stat.pid; }
  [[nodiscard]] const std::string& comm() const { return stat.comm; }
  /// The value of an environment variable, if the process has it (and environ was readable).
  [[nodiscard]] std::optional<std::string_view> env(std::string_view key) const {
    for (const auto& kv : environ)
      if (kv.size() > key.size() && kv[key.size()] == '=' && std::string_view(kv).starts_with(key))
        return std::string_view(kv).substr(key.size() + 1);
    return std::nullopt;
  }
  /// The file name of the executable ("wine64-preloader"), empty when unknown.
  [[nodiscard]] std::string_view exe_name() const {
    const std::string_view e = exe;
    const auto slash = e.rfind('/');
    return slash == std::string_view::npos ? e : e.substr(slash + 1);
  }
};

/// What to read beyond stat, cmdline and exe (all on by default; a caller that only needs a process's
/// identity, such as the parent-chain rule, skips the rest).
struct ReadOptions {
  bool threads = true;
  bool device_fds = true;
  bool environ = true;
  bool cgroup = true;
};

namespace detail {
/// Names of a directory that are decimal numbers (pids, tids, fds), or the errno of opendir.
inline Result<std::vector<int>> numeric_entries(const std::filesystem::path& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    const int e = errno;
    return fail(dir.string(), "cannot list: {}", std::strerror(e));
  }
  std::vector<int> out;
  while (const dirent* ent = ::readdir(d)) {
    int n = 0;
    if (parse_int(std::string_view(ent->d_name), n) && n >= 0) out.push_back(n);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

inline std::vector<std::string> split_nul(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto nul = text.find('\0');
    const auto item = text.substr(0, nul);
    if (!item.empty()) out.emplace_back(item);
    if (nul == std::string_view::npos) break;
    text.remove_prefix(nul + 1);
  }
  return out;
}

/// The path of the "0::" (unified hierarchy) line of a /proc/PID/cgroup file, empty if none.
inline std::string unified_cgroup(std::string_view text) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const auto line = text.substr(0, nl);
    if (line.starts_with("0::")) return std::string(line.substr(3));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return {};
}

inline bool is_watched_device(std::string_view target) {
  return target.starts_with("/dev/input/") || target.starts_with("/dev/dri/") ||
         target.starts_with("/dev/nvidia");
}

inline std::string strip_newline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}
}  // namespace detail

/// The pid directory of `pid` under a filesystem root ("/" on the live system).
inline std::filesystem::path pid_dir(const std::filesystem::path& root, int pid) {
  return root / "proc" / std::to_string(pid);
}

/// Reads and parses <dir>/stat (dir is a pid or a task directory).
inline Result<Stat> read_stat(const std::filesystem::path& dir) {
  const auto path = dir / "stat";
  auto f = read_file(path);
  if (!f.ok()) return tl::unexpected(f.error(path));
  return parse_stat(f.text, path.string());
}

/// Every pid under <root>/proc, ascending. Error when <root>/proc cannot be listed.
inline Result<std::vector<int>> list_pids(const std::filesystem::path& root) {
  return detail::numeric_entries(root / "proc");
}

/// Every thread of a process (<root>/proc/PID/task). Threads that exit while being read are left out.
inline Result<std::vector<ThreadInfo>> read_threads(const std::filesystem::path& root, int pid) {
  const auto task = pid_dir(root, pid) / "task";
  auto tids = detail::numeric_entries(task);
  if (!tids) return tl::unexpected(tids.error());
  std::vector<ThreadInfo> out;
  out.reserve(tids->size());
  for (int tid : *tids) {
    auto comm = read_file(task / std::to_string(tid) / "comm");
    if (!comm.ok()) continue;  // the thread ended after the listing: it is simply not there
    out.push_back({tid, detail::strip_newline(std::move(comm.text))});
  }
  return out;
}

/// Reads one process. Errors (naming the file): the pid does not exist or exits during the read,
/// the pid was reused during the read (stat's start time changed), or a file is malformed.
/// Kernel threads get only their stat (and their one thread); zombies have no exe, cmdline or fds.
inline Result<ProcessInfo> read_process(const std::filesystem::path& root, int pid, ReadOptions opts = {}) {
  const auto dir = pid_dir(root, pid);
  ProcessInfo p;
  auto st = read_stat(dir);
  if (!st) return tl::unexpected(st.error());
  p.stat = std::move(*st);

  if (!p.stat.kernel_thread()) {
    // A file that vanished means the process is exiting: the stat re-check below decides.
    if (auto f = read_file(dir / "cmdline"); f.ok()) p.cmdline = detail::split_nul(f.text);
    if (opts.environ) {
      if (auto f = read_file(dir / "environ"); f.ok())
        p.environ = detail::split_nul(f.text);
      else if (f.denied())
        p.environ_readable = false;
    }
    if (auto f = read_link(dir / "exe"); f.ok()) {
      constexpr std::string_view deleted = " (deleted)";
      p.exe = std::move(f.text);
      if (std::string_view(p.exe).ends_with(deleted)) p.exe.resize(p.exe.size() - deleted.size());
    } else if (f.denied()) {
      p.exe_readable = false;
    }
    if (opts.cgroup)
      if (auto f = read_file(dir / "cgroup"); f.ok()) p.cgroup = detail::unified_cgroup(f.text);
    if (opts.device_fds) {
      const auto fd_dir = dir / "fd";
      if (auto fds = detail::numeric_entries(fd_dir)) {
        for (int fd : *fds)
          if (auto l = read_link(fd_dir / std::to_string(fd)); l.ok() && detail::is_watched_device(l.text))
            p.device_fds.push_back(std::move(l.text));
      }
    }
  }
  if (opts.threads) {
    if (auto t = read_threads(root, pid)) p.threads = std::move(*t);
  }

  // The re-check: same pid, same start time, or everything above may describe another process.
  auto again = read_stat(dir);
  if (!again) return fail(dir.string(), "process exited while being read");
  if (again->start_time != p.stat.start_time)
    return fail(dir.string(), "pid reused while being read (start time {} -> {})", p.stat.start_time,
                again->start_time);
  return p;
}

}  // namespace ghostbrew::procfs
