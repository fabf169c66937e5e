// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// An epoll loop over file descriptors, with signalfd and timerfd owners: the daemon's only clock is
// what it registers here, so an idle daemon with no timer does not wake.
#pragma once

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <map>
#include <utility>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/unique_fd.hpp"

namespace ghostbrew {

/// Blocks the given signals for this thread and returns a signalfd that reports them.
inline Result<UniqueFd> make_signalfd(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : signals) sigaddset(&set, s);
  if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) return fail("sigprocmask", "{}", std::strerror(errno));
  const int fd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0) return fail("signalfd", "{}", std::strerror(errno));
  return UniqueFd(fd);
}

/// Reads one pending signal number from a signalfd (0 when none is pending).
inline int read_signal(int signal_fd) {
  signalfd_siginfo info{};
  if (::read(signal_fd, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) return 0;
  return static_cast<int>(info.ssi_signo);
}

/// A periodic monotonic timerfd.
inline Result<UniqueFd> make_timerfd(std::chrono::milliseconds period) {
  const int fd = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (fd < 0) return fail("timerfd_create", "{}", std::strerror(errno));
  UniqueFd owned(fd);
  itimerspec spec{};
  spec.it_interval.tv_sec = period.count() / 1000;
  spec.it_interval.tv_nsec = (period.count() % 1000) * 1'000'000;
  spec.it_value = spec.it_interval;
  if (::timerfd_settime(fd, 0, &spec, nullptr) != 0)
    return fail("timerfd_settime", "{}", std::strerror(errno));
  return owned;
}

/// A monotonic timerfd that fires once when armed with arm_timer() (disarmed at creation).
inline Result<UniqueFd> make_oneshot_timerfd() {
  const int fd = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (fd < 0) return fail("timerfd_create", "{}", std::strerror(errno));
  return UniqueFd(fd);
}

/// Arms a one-shot timerfd to fire after `delay` (re-arming moves the expiry).
inline Result<void> arm_timer(int timer_fd, std::chrono::milliseconds delay) {
  itimerspec spec{};
  spec.it_value.tv_sec = delay.count() / 1000;
  spec.it_value.tv_nsec = (delay.count() % 1000) * 1'000'000;
  if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;  // 0 disarms
  if (::timerfd_settime(timer_fd, 0, &spec, nullptr) != 0)
    return fail("timerfd_settime", "{}", std::strerror(errno));
  return {};
}

/// Disarms a timerfd (a pending expiry is cancelled).
inline void disarm_timer(int timer_fd) {
  itimerspec off{};
  (void)::timerfd_settime(timer_fd, 0, &off, nullptr);
}

/// Number of expirations since the last read (0 when none).
inline std::uint64_t read_timer(int timer_fd) {
  std::uint64_t n = 0;
  if (::read(timer_fd, &n, sizeof n) != static_cast<ssize_t>(sizeof n)) return 0;
  return n;
}

/// Level-triggered epoll dispatch: each registered fd calls its handler when readable.
class EventLoop {
 public:
  using Handler = std::function<void()>;

  static Result<EventLoop> create() {
    const int fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0) return fail("epoll_create1", "{}", std::strerror(errno));
    return EventLoop(UniqueFd(fd));
  }

  /// Calls `handler` whenever `fd` is readable. The fd stays owned by the caller.
  Result<void> add(int fd, Handler handler) { return add(fd, EPOLLIN, std::move(handler)); }

  /// Calls `handler` whenever one of `events` (EPOLLIN, EPOLLOUT) is ready on `fd`.
  Result<void> add(int fd, std::uint32_t events, Handler handler) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0)
      return fail("epoll_ctl", "add fd {}: {}", fd, std::strerror(errno));
    handlers_[fd] = std::move(handler);
    return {};
  }

  /// Changes which events of a registered `fd` call its handler (e.g. EPOLLOUT while output waits).
  Result<void> watch(int fd, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev) != 0)
      return fail("epoll_ctl", "mod fd {}: {}", fd, std::strerror(errno));
    return {};
  }

  Result<void> remove(int fd) {
    handlers_.erase(fd);
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr) != 0)
      return fail("epoll_ctl", "del fd {}: {}", fd, std::strerror(errno));
    return {};
  }

  /// Runs handlers until stop() is called. timeout_ms < 0 waits forever between events.
  Result<void> run(int timeout_ms = -1) {
    stopped_ = false;
    while (!stopped_) {
      auto n = run_once(timeout_ms);
      if (!n) return tl::unexpected(n.error());
    }
    return {};
  }

  /// Waits once and dispatches what is ready; returns how many fds were handled.
  Result<int> run_once(int timeout_ms) {
    epoll_event events[16];
    const int n = ::epoll_wait(epoll_.get(), events, 16, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) return 0;
      return fail("epoll_wait", "{}", std::strerror(errno));
    }
    for (int i = 0; i < n; ++i) {
      auto it = handlers_.find(events[i].data.fd);
      if (it != handlers_.end()) {
        auto handler = it->second;  // a handler may remove itself
        handler();
      }
    }
    return n;
  }

  void stop() { stopped_ = true; }
  [[nodiscard]] std::size_t size() const { return handlers_.size(); }

 private:
  explicit EventLoop(UniqueFd fd) : epoll_(std::move(fd)) {}
  UniqueFd epoll_;
  std::map<int, Handler> handlers_;
  bool stopped_ = false;
};

}  // namespace ghostbrew
