// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// procfs readers on fixture trees: stat parsing, the race re-check, denied and vanished files.
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <thread>

#include "fake_proc.hpp"
#include "ghostbrew/procfs/mountinfo.hpp"
#include "ghostbrew/procfs/process.hpp"
#include "ghostbrew/procfs/stat.hpp"

namespace ghostbrew {
namespace {

using testing::FakeProc;
using testing::FakeRoot;

TEST(StatTest, CommWithParenthesesAndSpacesIsCutAtTheLastParen) {
  const auto line = FakeRoot::stat_line(42, "a) (b c", 'R', 7, 0x400100, -5, 3, 123456);
  auto st = procfs::parse_stat(line, "x/stat");
  ASSERT_TRUE(st) << st.error().message();
  EXPECT_EQ(st->pid, 42);
  EXPECT_EQ(st->comm, "a) (b c");
  EXPECT_EQ(st->state, 'R');
  EXPECT_EQ(st->ppid, 7);
  EXPECT_EQ(st->nice, -5);
  EXPECT_EQ(st->num_threads, 3);
  EXPECT_EQ(st->start_time, 123456U);
}

TEST(StatTest, KernelThreadFlagAndZombieState) {
  auto kt = procfs::parse_stat(FakeRoot::stat_line(2, "kthreadd", 'S', 0, 0x00208040, 0, 1, 1), "s");
  ASSERT_TRUE(kt);
  EXPECT_TRUE(kt->kernel_thread());
  auto z = procfs::parse_stat(FakeRoot::stat_line(9, "x", 'Z', 1, 0x00400104, 0, 1, 1), "s");
  ASSERT_TRUE(z);
  EXPECT_TRUE(z->zombie());
  EXPECT_FALSE(z->kernel_thread());
}

TEST(StatTest, TruncatedOrGarbageLineIsAnErrorNamingTheFile) {
  auto a = procfs::parse_stat("42 (x) S 1 2 3", "/proc/42/stat");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().message(), "/proc/42/stat: stat line ends at field 7");
  auto b = procfs::parse_stat("42 no comm here", "/proc/42/stat");
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message().find("/proc/42/stat"), std::string::npos);
  auto c = procfs::parse_stat(FakeRoot::stat_line(42, "x", 'S', 1, 0, 0, 1, 5).replace(9, 1, "Q"), "f");
  ASSERT_FALSE(c);  // ppid "Q"
}

TEST(ProcessTest, ReadsEveryField) {
  FakeRoot fr;
  FakeProc p;
  p.pid = 100;
  p.comm = "game.exe";
  p.cmdline = {"C:\\Games\\game.exe", "-dx12"};
  p.environ = {"HOME=/home/u", "WINEPREFIX=/home/u/.wine"};
  p.exe = "/usr/lib/wine/wine64-preloader (deleted)";
  p.cgroup = "/user.slice/app.slice/x.scope";
  p.threads = {{101, "wined3d"}, {102, "CPU 0/KVM"}};
  p.fds = {"/dev/input/event3", "/home/u/file", "/dev/nvidia0"};
  fr.add(p);
  auto r = procfs::read_process(fr.root(), 100);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->comm(), "game.exe");
  EXPECT_EQ(r->cmdline, (std::vector<std::string>{"C:\\Games\\game.exe", "-dx12"}));
  EXPECT_EQ(r->env("WINEPREFIX"), "/home/u/.wine");
  EXPECT_FALSE(r->env("WINE"));
  EXPECT_EQ(r->exe, "/usr/lib/wine/wine64-preloader");
  EXPECT_EQ(r->exe_name(), "wine64-preloader");
  EXPECT_EQ(r->cgroup, "/user.slice/app.slice/x.scope");
  EXPECT_EQ(r->device_fds, (std::vector<std::string>{"/dev/input/event3", "/dev/nvidia0"}));
  ASSERT_EQ(r->threads.size(), 3U);
  EXPECT_EQ(r->threads[2].tid, 102);
  EXPECT_EQ(r->threads[2].comm, "CPU 0/KVM");
}

TEST(ProcessTest, KernelThreadHasNoUserSideFields) {
  FakeRoot fr;
  FakeProc p;
  p.pid = 2;
  p.comm = "kthreadd";
  p.flags = 0x00208040;
  p.environ = {"WINEPREFIX=/x"};  // must not even be read
  fr.add(p);
  auto r = procfs::read_process(fr.root(), 2);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->stat.kernel_thread());
  EXPECT_TRUE(r->environ.empty());
}

TEST(ProcessTest, MissingPidIsAnErrorNamingItsStat) {
  FakeRoot fr;
  auto r = procfs::read_process(fr.root(), 77);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().where, (fr.root() / "proc/77/stat").string());
}

TEST(ProcessTest, ThreadThatEndedBetweenListingAndReadingIsLeftOut) {
  FakeRoot fr;
  FakeProc p;
  p.pid = 10;
  p.threads = {{11, "worker"}};
  fr.add(p);
  std::filesystem::remove(fr.path("proc/10/task/11/comm"));  // listed, but gone when read
  auto r = procfs::read_process(fr.root(), 10);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->threads.size(), 1U);
  EXPECT_EQ(r->threads[0].tid, 10);
}

