// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// ExitInfo: how the daemon reads why the kernel ended the scheduler, and the kernel's dump it logs
// after an ejection (task names in it are bytes any user chose).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ghostbrew/sched/scheduler.hpp"

namespace ghostbrew::sched {
namespace {

TEST(ExitInfoDump, LinesKeepTheKernelsTextAndDropBlankOnes) {
  ExitInfo e;
  e.dump = "CPU 3   : nr_run=1 flags=0x1 cpu_rel=0\n\n  R kworker/3:2[78] -5028ms\n   \n";
  EXPECT_EQ(e.dump_lines(), (std::vector<std::string>{"CPU 3   : nr_run=1 flags=0x1 cpu_rel=0",
                                                      "  R kworker/3:2[78] -5028ms"}));
}

TEST(ExitInfoDump, HostileTaskNamesCannotReachTheTerminal) {
  ExitInfo e;
  e.dump = std::string("  R \x1b[2J\x1b]0;pwned\x07[42] +0ms\n");
  const auto lines = e.dump_lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "  R \\x1b[2J\\x1b]0;pwned\\x07[42] +0ms");
  // The second line has no newline after it and still counts; its invalid bytes and backslash are escaped.
  e.dump = std::string("a\n  R bad\xff\xfe[43]\\");
  EXPECT_EQ(e.dump_lines(), (std::vector<std::string>{"a", "  R bad\\xff\\xfe[43]\\\\"}));
}

TEST(ExitInfoDump, EmptyAfterAnExitThatIsNotAnError) {
  ExitInfo e;
  e.kind = 64;
  EXPECT_TRUE(e.dump_lines().empty());
}

}  // namespace
}  // namespace ghostbrew::sched
