// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Builds fake /proc, /sys and cgroupfs trees in a temp directory for detection tests and benchmarks:
// pid directories with stat/comm/cmdline/environ/exe/cgroup/fd/task written the way the kernel
// writes them, so the code under test reads them exactly as it reads the live /proc.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "support/temp_dir.hpp"

namespace ghostbrew::testing {

/// One fake process.
struct FakeProc {
  int pid = 0;
  std::string comm = "proc";
  char state = 'S';
  int ppid = 1;
  std::uint64_t flags = 0x00400100;  // what a normal user process shows
  int nice = 0;
  std::uint64_t start_time = 1000;
  std::vector<std::string> cmdline;
  std::vector<std::string> environ;
  std::string exe;                                   // symlink target; empty: no exe link
  std::string cgroup = "/";                          // cgroup v2 path
  std::vector<std::pair<int, std::string>> threads;  // extra threads (tid, comm); main thread implied
  std::vector<std::string> fds;                      // fd symlink targets (fd 3, 4, ...)
};

/// A plain process `comm` at `pid` (every other field as a normal user process shows it).
inline FakeProc named_proc(int pid, std::string comm) {
  FakeProc p;
  p.pid = pid;
  p.comm = std::move(comm);
  return p;
}

/// A temp directory (TempDir) standing in for "/".
class FakeRoot {
 public:
  FakeRoot() {
    // mkdtemp makes the directory 0700; "/" is 0755, and tests that drop to nobody read below it.
    std::filesystem::permissions(root(), static_cast<std::filesystem::perms>(0755));
    std::filesystem::create_directories(root() / "proc");
  }

  [[nodiscard]] const std::filesystem::path& root() const { return dir_.path(); }
  [[nodiscard]] std::filesystem::path path(const std::string& rel) const { return root() / rel; }

  /// Writes a file (creating its directories) under the root.
  void write(const std::string& rel, const std::string& text) const {
    const auto p = root() / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
  }
  void symlink(const std::string& target, const std::string& rel) const {
    const auto p = root() / rel;
    std::filesystem::create_directories(p.parent_path());
    std::filesystem::create_symlink(target, p);
  }

  /// A /proc/PID/stat line as the kernel formats it (52 fields).
  static std::string stat_line(int pid, const std::string& comm, char state, int ppid, std::uint64_t flags,
                               int nice, int threads, std::uint64_t start_time) {
    return fmt::format(
        "{} ({}) {} {} {} {} 0 -1 {} 120 0 0 0 5 3 0 0 20 {} {} 0 {} 8704000 200 18446744073709551615 1 1 0 "
        "0 0 "
        "0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
        pid, comm, state, ppid, pid, pid, flags, nice, threads, start_time);
  }

  static std::string join_nul(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) {
      out += s;
      out += '\0';
    }
    return out;
  }

  /// Writes /proc/PID (and /proc/PID/task/TID for each thread).
  void add(const FakeProc& p) const {
    const auto dir = fmt::format("proc/{}", p.pid);
    const int nthreads = static_cast<int>(p.threads.size()) + 1;
    write(dir + "/stat", stat_line(p.pid, p.comm, p.state, p.ppid, p.flags, p.nice, nthreads, p.start_time));
    write(dir + "/comm", p.comm + "\n");
    write(dir + "/cmdline", join_nul(p.cmdline));
    write(dir + "/environ", join_nul(p.environ));
    write(dir + "/cgroup", fmt::format("1:name=systemd:/\n0::{}\n", p.cgroup));
    if (!p.exe.empty()) symlink(p.exe, dir + "/exe");
    std::filesystem::create_directories(root() / dir / "fd");
    int fd = 3;
    for (const auto& target : p.fds) symlink(target, fmt::format("{}/fd/{}", dir, fd++));
    add_task(p.pid, p.pid, p.comm);
    for (const auto& [tid, comm] : p.threads) add_task(p.pid, tid, comm);
  }

  void add_task(int pid, int tid, const std::string& comm) const {
    const auto dir = fmt::format("proc/{}/task/{}", pid, tid);
    write(dir + "/stat", stat_line(tid, comm, 'S', 1, 0x00400040, 0, 1, 1000));
    write(dir + "/comm", comm + "\n");
  }

  /// A mountinfo like a hybrid-cgroup host's: tmpfs at /sys/fs/cgroup, cgroup2 at .../unified.
  void hybrid_mountinfo() const {
    write("proc/self/mountinfo",
          "22 1 0:21 / / rw,relatime - ext4 /dev/vda rw\n"
          "31 22 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
          "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
          "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n");
  }

  /// A PCI function directory under sys/bus/pci/devices.
  void pci(const std::string& address, std::uint32_t vendor, std::uint32_t device, std::uint32_t cls,
           const std::string& resource, const std::string& driver = {},
           const std::string& iommu_group = {}) const {
    const auto dir = "sys/bus/pci/devices/" + address;
    write(dir + "/vendor", fmt::format("0x{:04x}\n", vendor));
    write(dir + "/device", fmt::format("0x{:04x}\n", device));
    write(dir + "/class", fmt::format("0x{:06x}\n", cls));
    write(dir + "/resource", resource);
    if (!driver.empty()) symlink("../../../bus/pci/drivers/" + driver, dir + "/driver");
    if (!iommu_group.empty()) symlink("../../../kernel/iommu_groups/" + iommu_group, dir + "/iommu_group");
  }

 private:
  TempDir dir_{"detect"};
};

/// A `resource` line for a BAR of `size` bytes at `start` with `flags`.
inline std::string bar_line(std::uint64_t start, std::uint64_t size, std::uint64_t flags) {
  if (size == 0) return "0x0000000000000000 0x0000000000000000 0x0000000000000000\n";
  return fmt::format("0x{:016x} 0x{:016x} 0x{:016x}\n", start, start + size - 1, flags);
}

}  // namespace ghostbrew::testing
