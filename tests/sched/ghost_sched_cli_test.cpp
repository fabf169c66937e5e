// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The real ghost-sched binary's command line and refusals, on any host: help, version, bad flags,
// bad values, and the preflight refusals (not root, no sched_ext, another scheduler loaded) against a
// fake --root. Each refusal is one line naming what is wrong, with a non-zero status, and the system
// is left alone. Nothing here needs sched_ext, so nothing skips.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "ghostbrew/tuning/config.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace {

using ghostbrew::testing::RunResult;
using ghostbrew::testing::TempDir;

RunResult run(const std::string& args) {
  return ghostbrew::testing::run(std::string(GHOST_SCHED_BIN) + " " + args);
}

std::size_t lines(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

TEST(GhostSchedCliTest, HelpListsTheFlagsAndSucceeds) {
  auto r = run("--help");
  EXPECT_EQ(r.status, 0) << r.out;
  for (const char* flag : {"Usage:", "--slice-us", "--cgroup-rules", "--root", "--collect", "--no-learn"})
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag << " in\n" << r.out;
}

TEST(GhostSchedCliTest, VersionPrintsTheProjectVersion) {
  auto r = run("--version");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("ghost-sched 0."), std::string::npos) << r.out;
}

TEST(GhostSchedCliTest, UnknownFlagIsRefusedNamingIt) {
  auto r = run("--bogus");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("--bogus"), std::string::npos) << r.out;
}

TEST(GhostSchedCliTest, NonNumericValueIsRefusedNamingTheFlag) {
  auto r = run("--slice-us fast");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("--slice-us"), std::string::npos) << r.out;
}

TEST(GhostSchedCliTest, OutOfRangeTunableIsRefusedBeforeAnythingElse) {
  namespace gt = ghostbrew::tuning;
  const auto& slice = gt::info(gt::Setting::slice);
  auto r = run("--slice-us 5");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, fmt::format("ghost-sched: --slice-us: 5 is outside {}..{} us\n", slice.min, slice.max));
}

TEST(GhostSchedCliTest, MalformedCgroupRulesFileNamesTheFileAndLine) {
  TempDir dir("cli");
  const auto path = dir.write("bad.rules", "gaming.slice gaming\nthree words here\n");
  auto r = run("--cgroup-rules " + path.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(lines(r.out), 1U) << r.out;
  EXPECT_NE(r.out.find(path.string() + ": line 2"), std::string::npos) << r.out;
}

TEST(GhostSchedCliTest, ModesExcludeEachOther) {
  auto r = run("--gaming --work");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("excludes"), std::string::npos) << r.out;
}

// Under a --root without sys/kernel/sched_ext, whatever the host kernel has. Not root: the root
// check comes first, and is the one line.
TEST(GhostSchedCliTest, KernelWithoutSchedExtIsRefusedInOneLine) {
  TempDir root("cli-root");
  auto r = run("--root " + root.path().string());
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(lines(r.out), 1U) << r.out;
  const std::string want = ::geteuid() == 0 ? (root.path() / "sys/kernel/sched_ext").string() +
                                                  ": missing: this kernel has no sched_ext"
                                            : "must run as root";
  EXPECT_NE(r.out.find(want), std::string::npos) << r.out;
}

TEST(GhostSchedCliTest, AnotherLoadedSchedulerIsRefusedNamingIt) {
  if (::geteuid() != 0) GTEST_SKIP() << "the root check comes first when not root";
  TempDir root("cli-root");
  root.write("sys/kernel/sched_ext/state", "enabled\n");
  root.write("sys/kernel/sched_ext/root/ops", "scx_lavd\n");
  auto r = run("--root " + root.path().string());
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(lines(r.out), 1U) << r.out;
  EXPECT_NE(r.out.find("another sched_ext scheduler is loaded: scx_lavd (state enabled)"), std::string::npos)
      << r.out;
}

