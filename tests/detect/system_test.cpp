// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// cgroup walk, containers, VMs, VFIO, GPUs and amd-pstate on fixture trees.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <algorithm>

#include "fake_proc.hpp"
#include "ghostbrew/detect/amd_pstate.hpp"
#include "ghostbrew/detect/cgroup.hpp"
#include "ghostbrew/detect/container.hpp"
#include "ghostbrew/detect/gpu.hpp"
#include "ghostbrew/detect/scan.hpp"
#include "ghostbrew/detect/vm.hpp"

namespace ghostbrew::detect {
namespace {

using ghostbrew::testing::bar_line;
using ghostbrew::testing::FakeProc;
using ghostbrew::testing::FakeRoot;

std::uint64_t inode_of(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_ino;
}

TEST(CgroupWalkTest, ClassifiedCgroupsAreKeyedByDirectoryInodeUnderTheMountinfoMount) {
  FakeRoot fr;
  fr.hybrid_mountinfo();
  const auto cg = fr.path("sys/fs/cgroup/unified");
  std::filesystem::create_directories(cg / "gaming.slice/game-1.scope");
  std::filesystem::create_directories(cg / "system.slice/docker-abc.scope");
  std::filesystem::create_directories(cg / "user.slice/user-1000.slice");
  std::filesystem::create_directories(fr.path("sys/fs/cgroup/cpu/system.slice"));  // v1: not walked
  auto entries = scan_cgroups(fr.root(), default_cgroup_rules());
  ASSERT_TRUE(entries) << entries.error().message();
  std::sort(entries->begin(), entries->end(), [](auto& a, auto& b) { return a.path < b.path; });
  ASSERT_EQ(entries->size(), 4U);
  EXPECT_EQ((*entries)[0].path, "/gaming.slice");
  EXPECT_EQ((*entries)[0].id, inode_of(cg / "gaming.slice"));
  EXPECT_EQ((*entries)[1].path, "/gaming.slice/game-1.scope");
  EXPECT_EQ((*entries)[1].cls, WorkloadClass::Gaming);
  EXPECT_EQ((*entries)[1].id, inode_of(cg / "gaming.slice/game-1.scope"));
  EXPECT_EQ((*entries)[2].cls, WorkloadClass::Batch);
  EXPECT_EQ((*entries)[3].path, "/system.slice/docker-abc.scope");
  EXPECT_EQ((*entries)[3].cls, WorkloadClass::Container);
  EXPECT_EQ((*entries)[3].pattern, "docker-*.scope");
}

TEST(CgroupWalkTest, NoCgroup2MountIsAnError) {
  FakeRoot fr;
  fr.write("proc/self/mountinfo", "31 22 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n");
  auto entries = scan_cgroups(fr.root(), default_cgroup_rules());
  ASSERT_FALSE(entries);
  EXPECT_NE(entries.error().message().find("no cgroup2 mount"), std::string::npos);
}

TEST(CgroupRulesTest, ParsedFromConfigurationTextInOrder) {
  auto rules =
      parse_cgroup_rules("# mine\nbuild-*.scope batch\n\n  app-lutris*\tgaming  # launcher\n", "rules.conf");
  ASSERT_TRUE(rules) << rules.error().message();
  ASSERT_EQ(rules->size(), 2U);
  EXPECT_EQ((*rules)[0].pattern, "build-*.scope");
  EXPECT_EQ((*rules)[0].cls, WorkloadClass::Batch);
  EXPECT_EQ((*rules)[1].pattern, "app-lutris*");
  EXPECT_EQ((*rules)[1].cls, WorkloadClass::Gaming);
  EXPECT_EQ(match_cgroup("/user.slice/app-lutris-1.scope", *rules)->cls, WorkloadClass::Gaming);
}

TEST(CgroupRulesTest, BadLinesAreErrorsNamingFileAndLine) {
  auto unknown = parse_cgroup_rules("a gaming\nb turbo\n", "rules.conf");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message(), "rules.conf: line 2: unknown class 'turbo'");
  auto lonely = parse_cgroup_rules("gaming.slice\n", "rules.conf");
  ASSERT_FALSE(lonely);
  EXPECT_EQ(lonely.error().message(), "rules.conf: line 1: expected 'PATTERN CLASS', got 1 word(s)");
  auto missing = read_cgroup_rules("/nonexistent/rules.conf");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().where, "/nonexistent/rules.conf");
}

