// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// ghost-probe end to end on a fixture root: the JSON document carries every section, text mode prints
// the rows, and a root without proc/ exits 2 with one line naming what is missing.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include <nlohmann/json.hpp>

#include "fake_proc.hpp"
#include "support/run.hpp"

namespace ghostbrew {
namespace {

using testing::bar_line;
using testing::FakeProc;
using testing::FakeRoot;

ghostbrew::testing::RunResult run(const std::string& args) {
  return ghostbrew::testing::run(std::string(GHOST_PROBE) + " " + args);
}

class ProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FakeProc game;
    game.pid = 100;
    game.comm = "wine64-preloade";
    game.exe = "/usr/lib/wine/wine64-preloader";
    game.threads = {{101, "render"}};
    game.fds = {"/dev/nvidia0"};
    fr_.add(game);
    FakeProc qemu;
    qemu.pid = 200;
    qemu.comm = "qemu-system-x86";
    qemu.exe = "/usr/bin/qemu-system-x86_64";
    qemu.cmdline = {"qemu-system-x86_64", "-name", "guest=dev1"};
    qemu.threads = {{201, "CPU 0/KVM"}, {202, "worker"}};
    fr_.add(qemu);
    FakeProc web;
    web.pid = 300;
    web.comm = "nginx";
    web.exe = "/usr/sbin/nginx";
    web.cgroup = "/system.slice/docker-feed.scope";
    fr_.add(web);
    FakeProc plain;
    plain.pid = 400;
    plain.comm = "bash";
    plain.exe = "/bin/bash";
    fr_.add(plain);
    fr_.hybrid_mountinfo();
    std::filesystem::create_directories(fr_.path("sys/fs/cgroup/unified/system.slice/docker-feed.scope"));
    fr_.pci("0000:01:00.0", 0x10de, 0x2684, 0x030000, bar_line(0x6000000000, 32ULL << 30, 0x0014220c));
    fr_.write("sys/devices/system/cpu/amd_pstate/status", "active\n");
    fr_.write("sys/devices/system/cpu/amd_pstate/prefcore", "enabled\n");
  }
  FakeRoot fr_;
};

TEST_F(ProbeTest, JsonDocumentHasEverySection) {
  const auto r = run("--json --root " + fr_.root().string());
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  // Classified main threads and the thread that differs from its process (the vCPU); not bash, not
  // the game's render thread (same class as its process).
  std::vector<std::pair<int, std::string>> rows;
  for (const auto& p : j["processes"]) rows.emplace_back(p["tid"].get<int>(), p["rule"].get<std::string>());
  EXPECT_EQ(rows,
            (std::vector<std::pair<int, std::string>>{{100, "exe:wine64-preloader"},
                                                      {200, "exe:qemu-system-x86_64"},
                                                      {201, "thread:CPU 0/KVM"},
                                                      {300, "cgroup:/system.slice/docker-feed.scope"}}));
  ASSERT_EQ(j["vms"].size(), 1U);
  EXPECT_EQ(j["vms"][0]["name"], "dev1");
  EXPECT_EQ(j["vms"][0]["kind"], "dev");
  EXPECT_EQ(j["vms"][0]["vcpu_tids"], nlohmann::json::array({201}));
  ASSERT_EQ(j["containers"].size(), 1U);
  EXPECT_EQ(j["containers"][0]["runtime"], "docker");
  EXPECT_EQ(j["containers"][0]["id"], "feed");
  ASSERT_EQ(j["cgroups"].size(), 2U);  // system.slice (batch) and the container
  ASSERT_EQ(j["gpus"].size(), 1U);
  EXPECT_EQ(j["gpus"][0]["resizable_bar"], true);
  EXPECT_EQ(j["gpus"][0]["active"], true);
  EXPECT_EQ(j["gpus"][0]["holders"], nlohmann::json::array({100}));
  EXPECT_EQ(j["amd_pstate"]["rankings_live"], true);
  EXPECT_TRUE(j["errors"].empty()) << j["errors"];
}

