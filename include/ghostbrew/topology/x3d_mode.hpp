// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The AMD 3D V-Cache optimizer's mode (kernel 6.13+, drivers/platform/x86/amd/x3d_vcache.c): which
// CCD the kernel ranks first on a two-CCD X3D part, "frequency" (the faster one) or "cache" (the one
// with the larger L3). The driver binds the ACPI device AMDI0101 and gives it one attribute,
// amd_x3d_mode (root-writable), that reads "frequency\n" or "cache\n" and takes either word (a trailing
// newline allowed); anything else is refused with EINVAL. Documented (Documentation/ABI/testing/
// sysfs-bus-platform-drivers-amd_x3d_vcache) as /sys/bus/platform/drivers/amd_x3d_vcache/AMDI0101:00/
// amd_x3d_mode; the same device is in /sys/bus/platform/devices. The attribute exists only while the
// driver is bound: no file is no driver, not an error.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/fs.hpp"
#include "ghostbrew/topology/model.hpp"

namespace ghostbrew::topology {

/// The amd_x3d_mode file below `root`: the first AMDI0101:* instance (by name) that has one, in
/// sys/bus/platform/devices, else in sys/bus/platform/drivers/amd_x3d_vcache. Empty: no driver.
[[nodiscard]] inline std::optional<std::filesystem::path> x3d_mode_file(const std::filesystem::path& root) {
  namespace stdfs = std::filesystem;
  for (const auto* parent : {"sys/bus/platform/devices", "sys/bus/platform/drivers/amd_x3d_vcache"}) {
    std::error_code ec;
    const auto dir = root / parent;
    if (!stdfs::is_directory(dir, ec)) continue;
    std::vector<stdfs::path> matches;
    for (stdfs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().filename().string().starts_with("AMDI0101:") && fs::exists(it->path() / "amd_x3d_mode"))
        matches.push_back(it->path() / "amd_x3d_mode");
    if (matches.empty()) continue;
    return *std::min_element(matches.begin(), matches.end());
  }
  return std::nullopt;
}

/// The mode a word names: "frequency" or "cache"; anything else is an error naming `where`.
[[nodiscard]] inline Result<X3dMode> parse_x3d_mode(std::string_view word, const std::string& where) {
  if (word == "frequency") return X3dMode::frequency;
  if (word == "cache") return X3dMode::cache;
  return fail(where, "expected 'frequency' or 'cache', found '{}'", word.substr(0, 40));
}

/// The mode in the amd_x3d_mode file `file`. An unreadable file or another word is an error naming it.
[[nodiscard]] inline Result<X3dMode> read_x3d_mode_file(const std::filesystem::path& file) {
  auto word = fs::read_word(file);
  if (!word) return tl::unexpected(word.error());
  return parse_x3d_mode(*word, file.string());
}

/// The mode below `root`; empty when the driver is absent (x3d_mode_file()).
[[nodiscard]] inline Result<std::optional<X3dMode>> read_x3d_mode(const std::filesystem::path& root) {
  const auto file = x3d_mode_file(root);
  if (!file) return std::optional<X3dMode>{};
  auto mode = read_x3d_mode_file(*file);
  if (!mode) return tl::unexpected(mode.error());
  return std::optional<X3dMode>(*mode);
}

/// Writes `mode` ("cache\n" or "frequency\n", in one write as `echo` does) to the existing file
/// `file`: never creates it. The driver's refusal (EINVAL: its ACPI call failed) or EACCES comes
/// back as an error naming the file.
[[nodiscard]] inline Result<void> write_x3d_mode(const std::filesystem::path& file, X3dMode mode) {
  const std::string text = std::string(to_string(mode)) + "\n";
  const int fd = ::open(file.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return fail(file.string(), "cannot open for writing: {}", std::strerror(errno));
  ssize_t n = -1;
  do n = ::write(fd, text.data(), text.size());
  while (n < 0 && errno == EINTR);
  const int write_errno = errno;
  ::close(fd);
  if (n < 0)
    return fail(file.string(), "writing '{}' failed: {}", to_string(mode), std::strerror(write_errno));
  if (static_cast<std::size_t>(n) != text.size())
    return fail(file.string(), "writing '{}' stopped after {} of {} bytes", to_string(mode), n, text.size());
  return {};
}

}  // namespace ghostbrew::topology