TEST(ContainerTest, RuntimesFromCgroupPaths) {
  using R = ContainerRuntime;
  EXPECT_EQ(container_of("/system.slice/docker-4f2a.scope"),
            (ContainerRef{R::Docker, "4f2a", "/system.slice/docker-4f2a.scope"}));
  EXPECT_EQ(container_of("/docker/4f2a/sub"), (ContainerRef{R::Docker, "4f2a", "/docker/4f2a"}));
  EXPECT_EQ(
      container_of("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-77aa.scope/container"),
      (ContainerRef{R::Podman, "77aa",
                    "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-77aa.scope"}));
  EXPECT_EQ(
      container_of("/kubepods.slice/kubepods-pod1.slice/cri-containerd-e1e1.scope"),
      (ContainerRef{R::Containerd, "e1e1", "/kubepods.slice/kubepods-pod1.slice/cri-containerd-e1e1.scope"}));
  EXPECT_EQ(container_of("/system.slice/systemd-nspawn@arch.service/payload"),
            (ContainerRef{R::Nspawn, "arch", "/system.slice/systemd-nspawn@arch.service"}));
  EXPECT_EQ(container_of("/machine.slice/machine-debian.scope"),
            (ContainerRef{R::Nspawn, "debian", "/machine.slice/machine-debian.scope"}));
  EXPECT_FALSE(container_of("/machine.slice/machine-qemu\\x2d1\\x2dwin11.scope"));  // a libvirt VM
  EXPECT_FALSE(container_of("/system.slice/libpod-conmon-77aa.scope"));
  EXPECT_FALSE(container_of("/system.slice/docker.service"));
  EXPECT_FALSE(container_of("/"));
}

TEST(ContainerTest, ProcessesAreGroupedAndAiServersMarkTheirContainer) {
  FakeRoot fr;
  FakeProc a;
  a.pid = 10;
  a.comm = "ollama";
  a.exe = "/bin/ollama";
  a.cgroup = "/system.slice/docker-aaa.scope";
  fr.add(a);
  FakeProc b = a;
  b.pid = 11;
  b.comm = "sh";
  b.exe = "/bin/sh";
  fr.add(b);
  FakeProc c = b;
  c.pid = 12;
  c.cgroup = "/system.slice/docker-bbb.scope";
  fr.add(c);
  auto s = scan(fr.root());
  ASSERT_TRUE(s);
  const auto containers = find_containers(s->processes, s->classes);
  ASSERT_EQ(containers.size(), 2U);
  EXPECT_EQ(containers[0].ref.id, "aaa");
  EXPECT_EQ(containers[0].pids, (std::vector<int>{10, 11}));
  EXPECT_TRUE(containers[0].ai);
  EXPECT_EQ(containers[1].ref.id, "bbb");
  EXPECT_FALSE(containers[1].ai);
  EXPECT_EQ(s->classes[1].cls, WorkloadClass::Container);  // the shell beside ollama
}

class VmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fr_.pci("0000:01:00.0", 0x10de, 0x2684, 0x030000, bar_line(0xf0000000, 16 << 20, 0x40200), "vfio-pci",
            "14");
    fr_.pci("0000:01:00.1", 0x10de, 0x22ba, 0x040300, bar_line(0xf1000000, 16 << 10, 0x40200), "vfio-pci",
            "14");
    fr_.pci("0000:02:00.0", 0x8086, 0x1234, 0x020000, bar_line(0xf2000000, 1 << 20, 0x40200), "igb");
  }
  void qemu(int pid, std::vector<std::string> args) {
    FakeProc p;
    p.pid = pid;
    p.comm = "qemu-system-x86";
    p.exe = "/usr/bin/qemu-system-x86_64";
    p.cmdline = std::move(args);
    p.threads = {{pid + 1, "CPU 0/KVM"}, {pid + 2, "CPU 1/KVM"}, {pid + 3, "IO mon_iothread"}};
    fr_.add(p);
  }
  FakeRoot fr_;
};

TEST_F(VmTest, KindFromCommandLineAndVcpuThreads) {
  qemu(100, {"qemu-system-x86_64", "-name", "guest=win11,debug-threads=on", "-device",
             "{\"driver\":\"vfio-pci\",\"host\":\"0000:01:00.0\",\"id\":\"hostdev0\"}", "-device",
             "vfio-pci,host=01:00.1"});
  qemu(200, {"qemu-system-x86_64", "-name", "ollama-box", "-device", "vfio-pci,host=0000:01:00.0"});
  qemu(300, {"qemu-system-x86_64", "-name", "devbox", "-device", "vfio-pci,host=0000:02:00.0"});
  auto s = scan(fr_.root());
  ASSERT_TRUE(s);
  const auto vms = find_vms(fr_.root(), s->processes);
  ASSERT_EQ(vms.size(), 3U);
  EXPECT_EQ(vms[0].name, "win11");
  EXPECT_EQ(vms[0].kind, VmKind::Gaming);
  EXPECT_EQ(vms[0].kind_rule, "vfio-gpu:0000:01:00.0");
  EXPECT_EQ(vms[0].vcpu_tids, (std::vector<int>{101, 102}));
  EXPECT_EQ(vms[0].passthrough, (std::vector<std::string>{"0000:01:00.0", "0000:01:00.1"}));
  EXPECT_EQ(vms[1].kind, VmKind::Ai);
  EXPECT_EQ(vms[1].kind_rule, "name:ollama-box");
  EXPECT_EQ(vms[2].kind, VmKind::Dev);  // a NIC passed through is not a gaming VM
}

