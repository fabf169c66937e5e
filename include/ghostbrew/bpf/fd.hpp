// Fd: an owned file descriptor, closed exactly once.
#pragma once

#include <unistd.h>

#include <utility>

namespace ghostbrew::bpf {

/// Owns one file descriptor (a BPF map/prog/link fd, an epoll fd, ...): move-only, closed on
/// destruction. An empty Fd holds -1.
class Fd {
 public:
  Fd() = default;
  /// Takes ownership of `fd` (-1 for none).
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  ~Fd() { reset(); }

  /// The descriptor, still owned by this Fd (-1 when empty).
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

}  // namespace ghostbrew::bpf
