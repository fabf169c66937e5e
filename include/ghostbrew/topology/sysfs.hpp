// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The sysfs and procfs readers topology discovery is built from: numbered directories, CPU sets with
// their list/mask fallback, optional numbers, cache sizes, /proc/cpuinfo identity. Optional facts
// come back as std::optional (empty = the file is missing); a file that exists but holds garbage is
// an Error naming it.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <gsl/util>

#include "ghostbrew/core/cpuset.hpp"
#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/fs.hpp"
#include "ghostbrew/topology/model.hpp"

namespace ghostbrew::topology::sysfs {

/// Numbers N of the entries `<prefix>N` in `dir` (cpu0, node3, index2), ascending. A missing `dir`
/// gives an empty list; an unreadable one an Error.
inline Result<std::vector<int>> numbered_entries(const std::filesystem::path& dir, std::string_view prefix) {
  std::vector<int> out;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return out;
  std::filesystem::directory_iterator it(dir, ec), end;
  if (ec) return fail(dir.string(), "cannot list: {}", ec.message());
  for (; it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const auto digits = std::string_view(name).substr(prefix.size());
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    auto n = fs::parse_u64(digits, it->path().string());
    if (!n || *n > static_cast<std::uint64_t>(kMaxCpuId)) continue;
    out.push_back(gsl::narrow_cast<int>(*n));  // <= kMaxCpuId: fits
  }
  if (ec) return fail(dir.string(), "cannot list: {}", ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

/// A small file's text, or empty when the file (or a directory on its path) does not exist. One
/// open and read, no stat first: discovery reads thousands of these. Other errors name the file.
inline Result<std::optional<std::string>> read_optional(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) return std::optional<std::string>{};
    return fail(path.string(), "cannot open: {}", std::strerror(err));
  }
  std::string text;
  char buf[4096];
  for (;;) {
    const auto n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return fail(path.string(), "read failed: {}", std::strerror(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return std::optional<std::string>(std::move(text));
}

/// An optional unsigned number: empty when the file is missing, an Error when it is not a number.
inline Result<std::optional<std::uint64_t>> optional_u64(const std::filesystem::path& path) {
  auto text = read_optional(path);
  if (!text) return tl::unexpected(text.error());
  if (!*text) return std::optional<std::uint64_t>{};
  auto v = fs::parse_u64(**text, path.string());
  if (!v) return tl::unexpected(v.error());
  return std::optional<std::uint64_t>(*v);
}

/// An optional id (physical_package_id, core_id, cache id): empty when the file is missing, and also
/// when the kernel reports an id it does not know: a negative number ("-1") or one past 32 bits
/// (ids are ints or u32s in the kernel; 4294967295 is -1 printed unsigned). That case appends a
/// warning naming the file to `warnings`. Text that is not an integer at all is an Error.
inline Result<std::optional<std::uint64_t>> optional_id(const std::filesystem::path& path,
                                                        std::vector<std::string>& warnings) {
  auto text = read_optional(path);
  if (!text) return tl::unexpected(text.error());
  if (!*text) return std::optional<std::uint64_t>{};
  const auto t = fs::detail::trim(**text);
  const bool negative = t.size() > 1 && t.front() == '-';
  const auto digits = negative ? t.substr(1) : t;
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return fail(path.string(), "not an unsigned integer: '{}'", t.substr(0, 40));
  auto v = fs::parse_u64(digits, path.string());
  if (negative || !v || *v >= 0xffffffffULL) {
    warnings.push_back(fmt::format("{}: id '{}' is out of range, recorded as unknown", path.string(),
                                   std::string(t.substr(0, 40))));
    return std::optional<std::uint64_t>{};
  }
  return std::optional<std::uint64_t>(*v);
}

namespace detail {
/// Bitmap files copied by some tools (hwloc-gather-topology) end in a NUL byte: drop trailing NULs.
inline std::string_view without_nuls(std::string_view text) {
  while (!text.empty() && text.back() == '\0') text.remove_suffix(1);
  return text;
}
}  // namespace detail

/// A cpulist file ("0-3,8"), trailing NULs ignored.
inline Result<CpuSet> read_list(const std::filesystem::path& path) {
  auto text = fs::read_text(path);
  if (!text) return tl::unexpected(text.error());
  return parse_cpulist(detail::without_nuls(*text), path.string());
}

/// A CPU set from the first of `dir/list_names` that exists (list form), else from `dir/mask_name`
/// (hex mask form), trailing NULs ignored. An Error names the first list file when none exists.
inline Result<CpuSet> list_or_mask(const std::filesystem::path& dir,
                                   std::initializer_list<std::string_view> list_names,
                                   std::string_view mask_name) {
  for (const auto name : list_names) {
    const auto list = dir / name;
    auto text = read_optional(list);
    if (!text) return tl::unexpected(text.error());
    if (*text) return parse_cpulist(detail::without_nuls(**text), list.string());
  }
  const auto mask = dir / mask_name;
  auto text = read_optional(mask);
  if (!text) return tl::unexpected(text.error());
  if (*text) return parse_cpumask(detail::without_nuls(**text), mask.string());
  return fail((dir / *list_names.begin()).string(), "missing (and no {} either)", mask_name);
}

/// Parses a cache size as sysfs writes it: "32768K", also "96M", "1G" or plain bytes.
inline Result<std::uint64_t> parse_size(std::string_view text, const std::string& where) {
  auto t = fs::detail::trim(text);
  std::uint64_t scale = 1;
  if (!t.empty()) {
    switch (t.back()) {
      case 'K':
        scale = 1024;
        break;
      case 'M':
        scale = 1024 * 1024;
        break;
      case 'G':
        scale = 1024ULL * 1024 * 1024;
        break;
      default:
        break;
    }
    if (scale != 1) t.remove_suffix(1);
  }
  auto n = fs::parse_u64(t, where);
  if (!n) return fail(where, "not a cache size: '{}'", fs::detail::trim(text).substr(0, 40));
  return *n * scale;
}

/// Intersection of two sets.
[[nodiscard]] inline CpuSet intersect(const CpuSet& a, const CpuSet& b) {
  CpuSet out;
  for (int c : a.ids())
    if (b.contains(c)) out.insert(c);
  return out;
}

/// Identity of the first processor in `proc/cpuinfo`; every field empty when the file is missing.
inline Result<CpuIdentity> read_identity(const std::filesystem::path& cpuinfo) {
  CpuIdentity id;
  if (!fs::exists(cpuinfo)) return id;
  auto text = fs::read_text(cpuinfo);
  if (!text) return tl::unexpected(text.error());
  std::istringstream in(*text);
  std::string line;
  bool seen_processor = false;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) {
      if (seen_processor && fs::detail::trim(line).empty()) break;  // end of the first processor
      continue;
    }
    const auto key = fs::detail::trim(std::string_view(line).substr(0, colon));
    const auto value = std::string(fs::detail::trim(std::string_view(line).substr(colon + 1)));
    if (key == "processor") {
      seen_processor = true;
    } else if (key == "vendor_id") {
      id.vendor = value;
    } else if (key == "model name") {
      id.model_name = value;
    } else if (key == "cpu family") {
      auto f = fs::parse_u64(value, cpuinfo.string());
      if (!f) return fail(cpuinfo.string(), "bad 'cpu family': '{}'", value.substr(0, 40));
      id.family = *f;
    }
  }
  return id;
}

}  // namespace ghostbrew::topology::sysfs
