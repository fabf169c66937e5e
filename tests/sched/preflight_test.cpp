// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
#include "ghostbrew/sched/preflight.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/temp_dir.hpp"

namespace ghostbrew::sched {
namespace {

namespace stdfs = std::filesystem;

class PreflightTest : public ::testing::Test {
 protected:
  void sched_ext(const std::string& state, const std::string& ops = {}) {
    stdfs::create_directories(root_ / "sys/kernel/sched_ext/root");
    std::ofstream(root_ / "sys/kernel/sched_ext/state") << state << "\n";
    if (!ops.empty()) std::ofstream(root_ / "sys/kernel/sched_ext/root/ops") << ops << "\n";
  }
  const ghostbrew::testing::TempDir root_{"preflight"};
};

TEST_F(PreflightTest, KernelWithoutSchedExtIsRefusedNamingTheDirectory) {
  auto r = preflight(root_.path(), true);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("sys/kernel/sched_ext"), std::string::npos);
  EXPECT_NE(r.error().message().find("no sched_ext"), std::string::npos);
}

TEST_F(PreflightTest, NonRootIsRefusedFirst) {
  sched_ext("disabled");
  auto r = preflight(root_.path(), false);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("root"), std::string::npos);
}

TEST_F(PreflightTest, AnotherSchedulerLoadedIsRefusedWithItsName) {
  sched_ext("enabled", "scx_lavd");
  auto r = preflight(root_.path(), true);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("another sched_ext scheduler is loaded: scx_lavd"), std::string::npos);
}

TEST_F(PreflightTest, DisabledStateIsAccepted) {
  sched_ext("disabled");
  auto r = preflight(root_.path(), true);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->state, "disabled");
  EXPECT_FALSE(r->ops.has_value());
}

}  // namespace
}  // namespace ghostbrew::sched
