// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Every classification rule on fixture trees, and a full scan over them (races included).
#include <gtest/gtest.h>

#include <algorithm>

#include "fake_proc.hpp"
#include "ghostbrew/detect/classify.hpp"
#include "ghostbrew/detect/scan.hpp"

namespace ghostbrew::detect {
namespace {

using ghostbrew::testing::FakeProc;
using ghostbrew::testing::FakeRoot;

class ClassifyTest : public ::testing::Test {
 protected:
  /// Adds a process and classifies it (parents are read from the fixture root).
  Classification classify_new(const FakeProc& p) {
    fr_.add(p);
    auto info = procfs::read_process(fr_.root(), p.pid);
    EXPECT_TRUE(info) << info.error().message();
    if (!info) return {};
    return classify(*info, Context{fr_.root(), rules_, {}});
  }
  static FakeProc proc(int pid, std::string comm, std::string exe = {}) {
    FakeProc p;
    p.pid = pid;
    p.comm = std::move(comm);
    p.exe = std::move(exe);
    p.cmdline = {p.exe.empty() ? p.comm : p.exe};
    return p;
  }
  FakeRoot fr_;
  Rules rules_;
};

TEST_F(ClassifyTest, WineExecutableByExeLink) {
  // comm is truncated to 15 bytes by the kernel; the exe link has the full name.
  EXPECT_EQ(classify_new(proc(100, "wine64-preloade", "/usr/lib/wine/wine64-preloader")),
            (Classification{WorkloadClass::Gaming, "exe:wine64-preloader"}));
  EXPECT_EQ(classify_new(proc(101, "wineserver", "/usr/bin/wineserver")),
            (Classification{WorkloadClass::Gaming, "exe:wineserver"}));
}

TEST_F(ClassifyTest, GameEnvironmentVariables) {
  int pid = 200;
  for (const std::string key : {"WINEPREFIX", "STEAM_COMPAT_DATA_PATH", "SteamGameId", "SteamAppId"}) {
    auto p = proc(pid++, "launcher", "/usr/bin/launcher");
    p.environ = {"HOME=/home/u", key + "=1"};
    EXPECT_EQ(classify_new(p), (Classification{WorkloadClass::Gaming, "env:" + key})) << key;
  }
  auto lookalike = proc(pid, "launcher", "/usr/bin/launcher");
  lookalike.environ = {"WINEPREFIXES=1", "XSteamAppId=2"};  // names that only contain a key
  EXPECT_EQ(classify_new(lookalike).cls, WorkloadClass::Default);
}

TEST_F(ClassifyTest, WindowsExecutableNameInCommOrArgv0) {
  EXPECT_EQ(classify_new(proc(300, "Game.EXE", "/usr/bin/x")),
            (Classification{WorkloadClass::Gaming, "comm:*.exe"}));
  auto p = proc(301, "VeryLongGameNam", "/usr/bin/x");  // comm truncated before ".exe"
  p.cmdline = {"Z:\\games\\VeryLongGameName.exe"};
  EXPECT_EQ(classify_new(p), (Classification{WorkloadClass::Gaming, "argv0:*.exe"}));
  EXPECT_EQ(classify_new(proc(302, ".exe", "/usr/bin/x")).cls, WorkloadClass::Default);
}

TEST_F(ClassifyTest, SteamReaperPressureVesselAndGamescopeParents) {
  auto reaper = proc(400, "reaper", "/home/u/.steam/ubuntu12_32/reaper");
  reaper.cmdline = {"reaper", "SteamLaunch", "AppId=570", "--", "game"};
  reaper.start_time = 10;
  fr_.add(reaper);
  auto sh = proc(401, "sh", "/usr/bin/dash");
  sh.ppid = 400;
  sh.start_time = 11;
  fr_.add(sh);
  auto game = proc(402, "dota2", "/games/dota2");
  game.ppid = 401;
  game.start_time = 12;
  EXPECT_EQ(classify_new(game), (Classification{WorkloadClass::Gaming, "parent:400(steam reaper)"}));

  auto pv = proc(410, "pressure-vessel", "/steam/pressure-vessel/bin/pressure-vessel-wrap");
  pv.start_time = 10;
  fr_.add(pv);
  auto native = proc(411, "hl2_linux", "/games/hl2_linux");
  native.ppid = 410;
  EXPECT_EQ(classify_new(native), (Classification{WorkloadClass::Gaming, "parent:410(pressure-vessel)"}));

  auto gs = proc(420, "gamescope", "/usr/bin/gamescope");
  gs.start_time = 10;
  EXPECT_EQ(classify_new(gs), (Classification{WorkloadClass::Interactive, "exe:gamescope"}));
  auto under = proc(421, "celeste", "/games/celeste");
  under.ppid = 420;
  EXPECT_EQ(classify_new(under), (Classification{WorkloadClass::Gaming, "parent:420(gamescope)"}));
}

TEST_F(ClassifyTest, ReaperWithoutSteamLaunchIsNotALauncher) {
  auto reaper = proc(430, "reaper", "/usr/bin/reaper");  // the REAPER audio workstation
  reaper.cmdline = {"reaper", "project.rpp"};
  reaper.start_time = 10;
  fr_.add(reaper);
  auto child = proc(431, "child", "/usr/bin/child");
  child.ppid = 430;
  EXPECT_EQ(classify_new(child).cls, WorkloadClass::Default);
}

TEST_F(ClassifyTest, ParentChainStopsAfterEightLevels) {
  auto gs = proc(500, "gamescope", "/usr/bin/gamescope");
  gs.start_time = 1;
  fr_.add(gs);
  // 501 is gamescope's child, 508 is 8 levels below gamescope, 509 is 9 levels below.
  for (int pid = 501; pid <= 508; ++pid) {
    auto p = proc(pid, "sh", "/bin/sh");
    p.ppid = pid - 1;
    p.start_time = static_cast<std::uint64_t>(pid);
    fr_.add(p);
  }
  auto deep8 = procfs::read_process(fr_.root(), 508);
  ASSERT_TRUE(deep8);
  EXPECT_EQ(classify(*deep8, Context{fr_.root(), rules_, {}}).rule, "parent:500(gamescope)");
  auto deep9 = proc(509, "sh", "/bin/sh");
  deep9.ppid = 508;
  deep9.start_time = 509;
  EXPECT_EQ(classify_new(deep9).cls, WorkloadClass::Default);
}

TEST_F(ClassifyTest, ReusedParentPidYoungerThanTheChildIsNotTheParent) {
  auto gs = proc(600, "gamescope", "/usr/bin/gamescope");
  gs.start_time = 5000;  // started after the child: the child's real parent died, its pid was reused
  fr_.add(gs);
  auto child = proc(601, "orphan", "/usr/bin/orphan");
  child.ppid = 600;
  child.start_time = 4000;
  EXPECT_EQ(classify_new(child).cls, WorkloadClass::Default);
}

TEST_F(ClassifyTest, AiServersByExeAndByCommandLine) {
  EXPECT_EQ(classify_new(proc(700, "ollama", "/usr/local/bin/ollama")),
            (Classification{WorkloadClass::Ai, "exe:ollama"}));
  EXPECT_EQ(classify_new(proc(701, "llama-server", "/opt/llama.cpp/build/bin/llama-server")),
            (Classification{WorkloadClass::Ai, "exe:llama-server"}));
  auto vllm = proc(702, "python3", "/usr/bin/python3.11");
  vllm.cmdline = {"python3", "-m", "vllm.entrypoints.openai.api_server"};
  EXPECT_EQ(classify_new(vllm), (Classification{WorkloadClass::Ai, "cmdline:vllm"}));
  auto comfy = proc(703, "python", "/usr/bin/python3.11");
  comfy.cmdline = {"python", "/opt/ComfyUI/main.py", "--listen"};
  EXPECT_EQ(classify_new(comfy), (Classification{WorkloadClass::Ai, "cmdline:ComfyUI"}));
  auto editor = proc(704, "vim", "/usr/bin/vim");
  editor.cmdline = {"vim", "ollama-notes.txt"};  // mentions a name, is not the server
  EXPECT_EQ(classify_new(editor).cls, WorkloadClass::Default);
}

TEST_F(ClassifyTest, QemuProcessIsVm) {
  EXPECT_EQ(classify_new(proc(800, "qemu-system-x86", "/usr/bin/qemu-system-x86_64")),
            (Classification{WorkloadClass::Vm, "exe:qemu-system-x86_64"}));
}

TEST_F(ClassifyTest, DesktopAudioCompositorAndEvdevReaders) {
  EXPECT_EQ(classify_new(proc(900, "pipewire-pulse", "/usr/bin/pipewire-pulse")),
            (Classification{WorkloadClass::Interactive, "exe:pipewire-pulse"}));
  EXPECT_EQ(classify_new(proc(901, "kwin_wayland", "")),
            (Classification{WorkloadClass::Interactive, "comm:kwin_wayland"}));
  auto input = proc(902, "libinput-reader", "/usr/bin/libinput-reader");
  input.fds = {"/dev/null", "/dev/input/event7"};
  EXPECT_EQ(classify_new(input), (Classification{WorkloadClass::Interactive, "fd:/dev/input/event7"}));
  auto js = proc(903, "joy", "/usr/bin/joy");
  js.fds = {"/dev/input/js0"};  // not evdev
  EXPECT_EQ(classify_new(js).cls, WorkloadClass::Default);
}

TEST_F(ClassifyTest, Argv0DecidesWhenTheExeLinkIsUnavailable) {
  auto p = proc(910, "data-loop.0", "");  // another user's process: no exe link, thread-renamed comm
  p.cmdline = {"/usr/bin/pipewire"};
  EXPECT_EQ(classify_new(p), (Classification{WorkloadClass::Interactive, "argv0:pipewire"}));
  auto q = proc(911, "data-loop.0", "/usr/bin/other");  // with an exe link, argv[0] is not trusted
  q.cmdline = {"/usr/bin/pipewire"};
  EXPECT_EQ(classify_new(q).cls, WorkloadClass::Default);
}

TEST_F(ClassifyTest, CgroupPatterns) {
  auto steam = proc(1000, "steamwebhelper", "/steam/steamwebhelper");
  steam.cgroup = "/user.slice/user-1000.slice/user@1000.service/app.slice/app-steam@12.scope";
  EXPECT_EQ(classify_new(steam), (Classification{WorkloadClass::Gaming, "cgroup:" + steam.cgroup}));
  auto svc = proc(1001, "cron", "/usr/sbin/cron");
  svc.cgroup = "/system.slice/cron.service";
  EXPECT_EQ(classify_new(svc), (Classification{WorkloadClass::Batch, "cgroup:/system.slice/cron.service"}));
  auto ctr = proc(1002, "nginx", "/usr/sbin/nginx");
  ctr.cgroup = "/system.slice/docker-0123abcd.scope";
  EXPECT_EQ(classify_new(ctr).cls, WorkloadClass::Container);
  auto daemon = proc(1003, "dockerd", "/usr/bin/dockerd");
  daemon.cgroup = "/system.slice/docker.service";
  EXPECT_EQ(classify_new(daemon).cls, WorkloadClass::Batch);
  auto ai = proc(1004, "server", "/app/server");
  ai.cgroup = "/machine.slice/machine-ollama.scope";
  EXPECT_EQ(classify_new(ai).cls, WorkloadClass::Ai);
  auto deep = proc(1005, "helper", "/usr/bin/helper");
  deep.cgroup = "/gaming.slice/foo.scope/sub";
  EXPECT_EQ(classify_new(deep).cls, WorkloadClass::Gaming);
}

TEST_F(ClassifyTest, CgroupPatternsAreConfigurable) {
  rules_.cgroups = {{"build-*.scope", WorkloadClass::Batch}};
  auto p = proc(1100, "builder", "/usr/bin/builder");
  p.cgroup = "/user.slice/build-42.scope";
  EXPECT_EQ(classify_new(p), (Classification{WorkloadClass::Batch, "cgroup:/user.slice/build-42.scope"}));
  auto sys = proc(1101, "cron", "/usr/sbin/cron");
  sys.cgroup = "/system.slice/cron.service";  // the default rule is gone
  EXPECT_EQ(classify_new(sys).cls, WorkloadClass::Default);
}

TEST_F(ClassifyTest, PositiveNiceIsBatch) {
  auto p = proc(1200, "encoder", "/usr/bin/encoder");
  p.nice = 10;
  EXPECT_EQ(classify_new(p), (Classification{WorkloadClass::Batch, "nice:10"}));
}

TEST_F(ClassifyTest, GameModeRegistrationsAreGamingWhateverTheName) {
  rules_.gamemode_games = {1250, 1252};
  // Registered: gaming by "gamemode" before its name (cc1 alone is batch) is looked at.
  EXPECT_EQ(classify_new(proc(1250, "cc1", "/usr/lib/gcc/cc1")),
            (Classification{WorkloadClass::Gaming, "gamemode"}));
  EXPECT_EQ(classify_new(proc(1252, "sleep", "/usr/bin/sleep")),
            (Classification{WorkloadClass::Gaming, "gamemode"}));
  // Not registered: its own rules.
  EXPECT_EQ(classify_new(proc(1251, "cc1", "/usr/lib/gcc/cc1")),
            (Classification{WorkloadClass::Batch, "exe:cc1"}));
  // A kernel thread is never a game, registered or not.
  auto kt = proc(1252 + 1, "kworker", "");
  kt.flags = 0x00208040;
  kt.cmdline = {};
  rules_.gamemode_games.push_back(1253);
  EXPECT_EQ(classify_new(kt), (Classification{WorkloadClass::Default, "kthread"}));
}

TEST_F(ClassifyTest, KernelThreadsAndZombiesAreNeverWorkloads) {
  auto kt = proc(2, "evil.exe", "");
  kt.flags = 0x00208040;
  kt.cmdline = {};
  EXPECT_EQ(classify_new(kt), (Classification{WorkloadClass::Default, "kthread"}));
  auto z = proc(1300, "game.exe", "");
  z.state = 'Z';
  z.cmdline = {};
  EXPECT_EQ(classify_new(z), (Classification{WorkloadClass::Default, "zombie"}));
}

TEST_F(ClassifyTest, ZombieLeaderWithLiveThreadsIsStillClassified) {
  auto p = proc(1310, "Game.exe", "");  // exe link gone with the leader's mm
  p.state = 'Z';
  p.cmdline = {};
  p.threads = {{1311, "render"}, {1312, "audio"}};  // num_threads = 3 in stat
  EXPECT_EQ(classify_new(p), (Classification{WorkloadClass::Gaming, "comm:*.exe"}));
}

TEST_F(ClassifyTest, GameRulesComeBeforeCgroupAndDesktopRules) {
  auto p = proc(1400, "game.exe", "/usr/bin/wine64");
  p.cgroup = "/system.slice/x.service";
  p.fds = {"/dev/input/event1"};
  EXPECT_EQ(classify_new(p), (Classification{WorkloadClass::Gaming, "exe:wine64"}));
}

TEST_F(ClassifyTest, CompilersAndLinkersAreBatchLikeInBpf) {
  EXPECT_EQ(classify_new(proc(1500, "cc1plus", "/usr/lib/gcc/x86_64-linux-gnu/12/cc1plus")),
            (Classification{WorkloadClass::Batch, "exe:cc1plus"}));
  EXPECT_EQ(classify_new(proc(1501, "ld.lld", "/usr/bin/ld.lld")),
            (Classification{WorkloadClass::Batch, "exe:ld.lld"}));
  EXPECT_EQ(classify_new(proc(1502, "ldconfig", "/usr/sbin/ldconfig")).cls, WorkloadClass::Default);
}

// A name that row `r` of comm_patterns.def matches: the text itself, the text with a tail, or a name
// ending in the suffix.
std::string example_name(const CommPattern& r) {
  switch (r.match) {
    case CommMatch::exact:
      return std::string(r.text);
    case CommMatch::prefix:
      return (std::string(r.text) + "-x").substr(0, GB_COMM_LEN - 1);
    case CommMatch::suffix:
      break;
  }
  return "game" + std::string(r.text);
}

TEST(CommPatternsTest, EveryRowIsTheFirstMatchOfItsExampleName) {
  // So the order of the rows, and of userspace's rules, never decides between two rows.
  for (const auto& r : kCommPatterns) {
    const auto m = match_comm(example_name(r), kCommPatterns);
    ASSERT_TRUE(m) << r.text;
    EXPECT_EQ(*m, r) << example_name(r);
  }
}

TEST(CommPatternsTest, GamescopeIsACompositorWhoseChildrenAreGames) {
  const auto m = match_comm("gamescope-wl", kCommPatterns);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->cls, WorkloadClass::Interactive);
  EXPECT_TRUE(m->games_below);
}

TEST(CommPatternsTest, SuffixesIgnoreCaseAndNeedANameBeforeThem) {
  EXPECT_EQ(match_comm("GAME.EXE", kCommPatterns)->cls, WorkloadClass::Gaming);
  EXPECT_FALSE(match_comm(".exe", kCommPatterns));
  EXPECT_FALSE(match_comm("Wine", kCommPatterns));  // prefixes and exact names are case-sensitive
}

TEST_F(ClassifyTest, EveryNameTableRowGivesItsClassByComm) {
  int pid = 3000;
  for (const auto& r : kCommPatterns) {
    const auto name = example_name(r);
    auto p = proc(pid++, name, "");  // no exe link: comm decides (argv[0] is the same name)
    const auto c = classify_new(p);
    EXPECT_EQ(c.cls, r.cls) << name << ": " << c.rule;
    EXPECT_EQ(c.rule, "comm:" + r.describe(name)) << name;
  }
}

TEST_F(ClassifyTest, EveryGamesBelowRowMakesItsChildrenGaming) {
  int pid = 4000;
  for (const auto& r : kCommPatterns) {
    const auto name = example_name(r);
    auto parent = proc(pid++, name, "/usr/bin/" + name);
    parent.start_time = 1;
    fr_.add(parent);
    auto child = proc(pid++, "helper", "/usr/bin/helper");
    child.ppid = parent.pid;
    child.start_time = 2;
    const auto c = classify_new(child);
    if (r.games_below) {
      EXPECT_EQ(c, (Classification{WorkloadClass::Gaming,
                                   fmt::format("parent:{}({})", parent.pid, r.describe(name))}))
          << name;
    } else {
      EXPECT_EQ(c.cls, WorkloadClass::Default) << name << ": " << c.rule;
    }
  }
}

TEST_F(ClassifyTest, TheSteamAppIdComesFromSteamOrFromProton) {
  // What Proton sets for a Windows game: read when neither of Steam's own names is there.
  auto proton = proc(500, "Cyberpunk2077.e", "/games/wine64-preloader");
  proton.environ = {"STEAM_COMPAT_APP_ID=1091500", "WINEPREFIX=/pfx"};
  fr_.add(proton);
  auto info = procfs::read_process(fr_.root(), 500);
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(program_of(*info).steam_app_id, "1091500");

  // Steam's own names win over Proton's, SteamAppId over SteamGameId; none: empty.
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"STEAM_COMPAT_APP_ID=3", "SteamGameId=2", "SteamAppId=1"}, "1"},
      {{"STEAM_COMPAT_APP_ID=3", "SteamGameId=2"}, "2"},
      {{"HOME=/home/u", "XSTEAM_COMPAT_APP_ID=3"}, ""},
  };
  int pid = 501;
  for (const auto& [env, want] : cases) {
    auto p = proc(pid, "game", "/games/game");
    p.environ = env;
    fr_.add(p);
    auto i = procfs::read_process(fr_.root(), pid++);
    ASSERT_TRUE(i) << i.error().message();
    EXPECT_EQ(program_of(*i).steam_app_id, want) << ::testing::PrintToString(env);
  }
}

