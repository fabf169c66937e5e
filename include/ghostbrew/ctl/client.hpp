// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The client end of the control socket (ghost-sched --monitor, ctl): one connection, one request
// and its reply at a time, each bounded in time and size. Errors say what a person should do: no
// daemon running, not root, a daemon that stopped answering.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/unique_fd.hpp"
#include "ghostbrew/ctl/protocol.hpp"
#include "ghostbrew/ctl/server.hpp"

namespace ghostbrew::ctl {

class Client {
 public:
  /// The longest reply accepted (stats_meta is a few KiB).
  static constexpr std::size_t kMaxReplyBytes = 4 * 1024 * 1024;

  /// Connects to a daemon's socket at `path`.
  static Result<Client> connect(const std::filesystem::path& path) {
    auto addr = detail::unix_address(path);
    if (!addr) return tl::unexpected(addr.error());
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return fail(path.string(), "socket: {}", std::strerror(errno));
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) != 0) {
      const int e = errno;
      if (e == ENOENT || e == ECONNREFUSED)
        return fail(path.string(), "no ghost-sched is running (no daemon listens on this control socket)");
      if (e == EACCES || e == EPERM)
        return fail(path.string(),
                    "permission denied: only root may use ghost-sched's control socket (try sudo)");
      return fail(path.string(), "connect: {}", std::strerror(e));
    }
    return Client(path, std::move(fd));
  }

  /// Sends one request and waits (at most `timeout`) for its reply: the answer, or the daemon's error.
  Result<nlohmann::json> call(const std::string& req, const std::map<std::string, std::string>& args = {},
                              std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const std::string line = request_line(req, args);
    // A send that fails may follow a refusal the daemon sent before hanging up: read that below.
    for (std::size_t sent = 0; sent < line.size();) {
      const ssize_t n = ::send(fd_.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t nl;
    while ((nl = buf_.find('\n')) == std::string::npos) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd_.get(), POLLIN, 0};
      const int ready = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0)
        return fail(path_.string(), "ghost-sched did not answer '{}' within {} ms", req, timeout.count());
      char chunk[4096];
      const ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        // A refusal arrives as one line and a hang-up; anything else is a daemon that went away.
        if (!buf_.empty()) break;
        return lost(n == 0 ? "the daemon closed the connection" : std::strerror(errno));
      }
      buf_.append(chunk, static_cast<std::size_t>(n));
      if (buf_.size() > kMaxReplyBytes)
        return fail(path_.string(), "reply longer than {} bytes", kMaxReplyBytes);
    }
    if (nl == std::string::npos) nl = buf_.size();
    std::string reply = buf_.substr(0, nl);
    buf_.erase(0, std::min(buf_.size(), nl + 1));
    return parse_reply(reply);
  }

 private:
  Client(std::filesystem::path path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}

  tl::unexpected<Error> lost(const std::string& why) const {
    return fail(path_.string(), "lost the connection to ghost-sched: {}", why);
  }

  std::filesystem::path path_;
  UniqueFd fd_;
  std::string buf_;
};

}  // namespace ghostbrew::ctl
