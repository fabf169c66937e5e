// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// A real file for fuzz targets whose parser reads a path: readers of state files refuse symbolic links
// (O_NOFOLLOW), /proc/self/fd/N of a memfd among them, so each input is written to a regular file in a
// private directory (on /dev/shm when there is one: no disk traffic per input).
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace ghostbrew::fuzz {

/// `name` in a directory created once per process (removed by the OS's tmp cleaning, not here: libFuzzer
/// may exit from anywhere).
inline std::filesystem::path scratch_path(const std::string& name) {
  static const std::filesystem::path dir = [] {
    const std::filesystem::path base =
        std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    std::string tmpl = (base / "ghostbrew-fuzz-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) __builtin_trap();
    return std::filesystem::path(tmpl);
  }();
  return dir / name;
}

/// Replaces the scratch file `name` with the input bytes; returns its path.
inline std::filesystem::path write_scratch(const std::string& name, const std::uint8_t* data,
                                           std::size_t size) {
  const auto p = scratch_path(name);
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) __builtin_trap();
  return p;
}

}  // namespace ghostbrew::fuzz
