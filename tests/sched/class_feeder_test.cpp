// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// ClassFeeder against a fake /proc and fake class maps: what it writes for each detected process,
// when it bumps the generation, and that an exit removes exactly what was written.
#include "ghostbrew/sched/class_feeder.hpp"

#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "../detect/fake_proc.hpp"
#include "fakes.hpp"

namespace gs = ghostbrew::sched;
namespace gd = ghostbrew::detect;
using ghostbrew::testing::FakeClassMaps;
using ghostbrew::testing::FakeRoot;
using ghostbrew::testing::named_proc;

namespace {

constexpr auto kGaming = static_cast<std::uint32_t>(gd::WorkloadClass::Gaming);

gb_event event(gb_event_kind kind, int tgid, const std::string& comm) {
  gb_event e{};
  e.kind = kind;
  e.pid = e.tgid = static_cast<std::uint32_t>(tgid);
  std::strncpy(e.comm, comm.c_str(), sizeof e.comm - 1);
  return e;
}

TEST(ClassFeederTest, FullScanWritesTheGameClassAndBumpsTheGeneration) {
  FakeRoot root;
  root.add(named_proc(100, "game.exe"));
  root.add(named_proc(200, "bash"));
  FakeClassMaps maps;
  gs::ClassFeeder feeder(root.root());
  auto n = feeder.full_scan(maps);
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(*n, 1U);
  EXPECT_EQ(maps.tgid, (std::map<std::uint32_t, std::uint32_t>{{100, kGaming}}));  // bash stays default
  EXPECT_EQ(maps.generation, 1);
  ASSERT_TRUE(feeder.entries().contains(100));
  EXPECT_EQ(feeder.entries().at(100).comm, "game.exe");
}

TEST(ClassFeederTest, RescanRemovesProcessesThatAreGone) {
  FakeRoot root;
  root.add(named_proc(100, "game.exe"));
  FakeClassMaps maps;
  gs::ClassFeeder feeder(root.root());
  ASSERT_TRUE(feeder.full_scan(maps));
  std::filesystem::remove_all(root.path("proc/100"));
  root.add(named_proc(101, "other.exe"));
  ASSERT_TRUE(feeder.full_scan(maps));
  EXPECT_EQ(maps.tgid, (std::map<std::uint32_t, std::uint32_t>{{101, kGaming}}));
  EXPECT_EQ(maps.generation, 2);
}

TEST(ClassFeederTest, ExecOfAGameWritesItsClassUnderTheExecutedName) {
  FakeRoot root;
  FakeClassMaps maps;
  gs::ClassFeeder feeder(root.root());
  // The game renamed its main thread after exec: the event's comm names it.
  auto game = named_proc(300, "render");
  game.environ = {"SteamGameId=42"};
  root.add(game);
  feeder.on_exec(maps, event(GB_EVENT_EXEC, 300, "game.exe"));
  EXPECT_EQ(maps.tgid, (std::map<std::uint32_t, std::uint32_t>{{300, kGaming}}));
  EXPECT_EQ(maps.generation, 1);
  ASSERT_TRUE(feeder.entries().contains(300));
  EXPECT_EQ(feeder.entries().at(300).comm, "game.exe");
}

TEST(ClassFeederTest, ExecOfADefaultProcessOrAVanishedPidWritesNothing) {
  FakeRoot root;
  root.add(named_proc(400, "bash"));
  FakeClassMaps maps;
  gs::ClassFeeder feeder(root.root());
  feeder.on_exec(maps, event(GB_EVENT_EXEC, 400, "bash"));
  feeder.on_exec(maps, event(GB_EVENT_EXEC, 401, "gone.exe"));  // no /proc/401
  EXPECT_TRUE(maps.tgid.empty());
  EXPECT_EQ(maps.generation, 0);  // nothing changed: BPF need not reclassify
  EXPECT_TRUE(feeder.entries().empty());
}

TEST(ClassFeederTest, ExitRemovesTheProcessAndItsThreadsOwnClasses) {
  FakeRoot root;
  // A niced VMM (batch) whose vCPU threads have a class of their own (VM).
  auto vmm = named_proc(500, "vmm");
  vmm.nice = 5;
  vmm.threads = {{501, "CPU 0/KVM"}, {502, "CPU 1/KVM"}};
  root.add(vmm);
  root.add(named_proc(600, "game.exe"));
  FakeClassMaps maps;
  gs::ClassFeeder feeder(root.root());
  ASSERT_TRUE(feeder.full_scan(maps));
  ASSERT_TRUE(maps.tgid.contains(500));
  constexpr auto kVm = static_cast<std::uint32_t>(gd::WorkloadClass::Vm);
  EXPECT_EQ(maps.tid, (std::map<std::uint32_t, std::uint32_t>{{501, kVm}, {502, kVm}}));

  feeder.on_exit(maps, event(GB_EVENT_EXIT, 500, "vmm"));
  EXPECT_EQ(maps.tgid, (std::map<std::uint32_t, std::uint32_t>{{600, kGaming}}));
  EXPECT_TRUE(maps.tid.empty());
  EXPECT_FALSE(feeder.entries().contains(500));
  feeder.on_exit(maps, event(GB_EVENT_EXIT, 999, "never-seen"));  // unknown pid: nothing to remove
  EXPECT_EQ(maps.tgid.size(), 1U);
}

// BPF also sends the exit of a thread with a class of its own (a vCPU unplugged): only that thread
// leaves the maps, the process and its other threads keep their classes.
TEST(ClassFeederTest, ExitOfAThreadRemovesOnlyThatThread) {
  FakeRoot root;
  auto vmm = named_proc(500, "vmm");
  vmm.nice = 5;
  vmm.threads = {{501, "CPU 0/KVM"}, {502, "CPU 1/KVM"}};
  root.add(vmm);
  FakeClassMaps maps;
  gs::ClassFeeder feeder(root.root());
  ASSERT_TRUE(feeder.full_scan(maps));
  auto e = event(GB_EVENT_EXIT, 500, "CPU 1/KVM");
  e.pid = 502;
  feeder.on_exit(maps, e);
  constexpr auto kVm = static_cast<std::uint32_t>(gd::WorkloadClass::Vm);
  EXPECT_EQ(maps.tid, (std::map<std::uint32_t, std::uint32_t>{{501, kVm}}));
  EXPECT_TRUE(maps.tgid.contains(500));
  ASSERT_TRUE(feeder.entries().contains(500));
  EXPECT_EQ(feeder.entries().at(500).tids, std::vector<std::uint32_t>{501});
}

}  // namespace