// The daemon's lines carry names from outside (file paths, the loaded scheduler's name from sysfs):
// they are escaped (core/text.hpp), so a hostile name cannot write to the admin's terminal or fake a
// second line.
TEST(GhostSchedCliTest, HostileNamesInTheDaemonsLinesAreEscaped) {
  TempDir dir("cli");
  const auto path = dir.write("bad\x1b[31m\xff\n.rules", "gaming.slice gaming\nthree words here\n");
  auto r = run("--cgroup-rules '" + path.string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(lines(r.out), 1U) << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bad\\x1b[31m\\xff\\x0a.rules: line 2"), std::string::npos) << r.out;
  if (::geteuid() != 0) return;  // the root check comes first; the ops name below is read after it
  TempDir root("cli-root");
  root.write("sys/kernel/sched_ext/state", "enabled\n");
  root.write("sys/kernel/sched_ext/root/ops", "evil\x1b]0;x\x07\xc3\n");
  r = run("--root " + root.path().string());
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(lines(r.out), 1U) << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("another sched_ext scheduler is loaded: evil\\x1b]0;x\\x07\\xc3"), std::string::npos)
      << r.out;
}

TEST(GhostSchedCliTest, FramesComparesTwoMangoHudLogs) {
  const std::string dir = std::string(GHOSTBREW_TEST_FIXTURES) + "/frames/";
  TempDir out("cli");
  const auto svg = out.path() / "frames.svg";
  auto r = run("frames " + dir + "eevdf-v1.csv --vs " + dir + "ghostbrew-plain.csv --plot " + svg.string());
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("avg fps                             81.6                100.0     1.225\n"),
            std::string::npos)
      << r.out;
  EXPECT_TRUE(std::filesystem::exists(svg));
  auto bad = run("frames " + dir + "README.md");
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(bad.out, "ghost-sched: " + dir +
                         "README.md: no column header (a line starting with 'fps,'): not a "
                         "MangoHud log\n");
  EXPECT_NE(run("frames").status, 0) << "LOG is required";
}

TEST(GhostSchedCliTest, CheckConfigPassesAGoodFileInOneLine) {
  TempDir dir("cli");
  const auto path = dir.write("good.toml", "mode = \"gaming\"\n[settings]\nslice_us = 4000\n");
  auto r = run("--check-config " + path.string());
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(lines(r.out), 1U) << r.out;
  EXPECT_NE(r.out.find(path.string() + ": ok (mode gaming, 1 settings"), std::string::npos) << r.out;
  auto via = run("--config " + path.string() + " --check-config");
  EXPECT_EQ(via.status, 0) << via.out;
  EXPECT_EQ(via.out, r.out) << "without FILE it checks --config's";
}

TEST(GhostSchedCliTest, CheckConfigRefusesABadFileNamingFileAndLine) {
  TempDir dir("cli");
  const auto path = dir.write("bad.toml", "mode = \"gaming\"\n[settings]\nslice_us = 40\n");
  auto r = run("--check-config " + path.string());
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, fmt::format("ghost-sched: {}:3: settings.slice_us = 40 is outside 500..20000 us\n",
                               path.string()));
}

TEST(GhostSchedCliTest, TheDaemonDoesNotStartOnABadConfigFile) {
  TempDir dir("cli");
  const auto path = dir.write("bad.toml", "mode = \"gaming\"\nturbo = true\n");
  auto r = run("--config " + path.string() + " --root " + dir.path().string());
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(lines(r.out), 1U) << r.out;
  EXPECT_NE(r.out.find(path.string() + ":2: unknown key 'turbo'"), std::string::npos) << r.out;
  auto missing = run("--config " + (dir / "none.toml").string() + " --root " + dir.path().string());
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.out.find("none.toml: cannot read"), std::string::npos) << missing.out;
}

TEST(GhostSchedCliTest, TheDefaultConfigFileIsReadWhenPresent) {
  TempDir root("cli-root");
  const auto path = root.write("etc/ghostbrew/config.toml", "[settings]\nslice_us = 7\n");
  auto r = run("--root " + root.path().string());
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, fmt::format("ghost-sched: {}:2: settings.slice_us = 7 is outside 500..20000 us\n",
                               path.string()));
}

TEST(GhostSchedCliTest, AFlagAndTheFileTogetherOutOfBoundsAreRefused) {
  TempDir dir("cli");
  const auto path = dir.write("c.toml", "[settings]\nburst_threshold_us = 3000\n");
  auto r = run("--config " + path.string() + " --interactive-burst-us 4000 --root " + dir.path().string());
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(lines(r.out), 1U) << r.out;
  EXPECT_NE(r.out.find("--interactive-burst-us: 4000 is not below the burst threshold (3000 us)"),
            std::string::npos)
      << r.out;
}

}  // namespace
