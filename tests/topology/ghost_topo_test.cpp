// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The real ghost-topo binary: exit status 2 and one line naming what is missing on a root that is
// not a sysfs tree; a JSON document that parses back on a good fixture; the tree by default.
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/run.hpp"
#include "support/temp_dir.hpp"
#include "sysfs_tree.hpp"

namespace {

using ghostbrew::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

ghostbrew::testing::RunResult ghost_topo(const std::string& args) {
  return ghostbrew::testing::run_split(std::string(GHOSTBREW_GHOST_TOPO) + " " + args);
}

TEST(GhostTopoTest, RootThatIsNotSysfsExitsTwoWithOneLine) {
  TempDir root("ghost-topo-bad");
  std::ofstream(root.path() / "README") << "not sysfs\n";
  const auto r = ghost_topo("--root '" + root.path().string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "ghost-topo: " + (root.path() / "sys/devices/system/cpu").string() +
                       ": missing: not a sysfs tree\n");
}

TEST(GhostTopoTest, BrokenFileExitsTwoNamingIt) {
  TempDir root("ghost-topo-broken");
  ghostbrew::topology::testing::write_fixture(std::filesystem::path(GHOSTBREW_TEST_FIXTURES) / "topology",
                                              "broken-garbage-package-id", root.path());
  const auto r = ghost_topo("--json --root '" + root.path().string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("cpu5/topology/physical_package_id: not an unsigned integer: 'banana'"));
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line";
}

TEST(GhostTopoTest, JsonOnAGoodFixtureParsesBack) {
  TempDir root("ghost-topo-good");
  ghostbrew::topology::testing::write_fixture(std::filesystem::path(GHOSTBREW_TEST_FIXTURES) / "topology",
                                              "amd-7950x3d", root.path());
  const auto r = ghost_topo("--json --root '" + root.path().string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["cpus"], 32);
  EXPECT_EQ(j["cores"], 16);
  EXPECT_EQ(j["llcs"], 2);
  EXPECT_EQ(j["ccds"], 2);
  EXPECT_EQ(j["numa_nodes"], 1);
  EXPECT_EQ(j["packages"], 1);
  EXPECT_EQ(j["smt"], true);
  ASSERT_EQ(j["vcache_ccds"].size(), 1U);
  ASSERT_EQ(j["per_cpu"].size(), 32U);
  for (const auto& c : j["per_cpu"])
    for (const char* key :
         {"cpu", "core", "llc", "ccd", "node", "package", "siblings", "prefcore_rank", "type"})
      EXPECT_TRUE(c.contains(key)) << key;
  EXPECT_EQ(j["per_cpu"][0]["ccd"], j["vcache_ccds"][0]);
}

TEST(GhostTopoTest, UnknownPackageIdWarnsNamingTheFileAndExitsZero) {
  TempDir root("ghost-topo-unknown");
  ghostbrew::topology::testing::write_fixture(std::filesystem::path(GHOSTBREW_TEST_FIXTURES) / "topology",
                                              "unknown-package-id", root.path());
  const auto r = ghost_topo("--root '" + root.path().string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "ghost-topo: warning: " +
                       (root.path() / "sys/devices/system/cpu/cpu0/topology/physical_package_id").string() +
                       ": id '-1' is out of range, recorded as unknown (and on 31 more CPUs)\n");
  EXPECT_THAT(r.out, HasSubstr("package ? (cpus 0-31)"));
  const auto j = ghost_topo("--json --root '" + root.path().string() + "'");
  ASSERT_EQ(j.status, 0) << j.err;
  const auto doc = nlohmann::json::parse(j.out);
  EXPECT_TRUE(doc["per_cpu"][5]["package"].is_null());
  EXPECT_EQ(doc["ccds"], 2);
  ASSERT_EQ(doc["warnings"].size(), 1U);
  EXPECT_THAT(doc["warnings"][0].get<std::string>(), HasSubstr("physical_package_id: id '-1'"));
}

TEST(GhostTopoTest, EachUnknownIdFixtureExitsZeroWithAWarning) {
  for (const char* fixture : {"unknown-core-id", "unknown-cache-id", "unknown-package-id-overflow"}) {
    TempDir root("ghost-topo-unknown");
    ghostbrew::topology::testing::write_fixture(std::filesystem::path(GHOSTBREW_TEST_FIXTURES) / "topology",
                                                fixture, root.path());
    const auto r = ghost_topo("--json --root '" + root.path().string() + "'");
    EXPECT_EQ(r.status, 0) << fixture << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("ghost-topo: warning: " + root.path().string())) << fixture;
    EXPECT_THAT(r.err, HasSubstr("is out of range, recorded as unknown")) << fixture;
    EXPECT_EQ(nlohmann::json::parse(r.out)["cpus"], 32) << fixture;
  }
}

