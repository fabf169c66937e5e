// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Versioned, checksummed binary state files written crash-safely (temporary file, fsync, rename,
// fsync of the directory), and the directory they live in.
// The daemon runs as root: its state directory and files are writable by their owner only (a
// directory it creates is 0755, a file 0644, whatever the umask; an existing directory writable by
// group or others is refused), and a state file that is a symbolic link, a FIFO or anything but a
// regular file is refused, never followed or opened in a way that blocks.
//
// Layout (little-endian, as the host writes it; the files never leave the machine):
//   magic[8]  version u32  count u32  payload_bytes u64  crc32(payload) u32  reserved u32  payload
// `count` is the number of records the payload holds (checked by the reader of each kind against its
// record size), so a truncated, padded, hostile or corrupted file is refused before anything is parsed.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "ghostbrew/core/error.hpp"

namespace ghostbrew {

/// The 32-byte header in front of every state file's payload.
struct StateHeader {
  std::array<char, 8> magic{};
  std::uint32_t version = 0;
  std::uint32_t count = 0;
  std::uint64_t payload_bytes = 0;
  std::uint32_t crc = 0;
  std::uint32_t reserved = 0;
};
static_assert(sizeof(StateHeader) == 32, "StateHeader layout");

/// A state file's header and its payload, checked (magic, sizes, checksum) but not yet parsed.
struct StateBlob {
  std::uint32_t version = 0;
  std::uint32_t count = 0;
  std::vector<std::byte> payload;
};

namespace detail {

inline std::uint32_t crc32_of(std::span<const std::byte> bytes) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths: feed large payloads in chunks.
  while (!bytes.empty()) {
    const auto n = static_cast<uInt>(std::min<std::size_t>(bytes.size(), 1U << 30));
    crc = ::crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), n);
    bytes = bytes.subspan(n);
  }
  return static_cast<std::uint32_t>(crc);
}

inline std::array<char, 8> magic_of(std::string_view magic) {
  std::array<char, 8> m{};
  std::memcpy(m.data(), magic.data(), std::min<std::size_t>(magic.size(), m.size()));
  return m;
}

inline Error errno_error(const std::filesystem::path& where, std::string_view what) {
  return Error{where.string(), fmt::format("{}: {}", what, std::strerror(errno))};
}

/// Closes a file descriptor when it goes out of scope.
struct FdCloser {
  int fd = -1;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

inline Result<void> write_all(int fd, std::span<const std::byte> bytes, const std::filesystem::path& where) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return tl::unexpected(errno_error(where, "write"));
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return {};
}

/// Opens `path` for reading if it is a regular file: a symbolic link is not followed (O_NOFOLLOW),
/// a FIFO does not block the open (O_NONBLOCK) and anything but a regular file is refused.
inline Result<int> open_regular(const std::filesystem::path& path, struct stat& st) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0 && errno == ELOOP) return fail(path.string(), "is a symbolic link: refused, not followed");
  if (fd < 0) return tl::unexpected(errno_error(path, "cannot open"));
  if (::fstat(fd, &st) != 0) {
    auto e = errno_error(path, "fstat");
    ::close(fd);
    return tl::unexpected(std::move(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(path.string(), "not a regular file (mode {:o}): refused", st.st_mode);
  }
  return fd;
}

}  // namespace detail

/// Makes `dir` and its missing parents exist. The directories it creates get mode 0755 (less what
/// the umask removes); `dir` itself, new or not, must be a directory (not a symbolic link) that neither group
/// nor others may write, owned by this user or root: otherwise another user could replace the files in it.
inline Result<void> ensure_state_directory(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> missing;
  struct stat st {};
  for (auto d = dir; !d.empty() && ::lstat(d.c_str(), &st) != 0 && errno == ENOENT; d = d.parent_path()) {
    missing.push_back(d);
    if (d == d.parent_path()) break;
  }
  std::reverse(missing.begin(), missing.end());  // parents first
  for (const auto& d : missing) {
    // mkdir's mode is narrowed by the umask, never widened: at most 0755.
    if (::mkdir(d.c_str(), 0755) != 0 && errno != EEXIST)
      return tl::unexpected(detail::errno_error(d, "cannot create directory"));
  }
  if (::lstat(dir.c_str(), &st) != 0)
    return tl::unexpected(detail::errno_error(dir, "cannot check directory"));
  if (S_ISLNK(st.st_mode)) return fail(dir.string(), "state directory is a symbolic link: refused");
  if (!S_ISDIR(st.st_mode)) return fail(dir.string(), "state directory is not a directory");
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return fail(dir.string(),
                "state directory is writable by group or others (mode {:o}): refused; chmod go-w it",
                st.st_mode & 07777);
  if (st.st_uid != ::geteuid() && st.st_uid != 0)
    return fail(dir.string(), "state directory is owned by uid {}, not by this user: refused", st.st_uid);
  return {};
}

