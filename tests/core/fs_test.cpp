// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
#include "ghostbrew/core/fs.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/temp_dir.hpp"

namespace ghostbrew {
namespace {

class FsTest : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& name, const std::string& text) {
    auto p = dir_ / name;
    std::ofstream(p) << text;
    return p;
  }
  const ghostbrew::testing::TempDir dir_{"fs"};
};

TEST_F(FsTest, ReadsAnIntegerWithNewline) {
  auto v = fs::read_u64(write("n", "32768\n"));
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(*v, 32768U);
}

TEST_F(FsTest, GarbageNumberNamesTheFile) {
  const auto p = write("n", "12abc\n");
  auto v = fs::read_u64(p);
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message().find(p.string()), std::string::npos);
  EXPECT_NE(v.error().message().find("12abc"), std::string::npos);
}

TEST_F(FsTest, NegativeAndEmptyAreNotUnsigned) {
  EXPECT_FALSE(fs::read_u64(write("a", "-1")));
  EXPECT_FALSE(fs::read_u64(write("b", "")));
  EXPECT_FALSE(fs::read_word(write("c", " \n")));
}

TEST_F(FsTest, MissingFileIsAnErrorNamingIt) {
  auto v = fs::read_text(dir_ / "nope");
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message().find("nope"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "nope"));
}

TEST_F(FsTest, ReadWordTrims) {
  auto w = fs::read_word(write("w", "  cache\n"));
  ASSERT_TRUE(w);
  EXPECT_EQ(*w, "cache");
}

}  // namespace
}  // namespace ghostbrew
