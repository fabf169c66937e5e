// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// gb-notify-listen SOCKET SECONDS: stands in for systemd's side of Type=notify in the guest
// (tests/vm/scenarios/systemd-notify.sh). Binds a datagram socket at SOCKET, as the service manager
// does for $NOTIFY_SOCKET, and prints every message it receives as one line, "MS MESSAGE" (MS: ms of
// CLOCK_MONOTONIC, the guest's uptime; a message's newlines become spaces), until STOPPING=1 arrives
// or SECONDS pass. Exit 0 either way; 1 with one line when the socket cannot be made.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

long long monotonic_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int usage_error(const char* what) {
  std::fprintf(stderr, "gb-notify-listen: %s\n", what);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return usage_error("usage: gb-notify-listen SOCKET SECONDS");
  const std::string path = argv[1];
  const long seconds = std::strtol(argv[2], nullptr, 10);
  sockaddr_un addr{};
  if (path.empty() || path.size() >= sizeof addr.sun_path || seconds <= 0)
    return usage_error("SOCKET must be a path shorter than sun_path and SECONDS a positive number");
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);

  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return usage_error(std::strerror(errno));
  (void)unlink(path.c_str());
  if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    std::fprintf(stderr, "gb-notify-listen: %s: %s\n", path.c_str(), std::strerror(errno));
    return 1;
  }
  std::printf("listening on %s\n", path.c_str());
  std::fflush(stdout);

  const long long end = monotonic_ms() + seconds * 1000;
  std::array<char, 4096> buf{};
  for (long long now = monotonic_ms(); now < end; now = monotonic_ms()) {
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    const int r = poll(&p, 1, static_cast<int>(std::min<long long>(end - now, 1000)));
    if (r < 0 && errno != EINTR) return usage_error(std::strerror(errno));
    if (r <= 0) continue;
    const ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    if (n <= 0) continue;
    std::string msg(buf.data(), static_cast<std::size_t>(n));
    std::replace(msg.begin(), msg.end(), '\n', ' ');
    std::printf("%lld %s\n", monotonic_ms(), msg.c_str());
    std::fflush(stdout);
    if (msg.find("STOPPING=1") != std::string::npos) break;
  }
  (void)unlink(path.c_str());
  return 0;
}
