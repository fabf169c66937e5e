// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// sched/gamemode.hpp against the real thing: a session dbus-daemon and Debian's gamemoded run as
// nobody (so root must connect as the bus's owner), `gamemoderun sleep` registers itself, and the
// class feeder (over fake maps) makes that pid GAMING by rule "gamemode" at once, then drops it when
// GameMode unregisters it; the real ghost-probe shows it so, by asking GameMode itself.
#include "ghostbrew/sched/gamemode.hpp"

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
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
struct Child : gb::testing::ChildProcess {
  Child(const DbusDaemon::Owner& owner, std::vector<std::string> argv, std::vector<std::string> env)
      : ChildProcess(std::move(argv), std::move(env), owner, SIGKILL) {}
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

/// A session dbus-daemon and gamemoded on it, both run as nobody (skipped, saying why, without
/// Debian's gamemode package or root).
class GameModeRunning : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists("/usr/bin/gamemoded") || !std::filesystem::exists("/usr/games/gamemoderun"))
      GTEST_SKIP() << "Debian's gamemode package is not installed (apt-get install gamemode)";
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: connects to another user's session bus";
    auto o = nobody();
    ASSERT_TRUE(o) << "no user nobody";
    owner = *o;
    bus.emplace("session", owner);
    ASSERT_TRUE(bus->running());
    env = {"DBUS_SESSION_BUS_ADDRESS=" + bus->address(), "HOME=" + bus->dir().string()};
  }
  void start_gamemoded() {
    gamemoded.emplace(owner, std::vector<std::string>{"/usr/bin/gamemoded"}, env);
    ASSERT_TRUE(gamemoded->wait_exec("gamemoded"));
  }
  /// GameMode unregisters `pid`, as its user would ask over the bus.
  void unregister(int pid) const {
    auto un = gb::testing::run(fmt::format(
        "setpriv --reuid={} --regid={} --clear-groups busctl --address={} call {} {} {} UnregisterGame i {}",
        owner.uid, owner.gid, bus->address(), gb::sched::kGameModeService, gb::sched::kGameModePath,
        gb::sched::kGameModeInterface, pid));
    ASSERT_EQ(un.status, 0) << un.out;
  }

  DbusDaemon::Owner owner{};
  std::optional<DbusDaemon> bus;
  std::vector<std::string> env;
  std::optional<Child> gamemoded;
};

TEST_F(GameModeRunning, AGamemoderunGameIsGamingAtOnceAndDroppedWhenUnregistered) {
  // The real session policy: root itself is refused.
  auto as_root = gb::sched::Bus::at(bus->address());
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

  start_gamemoded();
  follower.on_exec(gamemoded->pid(), "gamemoded");  // what the daemon's exec event does
  ASSERT_EQ(follower.buses(), 1U) << ::testing::PrintToString(lines);

  Child game(owner, {"/usr/games/gamemoderun", "sleep", "30"}, env);
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
  unregister(game.pid());
  for (int i = 0; i < 50 && follower.games().contains(game.pid()); ++i) ASSERT_TRUE(loop->run_once(100));
  EXPECT_TRUE(follower.games().empty());
  EXPECT_FALSE(feeder.entries().contains(game.pid()));  // sleep is default: nothing in the maps
  EXPECT_FALSE(maps.tgid.contains(static_cast<std::uint32_t>(game.pid())));
}

TEST_F(GameModeRunning, FollowGamemodeOffCreatesNoFollowerAndOnFollowsTheRunningOne) {
  start_gamemoded();
  auto loop = gb::EventLoop::create();
  ASSERT_TRUE(loop);
  gb::sched::Options o;
  o.follow_gamemode = 0;
  EXPECT_EQ(gb::sched::start_gamemode_follower(o, *loop, {}), nullptr);
  o.follow_gamemode = 1;
  o.detect = false;  // --no-detect: no classification at all, GameMode's neither
  EXPECT_EQ(gb::sched::start_gamemode_follower(o, *loop, {}), nullptr);
  o.detect = true;  // the defaults: the gamemoded running now is followed at once
  auto on = gb::sched::start_gamemode_follower(o, *loop, {});
  ASSERT_NE(on, nullptr);
  EXPECT_EQ(on->buses(), 1U);
}

