// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// sched/power_profile_follower.hpp against the real power-profiles-daemon (Debian's 0.12, its
// placeholder driver: power-saver and balanced) on a private system bus the test starts, with the
// real polkitd beside it (ppd asks polkit before a switch; root is always allowed), switching with
// the real powerprofilesctl. The mode switch goes through a fake of our own ModeSwitch port.
// UMOCKDEV_DIR points ppd's sysfs and state file into the test's directory: the host is untouched.
#include "ghostbrew/sched/power_profile_follower.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fakes.hpp"
#include "support/dbus_daemon.hpp"
#include "support/run.hpp"

namespace gb = ghostbrew;
namespace sched = ghostbrew::sched;
using gb::testing::DbusDaemon;
using gb::testing::FakeModeSwitch;

namespace {

constexpr const char* kPpd = "/usr/libexec/power-profiles-daemon";
constexpr const char* kPolkitd = "/usr/lib/polkit-1/polkitd";

/// A program run on the test's bus (DBUS_SYSTEM_BUS_ADDRESS), stopped when the object goes.
struct Service : gb::testing::ChildProcess {
  Service(const DbusDaemon& bus, const char* program, const std::filesystem::path& umockdev)
      : ChildProcess({program},
                     {"DBUS_SYSTEM_BUS_ADDRESS=" + bus.address(), "UMOCKDEV_DIR=" + umockdev.string()}) {}
};

/// The private bus, polkitd on it, and a follower; ppd is started by each test.
struct PowerProfileTest : ::testing::Test {
  void SetUp() override {
    if (!std::filesystem::exists(kPpd) || !std::filesystem::exists(kPolkitd))
      GTEST_SKIP() << kPpd << " or " << kPolkitd
                   << " is not installed (Debian: power-profiles-daemon, polkitd; scripts/install-deps.sh)";
    ASSERT_TRUE(bus.running());
    // polkitd drops to its own user before it connects: the bus's socket must be reachable to it.
    std::filesystem::permissions(bus.dir(),
                                 std::filesystem::perms::others_exec | std::filesystem::perms::group_exec,
                                 std::filesystem::perm_options::add);
    polkitd = std::make_unique<Service>(bus, kPolkitd, dir.path());
    ASSERT_TRUE(wait_owner("org.freedesktop.PolicyKit1"));
  }

