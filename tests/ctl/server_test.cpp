// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The control socket for real: a ctl::Server on a socket in a temp directory, its event loop on a
// thread, and clients that behave and misbehave (invalid lines, huge lines, floods they never read,
// too many of them, a non-root peer). After each misbehaving client the server still serves others.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "ghostbrew/core/event_loop.hpp"
#include "ghostbrew/ctl/client.hpp"
#include "ghostbrew/ctl/server.hpp"
#include "support/temp_dir.hpp"

namespace {

using ghostbrew::EventLoop;
using ghostbrew::UniqueFd;
using ghostbrew::ctl::Client;
using ghostbrew::ctl::Server;
using ghostbrew::ctl::ServerLimits;
using ghostbrew::testing::TempDir;
namespace ctl = ghostbrew::ctl;

/// A server answering "stats" with {"target": ..} (and `pad` bytes of filler), running on a thread.
class Running {
 public:
  explicit Running(const std::filesystem::path& path, ServerLimits limits = {.allowed_uid = ::geteuid()},
                   std::size_t pad = 0) {
    auto s = Server::listen(path, limits);
    if (!s) throw std::runtime_error(s.error().message());
    server_ = std::move(*s);
    server_->set_dispatch([pad](const ctl::Request& r) {
      if (r.req != "stats") return ctl::refuse(EINVAL, "unknown request '{}'", r.req);
      return ctl::ok({{"target", r.arg("target", "top")}, {"pad", std::string(pad, 'x')}});
    });
    auto l = EventLoop::create();
    if (!l) throw std::runtime_error(l.error().message());
    loop_ = std::make_unique<EventLoop>(std::move(*l));
    (void)server_->attach(*loop_);
    thread_ = std::thread([this] {
      while (!stop_) (void)loop_->run_once(20);
    });
  }
  ~Running() {
    stop_ = true;
    thread_.join();
    server_.reset();
  }
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;

 private:
  std::unique_ptr<Server> server_;
  std::unique_ptr<EventLoop> loop_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

/// A raw connection for sending bytes no well-behaved client would.
UniqueFd raw_connect(const std::filesystem::path& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) return UniqueFd();
  return fd;
}

/// Everything the server sends until it hangs up (or `timeout` passes): the text and whether it hung up.
std::pair<std::string, bool> read_until_hangup(int fd,
                                               std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[65536];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return {out, true};
    out.append(buf, static_cast<std::size_t>(n));
  }
  return {out, false};
}

bool send_all(int fd, const std::string& s) {
  for (std::size_t sent = 0; sent < s.size();) {
    const ssize_t n = ::send(fd, s.data() + sent, s.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

std::size_t count_lines(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

/// The server still answers a well-behaved client.
void expect_serving(const std::filesystem::path& path) {
  auto c = Client::connect(path);
  ASSERT_TRUE(c) << c.error().message();
  auto r = c->call("stats", {{"target", "top"}});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ((*r)["target"], "top");
}

TEST(ControlServerTest, SocketIsBornMode0600AndOwnedByTheDaemon) {
  TempDir dir("ctl");
  Running s(dir / "run/ghost-sched.sock");
  struct stat st {};
  ASSERT_EQ(::lstat((dir / "run/ghost-sched.sock").c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600U);
  EXPECT_EQ(st.st_uid, ::geteuid());
}

TEST(ControlServerTest, StatsRequestIsAnsweredWithErrnoZeroAndResp) {
  TempDir dir("ctl");
  Running s(dir / "s.sock");
  auto fd = raw_connect(dir / "s.sock");
  ASSERT_TRUE(fd);
  ASSERT_TRUE(send_all(fd.get(), "{\"req\":\"stats\",\"args\":{\"target\":\"top\"}}\n"));
  ::shutdown(fd.get(), SHUT_WR);
  auto [text, hung_up] = read_until_hangup(fd.get());
  EXPECT_TRUE(hung_up);
  auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["errno"], 0);
  EXPECT_EQ(j["args"]["resp"]["target"], "top");
}

TEST(ControlServerTest, BadLinesGetErrorsAndTheConnectionGoesOn) {
  TempDir dir("ctl");
  Running s(dir / "s.sock");
  auto fd = raw_connect(dir / "s.sock");
  ASSERT_TRUE(fd);
  // Invalid JSON, invalid UTF-8, wrong types, an unknown request, a blank line, then a good one.
  ASSERT_TRUE(send_all(fd.get(),
                       "{not json\n{\"req\":\"\xff\xfe\"}\n{\"req\":1}\n{\"req\":\"bogus\"}\n\n"
                       "{\"req\":\"stats\",\"args\":{\"target\":\"x\"}}\n"));
  ::shutdown(fd.get(), SHUT_WR);
  auto [text, hung_up] = read_until_hangup(fd.get());
  ASSERT_TRUE(hung_up);
  ASSERT_EQ(count_lines(text), 5U) << text;
  std::istringstream in(text);
  std::string line;
  for (int i = 0; i < 4; ++i) {
    std::getline(in, line);
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["errno"], EINVAL) << line;
    EXPECT_TRUE(j["args"]["resp"].is_string()) << line;
  }
  std::getline(in, line);
  EXPECT_EQ(nlohmann::json::parse(line)["args"]["resp"]["target"], "x");
}

TEST(ControlServerTest, HugeLineIsRefusedWithE2bigAndHungUpOn) {
  TempDir dir("ctl");
  Running s(dir / "s.sock");
  auto fd = raw_connect(dir / "s.sock");
  ASSERT_TRUE(fd);
  (void)send_all(fd.get(), std::string(ctl::kMaxRequestBytes * 2, 'a'));  // no newline, ever
  auto [text, hung_up] = read_until_hangup(fd.get());
  EXPECT_TRUE(hung_up);
  auto j = nlohmann::json::parse(text.substr(0, text.find('\n')));
  EXPECT_EQ(j["errno"], E2BIG);
  expect_serving(dir / "s.sock");
}

TEST(ControlServerTest, ClientThatNeverReadsIsDroppedNotBuffered) {
  TempDir dir("ctl");
  Running s(dir / "s.sock", {.allowed_uid = ::geteuid()}, /*pad=*/8192);
  auto fd = raw_connect(dir / "s.sock");
  ASSERT_TRUE(fd);
  std::string flood;
  for (int i = 0; i < 400; ++i) flood += "{\"req\":\"stats\"}\n";  // 400 * 8 KiB of replies
  (void)send_all(fd.get(), flood);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the client reads nothing meanwhile
  expect_serving(dir / "s.sock");
  auto [text, hung_up] = read_until_hangup(fd.get());
  EXPECT_TRUE(hung_up);
  EXPECT_LT(count_lines(text), 400U) << "every reply was buffered for a client that did not read";
}

TEST(ControlServerTest, ClientsBeyondTheLimitAreRefusedWithEbusy) {
  TempDir dir("ctl");
  Running s(dir / "s.sock", {.allowed_uid = ::geteuid(), .max_clients = 2});
  auto a = Client::connect(dir / "s.sock");
  auto b = Client::connect(dir / "s.sock");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->call("stats"));
  ASSERT_TRUE(b->call("stats"));
  auto c = Client::connect(dir / "s.sock");
  ASSERT_TRUE(c);
  auto r = c->call("stats");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("too many clients"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find(fmt::format("errno {}", EBUSY)), std::string::npos);
  a = tl::unexpected(ghostbrew::Error{});  // one leaves: a newcomer is served again
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  expect_serving(dir / "s.sock");
}

TEST(ControlServerTest, NoDaemonIsOneClearLine) {
  TempDir dir("ctl");
  auto c = Client::connect(dir / "absent.sock");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message().find("no ghost-sched is running"), std::string::npos) << c.error().message();
}

TEST(ControlServerTest, StaleSocketIsReplacedLiveOneIsNot) {
  TempDir dir("ctl");
  const auto path = dir / "s.sock";
  {
    // A socket file nobody listens on any more (a daemon that was killed).
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    ASSERT_EQ(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a), 0);
  }
  Running s(path);
  expect_serving(path);
  auto second = Server::listen(path, {.allowed_uid = ::geteuid()});
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message().find("another ghost-sched is listening"), std::string::npos);
  expect_serving(path);  // the refused second server did not unlink the first one's socket
}

