// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The daemon's control socket: a UNIX stream socket (mode 0600) in the daemon's event loop, speaking
// protocol.hpp's line-delimited JSON. Only the allowed uid (root) is served, checked per connection
// with SO_PEERCRED; anyone else gets one refusal line and is hung up on. Every fd is non-blocking and
// the loop only wakes when a client sent something or can take pending output, so an idle socket
// costs nothing. A client cannot hold the daemon up: long lines, floods of requests it never reads
// the replies of, and more clients than the limit are answered with an error and hung up on.
#pragma once

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/event_loop.hpp"
#include "ghostbrew/core/unique_fd.hpp"
#include "ghostbrew/ctl/protocol.hpp"

namespace ghostbrew::ctl {

/// Who is served and how much one client may take.
struct ServerLimits {
  uid_t allowed_uid = 0;                       ///< the only uid served (root)
  std::size_t max_clients = 16;                ///< connections beyond this are refused (EBUSY)
  std::size_t max_pending_reply = 256 * 1024;  ///< a client that reads no more than this is dropped
};

namespace detail {
/// sockaddr_un for `path`, or an error when the path does not fit.
inline Result<sockaddr_un> unix_address(const std::filesystem::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string& s = path.native();
  if (s.empty() || s.size() >= sizeof addr.sun_path)
    return fail(s, "socket path is empty or longer than {} bytes", sizeof addr.sun_path - 1);
  std::memcpy(addr.sun_path, s.c_str(), s.size() + 1);
  return addr;
}

/// Sends what the socket takes now without blocking or raising SIGPIPE; returns the bytes sent.
inline std::size_t send_some(int fd, std::string_view data) {
  const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}
}  // namespace detail

/// The listening socket and its clients. Not movable: the event loop's handlers point at it; detach
/// it (or destroy it) before the loop it is attached to goes.
class Server {
 public:
  using Dispatch = std::function<Reply(const Request&)>;