/// Replaces `path` with `bytes` so that a crash at any moment leaves either the old or the new
/// content: write a temporary file beside it, fsync it, rename it over `path`, fsync the directory.
/// Creates the parent directory when missing (ensure_state_directory()). A symbolic link or other
/// non-regular file at `path` is replaced by the rename, never written through.
inline Result<void> write_file_atomically(const std::filesystem::path& path,
                                          std::span<const std::byte> bytes) {
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  if (auto d = ensure_state_directory(dir); !d) return tl::unexpected(d.error());
  // Not "." + name + ...: GCC 12 at -O3 reports a false -Wrestrict on operator+(const char*, string&&).
  std::string tmpl = (dir / fmt::format(".{}.XXXXXX", path.filename().string())).string();
  detail::FdCloser f{::mkstemp(tmpl.data())};
  if (f.fd < 0) return tl::unexpected(detail::errno_error(tmpl, "cannot create temporary file"));
  const auto drop = [&](Error e) {
    ::unlink(tmpl.c_str());
    return tl::unexpected(std::move(e));
  };
  if (auto w = detail::write_all(f.fd, bytes, tmpl); !w) return drop(w.error());
  if (::fchmod(f.fd, 0644) != 0) return drop(detail::errno_error(tmpl, "fchmod"));
  if (::fsync(f.fd) != 0) return drop(detail::errno_error(tmpl, "fsync"));
  if (::rename(tmpl.c_str(), path.c_str()) != 0) return drop(detail::errno_error(path, "rename"));
  detail::FdCloser d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.fd >= 0) (void)::fsync(d.fd);  // best effort: some filesystems refuse fsync on directories
  return {};
}

/// Writes a state file: header (magic, version, count, size, CRC-32) then payload, atomically.
inline Result<void> write_state_file(const std::filesystem::path& path, std::string_view magic,
                                     std::uint32_t version, std::uint32_t count,
                                     std::span<const std::byte> payload) {
  StateHeader h;
  h.magic = detail::magic_of(magic);
  h.version = version;
  h.count = count;
  h.payload_bytes = payload.size();
  h.crc = detail::crc32_of(payload);
  std::vector<std::byte> bytes(sizeof h + payload.size());
  std::memcpy(bytes.data(), &h, sizeof h);
  if (!payload.empty()) std::memcpy(bytes.data() + sizeof h, payload.data(), payload.size());
  return write_file_atomically(path, bytes);
}

/// Reads and checks a state file: its magic, a payload size that matches the file and is at most
/// `max_payload`, and the checksum. Errors name the file and what is wrong with it; the payload is
/// not parsed here (each kind checks `count` and `version` against its own record layout).
inline Result<StateBlob> read_state_file(const std::filesystem::path& path, std::string_view magic,
                                         std::uint64_t max_payload) {
  struct stat st {};
  auto fd = detail::open_regular(path, st);
  if (!fd) return tl::unexpected(fd.error());
  detail::FdCloser f{*fd};
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size < sizeof(StateHeader))
    return fail(path.string(), "truncated: {} bytes, shorter than the {}-byte header", size,
                sizeof(StateHeader));
  StateHeader h;
  if (::pread(f.fd, &h, sizeof h, 0) != static_cast<ssize_t>(sizeof h))
    return tl::unexpected(detail::errno_error(path, "read"));
  if (h.magic != detail::magic_of(magic)) return fail(path.string(), "not a {} file (wrong magic)", magic);
  if (h.payload_bytes > max_payload)
    return fail(path.string(), "payload of {} bytes exceeds the limit of {}", h.payload_bytes, max_payload);
  if (h.payload_bytes != size - sizeof h)
    return fail(path.string(), "{}: header says {} payload bytes, the file holds {}",
                h.payload_bytes < size - sizeof h ? "trailing data" : "truncated", h.payload_bytes,
                size - sizeof h);
  StateBlob blob;
  blob.version = h.version;
  blob.count = h.count;
  blob.payload.resize(h.payload_bytes);
  std::size_t got = 0;
  while (got < blob.payload.size()) {
    const ssize_t n = ::pread(f.fd, blob.payload.data() + got, blob.payload.size() - got,
                              static_cast<off_t>(sizeof h + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return tl::unexpected(detail::errno_error(path, "read"));
    got += static_cast<std::size_t>(n);
  }
  if (detail::crc32_of(blob.payload) != h.crc) return fail(path.string(), "checksum mismatch (corrupted)");
  return blob;
}

/// The whole text of the regular file `path`, at most `max_bytes` long (a profile, a rules file in the
/// state directory): refused like a state file when it is a symbolic link, a FIFO or not regular.
inline Result<std::string> read_state_text(const std::filesystem::path& path, std::uint64_t max_bytes) {
  struct stat st {};
  auto fd = detail::open_regular(path, st);
  if (!fd) return tl::unexpected(fd.error());
  detail::FdCloser f{*fd};
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes)
    return fail(path.string(), "{} bytes exceeds the limit of {}", st.st_size, max_bytes);
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::pread(f.fd, text.data() + got, text.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return tl::unexpected(detail::errno_error(path, "read"));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);
  return text;
}

/// Where ghostbrew keeps what it learns: `/var/lib/ghostbrew` for root (the service), else
/// `$XDG_STATE_HOME/ghostbrew`, else `$HOME/.local/state/ghostbrew`. `override_dir` wins when set.
inline Result<std::filesystem::path> state_dir(std::string_view override_dir = {}) {
  if (!override_dir.empty()) return std::filesystem::path(override_dir);
  if (::geteuid() == 0) return std::filesystem::path("/var/lib/ghostbrew");
  if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x) return std::filesystem::path(x) / "ghostbrew";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".local/state/ghostbrew";
  return fail("state directory", "neither XDG_STATE_HOME nor HOME is set, and not running as root");
}

}  // namespace ghostbrew
