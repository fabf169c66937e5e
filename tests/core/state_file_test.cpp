// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The daemon's files, as another user on the machine would attack them: a state directory or file
// others can write, a state file replaced by a symbolic link (to make root read or clobber something
// else) or by a FIFO (to hang the daemon in open()).
#include "ghostbrew/core/state_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>

#include "ghostbrew/tuning/profile.hpp"
#include "support/temp_dir.hpp"

namespace ghostbrew {
namespace {

using testing::TempDir;

constexpr std::array<std::byte, 4> kPayload{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};

mode_t mode_of(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode;
}

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Sets the process umask for one scope (a permissive one: what the daemon must not depend on).
class UmaskScope {
 public:
  explicit UmaskScope(mode_t m) : old_(::umask(m)) {}
  ~UmaskScope() { ::umask(old_); }
  UmaskScope(const UmaskScope&) = delete;
  UmaskScope& operator=(const UmaskScope&) = delete;

 private:
  mode_t old_;
};

TEST(StateFileTest, DirectoriesAndFilesItWritesAreNotWritableByOthersEvenWithUmaskZero) {
  TempDir tmp("state");
  const auto file = tmp / "state/samples/game/x.bin";
  {
    UmaskScope open_umask(0);
    auto w = write_state_file(file, "GBTEST", 1, 1, kPayload);
    ASSERT_TRUE(w) << w.error().message();
  }
  for (const auto& d : {tmp / "state", tmp / "state/samples", tmp / "state/samples/game"}) {
    EXPECT_TRUE(S_ISDIR(mode_of(d))) << d;
    EXPECT_EQ(mode_of(d) & (S_IWGRP | S_IWOTH), 0U) << d << " mode " << std::oct << (mode_of(d) & 07777);
  }
  EXPECT_TRUE(S_ISREG(mode_of(file)));
  EXPECT_EQ(mode_of(file) & (S_IWGRP | S_IWOTH), 0U) << "mode " << std::oct << (mode_of(file) & 07777);
}

TEST(StateFileTest, ProfilesAreNotWritableByOthersEvenWithUmaskZero) {
  TempDir tmp("state");
  const tuning::Profile p{"game.exe", tuning::TuningConfig{}};
  {
    UmaskScope open_umask(0);
    auto w = tuning::save_profile(tmp / "state", p);
    ASSERT_TRUE(w) << w.error().message();
  }
  const auto file = tuning::profile_path(tmp / "state", "game.exe");
  EXPECT_EQ(mode_of(file.parent_path()) & (S_IWGRP | S_IWOTH), 0U);
  EXPECT_EQ(mode_of(file) & (S_IWGRP | S_IWOTH), 0U);
}

TEST(StateFileTest, RefusesAStateDirectoryOthersCanWrite) {
  TempDir tmp("state");
  const auto dir = tmp / "shared";
  std::filesystem::create_directory(dir);
  ASSERT_EQ(::chmod(dir.c_str(), 0777), 0);
  auto w = write_state_file(dir / "procdb.bin", "GBTEST", 1, 1, kPayload);
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message().find("writable by group or others"), std::string::npos)
      << w.error().message();
  EXPECT_NE(w.error().message().find(dir.string()), std::string::npos) << w.error().message();
  EXPECT_FALSE(std::filesystem::exists(dir / "procdb.bin"));
}

TEST(StateFileTest, RefusesAStateDirectoryThatIsASymlink) {
  TempDir tmp("state");
  std::filesystem::create_directory(tmp / "elsewhere");
  std::filesystem::create_directory_symlink(tmp / "elsewhere", tmp / "state");
  auto w = write_state_file(tmp / "state/procdb.bin", "GBTEST", 1, 1, kPayload);
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message().find("symbolic link"), std::string::npos) << w.error().message();
  EXPECT_FALSE(std::filesystem::exists(tmp / "elsewhere/procdb.bin"));
}

TEST(StateFileTest, ReadRefusesAStateFileReplacedByASymlink) {
  TempDir tmp("state");
  ASSERT_TRUE(write_state_file(tmp / "real.bin", "GBTEST", 1, 1, kPayload));
  std::filesystem::create_symlink(tmp / "real.bin", tmp / "procdb.bin");
  auto r = read_state_file(tmp / "procdb.bin", "GBTEST", 1024);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("symbolic link"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("procdb.bin"), std::string::npos) << r.error().message();
}

// Without O_NONBLOCK the open would wait for a writer forever (ctest's timeout ends it).
TEST(StateFileTest, ReadRefusesAStateFileReplacedByAFifoWithoutBlocking) {
  TempDir tmp("state");
  ASSERT_EQ(::mkfifo((tmp / "procdb.bin").c_str(), 0600), 0);
  auto r = read_state_file(tmp / "procdb.bin", "GBTEST", 1024);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("not a regular file"), std::string::npos) << r.error().message();
}

TEST(StateFileTest, WritingOverASymlinkReplacesTheLinkAndLeavesItsTargetAlone) {
  TempDir tmp("state");
  const auto victim = tmp.write("victim", "precious\n");
  std::filesystem::create_symlink(victim, tmp / "procdb.bin");
  ASSERT_TRUE(write_state_file(tmp / "procdb.bin", "GBTEST", 1, 1, kPayload));
  EXPECT_EQ(read_all(victim), "precious\n");
  EXPECT_TRUE(S_ISREG(mode_of(tmp / "procdb.bin")));
  auto r = read_state_file(tmp / "procdb.bin", "GBTEST", 1024);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->payload.size(), kPayload.size());
}

TEST(StateFileTest, ProfileLoadRefusesASymlinkAndAFifo) {
  TempDir tmp("state");
  const tuning::Profile p{"game.exe", tuning::TuningConfig{}};
  ASSERT_TRUE(tuning::save_profile(tmp / "real", p));
  const auto real = tuning::profile_path(tmp / "real", "game.exe");
  ASSERT_TRUE(tuning::load_profile(real));

  const auto link = tmp / "link.json";
  std::filesystem::create_symlink(real, link);
  auto l = tuning::load_profile(link);
  ASSERT_FALSE(l);
  EXPECT_NE(l.error().message().find("symbolic link"), std::string::npos) << l.error().message();

  const auto fifo = tmp / "fifo.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto f = tuning::load_profile(fifo);
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message().find("not a regular file"), std::string::npos) << f.error().message();
}

}  // namespace
}  // namespace ghostbrew
