// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Per-process workload classification: which class a process belongs to and the rule that decided
// it, as text ("env:WINEPREFIX", "exe:wine64-preloader", "comm:*.exe", "parent:4242(steam reaper)",
// "cgroup:/user.slice/.../app-steam@1.scope"). Rules run in a fixed order, first match wins:
//   kernel thread -> zombie (no live threads) -> registered with GameMode ("gamemode": the pids in
//   Rules::gamemode_games, whatever their name) -> game (exe name, env, comm/argv0) -> AI server -> QEMU ->
//   desktop (audio, compositor, evdev reader) -> build tools -> game ancestor (steam reaper,
//   pressure-vessel, or a name whose row says games_below: wine, *.exe, gamescope; 8 levels) -> cgroup
//   patterns -> nice > 0 -> default.
// The names (wine*, *.exe, gamescope, pipewire*, cc1*, ...) are rows of detect/comm_patterns.def, the
// table the BPF scheduler matches comms against too: both sides give a name the same class.
// Threads inherit their process's class, except QEMU vCPU threads ("CPU N/KVM"), which are VM.
#pragma once

#include <algorithm>
#include <array>
#include <filesystem>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "ghostbrew/detect/cgroup.hpp"
#include "ghostbrew/detect/comm_patterns.hpp"
#include "ghostbrew/detect/workload_class.hpp"
#include "ghostbrew/procfs/process.hpp"

namespace ghostbrew::detect {

/// The rule text of a process Feral GameMode registered as a game (sched/gamemode.hpp asks GameMode).
inline constexpr std::string_view kGameModeRule = "gamemode";

/// The names and patterns the rules look for. Defaults cover the common Linux desktop; every list can
/// be replaced by configuration.
struct Rules {
  /// Names that decide a class (matched against the exe file name, comm and argv[0]): by default the
  /// table shared with BPF, comm_patterns.def. Replacing it changes userspace detection only.
  std::vector<CommPattern> names{std::begin(kCommPatterns), std::end(kCommPatterns)};
  /// Names from configuration, tried before `names` (userspace detection only: BPF keeps its table).
  std::vector<NamePattern> extra_names;
  /// Environment variables only a Wine/Proton/Steam game has.
  std::vector<std::string> game_env{"WINEPREFIX", "STEAM_COMPAT_DATA_PATH", "SteamGameId", "SteamAppId"};
  /// Python AI servers, matched against command-line words ("python -m vllm...", ".../ComfyUI/main.py");
  /// servers with their own binary (ollama, llama-server) are rows of `names`.
  std::vector<std::string> ai_names{"vllm", "ComfyUI", "comfyui"};
  /// cgroup path patterns (see cgroup.hpp).
  std::vector<CgroupRule> cgroups = default_cgroup_rules();
  /// How many ancestors the parent-chain rule looks at.
  int max_parent_depth = 8;
  /// Pids GameMode has registered as games, sorted (sched/gamemode.hpp's gamemode_games() asks it):
  /// GAMING by kGameModeRule before any name is looked at. Empty: no GameMode, the rule never matches.
  std::vector<int> gamemode_games;
};

/// A class and the rule that decided it.
struct Classification {
  WorkloadClass cls = WorkloadClass::Default;
  std::string rule;  ///< "kthread", "zombie", "env:WINEPREFIX", ... ; "none" for the default class

