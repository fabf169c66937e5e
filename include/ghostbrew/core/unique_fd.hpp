// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// UniqueFd: an owned file descriptor, closed exactly once. The one fd owner of the library (the
// event loop's signalfd/timerfd/epoll fds and the BPF layer's).
#pragma once

#include <unistd.h>

#include <utility>

namespace ghostbrew {

/// Owns one file descriptor: move-only, closed on destruction. An empty UniqueFd holds -1.
class UniqueFd {
 public:
  UniqueFd() = default;
  /// Takes ownership of `fd` (-1 for none).
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  ~UniqueFd() { reset(); }

  /// The descriptor, still owned by this UniqueFd (-1 when empty).
  [[nodiscard]] int get() const noexcept { return fd_; }
  /// True when a descriptor is held.
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }

  /// Gives up ownership without closing; returns the descriptor.
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }
  /// Closes the held descriptor (if any) and takes `fd` instead.
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0 && fd_ != fd) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace ghostbrew
