// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Every tool's --version: "TOOL VERSION (git REVISION)", VERSION from CMakeLists.txt's project() and
// REVISION what git says of the source tree the tools were built from (or "unknown" outside git).
#include <gtest/gtest.h>

#include <string>

#include "support/run.hpp"

namespace {

using ghostbrew::testing::run;

std::string git_revision() {
  auto r = run(std::string("git -C '") + GHOSTBREW_TEST_SOURCE_DIR +
               "' describe --always --dirty --abbrev=12 2>/dev/null");
  if (r.status != 0 || r.out.empty()) return "unknown";
  while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.out;
}

void expect_version(const std::string& binary, const std::string& tool) {
  auto r = run("'" + binary + "' --version");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, tool + " " + GHOSTBREW_TEST_PROJECT_VERSION + " (git " + git_revision() + ")\n");
}

TEST(Version, GhostSched) { expect_version(GHOSTBREW_GHOST_SCHED, "ghost-sched"); }
TEST(Version, GhostTopo) { expect_version(GHOSTBREW_GHOST_TOPO, "ghost-topo"); }
TEST(Version, GhostProbe) { expect_version(GHOSTBREW_GHOST_PROBE, "ghost-probe"); }

}  // namespace