  friend bool operator==(const Classification&, const Classification&) = default;
};

/// What classify() may consult besides the process itself.
struct Context {
  std::filesystem::path root = "/";  ///< where parents are read from when not in `known`
  Rules rules;
  /// Processes already read, sorted by pid (a scan passes its whole table); others are read from root.
  std::span<const procfs::ProcessInfo> known;
};

namespace detail {
/// The last path component of argv[0], with Windows separators too ("C:\\Games\\x.exe" -> "x.exe").
inline std::string_view argv0_name(const procfs::ProcessInfo& p) {
  if (p.cmdline.empty()) return {};
  const std::string_view a = p.cmdline.front();
  const auto cut = a.find_last_of("/\\");
  return cut == std::string_view::npos ? a : a.substr(cut + 1);
}

/// The rows of class `cls`: the configured extra names first, then the table's (they view `r`).
inline std::vector<CommPattern> rows_of(const Rules& r, WorkloadClass cls) {
  std::vector<CommPattern> out;
  for (const auto& n : r.extra_names)
    if (n.cls == cls) out.push_back(n.row());
  for (const auto& n : r.names)
    if (n.cls == cls) out.push_back(n);
  return out;
}

/// Matches the exe file name, then comm (truncated to 15 bytes by the kernel), then argv[0]'s file
/// name against `rows`; `which` gets the rule text ("exe:wine64", "comm:*.exe"). A suffix row (*.exe)
/// names what a program runs as, not its binary: it is matched on comm and always on argv[0] (a
/// Windows binary's name is only there: its exe is wine's loader), never on the exe link. Other rows
/// are matched on argv[0] only when the exe link was denied. With exe_only, only the exe link is tried.
inline bool named(const procfs::ProcessInfo& p, std::span<const CommPattern> rows, std::string* which,
                  bool exe_only = false) {
  for (const auto& r : rows)
    if (r.match != CommMatch::suffix && !p.exe_name().empty() && r.matches(p.exe_name())) {
      *which = "exe:" + r.describe(p.exe_name());
      return true;
    }
  if (exe_only) return false;
  if (auto m = match_comm(p.comm(), rows)) {
    *which = "comm:" + m->describe(p.comm());
    return true;
  }
  const auto a0 = argv0_name(p);
  for (const auto& r : rows)
    if ((p.exe.empty() || r.match == CommMatch::suffix) && !a0.empty() && r.matches(a0)) {
      *which = "argv0:" + r.describe(a0);
      return true;
    }
  return false;
}

/// An argument that names a Python server: the module ("vllm", "vllm.entrypoints.openai") or a path
/// through its directory ("ComfyUI/main.py", "/opt/ComfyUI/main.py").
inline bool arg_names(std::string_view arg, std::string_view n) {
  if (arg == n) return true;
  if (arg.size() > n.size() && arg.starts_with(n) && (arg[n.size()] == '.' || arg[n.size()] == '/'))
    return true;
  const auto pos = arg.find(n);
  return pos != std::string_view::npos && pos > 0 && arg[pos - 1] == '/' && pos + n.size() < arg.size() &&
         arg[pos + n.size()] == '/';
}

inline std::optional<Classification> game_rule(const procfs::ProcessInfo& p, const Rules& r) {
  const auto games = rows_of(r, WorkloadClass::Gaming);
  std::string which;
  if (named(p, games, &which, /*exe_only=*/true)) return Classification{WorkloadClass::Gaming, which};
  for (const auto& key : r.game_env)
    if (p.env(key)) return Classification{WorkloadClass::Gaming, "env:" + key};
  if (named(p, games, &which)) return Classification{WorkloadClass::Gaming, which};
  return std::nullopt;
}

inline std::optional<Classification> ai_rule(const procfs::ProcessInfo& p, const Rules& r) {
  std::string which;
  if (named(p, rows_of(r, WorkloadClass::Ai), &which)) return Classification{WorkloadClass::Ai, which};
  // Python servers: "python -m vllm.entrypoints...", "vllm serve", ".../ComfyUI/main.py".
  for (const auto& arg : p.cmdline)
    for (const auto& n : r.ai_names)
      if (arg_names(arg, n)) return Classification{WorkloadClass::Ai, "cmdline:" + n};
  return std::nullopt;
}

inline bool is_qemu(const procfs::ProcessInfo& p) {
  return p.exe_name().starts_with("qemu-system-") || p.comm().starts_with("qemu-system-") ||
         p.exe_name() == "qemu-kvm" || p.comm() == "qemu-kvm";
}

inline std::optional<Classification> desktop_rule(const procfs::ProcessInfo& p, const Rules& r) {
  std::string which;
  if (named(p, rows_of(r, WorkloadClass::Interactive), &which))
    return Classification{WorkloadClass::Interactive, which};
  for (const auto& dev : p.device_fds)
    if (std::string_view(dev).starts_with("/dev/input/event"))
      return Classification{WorkloadClass::Interactive, "fd:" + dev};
  return std::nullopt;
}

/// Compilers, linkers and build drivers.
inline std::optional<Classification> build_rule(const procfs::ProcessInfo& p, const Rules& r) {
  std::string which;
  if (named(p, rows_of(r, WorkloadClass::Batch), &which)) return Classification{WorkloadClass::Batch, which};
  return std::nullopt;
}

/// What a game-launching ancestor is, if `p` is one: Steam's reaper or pressure-vessel, or a process
/// whose name's row says games_below (gamescope, wine, a Windows binary).
inline std::optional<std::string> game_launcher(const procfs::ProcessInfo& p, const Rules& r) {
  const auto has_arg = [&](std::string_view s) {
    return std::any_of(p.cmdline.begin(), p.cmdline.end(), [&](const std::string& a) { return a == s; });
  };
  if ((p.comm() == "reaper" || p.exe_name() == "reaper") && has_arg("SteamLaunch")) return "steam reaper";
  if (p.comm().starts_with("pressure-vessel") || p.exe_name().starts_with("pressure-vessel") ||
      p.comm() == "pv-adverb" || p.exe_name() == "pv-adverb")
    return "pressure-vessel";
  const auto launcher = [&](const CommPattern& n) -> std::optional<std::string> {
    if (!n.games_below) return std::nullopt;
    if (n.matches(p.comm())) return n.describe(p.comm());
    if (n.matches(p.exe_name())) return n.describe(p.exe_name());
    return std::nullopt;
  };
  for (const auto& n : r.extra_names)
    if (auto what = launcher(n.row())) return what;
  for (const auto& n : r.names)
    if (auto what = launcher(n)) return what;
  return std::nullopt;
}

inline const procfs::ProcessInfo* find_known(std::span<const procfs::ProcessInfo> known, int pid) {
  const auto it = std::lower_bound(known.begin(), known.end(), pid,
                                   [](const procfs::ProcessInfo& p, int v) { return p.pid() < v; });
  return it != known.end() && it->pid() == pid ? &*it : nullptr;
}

inline std::optional<Classification> parent_rule(const procfs::ProcessInfo& p, const Context& ctx) {
  const procfs::ProcessInfo* child = &p;
  std::optional<procfs::ProcessInfo> owned;  // the last ancestor read from root (not in `known`)
  for (int depth = 0; depth < ctx.rules.max_parent_depth; ++depth) {
    const int ppid = child->stat.ppid;
    const auto child_start = child->stat.start_time;
    if (ppid <= 1) return std::nullopt;
    const procfs::ProcessInfo* parent = find_known(ctx.known, ppid);
    if (parent == nullptr) {
      auto r = procfs::read_process(
          ctx.root, ppid, {.threads = false, .device_fds = false, .environ = false, .cgroup = false});
      if (!r) return std::nullopt;  // the parent is gone: the chain ends here
      owned = std::move(*r);        // `child` is not used past this point
      parent = &*owned;
    }
    // A parent younger than its child is a reused pid, not the real parent.
    if (parent->stat.start_time > child_start) return std::nullopt;
    if (auto what = game_launcher(*parent, ctx.rules))
      return Classification{WorkloadClass::Gaming, fmt::format("parent:{}({})", ppid, *what)};
    child = parent;
  }
  return std::nullopt;
}
}  // namespace detail

/// The environment variables that carry a game's Steam app id, the first one set winning: Steam's
/// own, then what Proton sets for a Windows game.
inline constexpr std::array<std::string_view, 3> kSteamAppIdEnv = {"SteamAppId", "SteamGameId",
                                                                   "STEAM_COMPAT_APP_ID"};

/// What names a program, beyond its (truncated) comm: what profiles, samples and logs key it by.
struct Program {
  std::string name;          ///< the program's full name (program_name())
  std::string exe;           ///< the executable's file name ("wine64-preloader"), empty when unknown
  std::string cmdline;       ///< argv joined by spaces
  std::string steam_app_id;  ///< the first of kSteamAppIdEnv in its environment; empty without