  /// Whether `name` gets an owner within 5 s.
  bool wait_owner(const char* name) {
    auto b = sched::Bus::at(bus.address());
    for (int i = 0; b && i < 100; ++i) {
      if (auto o = b->has_owner(name); o && *o) return true;
      usleep(50'000);
    }
    return false;
  }
  void start_ppd() {
    ppd = std::make_unique<Service>(bus, kPpd, dir.path());
    ASSERT_TRUE(wait_owner("net.hadess.PowerProfiles"));
  }
  gb::testing::RunResult ctl(const std::string& args) {
    return gb::testing::run("DBUS_SYSTEM_BUS_ADDRESS=" + bus.address() + " powerprofilesctl " + args);
  }
  /// Runs the loop until `done` or 5 s.
  void run_until(const std::function<bool()>& done) {
    for (int i = 0; i < 50 && !done(); ++i) ASSERT_TRUE(loop->run_once(100));
  }
  std::unique_ptr<sched::PowerProfileFollower> follow() {
    auto b = sched::Bus::at(bus.address());
    EXPECT_TRUE(b) << b.error().message();
    if (!b) return nullptr;
    auto f = sched::PowerProfileFollower::follow(std::move(*b));
    EXPECT_TRUE(f) << f.error().message();
    return f ? std::move(*f) : nullptr;
  }
  /// The daemon's side: each change through follow_profile() into the fake, its lines kept.
  void attach(sched::PowerProfileFollower& f) {
    ASSERT_TRUE(f.attach(
        *loop,
        [this](const sched::PowerProfileState& from, const sched::PowerProfileState& to) {
          lines.push_back(sched::follow_profile(map, from, to, mode, modes));
          if (!modes.writes.empty()) mode = modes.writes.back();
          states.push_back(to);
        },
        [this](const gb::Error& e) { lost = e; }));
  }

  gb::testing::TempDir dir{"ppd"};
  DbusDaemon bus{"system"};
  std::unique_ptr<Service> polkitd, ppd;
  std::optional<gb::EventLoop> loop{*gb::EventLoop::create()};
  sched::PowerProfileModes map{{GB_MODE_WORK, GB_MODE_AUTO, GB_MODE_GAMING}};
  gb_mode mode = GB_MODE_AUTO;
  FakeModeSwitch modes;
  std::vector<std::string> lines;
  std::vector<sched::PowerProfileState> states;
  std::optional<gb::Error> lost;
};

TEST_F(PowerProfileTest, APowerprofilesctlSwitchReachesTheModeSwitch) {
  start_ppd();
  auto f = follow();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->state(), (sched::PowerProfileState{"balanced", "net.hadess.PowerProfiles"}));
  attach(*f);
  auto set = ctl("set power-saver");
  ASSERT_EQ(set.status, 0) << set.out;
  run_until([&] { return !states.empty(); });
  ASSERT_EQ(states.size(), 1U);
  EXPECT_EQ(f->state().profile, "power-saver");
  EXPECT_EQ(modes.writes, std::vector<gb_mode>{GB_MODE_WORK});
  EXPECT_EQ(lines, std::vector<std::string>{"power profile balanced -> power-saver: mode auto -> work"});
  // And back: balanced maps to auto.
  ASSERT_EQ(ctl("set balanced").status, 0);
  run_until([&] { return states.size() == 2; });
  EXPECT_EQ(modes.writes, (std::vector<gb_mode>{GB_MODE_WORK, GB_MODE_AUTO}));
  EXPECT_EQ(lines.back(), "power profile power-saver -> balanced: mode work -> auto");
  EXPECT_FALSE(lost);
}

TEST_F(PowerProfileTest, AnUnmappedProfileSwitchesNothing) {
  map = {};
  map.by_profile[2] = GB_MODE_GAMING;  // performance only: the placeholder driver has none
  start_ppd();
  auto f = follow();
  ASSERT_TRUE(f);
  attach(*f);
  ASSERT_EQ(ctl("set power-saver").status, 0);
  run_until([&] { return !states.empty(); });
  ASSERT_EQ(states.size(), 1U);
  EXPECT_TRUE(modes.writes.empty());
  EXPECT_EQ(lines,
            std::vector<std::string>{"power profile balanced -> power-saver: not mapped, mode auto stays"});
}

TEST_F(PowerProfileTest, NoDaemonIsNoErrorAndOneStartedLaterIsFollowedUntilItGoes) {
  auto f = follow();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->state(), sched::PowerProfileState{});
  attach(*f);
  ASSERT_TRUE(loop->run_once(200));
  EXPECT_TRUE(states.empty());
  EXPECT_TRUE(modes.writes.empty());

  start_ppd();  // appears on the bus: its profile is read
  run_until([&] { return !states.empty(); });
  ASSERT_EQ(states.size(), 1U);
  EXPECT_EQ(states[0].profile, "balanced");
  EXPECT_TRUE(modes.writes.empty());  // balanced -> auto, in force already
  ASSERT_EQ(ctl("set power-saver").status, 0);
  run_until([&] { return states.size() == 2; });
  EXPECT_EQ(modes.writes, std::vector<gb_mode>{GB_MODE_WORK});

  ppd.reset();  // gone: the mode stays, the follower carries on
  run_until([&] { return states.size() == 3; });
  ASSERT_EQ(states.size(), 3U);
  EXPECT_EQ(states[2], sched::PowerProfileState{});
  EXPECT_EQ(lines.back(), "power profile power-saver -> none (the daemon left the bus): mode work stays");
  EXPECT_EQ(modes.writes, std::vector<gb_mode>{GB_MODE_WORK});
  EXPECT_FALSE(lost);

  start_ppd();  // restarted: it restores power-saver from its state file, in force already
  run_until([&] { return states.size() == 4; });
  ASSERT_EQ(states.size(), 4U);
  EXPECT_EQ(states[3].profile, "power-saver");
  EXPECT_EQ(modes.writes, std::vector<gb_mode>{GB_MODE_WORK});
}

}  // namespace
