// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Detection on the live /proc: real children named like games, with game environments and vCPU-named
// threads, classified with the right rule, and gone from a rescan once they exit.
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "fake_proc.hpp"
#include "ghostbrew/detect/scan.hpp"
#include "support/temp_dir.hpp"

namespace ghostbrew::detect {
namespace {

/// A child process, killed and reaped when the test ends.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  ~Child() { stop(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  [[nodiscard]] pid_t pid() const { return pid_; }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_;
};

/// Waits until `pred` holds, polling for up to 5 s.
template <class Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 500; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

/// Copies /bin/sleep to <dir>/<name> and execs it as a child with `env`, returning once the exec is done.
pid_t spawn_sleep_as(const std::filesystem::path& dir, const std::string& name,
                     std::vector<std::string> env) {
  const auto exe = dir / name;
  std::filesystem::copy_file("/bin/sleep", exe, std::filesystem::copy_options::overwrite_existing);
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string arg0 = name, arg1 = "30";
    char* argv[] = {arg0.data(), arg1.data(), nullptr};
    ::execve(exe.c_str(), argv, envp.data());
    ::_exit(127);
  }
  eventually([&] {
    auto l = procfs::read_link(fmt::format("/proc/{}/exe", pid));
    return l.ok() && l.text == exe.string();
  });
  return pid;
}

class LiveTest : public ::testing::Test {
 protected:
  static Classification main_class(pid_t pid) {
    auto rows = classify_pid("/", pid);
    EXPECT_TRUE(rows) << rows.error().message();
    if (!rows) return {};
    auto it = std::find_if(rows->begin(), rows->end(), [&](const Row& r) { return r.tid == pid; });
    EXPECT_NE(it, rows->end());
    return it == rows->end() ? Classification{} : it->cls;
  }
  static bool in_scan(pid_t pid) {
    auto s = scan("/");
    EXPECT_TRUE(s) << s.error().message();
    return s && std::any_of(s->rows.begin(), s->rows.end(), [&](const Row& r) { return r.pid == pid; });
  }
  using TempDir = ghostbrew::testing::TempDir;
  const TempDir dir_{"live", TempDir::For::programs};  // the children run copies of /bin/sleep from it
};

TEST_F(LiveTest, ChildWithWineprefixIsGamingByEnvAndGoneAfterExit) {
  Child c(spawn_sleep_as(dir_.path(), "sleep", {"PATH=/usr/bin", "WINEPREFIX=/tmp/pfx"}));
  EXPECT_EQ(main_class(c.pid()), (Classification{WorkloadClass::Gaming, "env:WINEPREFIX"}));
  EXPECT_TRUE(in_scan(c.pid()));
  const pid_t pid = c.pid();
  c.stop();
  EXPECT_FALSE(in_scan(pid));
  EXPECT_FALSE(classify_pid("/", pid));
}

TEST_F(LiveTest, ExecOfACopyNamedGameExeIsGamingByComm) {
  Child c(spawn_sleep_as(dir_.path(), "game.exe", {"PATH=/usr/bin"}));
  EXPECT_EQ(main_class(c.pid()), (Classification{WorkloadClass::Gaming, "comm:*.exe"}));
}

/// Forks a child that renames itself with PR_SET_NAME and waits; returns once the rename is done.
pid_t spawn_renamed(const char* name) {
  int ready[2];
  if (::pipe(ready) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_NAME, name, 0, 0, 0);
    (void)!::write(ready[1], "x", 1);
    for (;;) ::pause();
  }
  char x = 0;
  (void)!::read(ready[0], &x, 1);
  ::close(ready[0]);
  ::close(ready[1]);
  return pid;
}

TEST_F(LiveTest, PrctlRenamedChildIsGamingByComm) {
  Child c(spawn_renamed("Hades.exe"));
  EXPECT_EQ(main_class(c.pid()), (Classification{WorkloadClass::Gaming, "comm:*.exe"}));
}

TEST_F(LiveTest, CommWithParenthesesAndSpacesAsTheKernelWritesIt) {
  Child c(spawn_renamed("g) (1 S 2.exe"));  // looks like the fields that follow comm in stat
  auto rows = classify_pid("/", c.pid());
  ASSERT_TRUE(rows) << rows.error().message();
  ASSERT_EQ(rows->size(), 1U);
  EXPECT_EQ(rows->front().comm, "g) (1 S 2.exe");
  EXPECT_EQ(rows->front().cls, (Classification{WorkloadClass::Gaming, "comm:*.exe"}));
  auto p = procfs::read_process("/", c.pid());
  ASSERT_TRUE(p);
  EXPECT_EQ(p->stat.ppid, ::getpid());
  EXPECT_EQ(p->comm(), "g) (1 S 2.exe");
}

TEST_F(LiveTest, ThreadNamedLikeAVcpuIsVmAndItsSiblingsAreNot) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    pthread_t t{};
    ::pthread_create(
        &t, nullptr,
        [](void*) -> void* {
          for (;;) ::pause();
        },
        nullptr);
    ::pthread_setname_np(t, "CPU 0/KVM");
    (void)!::write(ready[1], "x", 1);
    for (;;) ::pause();
  }
  Child c(pid);
  char x = 0;
  ASSERT_EQ(::read(ready[0], &x, 1), 1);
  auto rows = classify_pid("/", c.pid());
  ASSERT_TRUE(rows) << rows.error().message();
  ASSERT_EQ(rows->size(), 2U);
  const auto vcpu =
      std::find_if(rows->begin(), rows->end(), [](const Row& r) { return r.comm == "CPU 0/KVM"; });
  ASSERT_NE(vcpu, rows->end());
  EXPECT_NE(vcpu->tid, c.pid());
  EXPECT_EQ(vcpu->cls, (Classification{WorkloadClass::Vm, "thread:CPU 0/KVM"}));
  const auto main = std::find_if(rows->begin(), rows->end(), [&](const Row& r) { return r.tid == c.pid(); });
  ASSERT_NE(main, rows->end());
  EXPECT_NE(main->cls.cls, WorkloadClass::Vm);
  ::close(ready[0]);
  ::close(ready[1]);
}

TEST(LiveScanTest, SeesThisProcessItsThreadsAndKernelThreads) {
  std::thread idle([] { std::this_thread::sleep_for(std::chrono::milliseconds(300)); });
  auto s = scan("/");
  idle.join();
  ASSERT_TRUE(s) << s.error().message();
  const auto self =
      std::count_if(s->rows.begin(), s->rows.end(), [](const Row& r) { return r.pid == ::getpid(); });
  EXPECT_GE(self, 2);
  const auto kthreads = std::count_if(s->classes.begin(), s->classes.end(),
                                      [](const Classification& c) { return c.rule == "kthread"; });
  const bool has_kthreadd = procfs::read_stat("/proc/2")
                                .map([](const procfs::Stat& st) { return st.kernel_thread(); })
                                .value_or(false);
  if (has_kthreadd) {
    EXPECT_GE(kthreads, 1);
  }
}

}  // namespace
}  // namespace ghostbrew::detect
