// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Links on the host kernel: a tp_btf program attached and detached (its effect starts and stops),
// and a struct_ops map registered and unregistered (a do-nothing TCP congestion control, the
// struct_ops kind this host kernel has; sched_ext itself is tested in the guest).
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "gbt_attach_test_bpfobj.h"
#include "gbt_maps_test_bpfobj.h"
#include "gbt_struct_ops_test_bpfobj.h"
#include "ghostbrew/bpf/link.hpp"
#include "ghostbrew/bpf/object.hpp"
#include "ghostbrew/core/fs.hpp"
#include "support.hpp"

extern char** environ;

namespace ghostbrew::bpf {
namespace {

// Runs /bin/true as a child of this process (one exec seen by the tracepoint) and waits for it.
void run_true() {
  pid_t pid = 0;
  char arg0[] = "true";
  char* argv[] = {arg0, nullptr};
  ASSERT_EQ(::posix_spawn(&pid, "/bin/true", nullptr, nullptr, argv, environ), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

class BpfAttach : public ::testing::Test {
 protected:
  void SetUp() override {
    GB_REQUIRE_ROOT();
    auto o = Object::open(gbt_attach_test_bpf_object(), "attach_test");
    GB_ASSERT_OK(o);
    obj_.emplace(std::move(*o));
    auto parent = obj_->global<std::int32_t>(".rodata", "parent_tgid");
    GB_ASSERT_OK(parent);
    **parent = ::getpid();
    GB_ASSERT_OK(obj_->load());
    auto execs = obj_->global<std::uint64_t>(".bss", "execs");
    GB_ASSERT_OK(execs);
    execs_ = *execs;
  }
  std::optional<Object> obj_;
  std::uint64_t* execs_ = nullptr;
};

TEST_F(BpfAttach, AttachedProgramRunsUntilDetached) {
  auto link = obj_->attach("count_exec");
  GB_ASSERT_OK(link);
  EXPECT_TRUE(link->attached());
  EXPECT_GE(link->fd(), 0);
  for (int i = 0; i < 3; ++i) run_true();
  EXPECT_EQ(*execs_, 3U);
  GB_ASSERT_OK(link->detach());
  EXPECT_FALSE(link->attached());
  GB_ASSERT_OK(link->detach());  // detaching twice is harmless
  run_true();
  EXPECT_EQ(*execs_, 3U);
}

TEST_F(BpfAttach, DestroyingTheLinkDetaches) {
  {
    auto link = obj_->attach("count_exec");
    GB_ASSERT_OK(link);
    const Link moved = std::move(*link);
    run_true();
  }
  run_true();
  EXPECT_EQ(*execs_, 1U);
}

TEST_F(BpfAttach, UnknownProgramIsAnErrorNamingIt) {
  GB_EXPECT_ERROR(obj_->attach("nope"), "bpf object 'attach_test' prog 'nope': no such program");
  GB_EXPECT_ERROR(obj_->attach_struct_ops(".bss"), "map '.bss': is a array map, not struct_ops");
}

TEST(BpfStructOps, AttachRegistersTheOpsAndDetachUnregistersThem) {
  GB_REQUIRE_ROOT();
  const std::string available = "/proc/sys/net/ipv4/tcp_available_congestion_control";
  if (!fs::exists(available)) GTEST_SKIP() << available << " is missing: no TCP on this kernel";
  auto obj = Object::open(gbt_struct_ops_test_bpf_object(), "struct_ops_test");
  GB_ASSERT_OK(obj);
  GB_ASSERT_OK(obj->load());
  auto link = obj->attach_struct_ops("gb_test_cc");
  GB_ASSERT_OK(link);
  EXPECT_NE(fs::read_text(available).value_or("").find("gb_test_cc"), std::string::npos);
  GB_ASSERT_OK(link->detach());
  EXPECT_EQ(fs::read_text(available).value_or("gb_test_cc").find("gb_test_cc"), std::string::npos);
}

TEST(BpfAttachErrors, ASyscallProgramHasNoAttachPoint) {
  GB_REQUIRE_ROOT();
  auto obj = Object::open(gbt_maps_test_bpf_object(), "maps_test");
  GB_ASSERT_OK(obj);
  GB_ASSERT_OK(obj->set_autoattach("record", false));
  GB_ASSERT_OK(obj->load());
  GB_EXPECT_ERROR(obj->attach("record"), "prog 'record': attach failed");
}

}  // namespace
}  // namespace ghostbrew::bpf
