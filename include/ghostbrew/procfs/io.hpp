// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Reading procfs files where the errno matters: a pid that vanished (ENOENT/ESRCH) is a normal race
// and a denied file (EACCES/EPERM) is a normal limit, and callers must tell both from real errors.
// core/fs.hpp's readers turn the errno into text; these keep it as a value.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "ghostbrew/core/error.hpp"

namespace ghostbrew::procfs {

/// The content of one file, or the errno that stopped reading it (err == 0 on success).
struct FileRead {
  std::string text;
  int err = 0;

  [[nodiscard]] bool ok() const { return err == 0; }
  /// The file (or its process) is gone: the pid exited or a thread ended between listing and reading.
  [[nodiscard]] bool vanished() const { return err == ENOENT || err == ESRCH; }
  /// The kernel refused: another user's environ, a ptrace-protected exe link.
  [[nodiscard]] bool denied() const { return err == EACCES || err == EPERM; }
  /// The failure as an Error naming the file.
  [[nodiscard]] Error error(const std::filesystem::path& path) const {
    return Error{path.string(), std::strerror(err)};
  }
};

/// Reads a whole file with open/read (procfs files report size 0, so read until EOF).
inline FileRead read_file(const std::filesystem::path& path) {
  FileRead out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    out.err = errno;
    return out;
  }
  char buf[4096];
  for (;;) {
    const auto n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      out.err = errno;
      break;
    }
    if (n == 0) break;
    out.text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (out.err != 0) out.text.clear();
  return out;
}

/// The target of a symbolic link (e.g. /proc/PID/exe, /proc/PID/fd/N), or the errno of readlink.
inline FileRead read_link(const std::filesystem::path& path) {
  FileRead out;
  std::string buf(256, '\0');
  for (;;) {
    const auto n = ::readlink(path.c_str(), buf.data(), buf.size());
    if (n < 0) {
      out.err = errno;
      return out;
    }
    if (static_cast<std::size_t>(n) < buf.size()) {
      buf.resize(static_cast<std::size_t>(n));
      out.text = std::move(buf);
      return out;
    }
    buf.resize(buf.size() * 2);
  }
}

}  // namespace ghostbrew::procfs
