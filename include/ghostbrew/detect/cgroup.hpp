// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// cgroup v2 classification: configurable glob patterns over the components of a cgroup path
// ("gaming.slice", "app-steam*", "docker-*.scope", "system.slice" ...), and a walk of the cgroup2
// mount that keys each classified cgroup by its id as BPF sees it: bpf_get_current_cgroup_id() is the
// inode number of the cgroup's directory in the cgroup2 filesystem.
#pragma once

#include <dirent.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/fs.hpp"
#include "ghostbrew/detect/workload_class.hpp"
#include "ghostbrew/procfs/mountinfo.hpp"

namespace ghostbrew::detect {

/// One pattern: an fnmatch(3) glob matched against each component of a cgroup path.
struct CgroupRule {
  std::string pattern;
  WorkloadClass cls = WorkloadClass::Default;
};

/// The built-in patterns, in priority order. AI names come before the container runtimes (a
/// "machine-ollama.scope" is an AI server), runtimes before "system.slice" (docker-ID.scope lives in
/// system.slice), and "docker.service" (the daemon, not a container) stays BATCH.
[[nodiscard]] inline std::vector<CgroupRule> default_cgroup_rules() {
  using C = WorkloadClass;
  return {
      {"gaming.slice", C::Gaming},
      {"app-steam*", C::Gaming},
      {"*ollama*", C::Ai},
      {"*vllm*", C::Ai},
      {"*comfyui*", C::Ai},
      {"*llama-server*", C::Ai},
      {"docker-*.scope", C::Container},
      {"docker", C::Container},
      {"libpod-*", C::Container},
      {"cri-containerd-*", C::Container},
      {"containerd", C::Container},
      {"systemd-nspawn@*", C::Container},
      {"machine-*.scope", C::Container},
      {"system.slice", C::Batch},
  };
}

/// Parses cgroup rules from configuration text: one "PATTERN CLASS" per line (e.g. "app-steam* gaming",
/// classes as named by to_string()), in priority order; '#' starts a comment, blank lines are skipped.
/// Errors name `where` and the line number: a missing class, an unknown class, extra words. Lines are
/// numbered from `first_line` (the text's first line in the file that holds it).
[[nodiscard]] inline Result<std::vector<CgroupRule>> parse_cgroup_rules(std::string_view text,
                                                                        const std::string& where,
                                                                        int first_line = 1) {
  std::vector<CgroupRule> out;
  int line_no = first_line - 1;
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    line = line.substr(0, line.find('#'));
    std::vector<std::string_view> words;
    while (!line.empty()) {
      const auto b = line.find_first_not_of(" \t\r");
      if (b == std::string_view::npos) break;
      line.remove_prefix(b);
      const auto e = line.find_first_of(" \t\r");
      words.push_back(line.substr(0, e));
      line.remove_prefix(e == std::string_view::npos ? line.size() : e);
    }
    if (words.empty()) continue;
    if (words.size() != 2)
      return fail(where, "line {}: expected 'PATTERN CLASS', got {} word(s)", line_no, words.size());
    const auto cls = parse_class(words[1]);
    if (!cls) return fail(where, "line {}: unknown class '{}'", line_no, words[1]);
    out.push_back({std::string(words[0]), *cls});
  }
  return out;
}

/// parse_cgroup_rules() over a file.
[[nodiscard]] inline Result<std::vector<CgroupRule>> read_cgroup_rules(const std::filesystem::path& path) {
  auto text = fs::read_text(path);
  if (!text) return tl::unexpected(text.error());
  return parse_cgroup_rules(*text, path.string());
}

/// Which rule decided a cgroup path.
struct CgroupMatch {
  WorkloadClass cls = WorkloadClass::Default;
  std::string pattern;    ///< the rule's pattern
  std::string component;  ///< the path component it matched
};

/// Classifies a cgroup path ("/user.slice/user-1000.slice/.../app-steam@1.scope"): the deepest
/// component that any rule matches decides, and among rules the first in the list wins. So a cgroup
/// inherits its nearest classified ancestor's class. nullopt when nothing matches.
[[nodiscard]] inline std::optional<CgroupMatch> match_cgroup(std::string_view path,
                                                             std::span<const CgroupRule> rules) {
  while (!path.empty()) {
    const auto slash = path.rfind('/');
    const auto component = std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
    if (!component.empty())
      for (const auto& r : rules)
        if (::fnmatch(r.pattern.c_str(), component.c_str(), 0) == 0)
          return CgroupMatch{r.cls, r.pattern, component};
    if (slash == std::string_view::npos) break;
    path = path.substr(0, slash);
  }
  return std::nullopt;
}

/// A classified cgroup directory.
struct CgroupEntry {
  std::uint64_t id = 0;  ///< inode of the directory == bpf_get_current_cgroup_id() of its tasks
  std::string path;      ///< path inside the cgroup2 mount, "/" separated, starting with "/"
  WorkloadClass cls = WorkloadClass::Default;
  std::string pattern;  ///< the rule that decided
};

/// The cgroup2 mount as a path under `root` (from <root>/proc/self/mountinfo).
[[nodiscard]] inline Result<std::filesystem::path> cgroup2_mount(const std::filesystem::path& root) {
  auto mp = procfs::find_mount(root, "cgroup2");
  if (!mp) return tl::unexpected(mp.error());
  return root / std::filesystem::path(*mp).relative_path();
}

namespace detail {
inline void walk_cgroups(const std::filesystem::path& dir, const std::string& rel,
                         std::span<const CgroupRule> rules, int depth, std::vector<CgroupEntry>& out) {
  if (depth > 64) return;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;  // removed while walking: it has no tasks to classify any more
  std::vector<std::string> children;
  while (const dirent* ent = ::readdir(d)) {
    const std::string_view name = ent->d_name;
    if (name == "." || name == "..") continue;
    if (ent->d_type == DT_DIR || ent->d_type == DT_UNKNOWN) children.emplace_back(name);
  }
  ::closedir(d);
  for (const auto& name : children) {
    const auto child = dir / name;
    const auto child_rel = rel + "/" + name;
    struct stat st {};
    if (::stat(child.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    if (auto m = match_cgroup(child_rel, rules))
      out.push_back({static_cast<std::uint64_t>(st.st_ino), child_rel, m->cls, std::move(m->pattern)});
    walk_cgroups(child, child_rel, rules, depth + 1, out);
  }
}
}  // namespace detail

/// Every cgroup under the cgroup2 mount of `root` that a rule classifies, keyed by cgroup id.
/// Errors: no cgroup2 mount in mountinfo, or the mount directory cannot be listed. Cgroups removed
/// during the walk are left out.
[[nodiscard]] inline Result<std::vector<CgroupEntry>> scan_cgroups(const std::filesystem::path& root,
                                                                   std::span<const CgroupRule> rules) {
  auto mount = cgroup2_mount(root);
  if (!mount) return tl::unexpected(mount.error());
  std::error_code ec;
  if (!std::filesystem::is_directory(*mount, ec))
    return fail(mount->string(), "cgroup2 mount point is not a directory");
  std::vector<CgroupEntry> out;
  detail::walk_cgroups(*mount, "", rules, 0, out);
  return out;
}

}  // namespace ghostbrew::detect
