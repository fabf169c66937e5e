// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The comm rule of the classification chain (bpf/classify.bpf.h), executed by the host kernel's BPF
// through BPF_PROG_TEST_RUN (label bpf: needs root): each case is a comm and the class the scheduler
// must give it, or none.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <ghostbrew/bpf/abi.h>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ghostbrew/detect/comm_patterns.hpp>
#include <memory>
#include <string>

#include "gb_classify_test_bpfobj.h"

namespace {

constexpr __u32 kNone = 0xff;  // GB_CLASS_NONE in classify.bpf.h: behaviour decides

struct CommCase {
  char comm[GB_COMM_LEN];
  __u32 cls;
};

struct ObjectCloser {
  void operator()(bpf_object* obj) const { bpf_object__close(obj); }
};

class GhostbrewCommRule : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root for BPF";
    auto image = gb_classify_test_bpf_object();
    obj_.reset(bpf_object__open_mem(image.data(), image.size(), nullptr));
    ASSERT_NE(obj_, nullptr) << std::strerror(errno);
    ASSERT_EQ(bpf_object__load(obj_.get()), 0) << std::strerror(errno);
    prog_fd_ = bpf_program__fd(bpf_object__find_program_by_name(obj_.get(), "classify_comm"));
    ASSERT_GE(prog_fd_, 0);
  }

  // The class the scheduler's BPF gives to a task named comm (truncated to 15 characters like the
  // kernel does).
  __u32 class_of(const std::string& comm) {
    CommCase c{};
    std::strncpy(c.comm, comm.c_str(), GB_COMM_LEN - 1);
    c.cls = 12345;
    // A syscall program's context is copied back into ctx_in after the run.
    LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &c, .ctx_size_in = sizeof(c));
    EXPECT_EQ(bpf_prog_test_run_opts(prog_fd_, &opts), 0) << std::strerror(errno);
    return c.cls;
  }

  std::unique_ptr<bpf_object, ObjectCloser> obj_;
  int prog_fd_ = -1;
};

TEST_F(GhostbrewCommRule, WineProtonAndWindowsBinariesAreGaming) {
  for (const char* comm : {"wine", "wine64", "wineserver", "wine64-preload", "proton", "Game.exe", "GAME.EXE",
                           "eldenring.exe", "abcdefghijk.exe"})
    EXPECT_EQ(class_of(comm), static_cast<__u32>(GB_CLASS_GAMING)) << comm;
}

TEST_F(GhostbrewCommRule, QemuVcpuThreadsAreVm) {
  for (const char* comm : {"CPU 0/KVM", "CPU 7/KVM", "CPU 127/KVM"})
    EXPECT_EQ(class_of(comm), static_cast<__u32>(GB_CLASS_VM)) << comm;
  for (const char* comm : {"CPU 0/TCG", "CPU", "KVM", "qemu-system-x86"})
    EXPECT_EQ(class_of(comm), kNone) << comm;
}

TEST_F(GhostbrewCommRule, AudioAndCompositorsAreInteractive) {
  // gamescope is a compositor (its children are games: the ancestor rule, not the comm rule).
  for (const char* comm :
       {"pipewire", "pipewire-pulse", "wireplumber", "pulseaudio", "jackd", "Xorg", "Xwayland",
        "kwin_wayland", "kwin_x11", "gnome-shell", "sway", "Hyprland", "gamescope", "gamescope-wl"})
    EXPECT_EQ(class_of(comm), static_cast<__u32>(GB_CLASS_INTERACTIVE)) << comm;
}

TEST_F(GhostbrewCommRule, InferenceServersAreAi) {
  for (const char* comm : {"ollama", "ollama_llama_se", "llama-server", "llama-cli", "whisper-server"})
    EXPECT_EQ(class_of(comm), static_cast<__u32>(GB_CLASS_AI)) << comm;
}

TEST_F(GhostbrewCommRule, CompilersAndLinkersAreBatch) {
  for (const char* comm :
       {"cc1", "cc1plus", "rustc", "ld", "ld.lld", "ld.gold", "mold", "ninja", "make", "as"})
    EXPECT_EQ(class_of(comm), static_cast<__u32>(GB_CLASS_BATCH)) << comm;
}

TEST_F(GhostbrewCommRule, ExactNamesDoNotMatchLongerOnes) {
  // Prefix rules are deliberate (wine*, ld.*); exact ones must not catch look-alikes.
  for (const char* comm : {"makepkg", "ldconfig", "assistant", "Xorg-helper", "swaybg", "exe", ".exe",
                           "notepad.ex", "bash", "systemd", ""})
    EXPECT_EQ(class_of(comm), kNone) << comm;
}

// The name table both sides include (ghostbrew/detect/comm_patterns.def): for every row, a name it
// matches and a look-alike, the class BPF gives equals the one userspace's C++ matcher gives.
TEST_F(GhostbrewCommRule, EveryNameTableRowAgreesWithUserspace) {
  using ghostbrew::detect::CommMatch;
  for (const auto& r : ghostbrew::detect::kCommPatterns) {
    const std::string text(r.text);
    const std::string matching = r.match == CommMatch::exact    ? text
                                 : r.match == CommMatch::prefix ? (text + "-x").substr(0, GB_COMM_LEN - 1)
                                                                : "game" + text;
    EXPECT_EQ(class_of(matching), static_cast<__u32>(r.cls)) << matching;
    std::string upper = matching;
    for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    for (const std::string& name : {text + "x", "x" + text, text.substr(1), upper}) {
      const auto m =
          ghostbrew::detect::match_comm(name.substr(0, GB_COMM_LEN - 1), ghostbrew::detect::kCommPatterns);
      EXPECT_EQ(class_of(name), m ? static_cast<__u32>(m->cls) : kNone) << name;
    }
  }
}

}  // namespace