  friend bool operator==(const Program&, const Program&) = default;
};

/// The program's name: its comm, unless the kernel cut that to 15 bytes and argv[0]'s file name or
/// the executable's file name is the longer name it was cut from. A Windows game's comm is
/// "Cyberpunk2077.e"; its argv[0] ("Z:\\...\\Cyberpunk2077.exe") holds "Cyberpunk2077.exe". `comm`
/// defaults to the process's own (pass an exec event's comm: a game may rename its main thread later).
[[nodiscard]] inline std::string program_name(const procfs::ProcessInfo& p, std::string_view comm = {}) {
  if (comm.empty()) comm = p.comm();
  if (comm.size() == GB_COMM_LEN - 1)
    for (const auto full : {detail::argv0_name(p), p.exe_name()})
      if (full.size() > comm.size() && full.starts_with(comm)) return std::string(full);
  return std::string(comm);
}

/// The Program of process `p` (see program_name() for `comm`).
[[nodiscard]] inline Program program_of(const procfs::ProcessInfo& p, std::string_view comm = {}) {
  Program out{program_name(p, comm), std::string(p.exe_name()), {}, {}};
  for (const auto& a : p.cmdline) out.cmdline += (out.cmdline.empty() ? "" : " ") + a;
  for (const auto key : kSteamAppIdEnv) {
    if (auto id = p.env(key)) {
      out.steam_app_id = *id;
      break;
    }
  }
  return out;
}

/// True for a QEMU vCPU thread name: "CPU 0/KVM", "CPU 12/KVM".
[[nodiscard]] inline bool is_vcpu_thread_name(std::string_view comm) {
  if (!comm.starts_with("CPU ") || !comm.ends_with("/KVM")) return false;
  const auto digits = comm.substr(4, comm.size() - 8);
  return !digits.empty() &&
         std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Classifies one process (see the rule order at the top of this file).
[[nodiscard]] inline Classification classify(const procfs::ProcessInfo& p, const Context& ctx) {
  const auto& r = ctx.rules;
  if (p.stat.kernel_thread()) return {WorkloadClass::Default, "kthread"};
  // A zombie leader with live threads (its main thread called pthread_exit) is still a workload: its
  // exe and environ are gone with the leader's mm, but comm, parents and cgroup still decide.
  if (p.stat.zombie() && p.stat.num_threads <= 1) return {WorkloadClass::Default, "zombie"};
  if (std::binary_search(r.gamemode_games.begin(), r.gamemode_games.end(), p.pid()))
    return {WorkloadClass::Gaming, std::string(kGameModeRule)};
  if (auto c = detail::game_rule(p, r)) return *c;
  if (auto c = detail::ai_rule(p, r)) return *c;
  if (detail::is_qemu(p))
    return {WorkloadClass::Vm,
            fmt::format("exe:{}", p.exe_name().empty() ? std::string_view(p.comm()) : p.exe_name())};
  if (auto c = detail::desktop_rule(p, r)) return *c;
  if (auto c = detail::build_rule(p, r)) return *c;
  if (auto c = detail::parent_rule(p, ctx)) return *c;
  if (auto m = match_cgroup(p.cgroup, r.cgroups)) return {m->cls, "cgroup:" + p.cgroup};
  if (p.stat.nice > 0) return {WorkloadClass::Batch, fmt::format("nice:{}", p.stat.nice)};
  return {WorkloadClass::Default, "none"};
}

/// Classifies one thread of a process whose classification is `process`: vCPU threads are VM
/// ("thread:CPU 0/KVM"), every other thread shares its process's class and rule.
[[nodiscard]] inline Classification classify_thread(const procfs::ThreadInfo& t,
                                                    const Classification& process) {
  if (is_vcpu_thread_name(t.comm)) return {WorkloadClass::Vm, "thread:" + t.comm};
  return process;
}

}  // namespace ghostbrew::detect