TEST(ControlServerTest, NonSocketFileIsNotReplaced) {
  TempDir dir("ctl");
  const auto path = dir.write("s.sock", "precious");
  auto s = Server::listen(path);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("not a socket"), std::string::npos);
}

TEST(ControlServerTest, SocketFileIsRemovedWhenTheServerGoes) {
  TempDir dir("ctl");
  { Running s(dir / "s.sock"); }
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(dir / "s.sock")));
}

/// In a child that dropped to nobody: connect to `path` and send a stats request, using raw system
/// calls only (the parent has threads; nothing after fork() may allocate). Writes what it read, or
/// "connect errno N", into `out`.
[[noreturn]] void nobody_client(const char* path, int out) {
  if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path, sizeof a.sun_path - 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    char msg[32] = "connect errno ";
    const int e = errno;
    msg[14] = static_cast<char>('0' + e / 10);
    msg[15] = static_cast<char>('0' + e % 10);
    (void)!::write(out, msg, 16);
    ::_exit(0);
  }
  static const char req[] = "{\"req\":\"stats\"}\n";
  (void)::send(fd, req, sizeof req - 1, MSG_NOSIGNAL);
  char buf[1024];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) (void)!::write(out, buf, static_cast<std::size_t>(n));
  ::_exit(0);
}

std::string run_as_nobody(const std::filesystem::path& path) {
  int p[2];
  if (::pipe(p) != 0) return "pipe failed";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    nobody_client(path.c_str(), p[1]);
  }
  ::close(p[1]);
  std::string out;
  char buf[1024];
  ssize_t n;
  while ((n = ::read(p[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(p[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return "child failed: " + std::to_string(st);
  return out;
}

TEST(ControlServerTest, NonRootCannotConnectToTheSocketFile) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run a client as nobody";
  TempDir dir("ctl");
  ::chmod(dir.path().c_str(), 0755);  // nobody may reach the socket file, not use it
  Running s(dir / "s.sock", {});
  EXPECT_EQ(run_as_nobody(dir / "s.sock"), fmt::format("connect errno {}", EACCES));
}

TEST(ControlServerTest, NonRootPeerIsRefusedByItsCredentials) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run a client as nobody";
  TempDir dir("ctl");
  ::chmod(dir.path().c_str(), 0755);
  Running s(dir / "s.sock", {});
  // Even with the file opened up, SO_PEERCRED refuses the nobody peer with one line.
  ASSERT_EQ(::chmod((dir / "s.sock").c_str(), 0666), 0);
  const std::string reply = run_as_nobody(dir / "s.sock");
  ASSERT_EQ(count_lines(reply), 1U) << reply;
  auto j = nlohmann::json::parse(reply);
  EXPECT_EQ(j["errno"], EACCES);
  EXPECT_NE(j["args"]["resp"].get<std::string>().find("permission denied"), std::string::npos) << reply;
  expect_serving(dir / "s.sock");
}

}  // namespace