/// ghost-topo's output on fixture `name` (`args` before --root).
ghostbrew::testing::RunResult ghost_topo_on(const std::string& name, const std::string& args,
                                            const TempDir& root) {
  ghostbrew::topology::testing::write_fixture(std::filesystem::path(GHOSTBREW_TEST_FIXTURES) / "topology",
                                              name, root.path());
  return ghost_topo(args + " --root '" + root.path().string() + "'");
}

TEST(GhostTopoTest, X3dModeIsShownInTheTreeAndTheJson) {
  for (const auto& [fixture, mode] :
       {std::pair{"amd-7950x3d", "frequency"}, {"amd-7950x3d-cache", "cache"}}) {
    SCOPED_TRACE(fixture);
    TempDir root("ghost-topo-x3d");
    const auto text = ghost_topo_on(fixture, "", root);
    ASSERT_EQ(text.status, 0) << text.err;
    EXPECT_EQ(text.err, "");
    EXPECT_THAT(text.out, HasSubstr(std::string(", smt on, amd_x3d_mode ") + mode + ", cpu types from "));
    const auto json = ghost_topo("--json --root '" + root.path().string() + "'");
    ASSERT_EQ(json.status, 0) << json.err;
    EXPECT_EQ(nlohmann::json::parse(json.out)["x3d_mode"], mode);
  }
}

TEST(GhostTopoTest, WithoutTheX3dDriverTheModeIsNullAndNotInTheTree) {
  TempDir root("ghost-topo-no-x3d");
  const auto text = ghost_topo_on("amd-9800x3d", "", root);
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_EQ(text.err, "");
  EXPECT_THAT(text.out, Not(HasSubstr("amd_x3d_mode")));
  EXPECT_THAT(text.out, HasSubstr(", smt on, cpu types from "));
  const auto json = ghost_topo("--json --root '" + root.path().string() + "'");
  ASSERT_EQ(json.status, 0) << json.err;
  const auto doc = nlohmann::json::parse(json.out);
  ASSERT_TRUE(doc.contains("x3d_mode"));
  EXPECT_TRUE(doc["x3d_mode"].is_null());
}

TEST(GhostTopoTest, BadX3dModeExitsTwoNamingTheFile) {
  TempDir root("ghost-topo-bad-x3d");
  const auto r = ghost_topo_on("broken-x3d-mode", "--json", root);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "ghost-topo: " + (root.path() / "sys/bus/platform/devices/AMDI0101:00/amd_x3d_mode").string() +
                ": expected 'frequency' or 'cache', found 'turbo'\n");
}

TEST(GhostTopoTest, DefaultOutputIsTheTree) {
  TempDir root("ghost-topo-tree");
  ghostbrew::topology::testing::write_fixture(std::filesystem::path(GHOSTBREW_TEST_FIXTURES) / "topology",
                                              "intel-14900k", root.path());
  const auto r = ghost_topo("--root '" + root.path().string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("package 0 (cpus 0-31)"));
  EXPECT_THAT(r.out, HasSubstr("core 0: cpu0 [P rank 72], cpu1 [P rank 72]"));
  EXPECT_THAT(r.out, HasSubstr("cpu31 [E rank 52]"));
}

}  // namespace