// The race: the process changes while read_process is between its stat and its environ. environ is a
// FIFO, so the reader blocks there until this test has changed stat underneath it.
class MidReadRaceTest : public ::testing::Test {
 protected:
  void race(const std::function<void()>& change) {
    FakeProc p;
    p.pid = 50;
    p.environ = {};
    p.exe = "/usr/bin/wine";
    fr_.add(p);
    const auto env = fr_.path("proc/50/environ");
    std::filesystem::remove(env);
    ASSERT_EQ(::mkfifo(env.c_str(), 0600), 0);
    std::thread writer([&] {
      const int fd = ::open(env.c_str(), O_WRONLY);  // returns once the reader has opened environ
      change();
      const std::string text = std::string("WINEPREFIX=/x") + '\0';
      EXPECT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
      ::close(fd);
    });
    result_ = procfs::read_process(fr_.root(), 50);
    writer.join();
  }
  FakeRoot fr_;
  Result<procfs::ProcessInfo> result_ = fail("", "not run");
};

TEST_F(MidReadRaceTest, PidThatExitsDuringTheReadIsAnErrorNotAHalfReadProcess) {
  race([&] { std::filesystem::remove(fr_.path("proc/50/stat")); });
  ASSERT_FALSE(result_);
  EXPECT_NE(result_.error().message().find("exited while being read"), std::string::npos);
}

TEST_F(MidReadRaceTest, PidReusedDuringTheReadIsDetectedByStartTime) {
  race([&] { fr_.write("proc/50/stat", FakeRoot::stat_line(50, "other", 'S', 1, 0x400100, 0, 1, 999999)); });
  ASSERT_FALSE(result_);
  EXPECT_NE(result_.error().message().find("pid reused while being read (start time 1000 -> 999999)"),
            std::string::npos);
}

TEST_F(MidReadRaceTest, UnchangedProcessReadsThroughTheSlowFile) {
  race([] {});
  ASSERT_TRUE(result_) << result_.error().message();
  EXPECT_EQ(result_->env("WINEPREFIX"), "/x");
}

// Runs `body` in a child that dropped root (to nobody), so EACCES is the kernel's real answer;
// returns the child's exit status (0 = every check inside passed).
int as_nobody(const std::function<int()>& body) {
  const pid_t child = ::fork();
  if (child == 0) {
    if (::geteuid() == 0) {
      const passwd* pw = ::getpwnam("nobody");
      if (pw == nullptr || ::setgroups(0, nullptr) != 0 ||
          ::setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
          ::setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0)
        ::_exit(100);
    }
    ::_exit(body());
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

TEST(PermissionTest, DeniedEnvironIsMarkedUnreadableAndTheRestIsRead) {
  FakeRoot fr;
  FakeProc p;
  p.pid = 60;
  p.comm = "pipewire";
  p.environ = {"WINEPREFIX=/x"};
  p.exe = "/usr/bin/pipewire";
  fr.add(p);
  ::chmod(fr.path("proc/60/environ").c_str(), 0);
  const int rc = as_nobody([&] {
    auto r = procfs::read_process(fr.root(), 60);
    if (!r) return 1;
    if (r->environ_readable || !r->environ.empty()) return 2;
    if (r->exe_name() != "pipewire") return 3;
    return 0;
  });
  EXPECT_EQ(rc, 0);
}

TEST(PermissionTest, LiveInitEnvironIsDeniedToNobodyWithoutFailingTheRead) {
  const int rc = as_nobody([] {
    auto r = procfs::read_process("/", 1);
    if (!r) return 1;
    if (r->environ_readable) return 2;  // pid 1 is root's: its environ is not ours to read
    if (r->exe_readable) return 3;
    return 0;
  });
  EXPECT_EQ(rc, 0);
}

TEST(MountinfoTest, FindsCgroup2OnAHybridHostNotTheTmpfs) {
  FakeRoot fr;
  fr.hybrid_mountinfo();
  auto m = procfs::find_mount(fr.root(), "cgroup2");
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(*m, "/sys/fs/cgroup/unified");
}

TEST(MountinfoTest, OctalEscapesInMountPointsAreDecoded) {
  FakeRoot fr;
  fr.write("proc/self/mountinfo", "41 31 0:38 / /mnt/my\\040cg rw - cgroup2 cgroup2 rw\n");
  auto m = procfs::find_mount(fr.root(), "cgroup2");
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, "/mnt/my cg");
}

TEST(MountinfoTest, NoCgroup2AndMalformedLinesAreErrorsNamingTheFile) {
  FakeRoot fr;
  fr.write("proc/self/mountinfo", "31 22 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n");
  auto none = procfs::find_mount(fr.root(), "cgroup2");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message(), (fr.root() / "proc/self/mountinfo").string() + ": no cgroup2 mount");
  fr.write("proc/self/mountinfo", "garbage\n");
  auto bad = procfs::find_mount(fr.root(), "cgroup2");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().what.find("malformed line 1"), std::string::npos);
}

}  // namespace
}  // namespace ghostbrew