TEST_F(GameModeRunning, AGameRegisteredByPidForAnotherUsersProcessIsIgnored) {
  start_gamemoded();
  auto loop = gb::EventLoop::create();
  ASSERT_TRUE(loop);
  std::vector<std::string> lines;
  gb::sched::GameModeFollower follower(
      "/", *loop,
      {.registered = {}, .unregistered = {}, .debug = [&](const std::string& s) { lines.push_back(s); }});
  follower.follow(gamemoded->pid());
  ASSERT_EQ(follower.buses(), 1U) << ::testing::PrintToString(lines);
  // root's process, registered by nobody as a launcher would (RegisterGameByPID caller game).
  Child others(DbusDaemon::Owner{0, 0}, {"sleep", "30"}, {});
  ASSERT_TRUE(others.wait_exec("sleep"));
  Child caller(owner, {"sleep", "30"}, env);
  ASSERT_TRUE(caller.wait_exec("sleep"));
  const auto as_owner = fmt::format("setpriv --reuid={} --regid={} --clear-groups busctl --address={} ",
                                    owner.uid, owner.gid, bus->address());
  auto reg = gb::testing::run(fmt::format("{} call {} {} {} RegisterGameByPID ii {} {}", as_owner,
                                          gb::sched::kGameModeService, gb::sched::kGameModePath,
                                          gb::sched::kGameModeInterface, caller.pid(), others.pid()));
  ASSERT_EQ(reg.status, 0) << reg.out;
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(loop->run_once(50));
  EXPECT_TRUE(follower.games().empty()) << reg.out;
  // Debian's gamemoded 1.7 refuses it itself ("i -1": it cannot read another user's process); one
  // that registers it anyway is refused by the follower, which says why.
  if (reg.out != "i -1\n") {
    EXPECT_NE(std::find(lines.begin(), lines.end(),
                        fmt::format("gamemode: game {}: ignored: it is user 0's, not the bus owner {}'s",
                                    others.pid(), owner.uid)),
              lines.end())
        << reg.out << ::testing::PrintToString(lines);
  }
}

#ifdef GHOST_PROBE
/// ghost-probe's class and rule for `pid`: from `--pid PID` (text), `--pid PID --json` and the
/// `--json` listing, each as "class rule" ("" when the listing has no row for it).
struct ProbeSays {
  std::string text, pid_json, listing;
  std::string err;  ///< stderr of `--pid PID`
};

ProbeSays probe(int pid, const std::string& as = "") {
  ProbeSays out;
  const auto bin = as + GHOST_PROBE;
  auto t = gb::testing::run_split(fmt::format("{} --pid {}", bin, pid));
  out.err = t.err;
  std::smatch m;
  const std::regex row(fmt::format(R"(^\s*{0}\s+{0}\s+sleep\s+(\S+)\s+(\S+)\s*$)", pid));
  std::istringstream lines(t.out);
  for (std::string line; std::getline(lines, line);)
    if (std::regex_match(line, m, row)) out.text = m[1].str() + " " + m[2].str();
  const auto row_of = [pid](const nlohmann::json& rows) {
    for (const auto& r : rows)
      if (r.at("tid").get<int>() == pid)
        return r.at("class").get<std::string>() + " " + r.at("rule").get<std::string>();
    return std::string();
  };
  auto j = gb::testing::run_split(fmt::format("{} --pid {} --json", bin, pid));
  if (j.status == 0) out.pid_json = row_of(nlohmann::json::parse(j.out).at("processes"));
  auto l = gb::testing::run_split(fmt::format("{} --json", bin));
  if (l.status == 0) out.listing = row_of(nlohmann::json::parse(l.out).at("processes"));
  return out;
}

TEST_F(GameModeRunning, GhostProbeShowsAGameModeGameAsGamingUntilUnregistered) {
  {  // No GameMode: sleep is what its name makes it, and no word about GameMode.
    Child plain(owner, {"sleep", "30"}, env);
    ASSERT_TRUE(plain.wait_exec("sleep"));
    const auto before = probe(plain.pid());
    EXPECT_EQ(before.text, "default none");
    // (Another gamemoded on this host, another test's, may be warned about: only ours is checked.)
    if (gb::testing::run("pgrep -x gamemoded").status != 0) {
      EXPECT_EQ(before.err, "");
    }
  }
  start_gamemoded();
  Child game(owner, {"/usr/games/gamemoderun", "sleep", "30"}, env);
  ASSERT_TRUE(game.wait_exec("sleep"));
  ProbeSays says;
  for (int i = 0; i < 100 && says.text != "gaming gamemode"; ++i, ::usleep(100000)) says = probe(game.pid());
  EXPECT_EQ(says.text, "gaming gamemode") << says.err;
  EXPECT_EQ(says.pid_json, "gaming gamemode");
  EXPECT_EQ(says.listing, "gaming gamemode");
  EXPECT_EQ(says.err.find(fmt::format("gamemoded {}:", gamemoded->pid())), std::string::npos) << says.err;
  // Not root: its own user's bus is the one it reaches.
  const auto as_owner =
      probe(game.pid(), fmt::format("setpriv --reuid={} --regid={} --clear-groups ", owner.uid, owner.gid));
  EXPECT_EQ(as_owner.text, "gaming gamemode") << as_owner.err;

  unregister(game.pid());
  const auto after = probe(game.pid());
  EXPECT_EQ(after.text, "default none");
  EXPECT_EQ(after.pid_json, "default none");
  EXPECT_NE(after.listing, "gaming gamemode");
}
#endif

}  // namespace