  /// Creates `path` (mode 0600, its directory if missing). A stale socket left by a dead daemon is
  /// replaced; a live one (something answers on it) or a non-socket file there is an error.
  static Result<std::unique_ptr<Server>> listen(const std::filesystem::path& path, ServerLimits limits = {}) {
    auto addr = detail::unix_address(path);
    if (!addr) return tl::unexpected(addr.error());
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) return fail(path.parent_path().string(), "cannot create: {}", ec.message());
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode)) return fail(path.string(), "exists and is not a socket");
      UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
      if (probe && ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) == 0)
        return fail(path.string(), "another ghost-sched is listening here");
      ::unlink(path.c_str());
    }
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) return fail(path.string(), "socket: {}", std::strerror(errno));
    const mode_t old_mask = ::umask(0177);  // born 0600: no window where others could connect
    const int bound = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr);
    const int bind_errno = errno;
    ::umask(old_mask);
    if (bound != 0) return fail(path.string(), "bind: {}", std::strerror(bind_errno));
    if (::chmod(path.c_str(), 0600) != 0 || ::lstat(path.c_str(), &st) != 0) {
      const int e = errno;
      ::unlink(path.c_str());
      return fail(path.string(), "chmod: {}", std::strerror(e));
    }
    if (::listen(fd.get(), 16) != 0) {
      const int e = errno;
      ::unlink(path.c_str());
      return fail(path.string(), "listen: {}", std::strerror(e));
    }
    return std::unique_ptr<Server>(new Server(path, std::move(fd), limits, st.st_dev, st.st_ino));
  }

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  Server(Server&&) = delete;
  Server& operator=(Server&&) = delete;

  /// Detaches and removes the socket file (only if it is still the one this server created).
  ~Server() {
    detach();
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) ::unlink(path_.c_str());
  }

  /// What answers each request (replaced freely; requests before the first one get ENOSYS).
  void set_dispatch(Dispatch d) { dispatch_ = std::move(d); }

  /// Starts accepting in `loop` (one loop at a time; detach() first to move to another).
  Result<void> attach(EventLoop& loop) {
    detach();
    if (auto r = loop.add(listen_.get(), [this] { on_accept(); }); !r) return r;
    loop_ = &loop;
    return {};
  }

  /// Stops accepting and hangs up on every client (their fds leave the loop).
  void detach() {
    if (loop_ == nullptr) return;
    for (auto& [fd, c] : clients_) (void)loop_->remove(fd);
    clients_.clear();
    (void)loop_->remove(listen_.get());
    loop_ = nullptr;
  }

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::size_t clients() const { return clients_.size(); }

 private:
  struct Client {
    UniqueFd fd;
    std::string in;   // bytes of a request line not yet complete
    std::string out;  // reply bytes the client has not taken yet
  };

  Server(std::filesystem::path path, UniqueFd fd, ServerLimits limits, dev_t dev, ino_t ino)
      : path_(std::move(path)), listen_(std::move(fd)), limits_(limits), dev_(dev), ino_(ino) {}

  /// Refuses a connection with one reply line, then hangs up.
  static void refuse_connection(UniqueFd fd, const Reply& why) {
    (void)detail::send_some(fd.get(), why.line());
  }

  void on_accept() {
    for (;;) {
      UniqueFd fd(::accept4(listen_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
      if (!fd) return;  // EAGAIN: no more waiting (other errors: the peer is already gone)
      ucred cred{};
      socklen_t len = sizeof cred;
      if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
          cred.uid != limits_.allowed_uid) {
        refuse_connection(std::move(fd),
                          refuse(EACCES,
                                 "permission denied: ghost-sched's control socket serves uid {} "
                                 "only, not uid {} (run as root)",
                                 limits_.allowed_uid, cred.uid));
        continue;
      }
      if (clients_.size() >= limits_.max_clients) {
        refuse_connection(std::move(fd),
                          refuse(EBUSY, "too many clients ({}): try again later", clients_.size()));
        continue;
      }
      const int raw = fd.get();
      if (!loop_->add(raw, [this, raw] { on_client(raw); })) continue;
      clients_[raw].fd = std::move(fd);
    }
  }

  void on_client(int fd) {
    auto it = clients_.find(fd);
    if (it == clients_.end()) return;
    Client& c = it->second;
    bool eof = false;
    // Read what is there (up to one request's worth per wake-up: others get their turn).
    char buf[4096];
    for (std::size_t taken = 0; taken <= kMaxRequestBytes;) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0) {
        eof = true;
        break;
      }
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (errno == EINTR) continue;
        return drop(fd);
      }
      taken += static_cast<std::size_t>(n);
      c.in.append(buf, static_cast<std::size_t>(n));
      if (!answer_lines(c)) {
        flush(c);
        return drop(fd);
      }
    }
    flush(c);
    if (eof || c.out.size() > limits_.max_pending_reply) return drop(fd);
    (void)loop_->watch(fd, c.out.empty() ? EPOLLIN : EPOLLIN | EPOLLOUT);
  }

  /// Answers each complete line in c.in; false when the client must be hung up on (a line too long,
  /// or more replies waiting than it may hold).
  bool answer_lines(Client& c) {
    std::size_t start = 0;
    for (std::size_t nl; (nl = c.in.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string_view line(c.in.data() + start, nl - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank lines
      c.out += answer(line).line();
      if (c.out.size() > limits_.max_pending_reply) return false;  // it does not read its replies
    }
    c.in.erase(0, start);
    if (c.in.size() > kMaxRequestBytes) {
      c.out += refuse(E2BIG, "request longer than {} bytes", kMaxRequestBytes).line();
      return false;
    }
    return true;
  }

  Reply answer(std::string_view line) const {
    auto req = parse_request(line);
    if (!req) return req.error();
    if (!dispatch_) return refuse(ENOSYS, "not ready for requests yet");
    try {
      return dispatch_(*req);
    } catch (const std::exception& e) {
      return refuse(EIO, "request '{}' failed: {}", detail::excerpt(req->req), e.what());
    }
  }

  static void flush(Client& c) {
    if (!c.out.empty()) c.out.erase(0, detail::send_some(c.fd.get(), c.out));
  }

  void drop(int fd) {
    (void)loop_->remove(fd);
    clients_.erase(fd);
  }

  std::filesystem::path path_;
  UniqueFd listen_;
  ServerLimits limits_;
  dev_t dev_;
  ino_t ino_;
  Dispatch dispatch_;
  EventLoop* loop_ = nullptr;
  std::map<int, Client> clients_;
};

}  // namespace ghostbrew::ctl
