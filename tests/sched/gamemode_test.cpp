// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// sched/gamemode.hpp against the real thing: a session dbus-daemon and Debian's gamemoded run as
// nobody (so root must connect as the bus's owner), `gamemoderun sleep` registers itself, and the
// class feeder (over fake maps) makes that pid GAMING by rule "gamemode" at once, then drops it when
// GameMode unregisters it.
#include "ghostbrew/sched/gamemode.hpp"

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "fakes.hpp"
#include "ghostbrew/sched/class_feeder.hpp"
#include "support/dbus_daemon.hpp"
#include "support/run.hpp"

namespace gb = ghostbrew;
using gb::testing::DbusDaemon;

namespace {

/// A program run as `owner` with `env` added; killed and reaped when the object goes.
class Child {
 public:
  Child(const DbusDaemon::Owner& owner, std::vector<std::string> argv, std::vector<std::string> env) {
    pid_ = ::fork();
    if (pid_ == 0) {
      for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));  // NOLINT: the child's copy
      if (::setgroups(0, nullptr) != 0 || ::setresgid(owner.gid, owner.gid, owner.gid) != 0 ||
          ::setresuid(owner.uid, owner.uid, owner.uid) != 0)
        ::_exit(126);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }
  [[nodiscard]] pid_t pid() const { return pid_; }
  /// Waits until it has executed the program named `comm` (what the daemon's exec event says).
  [[nodiscard]] bool wait_exec(const std::string& comm) const {
    for (int i = 0; i < 200; ++i) {
      std::ifstream f("/proc/" + std::to_string(pid_) + "/comm");
      std::string c;
      if (std::getline(f, c) && c == comm) return true;
      ::usleep(10000);
    }
    return false;
  }

 private:
  pid_t pid_ = -1;
};

std::optional<DbusDaemon::Owner> nobody() {
  const passwd* pw = ::getpwnam("nobody");
  if (pw == nullptr) return std::nullopt;
  return DbusDaemon::Owner{pw->pw_uid, pw->pw_gid};
}

TEST(GameModeTest, ReadsAProcessesIdsAndRefusesAStatusWithoutThem) {
  gb::testing::TempDir root("gm");
  std::filesystem::create_directories(root.path() / "proc/7");
  std::ofstream(root.path() / "proc/7/status")
      << "Name:\tx\nUid:\t1000\t1001\t1000\t1000\nGid:\t100\t101\t100\t100\n";
  auto ids = gb::sched::read_process_ids(root.path(), 7);
  ASSERT_TRUE(ids) << ids.error().message();
  EXPECT_EQ(ids->uid, 1000U);
  EXPECT_EQ(ids->euid, 1001U);
  EXPECT_EQ(ids->gid, 100U);
  EXPECT_EQ(ids->egid, 101U);
  std::filesystem::create_directories(root.path() / "proc/8");
  std::ofstream(root.path() / "proc/8/status") << "Name:\tx\n";
  auto bad = gb::sched::read_process_ids(root.path(), 8);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().where.find("proc/8/status"), std::string::npos);
}

TEST(GameModeTest, AGamemoderunGameIsGamingAtOnceAndDroppedWhenUnregistered) {
  if (!std::filesystem::exists("/usr/bin/gamemoded") || !std::filesystem::exists("/usr/games/gamemoderun"))
    GTEST_SKIP() << "Debian's gamemode package is not installed (apt-get install gamemode)";
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: connects to another user's session bus";
  auto owner = nobody();
  ASSERT_TRUE(owner) << "no user nobody";
  DbusDaemon bus("session", owner);
  ASSERT_TRUE(bus.running());
  // The real session policy: root itself is refused.
  auto as_root = gb::sched::Bus::at(bus.address());
  EXPECT_TRUE(!as_root || !as_root->has_owner("org.freedesktop.DBus"));

  auto loop = gb::EventLoop::create();
  ASSERT_TRUE(loop);
  gb::testing::FakeClassMaps maps;
  gb::sched::ClassFeeder feeder("/");
  std::vector<std::string> lines;
  gb::sched::GameModeFollower follower(
      "/", *loop,
      {.registered = [&](int pid) { feeder.pin(maps, pid, gb::detect::WorkloadClass::Gaming, "gamemode"); },
       .unregistered = [&](int pid) { feeder.unpin(maps, pid); },
       .debug = [&](const std::string& s) { lines.push_back(s); }});
  follower.scan();  // no gamemoded of ours yet: nothing followed, no error
  const std::vector<std::string> env{"DBUS_SESSION_BUS_ADDRESS=" + bus.address(),
                                     "HOME=" + bus.dir().string()};

  Child gamemoded(*owner, {"/usr/bin/gamemoded"}, env);
  ASSERT_TRUE(gamemoded.wait_exec("gamemoded"));
  follower.on_exec(gamemoded.pid(), "gamemoded");  // what the daemon's exec event does
  ASSERT_EQ(follower.buses(), 1U) << ::testing::PrintToString(lines);

  Child game(*owner, {"/usr/games/gamemoderun", "sleep", "30"}, env);
  const auto classified = [&] {
    auto it = feeder.entries().find(game.pid());
    return it != feeder.entries().end() && it->second.cls.rule == "gamemode";
  };
  for (int i = 0; i < 100 && !classified(); ++i) ASSERT_TRUE(loop->run_once(100));
  ASSERT_TRUE(classified()) << ::testing::PrintToString(lines);
  EXPECT_EQ(feeder.entries().at(game.pid()).cls.cls, gb::detect::WorkloadClass::Gaming);
  EXPECT_EQ(maps.tgid.at(static_cast<std::uint32_t>(game.pid())), GB_CLASS_GAMING);
  EXPECT_EQ(follower.games(), std::set<int>{game.pid()});

  // GameMode unregisters it (as the user would, over the bus): back to its class without GameMode.
  auto un = gb::testing::run(fmt::format(
      "setpriv --reuid={} --regid={} --clear-groups busctl --address={} call {} {} {} UnregisterGame i {}",
      owner->uid, owner->gid, bus.address(), gb::sched::kGameModeService, gb::sched::kGameModePath,
      gb::sched::kGameModeInterface, game.pid()));
  ASSERT_EQ(un.status, 0) << un.out;
  for (int i = 0; i < 50 && follower.games().contains(game.pid()); ++i) ASSERT_TRUE(loop->run_once(100));
  EXPECT_TRUE(follower.games().empty());
  EXPECT_FALSE(feeder.entries().contains(game.pid()));  // sleep is default: nothing in the maps
  EXPECT_FALSE(maps.tgid.contains(static_cast<std::uint32_t>(game.pid())));
}

}  // namespace
