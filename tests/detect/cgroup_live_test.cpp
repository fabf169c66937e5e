// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Live cgroup v2 (root only, label bpf): a process moved into a cgroup whose path matches a pattern
// is classified by it, and the cgroup walk keys that cgroup by the id the kernel gives it (checked
// with name_to_handle_at, the kernel's own cgroup id, not with stat()).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "ghostbrew/detect/cgroup.hpp"
#include "ghostbrew/detect/scan.hpp"

namespace ghostbrew::detect {
namespace {

std::uint64_t kernel_cgroup_id(const std::filesystem::path& dir) {
  // struct file_handle ends in a flexible array: allocate it with room for the 8-byte cgroup id.
  auto* fh = static_cast<file_handle*>(std::malloc(sizeof(file_handle) + sizeof(std::uint64_t)));
  fh->handle_bytes = sizeof(std::uint64_t);
  int mount_id = 0;
  std::uint64_t id = 0;
  if (::name_to_handle_at(AT_FDCWD, dir.c_str(), fh, &mount_id, 0) == 0)
    std::memcpy(&id, fh->f_handle, sizeof id);
  std::free(fh);
  return id;
}

TEST(CgroupLiveTest, ProcessInAGamingSliceIsGamingAndTheCgroupIdMatchesTheKernels) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create cgroups";
  auto mount = cgroup2_mount("/");
  ASSERT_TRUE(mount) << mount.error().message();
  const auto top = fmt::format("ghostbrew-test-{}", ::getpid());
  const auto dir = *mount / top / "gaming.slice";
  std::filesystem::create_directories(dir);

  const pid_t child = ::fork();
  if (child == 0) {
    for (;;) ::pause();
  }
  std::ofstream(dir / "cgroup.procs") << child << std::flush;

  auto rows = classify_pid("/", child);
  ASSERT_TRUE(rows) << rows.error().message();
  EXPECT_EQ(rows->front().cls,
            (Classification{WorkloadClass::Gaming, fmt::format("cgroup:/{}/gaming.slice", top)}));

  auto entries = scan_cgroups("/", default_cgroup_rules());
  ASSERT_TRUE(entries) << entries.error().message();
  const auto it = std::find_if(entries->begin(), entries->end(), [&](const CgroupEntry& e) {
    return e.path == fmt::format("/{}/gaming.slice", top);
  });
  ASSERT_NE(it, entries->end());
  EXPECT_EQ(it->cls, WorkloadClass::Gaming);
  const auto kid = kernel_cgroup_id(dir);
  ASSERT_NE(kid, 0U) << std::strerror(errno);
  EXPECT_EQ(it->id, kid);

  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  auto after = scan("/");
  ASSERT_TRUE(after);
  EXPECT_FALSE(
      std::any_of(after->rows.begin(), after->rows.end(), [&](const Row& r) { return r.pid == child; }));
  for (int i = 0; i < 100 && ::rmdir(dir.c_str()) != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ::rmdir((*mount / top).c_str());
  EXPECT_FALSE(std::filesystem::exists(*mount / top));
}

}  // namespace
}  // namespace ghostbrew::detect
