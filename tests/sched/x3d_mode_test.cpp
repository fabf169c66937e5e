// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// x3d_cache_while_gaming (sched/x3d_mode.hpp) on a real fixture tree: the 7950X3D's amd_x3d_mode file
// and a state directory in a TempDir, the GAMING processes from a ClassFeeder scanning a fake /proc
// (what the daemon feeds it). Switch and restore, the restore after a crash, the setting off, no
// driver, a corrupt state file, writes that fail (a directory in the file's place; EACCES as nobody).
#include "ghostbrew/sched/x3d_mode.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../detect/fake_proc.hpp"
#include "../topology/sysfs_tree.hpp"
#include "fakes.hpp"

namespace gs = ghostbrew::sched;
namespace fs = std::filesystem;
using ghostbrew::testing::FakeClassMaps;
using ghostbrew::testing::FakeRoot;
using ghostbrew::testing::named_proc;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

namespace {

constexpr const char* kModeFile = "sys/bus/platform/devices/AMDI0101:00/amd_x3d_mode";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A 7950X3D (driver loaded, mode "frequency") with a /proc the feeder scans and a state directory.
struct Machine {
  FakeRoot root;
  FakeClassMaps maps;
  gs::ClassFeeder feeder{root.root()};
  std::vector<std::string> infos, warnings;

  explicit Machine(const std::string& fixture = "amd-7950x3d") {
    ghostbrew::topology::testing::write_fixture(fs::path(GHOSTBREW_TEST_FIXTURES) / "topology", fixture,
                                                root.root());
  }
  [[nodiscard]] fs::path mode_file() const { return root.path(kModeFile); }
  [[nodiscard]] fs::path state_dir() const { return root.path("var/lib/ghostbrew"); }
  [[nodiscard]] fs::path state_file() const { return state_dir() / "x3d-mode"; }
  [[nodiscard]] std::string mode() const { return slurp(mode_file()); }