TEST_F(ProbeTest, TextRowsAndOnePid) {
  const auto r = run("--root " + fr_.root().string());
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("     200      201 CPU 0/KVM        vm           thread:CPU 0/KVM\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("amd-pstate: active, prefcore enabled, rankings live: yes"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find(" bash "), std::string::npos) << r.out;  // unclassified: not listed

  const auto one = run("--pid 100 --profiles-dir /nonexistent --root " + fr_.root().string());
  ASSERT_EQ(one.status, 0) << one.out;
  EXPECT_NE(one.out.find("     100      101 render           gaming       exe:wine64-preloader"),
            std::string::npos)
      << one.out;
  EXPECT_EQ(one.out.find("qemu"), std::string::npos) << one.out;

  EXPECT_NE(one.out.find("program: wine64-preloader\nprofile: none (0 hand-written in /nonexistent"),
            std::string::npos)
      << one.out;

  const auto gone = run("--pid 999 --root " + fr_.root().string());
  EXPECT_EQ(gone.status, 1);
  EXPECT_NE(gone.out.find("proc/999/stat"), std::string::npos) << gone.out;
}

TEST_F(ProbeTest, CgroupRulesFileReplacesTheBuiltInPatterns) {
  fr_.write("rules.conf", "docker-*.scope ai\n");
  const auto r =
      run("--json --cgroup-rules " + fr_.path("rules.conf").string() + " --root " + fr_.root().string());
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  const auto& procs = j["processes"];
  const auto web = std::find_if(procs.begin(), procs.end(), [](const auto& p) { return p["pid"] == 300; });
  ASSERT_NE(web, procs.end());
  EXPECT_EQ((*web)["class"], "ai");
  ASSERT_EQ(j["cgroups"].size(), 1U);  // system.slice is no longer a rule

  fr_.write("rules.conf", "docker-*.scope warp\n");
  const auto bad =
      run("--cgroup-rules " + fr_.path("rules.conf").string() + " --root " + fr_.root().string());
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(bad.out, "ghost-probe: " + fr_.path("rules.conf").string() + ": line 1: unknown class 'warp'\n");
}

TEST(ProbeMissingProcTest, ExitsTwoWithOneLineNamingTheMissingProc) {
  FakeRoot fr;
  std::filesystem::remove_all(fr.path("proc"));
  const auto r = run("--root " + fr.root().string());
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out,
            "ghost-probe: " + (fr.root() / "proc").string() + ": missing: no proc directory under --root\n");
}

TEST_F(ProbeTest, PidShowsWhichHandWrittenProfileWouldApplyAndWhy) {
  FakeProc game;
  game.pid = 500;
  game.comm = "Cyberpunk2077.e";
  game.exe = "/usr/lib/wine/wine64-preloader";
  game.cmdline = {"Z:\\games\\Cyberpunk2077.exe"};
  game.environ = {"SteamAppId=1091500"};
  fr_.add(game);
  fr_.write("profiles/by-exe.toml", "[match]\nexe = \"Cyberpunk2077.exe\"\n");
  fr_.write("profiles/by-steam.toml", "mode = \"gaming\"\n[match]\nsteam_app_id = 1091500\n");
  fr_.write("profiles/broken.toml", "[match]\nexe = \"x\"\nfoo = 1\n");
  const auto r =
      run("--pid 500 --profiles-dir " + fr_.path("profiles").string() + " --root " + fr_.root().string());
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("program: Cyberpunk2077.exe (steam app id 1091500)\nprofile: " +
                       fr_.path("profiles/by-steam.toml").string() + " (steam app id 1091500)\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("warning: profile skipped: " + fr_.path("profiles/broken.toml").string() +
                       ":3: unknown key 'foo'"),
            std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace ghostbrew