TEST_F(VmTest, VfioBoundDevicesWithIommuGroups) {
  auto vfio = read_pci_functions(fr_.root(), "vfio-pci");
  ASSERT_TRUE(vfio) << vfio.error().message();
  ASSERT_EQ(vfio->size(), 2U);
  EXPECT_EQ((*vfio)[0].address, "0000:01:00.0");
  EXPECT_EQ((*vfio)[0].iommu_group, "14");
  EXPECT_EQ((*vfio)[1].pci_class, 0x040300U);
}

TEST_F(VmTest, MalformedPciIdNamesTheFile) {
  fr_.write("sys/bus/pci/devices/0000:02:00.0/vendor", "zz\n");
  auto all = read_pci_functions(fr_.root());
  ASSERT_FALSE(all);
  EXPECT_EQ(all.error().where, fr_.path("sys/bus/pci/devices/0000:02:00.0/vendor").string());
}

TEST(VmNameTest, AiOnlyAsAWord) {
  EXPECT_TRUE(detail::names_ai("win-ai"));
  EXPECT_TRUE(detail::names_ai("LLM-lab"));
  EXPECT_FALSE(detail::names_ai("mail-server"));
  EXPECT_FALSE(detail::names_ai("domain"));
}

class GpuTest : public ::testing::Test {
 protected:
  static constexpr std::uint64_t kMemPrefetch = 0x0014220c;  // MEM | PREFETCH | MEM_64, as on real GPUs
  static constexpr std::uint64_t kMem = 0x00040200;
  void SetUp() override {
    // NVIDIA with ReBAR: BAR1 (the VRAM window) is 32 GiB.
    fr_.pci("0000:01:00.0", 0x10de, 0x2684, 0x030000,
            bar_line(0xf0000000, 16 << 20, kMem) + bar_line(0x6000000000, 32ULL << 30, kMemPrefetch) +
                bar_line(0, 0, 0) + bar_line(0x6800000000, 32 << 20, kMemPrefetch) + bar_line(0, 0, 0) +
                bar_line(0xe000, 128, 0x40101) + bar_line(0, 0, 0));
    fr_.write("sys/bus/pci/devices/0000:01:00.0/power/runtime_status", "active\n");
    fr_.write("sys/bus/pci/devices/0000:01:00.0/power_state", "D0\n");
    // AMD without ReBAR: 256 MiB window, busy.
    fr_.pci("0000:03:00.0", 0x1002, 0x744c, 0x030000,
            bar_line(0xd0000000, 256 << 20, kMemPrefetch) + bar_line(0, 0, 0) +
                bar_line(0xe0000000, 2 << 20, kMemPrefetch) + bar_line(0, 0, 0) +
                bar_line(0xf000, 256, 0x40101) + bar_line(0xfc000000, 1 << 20, kMem));
    fr_.write("sys/bus/pci/devices/0000:03:00.0/gpu_busy_percent", "57\n");
    fr_.write("sys/bus/pci/devices/0000:03:00.0/drm/card1/dev", "226:1\n");
    fr_.write("sys/bus/pci/devices/0000:03:00.0/drm/renderD129/dev", "226:129\n");
    // Not GPUs: an Intel iGPU (other vendor) and an NVIDIA audio function.
    fr_.pci("0000:00:02.0", 0x8086, 0xa780, 0x030000, bar_line(0xa0000000, 16 << 20, kMem));
    fr_.pci("0000:01:00.1", 0x10de, 0x22ba, 0x040300, bar_line(0xf1000000, 16 << 10, kMem));
  }
  FakeRoot fr_;
};

