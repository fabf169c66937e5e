// Per-process workload classification: which class a process belongs to and the rule that decided
// it, as text ("env:WINEPREFIX", "exe:wine64-preloader", "comm:*.exe", "parent:4242(steam reaper)",
// "cgroup:/user.slice/.../app-steam@1.scope"). Rules run in a fixed order, first match wins:
//   kernel thread -> zombie (no live threads) -> game (exe, env, comm/argv0 *.exe) -> AI server -> QEMU ->
//   desktop (audio, compositor, evdev reader) -> game ancestor (reaper, pressure-vessel, gamescope; 8 levels)
//   -> cgroup patterns -> nice > 0 -> default.
// Threads inherit their process's class, except QEMU vCPU threads ("CPU N/KVM"), which are VM.
#pragma once

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "ghostbrew/detect/cgroup.hpp"
#include "ghostbrew/detect/workload_class.hpp"
#include "ghostbrew/procfs/process.hpp"

namespace ghostbrew::detect {

/// The names and patterns the rules look for. Defaults cover the common Linux desktop; every list can
/// be replaced by configuration.
struct Rules {
  /// Executable file names of Wine/Proton (matched against /proc/PID/exe's file name).
  std::vector<std::string> game_exes{"wine",       "wine64", "wine-preloader", "wine64-preloader",
                                     "wineserver", "proton"};
  /// Environment variables only a Wine/Proton/Steam game has.
  std::vector<std::string> game_env{"WINEPREFIX", "STEAM_COMPAT_DATA_PATH", "SteamGameId", "SteamAppId"};
  /// AI inference servers, matched against exe file name, comm and argv words.
  std::vector<std::string> ai_names{"ollama", "llama-server", "vllm", "ComfyUI", "comfyui"};
  /// Audio servers, compositors: interactive desktop (exe file name or comm).
  std::vector<std::string> audio{"pipewire", "pipewire-pulse", "pulseaudio", "jackd", "jackdbus"};
  std::vector<std::string> compositors{"kwin_wayland", "gnome-shell", "Xwayland", "gamescope",
                                       "sway",         "Hyprland",    "weston",   "Xorg"};
  /// cgroup path patterns (see cgroup.hpp).
  std::vector<CgroupRule> cgroups = default_cgroup_rules();
  /// How many ancestors the parent-chain rule looks at.
  int max_parent_depth = 8;
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
inline bool contains(const std::vector<std::string>& names, std::string_view name) {
  return !name.empty() && std::find(names.begin(), names.end(), name) != names.end();
}

inline bool ends_with_exe(std::string_view s) {
  if (s.size() <= 4) return false;
  const auto tail = s.substr(s.size() - 4);
  return tail[0] == '.' && std::tolower(static_cast<unsigned char>(tail[1])) == 'e' &&
         std::tolower(static_cast<unsigned char>(tail[2])) == 'x' &&
         std::tolower(static_cast<unsigned char>(tail[3])) == 'e';
}

/// The last path component of argv[0], with Windows separators too ("C:\\Games\\x.exe" -> "x.exe").
inline std::string_view argv0_name(const procfs::ProcessInfo& p) {
  if (p.cmdline.empty()) return {};
  const std::string_view a = p.cmdline.front();
  const auto cut = a.find_last_of("/\\");
  return cut == std::string_view::npos ? a : a.substr(cut + 1);
}

/// Matches exe file name, then comm (truncated to 15 bytes by the kernel), then argv[0]'s file name
/// (when the exe link was denied); `which` gets the rule text.
inline bool named(const procfs::ProcessInfo& p, const std::vector<std::string>& names, std::string* which) {
  for (const auto& n : names) {
    if (p.exe_name() == n) {
      *which = "exe:" + n;
    } else if (p.comm() == n) {
      *which = "comm:" + n;
    } else if (p.exe.empty() && argv0_name(p) == n) {
      *which = "argv0:" + n;
    } else {
      continue;
    }
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
  if (contains(r.game_exes, p.exe_name()))
    return Classification{WorkloadClass::Gaming, fmt::format("exe:{}", p.exe_name())};
  for (const auto& key : r.game_env)
    if (p.env(key)) return Classification{WorkloadClass::Gaming, "env:" + key};
  if (ends_with_exe(p.comm())) return Classification{WorkloadClass::Gaming, "comm:*.exe"};
  if (ends_with_exe(argv0_name(p))) return Classification{WorkloadClass::Gaming, "argv0:*.exe"};
  return std::nullopt;
}

inline std::optional<Classification> ai_rule(const procfs::ProcessInfo& p, const Rules& r) {
  std::string which;
  if (named(p, r.ai_names, &which)) return Classification{WorkloadClass::Ai, which};
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
  if (named(p, r.audio, &which) || named(p, r.compositors, &which))
    return Classification{WorkloadClass::Interactive, which};
  for (const auto& dev : p.device_fds)
    if (std::string_view(dev).starts_with("/dev/input/event"))
      return Classification{WorkloadClass::Interactive, "fd:" + dev};
  return std::nullopt;
}

/// What a game-launching ancestor is, if `p` is one.
inline std::optional<std::string_view> game_launcher(const procfs::ProcessInfo& p) {
  const auto has_arg = [&](std::string_view s) {
    return std::any_of(p.cmdline.begin(), p.cmdline.end(), [&](const std::string& a) { return a == s; });
  };
  if ((p.comm() == "reaper" || p.exe_name() == "reaper") && has_arg("SteamLaunch")) return "steam reaper";
  if (p.comm().starts_with("pressure-vessel") || p.exe_name().starts_with("pressure-vessel") ||
      p.comm() == "pv-adverb" || p.exe_name() == "pv-adverb")
    return "pressure-vessel";
  if (p.comm() == "gamescope" || p.exe_name() == "gamescope") return "gamescope";
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
    if (auto what = game_launcher(*parent))
      return Classification{WorkloadClass::Gaming, fmt::format("parent:{}({})", ppid, *what)};
    child = parent;
  }
  return std::nullopt;
}
}  // namespace detail

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
  if (auto c = detail::game_rule(p, r)) return *c;
  if (auto c = detail::ai_rule(p, r)) return *c;
  if (detail::is_qemu(p))
    return {WorkloadClass::Vm,
            fmt::format("exe:{}", p.exe_name().empty() ? std::string_view(p.comm()) : p.exe_name())};
  if (auto c = detail::desktop_rule(p, r)) return *c;
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
