// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Object on the host kernel: load errors carry the verifier's words, autoload, syscall programs,
// and global data (.rodata set before load, .bss/.data read and written after load).
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "gbt_maps_test_bpfobj.h"
#include "gbt_verifier_test_bpfobj.h"
#include "ghostbrew/bpf/object.hpp"
#include "maps_fixture.hpp"
#include "support.hpp"

namespace ghostbrew::bpf {
namespace {

TEST(BpfObjectLoad, VerifierRejectionCarriesTheTailOfTheVerifierLog) {
  GB_REQUIRE_ROOT();
  auto obj = Object::open(gbt_verifier_test_bpf_object(), "verifier_test");
  GB_ASSERT_OK(obj);
  auto loaded = obj->load();
  ASSERT_FALSE(loaded);
  const std::string msg = loaded.error().message();
  EXPECT_NE(msg.find("bpf object 'verifier_test': load failed"), std::string::npos) << msg;
  // The kernel verifier's own diagnosis of the missing NULL check, and libbpf naming the program.
  EXPECT_NE(msg.find("R0 invalid mem access 'map_value_or_null'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("prog 'bad'"), std::string::npos) << msg;
  // The tail only: one summary line plus at most detail::load_log_lines lines of log.
  EXPECT_LE(std::count(msg.begin(), msg.end(), '\n'), static_cast<long>(detail::load_log_lines));
  GB_EXPECT_ERROR(obj->load(), "an earlier load failed");
}

TEST(BpfObjectLoad, AutoloadOffLeavesTheBrokenProgramOut) {
  GB_REQUIRE_ROOT();
  auto obj = Object::open(gbt_verifier_test_bpf_object(), "verifier_test");
  GB_ASSERT_OK(obj);
  GB_ASSERT_OK(obj->set_autoload("bad", false));
  GB_ASSERT_OK(obj->load());
  EXPECT_TRUE(obj->loaded());
  auto ret = obj->run("good");
  GB_ASSERT_OK(ret);
  EXPECT_EQ(*ret, 5);
  GB_EXPECT_ERROR(obj->run("bad"), "prog 'bad': not loaded");
  GB_EXPECT_ERROR(obj->load(), "already loaded");
  GB_EXPECT_ERROR(obj->set_max_entries("values", 2), "only be set before load");
}

class BpfGlobals : public testing::MapsTestObject<false> {};

TEST_F(BpfGlobals, RodataSetBeforeLoadIsWhatTheProgramSees) {
  auto tunable = obj().global<std::uint64_t>(".rodata", "tunable");
  GB_ASSERT_OK(tunable);
  **tunable = 1234;
  auto weights = obj().global_array<std::uint32_t>(".rodata", "weights");
  GB_ASSERT_OK(weights);
  std::ranges::copy(std::array<std::uint32_t, 4>{10, 20, 30, 40}, weights->begin());
  GB_ASSERT_OK(obj().load());

  auto ret = obj().run("record");
  GB_ASSERT_OK(ret);
  EXPECT_EQ(*ret, 1234);  // the program returns the tunable
  auto seen = obj().global<std::uint64_t>(".bss", "seen_tunable");
  GB_ASSERT_OK(seen);
  EXPECT_EQ(**seen, 1234U);
  auto sum = obj().global<std::uint32_t>(".bss", "seen_weight_sum");
  GB_ASSERT_OK(sum);
  EXPECT_EQ(**sum, 100U);
}

TEST_F(BpfGlobals, BssAndDataAfterLoadAreTheKernelsMemory) {
  GB_ASSERT_OK(obj().load());
  auto runs = obj().global<std::uint64_t>(".bss", "runs");
  auto generation = obj().global<std::uint64_t>(".data", "generation");
  GB_ASSERT_OK(runs);
  GB_ASSERT_OK(generation);
  EXPECT_EQ(**runs, 0U);
  GB_ASSERT_OK(obj().run("record"));
  GB_ASSERT_OK(obj().run("record"));
  EXPECT_EQ(**runs, 2U);          // counted by the program, read through our pointer
  EXPECT_EQ(**generation, 102U);  // .data started at 100
  **runs = 40;                    // written by us, seen by the program
  GB_ASSERT_OK(obj().run("record"));
  EXPECT_EQ(**runs, 41U);
}

TEST_F(BpfGlobals, GlobalPointersSurviveMovingTheObject) {
  GB_ASSERT_OK(obj().load());
  auto runs = obj().global<std::uint64_t>(".bss", "runs");
  GB_ASSERT_OK(runs);
  Object moved = std::move(*obj_);
  obj_.reset();
  GB_ASSERT_OK(moved.run("record"));
  EXPECT_EQ(**runs, 1U);
}

TEST_F(BpfGlobals, RodataIsReadOnlyAfterLoad) {
  GB_ASSERT_OK(obj().load());
  GB_EXPECT_ERROR(obj().global<std::uint64_t>(".rodata", "tunable"),
                  "read-only after load: ask for a const type");
  GB_EXPECT_ERROR(obj().global_array<std::uint32_t>(".rodata", "weights"), "read-only after load");
  auto tunable = obj().global<const std::uint64_t>(".rodata", "tunable");
  GB_ASSERT_OK(tunable);
  EXPECT_EQ(**tunable, 7U);
  auto weights = obj().global_array<const std::uint32_t>(".rodata", "weights");
  GB_ASSERT_OK(weights);
  EXPECT_EQ(weights->size(), 4U);
  EXPECT_EQ((*weights)[1], 2U);
}

}  // namespace
}  // namespace ghostbrew::bpf
