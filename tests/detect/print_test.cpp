// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// detect/print.hpp: the text and JSON ghost-probe prints of a detection report and of one process.
#include "ghostbrew/detect/print.hpp"

#include "ghostbrew/core/text.hpp"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fake_proc.hpp"

namespace gd = ghostbrew::detect;
using ghostbrew::testing::FakeProc;
using ghostbrew::testing::FakeRoot;

namespace {

gd::Report sample_report() {
  gd::Report r;
  r.rows = {{100, 100, "game.exe", {gd::WorkloadClass::Gaming, "comm:*.exe"}},
            {200, 201, "CPU 0/KVM", {gd::WorkloadClass::Vm, "thread:CPU 0/KVM"}}};
  r.processes = 42;
  r.skipped = 1;
  gd::VirtualMachine vm;
  vm.pid = 200;
  vm.name = "win11";
  vm.kind_rule = "default";
  vm.vcpu_tids = {201, 202};
  r.vms = {vm};
  r.amd_pstate = gd::AmdPstate{true, "active", true};
  r.errors = {"sys/fs/cgroup: missing"};
  return r;
}

TEST(DetectPrintTest, TextHasTheRowTableTheCountsAndEachReadSection) {
  const auto text = gd::to_text(sample_report());
  EXPECT_EQ(text.substr(0, text.find('\n')), "     PID      TID COMM             CLASS        RULE");
  EXPECT_NE(text.find("     100      100 game.exe         gaming       comm:*.exe\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("(42 processes scanned, 1 vanished while read)\n"), std::string::npos);
  EXPECT_NE(
      text.find("\nVMs: 1\n  pid 200 'win11' kind dev (default), vCPU threads [201,202], passthrough []\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("\nContainers: 0\n"), std::string::npos);
  EXPECT_NE(text.find("\namd-pstate: active, prefcore enabled, rankings live: yes\n"), std::string::npos);
  // Sections that could not be read are left out; their errors are the caller's to show.
  EXPECT_EQ(text.find("Classified cgroups"), std::string::npos);
  EXPECT_EQ(text.find("GPUs"), std::string::npos);
  EXPECT_EQ(text.find("missing"), std::string::npos);
}

TEST(DetectPrintTest, JsonHasEverySectionAndTheErrors) {
  const auto j = gd::to_json(sample_report());
  ASSERT_EQ(j["processes"].size(), 2U);
  EXPECT_EQ(
      j["processes"][0],
      (nlohmann::json{
          {"pid", 100}, {"tid", 100}, {"comm", "game.exe"}, {"class", "gaming"}, {"rule", "comm:*.exe"}}));
  EXPECT_EQ(j["skipped_pids"], 1);
  EXPECT_EQ(j["vms"][0]["vcpu_tids"], (nlohmann::json{201, 202}));
  EXPECT_EQ(j["vms"][0]["kind"], "dev");
  for (const char* empty : {"containers", "cgroups", "gpus", "vfio"})
    EXPECT_EQ(j[empty], nlohmann::json::array());
  EXPECT_EQ(j["amd_pstate"]["rankings_live"], true);
  EXPECT_EQ(j["errors"], (nlohmann::json{"sys/fs/cgroup: missing"}));
  gd::Report none;
  EXPECT_FALSE(gd::to_json(none).contains("amd_pstate"));
}

TEST(DetectPrintTest, ReportShowsClassifiedProcessesAndThreadsClassedUnlikeTheirProcess) {
  FakeRoot root;
  FakeProc game;
  game.pid = 100;
  game.comm = "game.exe";
  game.threads = {{101, "render"}};  // same class as its process: not shown
  root.add(game);
  FakeProc vmm;
  vmm.pid = 200;
  vmm.comm = "vmm";
  vmm.threads = {{201, "CPU 0/KVM"}};  // VM in a default process: shown
  root.add(vmm);
  FakeProc shell;
  shell.pid = 300;
  shell.comm = "bash";  // default: not shown
  root.add(shell);
  auto r = gd::report(root.root(), {});
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->rows.size(), 2U);
  EXPECT_EQ(r->rows[0].tid, 100);
  EXPECT_EQ(r->rows[1].tid, 201);
  EXPECT_EQ(r->processes, 3U);
  EXPECT_EQ(gd::rows_to_json(r->rows)["processes"].size(), 2U);
}

TEST(DetectPrintTest, HostileStringsAreEscapedInTextAndDumpAsValidJson) {
  gd::Report r;
  r.rows = {{100,
             100,
             "\x1b[2J\xff"
             "a.exe",
             {gd::WorkloadClass::Gaming, "comm:*.exe"}},
            {101, 101, "line\nfake", {gd::WorkloadClass::Gaming, "comm:\"q\\"}}};
  gd::VirtualMachine vm;
  vm.pid = 200;
  vm.name = "win\x07\xc3";
  vm.kind_rule = "default";
  r.vms = {vm};
  r.amd_pstate = gd::AmdPstate{true, "act\x1bive", true};
  const auto text = gd::to_text(r);
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  EXPECT_EQ(text.find('\x07'), std::string::npos);
  EXPECT_NE(text.find(" \\x1b[2J\\xffa.exe "), std::string::npos) << text;
  EXPECT_NE(text.find(" line\\x0afake "), std::string::npos) << text;
  EXPECT_NE(text.find(" comm:\"q\\\\\n"), std::string::npos) << text;
  EXPECT_NE(text.find("'win\\x07\\xc3'"), std::string::npos) << text;
  EXPECT_NE(text.find("amd-pstate: act\\x1bive,"), std::string::npos) << text;
  const auto j = nlohmann::json::parse(ghostbrew::text::dump(gd::to_json(r), 2));
  EXPECT_EQ(j["processes"][0]["comm"],
            "\x1b[2J\xef\xbf\xbd"
            "a.exe");
  EXPECT_EQ(j["vms"][0]["name"], "win\x07\xef\xbf\xbd");
}

gd::ProcessReport sample_process() {
  return {{{500, 500, "Cyberpunk2077.e", {gd::WorkloadClass::Gaming, "env:SteamAppId"}},
           {500, 501, "render", {gd::WorkloadClass::Interactive, "thread:render"}}},
          {"Cyberpunk2077.exe", "wine64-preloader", "Z:\\games\\Cyberpunk2077.exe", "1091500"},
          "/etc/ghostbrew/profiles/cp.toml (steam app id 1091500)"};
}

TEST(DetectPrintTest, ProcessTextIsTheRowsThenTheProgramThenTheProfile) {
  EXPECT_EQ(gd::to_text(sample_process()),
            "     PID      TID COMM             CLASS        RULE\n"
            "     500      500 Cyberpunk2077.e  gaming       env:SteamAppId\n"
            "     500      501 render           interactive  thread:render\n"
            "program: Cyberpunk2077.exe (steam app id 1091500)\n"
            "profile: /etc/ghostbrew/profiles/cp.toml (steam app id 1091500)\n");
  auto no_steam = sample_process();
  no_steam.rows.clear();
  no_steam.program.steam_app_id.clear();
  no_steam.profile = "none (0 hand-written in /p, none for 'Cyberpunk2077.exe')";
  EXPECT_EQ(gd::to_text(no_steam),
            "     PID      TID COMM             CLASS        RULE\n"
            "program: Cyberpunk2077.exe\n"
            "profile: none (0 hand-written in /p, none for 'Cyberpunk2077.exe')\n");
}

TEST(DetectPrintTest, ProcessJsonHasTheRowsAndTheProgramWithItsProfile) {
  const auto j = gd::to_json(sample_process());
  EXPECT_EQ(j, nlohmann::json::parse(R"j({
    "processes": [
      {"pid": 500, "tid": 500, "comm": "Cyberpunk2077.e", "class": "gaming", "rule": "env:SteamAppId"},
      {"pid": 500, "tid": 501, "comm": "render", "class": "interactive", "rule": "thread:render"}],
    "program": {"name": "Cyberpunk2077.exe", "exe": "wine64-preloader", "steam_app_id": "1091500",
                "profile": "/etc/ghostbrew/profiles/cp.toml (steam app id 1091500)"}})j"));
}

TEST(DetectPrintTest, ProcessTextEscapesTheProgramAndTheProfile) {
  gd::ProcessReport r;
  r.program = {"evil\x1b[2J", "evil", "", "1\n2"};
  r.profile = "none (0 hand-written in /p\x07, none for 'evil\x1b[2J')";
  const auto text = gd::to_text(r);
  EXPECT_NE(text.find("\nprogram: evil\\x1b[2J (steam app id 1\\x0a2)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nprofile: none (0 hand-written in /p\\x07, none for 'evil\\x1b[2J')\n"),
            std::string::npos)
      << text;
}

}  // namespace