  gs::X3dCacheWhileGaming make() {
    return {root.root(), state_dir(), [this](const std::string& s) { infos.push_back(s); },
            [this](const std::string& s) { warnings.push_back(s); }};
  }
  /// What the daemon does after an exec or exit: the feeder rescans, the switch follows it.
  void rescan(gs::X3dCacheWhileGaming& x3d) {
    ASSERT_TRUE(feeder.full_scan(maps));
    x3d.follow(feeder);
  }
  void start_game(int pid, const std::string& comm) { root.add(named_proc(pid, comm)); }
  void end(int pid) { fs::remove_all(root.path("proc/" + std::to_string(pid))); }
  /// A state file as a run that crashed while the game ran leaves it: naming "frequency".
  void leave_state_file() {
    Machine other;
    auto x3d = other.make();
    x3d.start();
    x3d.on_game("game.exe");
    fs::create_directories(state_dir());
    fs::copy_file(other.state_file(), state_file());
  }
};

TEST(X3dModeTest, FirstGameSwitchesToCacheAndTheLastOneGoneRestores) {
  Machine m;
  auto x3d = m.make();
  x3d.start();
  EXPECT_THAT(m.infos, IsEmpty());
  m.start_game(100, "bash");
  m.rescan(x3d);
  EXPECT_EQ(m.mode(), "frequency\n") << "no GAMING process yet";
  EXPECT_FALSE(fs::exists(m.state_file()));

  m.start_game(200, "game.exe");
  m.rescan(x3d);
  EXPECT_EQ(m.mode(), "cache\n");
  EXPECT_TRUE(fs::exists(m.state_file())) << "recorded before cache is written";
  m.start_game(201, "other.exe");  // a second game: nothing more
  m.rescan(x3d);
  m.end(200);
  m.rescan(x3d);
  EXPECT_EQ(m.mode(), "cache\n") << "a GAMING process still runs";

  m.end(201);
  m.rescan(x3d);
  EXPECT_EQ(m.mode(), "frequency\n");
  EXPECT_FALSE(fs::exists(m.state_file()));
  EXPECT_THAT(m.infos, ElementsAre("x3d mode frequency -> cache while game.exe runs",
                                   "x3d mode restored to frequency"));
  EXPECT_THAT(m.warnings, IsEmpty());
}

TEST(X3dModeTest, StopRestoresWhileAGameStillRuns) {
  Machine m;
  auto x3d = m.make();
  x3d.start();
  m.start_game(200, "game.exe");
  m.rescan(x3d);
  ASSERT_EQ(m.mode(), "cache\n");
  x3d.stop();  // SIGTERM
  EXPECT_EQ(m.mode(), "frequency\n");
  EXPECT_FALSE(fs::exists(m.state_file()));
  EXPECT_EQ(m.infos.back(), "x3d mode restored to frequency");
}

TEST(X3dModeTest, StateFileLeftByACrashIsRestoredAtStartAndRemoved) {
  Machine m;
  m.leave_state_file();
  std::ofstream(m.mode_file()) << "cache\n";  // what the crashed run left in force
  auto x3d = m.make();
  x3d.start();
  EXPECT_EQ(m.mode(), "frequency\n");
  EXPECT_FALSE(fs::exists(m.state_file()));
  EXPECT_THAT(m.infos,
              ElementsAre("x3d mode restored to frequency (left by a run that did not stop cleanly: " +
                          m.state_file().string() + ")"));
  EXPECT_THAT(m.warnings, IsEmpty());
}

TEST(X3dModeTest, AlreadyCacheWhenTheGameStartsIsLeftAloneAndNothingIsRestored) {
  Machine m("amd-7950x3d-cache");
  auto x3d = m.make();
  x3d.start();
  m.start_game(200, "game.exe");
  m.rescan(x3d);
  EXPECT_FALSE(fs::exists(m.state_file()));
  m.end(200);
  m.rescan(x3d);
  x3d.stop();
  EXPECT_EQ(m.mode(), "cache\n");
  EXPECT_THAT(m.infos, ElementsAre("x3d mode is cache already while game.exe runs"));
}

TEST(X3dModeTest, SettingOffNeverTouchesTheModeOrTheStateFile) {
  Machine m;
  m.leave_state_file();
  const auto state_before = slurp(m.state_file());
  const auto mode_before = fs::last_write_time(m.mode_file());
  std::optional<gs::X3dCacheWhileGaming> x3d;
  gs::Options o;  // x3d_cache_while_gaming's default: off
  ASSERT_EQ(o.x3d_cache_while_gaming, 0U);
  o.root = m.root.root();
  std::vector<std::string> lines;
  const auto log = [&](const std::string& s) { lines.push_back(s); };
  gs::follow_setting(x3d, o, m.state_dir(), log, log);
  EXPECT_FALSE(x3d.has_value());
  m.start_game(200, "game.exe");
  ASSERT_TRUE(m.feeder.full_scan(m.maps));
  if (x3d) x3d->follow(m.feeder);  // what the daemon does: nothing without an instance
  EXPECT_EQ(m.mode(), "frequency\n");
  EXPECT_EQ(fs::last_write_time(m.mode_file()), mode_before);
  EXPECT_EQ(slurp(m.state_file()), state_before) << "byte-identical";
  EXPECT_THAT(lines, IsEmpty());
}

TEST(X3dModeTest, FollowSettingStartsOnTurningOnAndRestoresOnTurningOff) {
  Machine m;
  std::optional<gs::X3dCacheWhileGaming> x3d;
  gs::Options o;
  o.root = m.root.root();
  o.x3d_cache_while_gaming = 1;
  const auto log = [&](const std::string& s) { m.infos.push_back(s); };
  gs::follow_setting(x3d, o, m.state_dir(), log, log);
  ASSERT_TRUE(x3d.has_value());
  m.start_game(200, "game.exe");
  m.rescan(*x3d);
  ASSERT_EQ(m.mode(), "cache\n");
  gs::follow_setting(x3d, o, m.state_dir(), log, log);  // a restart with the setting still on
  EXPECT_EQ(m.mode(), "cache\n");
  o.x3d_cache_while_gaming = 0;  // a reload turned it off while the game runs
  gs::follow_setting(x3d, o, m.state_dir(), log, log);
  EXPECT_FALSE(x3d.has_value());
  EXPECT_EQ(m.mode(), "frequency\n");
  EXPECT_FALSE(fs::exists(m.state_file()));
}

TEST(X3dModeTest, NoDriverIsOneInfoLineAndNothingElse) {
  Machine m("amd-9950x");
  auto x3d = m.make();
  x3d.start();
  m.start_game(200, "game.exe");
  m.rescan(x3d);
  m.end(200);
  m.rescan(x3d);
  x3d.stop();
  EXPECT_THAT(m.infos,
              ElementsAre("x3d_cache_while_gaming: no amd_x3d_vcache driver (no AMDI0101:*/amd_x3d_mode "
                          "below " +
                          m.root.path("sys/bus/platform").string() + "): nothing to switch"));
  EXPECT_THAT(m.warnings, IsEmpty());
  EXPECT_FALSE(fs::exists(m.state_dir()));
}

TEST(X3dModeTest, CorruptStateFileIsSetAsideWithAWarningAndNothingIsWritten) {
  Machine m;
  m.leave_state_file();
  {
    std::fstream f(m.state_file(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-1, std::ios::end);
    f.put('\x07');  // the payload no longer matches its checksum
  }
  std::ofstream(m.mode_file()) << "cache\n";
  auto x3d = m.make();
  x3d.start();
  EXPECT_EQ(m.mode(), "cache\n") << "nothing written from a corrupt file";
  EXPECT_FALSE(fs::exists(m.state_file()));
  EXPECT_TRUE(fs::exists(m.state_file().string() + ".bad"));
  EXPECT_THAT(m.warnings, ElementsAre("x3d mode not restored: " + m.state_file().string() +
                                      ": checksum mismatch (corrupted) (the file is kept as " +
                                      m.state_file().string() + ".bad)"));
}

TEST(X3dModeTest, BadModeWordIsAWarningAndNothingIsSwitched) {
  Machine m;
  std::ofstream(m.mode_file()) << "turbo\n";
  auto x3d = m.make();
  x3d.start();
  m.start_game(200, "game.exe");
  m.rescan(x3d);
  EXPECT_EQ(m.mode(), "turbo\n");
  EXPECT_FALSE(fs::exists(m.state_file()));
  EXPECT_THAT(m.warnings, ElementsAre("x3d mode not switched to cache: " + m.mode_file().string() +
                                      ": expected 'frequency' or 'cache', found 'turbo'"));
}

TEST(X3dModeTest, RestoreThatFailsWarnsNamingTheFileKeepsTheStateFileAndTriesAgainAtStop) {
  Machine m;
  auto x3d = m.make();
  x3d.start();
  m.start_game(200, "game.exe");
  m.rescan(x3d);
  ASSERT_EQ(m.mode(), "cache\n");
  fs::remove(m.mode_file());
  fs::create_directory(m.mode_file());  // open(O_WRONLY) on it: EISDIR
  m.end(200);
  m.rescan(x3d);
  ASSERT_EQ(m.warnings.size(), 1U);
  EXPECT_EQ(m.warnings[0], "x3d mode not restored to frequency: " + m.mode_file().string() +
                               ": cannot open for writing: Is a directory (" + m.state_file().string() +
                               " is kept for the next try)");
  EXPECT_TRUE(fs::exists(m.state_file()));
  fs::remove(m.mode_file());
  std::ofstream(m.mode_file()) << "cache\n";
  x3d.stop();
  EXPECT_EQ(m.mode(), "frequency\n");
  EXPECT_FALSE(fs::exists(m.state_file()));
}

// Runs `body` in a child that dropped root (to nobody), so EACCES is the kernel's real answer; the
// child's warnings come back through a pipe. Returns the child's exit status (0: its checks passed).
int as_nobody(const std::function<int(std::string&)>& body, std::string& out) {
  int fds[2];
  if (::pipe(fds) != 0) return 300;
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(fds[0]);
    if (::geteuid() == 0) {
      const passwd* pw = ::getpwnam("nobody");
      if (pw == nullptr || ::setgroups(0, nullptr) != 0 ||
          ::setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
          ::setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0)
        ::_exit(100);
    }
    std::string text;
    const int rc = body(text);
    (void)!::write(fds[1], text.data(), text.size());
    ::_exit(rc);
  }
  ::close(fds[1]);
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

TEST(X3dModeTest, SwitchRefusedWithEaccesWarnsNamingTheFileAndRecordsNothing) {
  Machine m;
  fs::create_directories(m.state_dir());
  if (::geteuid() == 0) {
    const passwd* pw = ::getpwnam("nobody");
    ASSERT_NE(pw, nullptr);
    ASSERT_EQ(::chown(m.state_dir().c_str(), pw->pw_uid, pw->pw_gid), 0);  // the state dir is the child's
  }
  ::chmod(m.mode_file().c_str(), 0644);  // root's, as in sysfs: nobody reads, cannot write
  std::string warnings;
  const int rc = as_nobody(
      [&](std::string& out) {
        std::vector<std::string> warn;
        gs::X3dCacheWhileGaming x3d(
            m.root.root(), m.state_dir(), [](const std::string&) {},
            [&](const std::string& s) { warn.push_back(s); });
        x3d.start();
        x3d.on_game("game.exe");
        for (const auto& w : warn) out += w + "\n";
        if (x3d.recorded().has_value()) return 1;
        return fs::exists(m.state_file()) ? 2 : 0;
      },
      warnings);
  EXPECT_EQ(rc, 0) << warnings;
  EXPECT_EQ(warnings, "x3d mode not switched to cache: " + m.mode_file().string() +
                          ": cannot open for writing: Permission denied\n");
  EXPECT_EQ(m.mode(), "frequency\n");
}

}  // namespace
