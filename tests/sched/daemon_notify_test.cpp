// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// What the service manager hears around a scheduler load (the verifier may run for tens of seconds
// with no event loop to ping the watchdog): a longer start timeout and watchdog for the load, the
// unit's watchdog again after it.
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ghostbrew/sched/daemon.hpp"

namespace gs = ghostbrew::sched;
using Strings = std::vector<std::string>;
using std::chrono::microseconds;

namespace {

TEST(LoadNotificationsTest, ASlowLoadIsGivenTheLoadBudgetNotTheWatchdogPeriod) {
  const microseconds watchdog{30'000'000};  // WatchdogSec=30
  EXPECT_EQ(gs::load_notifications(watchdog, true),
            (Strings{"EXTEND_TIMEOUT_USEC=120000000", "WATCHDOG=1", "WATCHDOG_USEC=120000000"}));
  EXPECT_EQ(gs::load_notifications(watchdog, false), (Strings{"WATCHDOG=1", "WATCHDOG_USEC=30000000"}));
}

TEST(LoadNotificationsTest, WithoutAWatchdogOnlyTheStartTimeoutIsExtended) {
  EXPECT_EQ(gs::load_notifications(microseconds{0}, true), Strings{"EXTEND_TIMEOUT_USEC=120000000"});
  EXPECT_TRUE(gs::load_notifications(microseconds{0}, false).empty());
  // A watchdog as long as the budget already covers the load: left alone.
  EXPECT_EQ(gs::load_notifications(microseconds{600'000'000}, true),
            Strings{"EXTEND_TIMEOUT_USEC=120000000"});
}

}  // namespace
