// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// /proc/self/mountinfo: where a filesystem type is mounted. Used to find the cgroup2 mount, which is
// /sys/fs/cgroup on unified hosts but /sys/fs/cgroup/unified on hybrid ones (never assume).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <gsl/util>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/procfs/io.hpp"

namespace ghostbrew::procfs {

namespace detail {
/// mountinfo escapes space, tab, newline and backslash as \ooo octal.
inline std::string unescape_mount_path(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3') {
      // \000..\377: one byte, which char holds (negative where char is signed).
      out += gsl::narrow_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}
}  // namespace detail

/// The mount point (as seen inside the root, e.g. "/sys/fs/cgroup/unified") of the first mount of
/// filesystem type `fstype` listed in <root>/proc/self/mountinfo. Error when the file cannot be read,
/// a line is malformed, or no such mount exists.
inline Result<std::string> find_mount(const std::filesystem::path& root, std::string_view fstype) {
  const auto path = root / "proc/self/mountinfo";
  auto f = read_file(path);
  if (!f.ok()) return tl::unexpected(f.error(path));
  std::string_view text = f.text;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    const auto line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty()) continue;
    // "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS"
    std::string_view fields[5];
    std::string_view rest = line;
    for (auto& field : fields) {
      const auto sp = rest.find(' ');
      field = rest.substr(0, sp);
      rest.remove_prefix(sp == std::string_view::npos ? rest.size() : sp + 1);
    }
    const auto dash = rest.find(" - ");
    if (fields[4].empty() || dash == std::string_view::npos)
      return fail(path.string(), "malformed line {}: '{}'", line_no, line.substr(0, 80));
    auto type = rest.substr(dash + 3);
    type = type.substr(0, type.find(' '));
    if (type == fstype) return detail::unescape_mount_path(fields[4]);
  }
  return fail(path.string(), "no {} mount", fstype);
}

}  // namespace ghostbrew::procfs
