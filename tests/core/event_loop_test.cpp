// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
#include "ghostbrew/core/event_loop.hpp"

#include <gtest/gtest.h>

#include <csignal>

namespace ghostbrew {
namespace {

TEST(EventLoopTest, SignalfdDeliversARaisedSignalToItsHandler) {
  auto sfd = make_signalfd({SIGUSR1});
  ASSERT_TRUE(sfd) << sfd.error().message();
  auto loop = EventLoop::create();
  ASSERT_TRUE(loop);
  int seen = 0;
  ASSERT_TRUE(loop->add(sfd->get(), [&] {
    seen = read_signal(sfd->get());
    loop->stop();
  }));
  ASSERT_EQ(::raise(SIGUSR1), 0);  // blocked, so it waits in the signalfd instead of killing us
  ASSERT_TRUE(loop->run(5000));
  EXPECT_EQ(seen, SIGUSR1);
}

TEST(EventLoopTest, TimerFiresPeriodically) {
  auto tfd = make_timerfd(std::chrono::milliseconds(5));
  ASSERT_TRUE(tfd);
  auto loop = EventLoop::create();
  ASSERT_TRUE(loop);
  std::uint64_t ticks = 0;
  ASSERT_TRUE(loop->add(tfd->get(), [&] {
    ticks += read_timer(tfd->get());
    if (ticks >= 3) loop->stop();
  }));
  ASSERT_TRUE(loop->run(5000));
  EXPECT_GE(ticks, 3U);
}

TEST(EventLoopTest, IdleLoopHandlesNothing) {
  auto loop = EventLoop::create();
  ASSERT_TRUE(loop);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  UniqueFd r(fds[0]), w(fds[1]);
  bool called = false;
  ASSERT_TRUE(loop->add(r.get(), [&] { called = true; }));
  auto n = loop->run_once(20);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 0);
  EXPECT_FALSE(called);
  ASSERT_EQ(::write(w.get(), "x", 1), 1);
  n = loop->run_once(1000);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1);
  EXPECT_TRUE(called);
  ASSERT_TRUE(loop->remove(r.get()));
  EXPECT_EQ(loop->size(), 0U);
}

}  // namespace
}  // namespace ghostbrew
