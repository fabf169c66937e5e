// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// A scratch directory for a test: created fresh under the temp directory (see base()), removed with
// everything in it when the test's TempDir goes out of scope.
#pragma once

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace ghostbrew::testing {

class TempDir {
 public:
  /// Where scratch directories go: $TMPDIR when set, else the tmpfs /dev/shm when present (in memory,
  /// like sysfs: thousands of small fixture files on a disk are slow), else the system temp directory.
  static std::filesystem::path base() {
    if (const char* tmp = std::getenv("TMPDIR"); tmp != nullptr && *tmp != '\0') return tmp;
    std::error_code ec;
    if (std::filesystem::is_directory("/dev/shm", ec)) return "/dev/shm";
    return std::filesystem::temp_directory_path();
  }

  /// What the directory holds: files only, or programs the test executes from it. Those go under the
  /// system temp directory instead of base(): /dev/shm may be mounted noexec.
  enum class For { files, programs };

  /// A new directory named `<base>/ghostbrew-<prefix>-XXXXXX`.
  explicit TempDir(std::string_view prefix = "test", For what = For::files) {
    const auto dir = what == For::programs ? std::filesystem::temp_directory_path() : base();
    std::string tmpl = (dir / ("ghostbrew-" + std::string(prefix) + "-XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::filesystem::filesystem_error("mkdtemp", tmpl, {});
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  /// `rel` under the directory.
  [[nodiscard]] std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

  /// Writes `text` to `rel` (creating its parent directories); returns the file's path.
  std::filesystem::path write(const std::string& rel, std::string_view text) const {
    const auto p = path_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace ghostbrew::testing