TEST_F(GpuTest, VendorsClassBarsAndPower) {
  auto gpus = read_gpus(fr_.root());
  ASSERT_TRUE(gpus) << gpus.error().message();
  ASSERT_EQ(gpus->size(), 2U);
  const auto& nv = (*gpus)[0];
  EXPECT_EQ(nv.vendor_name, "nvidia");
  EXPECT_EQ(nv.largest_prefetch_bar, 32ULL << 30);
  EXPECT_TRUE(nv.resizable_bar);
  EXPECT_EQ(nv.runtime_status, "active");
  EXPECT_EQ(nv.power_state, "D0");
  EXPECT_FALSE(nv.busy_percent);
  const auto& amd = (*gpus)[1];
  EXPECT_EQ(amd.vendor_name, "amd");
  EXPECT_FALSE(amd.resizable_bar);  // exactly 256 MiB is the legacy window
  EXPECT_EQ(amd.busy_percent, 57);
  EXPECT_EQ(amd.device_nodes, (std::vector<std::string>{"/dev/dri/card1", "/dev/dri/renderD129"}));
}

TEST_F(GpuTest, ActiveWhenAGameHoldsTheNodeOrAmdgpuIsBusy) {
  FakeProc game;
  game.pid = 40;
  game.comm = "game.exe";
  game.fds = {"/dev/nvidiactl", "/dev/nvidia0"};
  fr_.add(game);
  FakeProc browser;
  browser.pid = 41;
  browser.comm = "firefox";
  browser.fds = {"/dev/dri/renderD129"};
  fr_.add(browser);
  auto s = scan(fr_.root());
  ASSERT_TRUE(s);
  auto gpus = read_gpus(fr_.root());
  ASSERT_TRUE(gpus);
  const auto nv = gpu_activity((*gpus)[0], s->processes, s->classes);
  EXPECT_TRUE(nv.active);
  EXPECT_EQ(nv.reason, "game:40");
  EXPECT_EQ(nv.holders, (std::vector<int>{40}));
  const auto amd = gpu_activity((*gpus)[1], s->processes, s->classes);
  EXPECT_TRUE(amd.active);
  EXPECT_EQ(amd.reason, "busy:57%");  // the browser holding it is not a game
  EXPECT_TRUE(amd.holders.empty());

  fr_.write("sys/bus/pci/devices/0000:03:00.0/gpu_busy_percent", "3\n");
  fr_.write("sys/bus/pci/devices/0000:01:00.0/power/runtime_status", "suspended\n");
  gpus = read_gpus(fr_.root());
  ASSERT_TRUE(gpus);
  EXPECT_FALSE(gpu_activity((*gpus)[0], s->processes, s->classes).active);
  EXPECT_FALSE(gpu_activity((*gpus)[1], s->processes, s->classes).active);
}

TEST_F(GpuTest, MalformedResourceOrBusyPercentNamesTheFile) {
  fr_.write("sys/bus/pci/devices/0000:01:00.0/resource", "0xzz 0x1 0x2\n");
  auto a = read_gpus(fr_.root());
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().where, fr_.path("sys/bus/pci/devices/0000:01:00.0/resource").string());
  fr_.write("sys/bus/pci/devices/0000:01:00.0/resource", bar_line(0xf0000000, 16 << 20, kMem));
  fr_.write("sys/bus/pci/devices/0000:03:00.0/gpu_busy_percent", "busy\n");
  auto b = read_gpus(fr_.root());
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().where, fr_.path("sys/bus/pci/devices/0000:03:00.0/gpu_busy_percent").string());
}

TEST(AmdPstateTest, ModesAndPrefcore) {
  FakeRoot fr;
  auto absent = read_amd_pstate(fr.root());
  ASSERT_TRUE(absent);
  EXPECT_FALSE(absent->present);
  EXPECT_FALSE(absent->rankings_live());

  fr.write("sys/devices/system/cpu/amd_pstate/status", "active\n");
  fr.write("sys/devices/system/cpu/amd_pstate/prefcore", "enabled\n");
  auto live = read_amd_pstate(fr.root());
  ASSERT_TRUE(live);
  EXPECT_EQ(live->status, "active");
  EXPECT_EQ(live->prefcore, true);
  EXPECT_TRUE(live->rankings_live());

  fr.write("sys/devices/system/cpu/amd_pstate/status", "disable\n");
  auto off = read_amd_pstate(fr.root());
  ASSERT_TRUE(off);
  EXPECT_FALSE(off->rankings_live());

  fr.write("sys/devices/system/cpu/amd_pstate/status", "guided\n");
  fr.write("sys/devices/system/cpu/amd_pstate/prefcore", "disabled\n");
  EXPECT_FALSE(read_amd_pstate(fr.root())->rankings_live());

  fr.write("sys/devices/system/cpu/amd_pstate/prefcore", "maybe\n");
  auto bad = read_amd_pstate(fr.root());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().where, fr.path("sys/devices/system/cpu/amd_pstate/prefcore").string());
}

}  // namespace
}  // namespace ghostbrew::detect