TEST(VcpuNameTest, OnlyQemusVcpuThreadNames) {
  EXPECT_TRUE(is_vcpu_thread_name("CPU 0/KVM"));
  EXPECT_TRUE(is_vcpu_thread_name("CPU 15/KVM"));
  EXPECT_FALSE(is_vcpu_thread_name("CPU /KVM"));
  EXPECT_FALSE(is_vcpu_thread_name("CPU x/KVM"));
  EXPECT_FALSE(is_vcpu_thread_name("CPU 0/TCG"));
}

TEST(ScanTest, EveryThreadGetsARowAndVcpuThreadsAreVm) {
  FakeRoot fr;
  FakeProc game;
  game.pid = 10;
  game.comm = "game.exe";
  game.exe = "/usr/bin/wine64";
  game.threads = {{11, "render"}, {12, "audio"}};
  fr.add(game);
  FakeProc qemu;
  qemu.pid = 20;
  qemu.comm = "qemu-system-x86";
  qemu.exe = "/usr/bin/qemu-system-x86_64";
  qemu.threads = {{21, "CPU 0/KVM"}, {22, "CPU 1/KVM"}, {23, "worker"}};
  fr.add(qemu);
  auto s = scan(fr.root());
  ASSERT_TRUE(s) << s.error().message();
  ASSERT_EQ(s->rows.size(), 7U);
  auto row = [&](int tid) {
    return *std::find_if(s->rows.begin(), s->rows.end(), [&](const Row& r) { return r.tid == tid; });
  };
  EXPECT_EQ(row(12).cls, (Classification{WorkloadClass::Gaming, "exe:wine64"}));
  EXPECT_EQ(row(12).pid, 10);
  EXPECT_EQ(row(22).cls, (Classification{WorkloadClass::Vm, "thread:CPU 1/KVM"}));
  EXPECT_EQ(row(23).cls, (Classification{WorkloadClass::Vm, "exe:qemu-system-x86_64"}));
}

