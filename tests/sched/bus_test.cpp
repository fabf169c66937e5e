// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// sched/bus.hpp against a real dbus-daemon the test starts: connecting, name owners, a signal
// reaching its handler through the EventLoop, and the loss of the bus daemon.
#include "ghostbrew/sched/bus.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "support/dbus_daemon.hpp"
#include "support/run.hpp"

namespace gb = ghostbrew;
using gb::testing::DbusDaemon;

namespace {

TEST(BusTest, ConnectsAndSeesWhoOwnsANameOnARealBus) {
  DbusDaemon bus;
  ASSERT_TRUE(bus.running());
  auto b = gb::sched::Bus::at(bus.address());
  ASSERT_TRUE(b) << b.error().message();
  auto daemon = b->has_owner("org.freedesktop.DBus");
  ASSERT_TRUE(daemon) << daemon.error().message();
  EXPECT_TRUE(*daemon);
  auto nobody = b->has_owner("com.example.NobodyOwnsThis");
  ASSERT_TRUE(nobody) << nobody.error().message();
  EXPECT_FALSE(*nobody);
}

TEST(BusTest, RefusesAnAddressWithNoBusAndSaysWhich) {
  gb::testing::TempDir dir("bus");
  const std::string address = "unix:path=" + (dir.path() / "none").string();
  auto b = gb::sched::Bus::at(address);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().where, address);
  EXPECT_NE(b.error().what.find("cannot connect"), std::string::npos) << b.error().what;
}

TEST(BusTest, ASignalReachesItsHandlerThroughTheEventLoop) {
  DbusDaemon bus;
  ASSERT_TRUE(bus.running());
  auto b = gb::sched::Bus::at(bus.address());
  ASSERT_TRUE(b) << b.error().message();
  std::optional<std::string> got;
  auto slot =
      b->add_match("type='signal',interface='com.example.Test',member='Ping'", [&](sd_bus_message* m) {
        const char* s = nullptr;
        if (sd_bus_message_read(m, "s", &s) >= 0 && s != nullptr) got = s;
      });
  ASSERT_TRUE(slot) << slot.error().message();
  auto loop = gb::EventLoop::create();
  ASSERT_TRUE(loop);
  ASSERT_TRUE(b->attach(*loop, nullptr));
  // Another client (systemd's busctl) emits it; a signal of another member must not reach the handler.
  // (dbus-send --address does not say Hello: sd-bus drops its sender-less signals.)
  auto other = gb::testing::run("busctl --address=" + bus.address() + " emit /x com.example.Test Pong s no");
  ASSERT_EQ(other.status, 0) << other.out;
  auto sent =
      gb::testing::run("busctl --address=" + bus.address() + " emit /x com.example.Test Ping s hello");
  ASSERT_EQ(sent.status, 0) << sent.out;
  for (int i = 0; i < 50 && !got; ++i) ASSERT_TRUE(loop->run_once(100));
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, "hello");
}

TEST(BusTest, ALostBusDaemonLeavesTheLoopAndSaysSo) {
  auto daemon = std::make_optional<DbusDaemon>();
  ASSERT_TRUE(daemon->running());
  auto b = gb::sched::Bus::at(daemon->address());
  ASSERT_TRUE(b) << b.error().message();
  auto loop = gb::EventLoop::create();
  ASSERT_TRUE(loop);
  std::optional<gb::Error> lost;
  ASSERT_TRUE(b->attach(*loop, [&](const gb::Error& e) { lost = e; }));
  EXPECT_EQ(loop->size(), 1U);
  daemon.reset();  // the bus daemon stops
  for (int i = 0; i < 50 && !lost; ++i) ASSERT_TRUE(loop->run_once(100));
  ASSERT_TRUE(lost);
  EXPECT_NE(lost->message().find("connection lost"), std::string::npos) << lost->message();
  EXPECT_EQ(loop->size(), 0U);
}

}  // namespace
