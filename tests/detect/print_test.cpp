// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// detect/print.hpp: the text and JSON ghost-probe prints of a detection report.
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

}  // namespace