TEST(ScanTest, VanishedAndHalfWrittenPidsAreSkippedNotFatal) {
  FakeRoot fr;
  FakeProc ok;
  ok.pid = 5;
  ok.exe = "/usr/bin/wineserver";
  fr.add(ok);
  std::filesystem::create_directories(fr.path("proc/6"));  // listed, stat already gone
  fr.write("proc/7/stat", "7 (x) S");                      // truncated
  FakeProc zombie;
  zombie.pid = 8;
  zombie.state = 'Z';
  fr.add(zombie);
  std::filesystem::remove_all(fr.path("proc/8/task"));  // a reaped leader's task dir
  auto s = scan(fr.root());
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->skipped, 2U);
  ASSERT_EQ(s->processes.size(), 2U);
  EXPECT_EQ(s->classes[0].rule, "exe:wineserver");
  EXPECT_EQ(s->classes[1].rule, "zombie");
  ASSERT_EQ(s->rows.size(), 2U);  // the zombie still gets its pid's row
}

TEST(ScanTest, MissingProcIsAnErrorNamingIt) {
  FakeRoot fr;
  std::filesystem::remove_all(fr.path("proc"));
  auto s = scan(fr.root());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().where, (fr.root() / "proc").string());
}

TEST(ScanTest, ParentFromTheScannedTableDecides) {
  FakeRoot fr;
  FakeProc reaper;
  reaper.pid = 30;
  reaper.comm = "reaper";
  reaper.cmdline = {"reaper", "SteamLaunch", "AppId=1"};
  reaper.start_time = 1;
  fr.add(reaper);
  FakeProc game;
  game.pid = 31;
  game.ppid = 30;
  game.comm = "game";
  fr.add(game);
  auto s = scan(fr.root());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->classes[1].rule, "parent:30(steam reaper)");
  auto rows = classify_pid(fr.root(), 31);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1U);
  EXPECT_EQ((*rows)[0].cls.rule, "parent:30(steam reaper)");
}

}  // namespace
}  // namespace ghostbrew::detect
