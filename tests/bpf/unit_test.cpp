// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Root-free checks of the BPF layer: the libbpf log hook, opening embedded ELF objects, and every
// check that happens before load (map types/sizes, global sizes via BTF).
#include <array>
#include <cstdarg>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gbt_maps_test_bpfobj.h"
#include "ghostbrew/bpf/log.hpp"
#include "ghostbrew/bpf/map.hpp"
#include "ghostbrew/bpf/object.hpp"
#include "ghostbrew/bpf/ring_buffer.hpp"
#include "support.hpp"

namespace ghostbrew::bpf {
namespace {

// Feeds a printf-style message to the libbpf callback, as libbpf does.
int libbpf_says(libbpf_print_level level, const char* format, ...) {
  va_list args;
  va_start(args, format);
  const int n = detail::libbpf_print(level, format, args);
  va_end(args);
  return n;
}

TEST(BpfLog, MessagesAreSplitIntoLinesAcrossCalls) {
  const LogCapture log;
  libbpf_says(LIBBPF_WARN, "prog '%s': first ", "p");
  libbpf_says(LIBBPF_WARN, "half %d\nsecond line\nthird", 1);
  libbpf_says(LIBBPF_WARN, " line\n");
  EXPECT_EQ(log.tail(10), (std::vector<std::string>{"prog 'p': first half 1", "second line", "third line"}));
  EXPECT_EQ(log.tail_text(2), "second line\nthird line");
}

TEST(BpfLog, CapturesNestAndKeepOnlyTheirTail) {
  const LogCapture outer;
  {
    const LogCapture inner(2);
    libbpf_says(LIBBPF_INFO, "a\nb\nc\n");
    EXPECT_EQ(inner.tail(10), (std::vector<std::string>{"b", "c"}));
  }
  libbpf_says(LIBBPF_DEBUG, "d\n");
  EXPECT_EQ(outer.tail(10), (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST(BpfLog, SinkReceivesEveryLineWithItsLevel) {
  std::vector<std::pair<LogLevel, std::string>> seen;
  set_libbpf_sink(
      [&](LogLevel level, std::string_view line) { seen.emplace_back(level, std::string(line)); });
  libbpf_says(LIBBPF_WARN, "w\n");
  libbpf_says(LIBBPF_DEBUG, "d\n");
  set_libbpf_sink({});
  libbpf_says(LIBBPF_WARN, "after reset\n");
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[0], std::make_pair(LogLevel::warn, std::string("w")));
  EXPECT_EQ(seen[1], std::make_pair(LogLevel::debug, std::string("d")));
}

TEST(BpfLog, VerboseModePrintsWarningsAndInfoToStderrButNotDebug) {
  set_libbpf_verbose(true);
  ::testing::internal::CaptureStderr();
  libbpf_says(LIBBPF_WARN, "shown warning\n");
  libbpf_says(LIBBPF_DEBUG, "hidden debug\n");
  const std::string verbose = ::testing::internal::GetCapturedStderr();
  set_libbpf_verbose(false);
  ::testing::internal::CaptureStderr();
  libbpf_says(LIBBPF_WARN, "quiet warning\n");
  const std::string quiet = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(verbose, "libbpf: shown warning\n");
  EXPECT_EQ(quiet, "");
}

TEST(BpfObjectOpen, GarbageElfIsAnErrorNamingTheObjectAndLibbpfsReason) {
  std::array<std::byte, 256> junk{};
  junk.fill(std::byte{0x5a});
  auto obj = Object::open(junk, "junk");
  GB_EXPECT_ERROR(obj, "bpf object 'junk': open failed (256 bytes of ELF)");
  GB_EXPECT_ERROR(obj, "libbpf said:");
}

TEST(BpfObjectOpen, EmptyImageIsAnError) {
  GB_EXPECT_ERROR(Object::open({}, "empty"), "bpf object 'empty': open failed");
}

class BpfOpened : public ::testing::Test {
 protected:
  void SetUp() override {
    auto o = Object::open(gbt_maps_test_bpf_object(), "maps_test");
    GB_ASSERT_OK(o);
    obj_.emplace(std::move(*o));
  }
  Object& obj() { return *obj_; }
  std::optional<Object> obj_;
};

TEST_F(BpfOpened, FindsMapsAndProgramsByNameAndNamesWhatIsMissing) {
  EXPECT_FALSE(obj().loaded());
  GB_ASSERT_OK(obj().find_map("hash"));
  GB_ASSERT_OK(obj().find_map(".bss"));
  GB_ASSERT_OK(obj().find_program("emit"));
  GB_EXPECT_ERROR(obj().find_map("nope"), "bpf object 'maps_test' map 'nope': no such map");
  GB_EXPECT_ERROR(obj().find_program("nope"), "bpf object 'maps_test' prog 'nope': no such program");
}

TEST_F(BpfOpened, MapKeyAndValueSizesAreCheckedAgainstTheDefinition) {
  GB_ASSERT_OK((HashMap<std::uint32_t, std::uint64_t>::from(obj(), "hash")));
  GB_EXPECT_ERROR((HashMap<std::uint64_t, std::uint64_t>::from(obj(), "hash")),
                  "map 'hash': key is 4 bytes in the map, 8 bytes in the C++ type");
  GB_EXPECT_ERROR((HashMap<std::uint32_t, std::uint32_t>::from(obj(), "hash")),
                  "map 'hash': value is 8 bytes in the map, 4 bytes in the C++ type");
  GB_EXPECT_ERROR(ArrayMap<std::uint64_t>::from(obj(), "stats"), "value is 16 bytes in the map, 8 bytes");
  GB_EXPECT_ERROR(PerCpuArray<std::uint32_t>::from(obj(), "runs_per_cpu"),
                  "value is 8 bytes in the map, 4 bytes");
}

TEST_F(BpfOpened, MapTypeIsCheckedAgainstTheWrapper) {
  GB_EXPECT_ERROR((HashMap<std::uint32_t, std::uint64_t>::from(obj(), "lru")),
                  "map 'lru': is a lru_hash map, the C++ type expects hash");
  GB_EXPECT_ERROR((LruHashMap<std::uint32_t, std::uint64_t>::from(obj(), "hash")), "is a hash map");
  GB_EXPECT_ERROR(ArrayMap<std::uint64_t>::from(obj(), "runs_per_cpu"), "is a percpu_array map");
  GB_EXPECT_ERROR(RingBuffer<int>::create(obj(), "hash", [](const int&) {}), "is a hash map, not ringbuf");
}

TEST_F(BpfOpened, ElementOperationsBeforeLoadAreErrorsNotCrashes) {
  auto hash = HashMap<std::uint32_t, std::uint64_t>::from(obj(), "hash");
  GB_ASSERT_OK(hash);
  GB_EXPECT_ERROR(hash->update(1, 2), "map 'hash': not created yet: load the object first");
  GB_EXPECT_ERROR(hash->lookup(1), "not created yet");
  GB_EXPECT_ERROR(RingBuffer<int>::create(obj(), "events", [](const int&) {}),
                  "map 'events': not created yet");
  GB_EXPECT_ERROR(obj().run("record"), "prog 'record': not loaded");
  GB_EXPECT_ERROR(obj().attach("record"), "cannot attach before the object is loaded");
}

TEST_F(BpfOpened, AutoloadAndAutoattachFlagsReachLibbpf) {
  GB_ASSERT_OK(obj().set_autoload("emit", false));
  GB_ASSERT_OK(obj().set_autoattach("record", false));
  EXPECT_FALSE(bpf_program__autoload(obj().find_program("emit").value()));
  EXPECT_TRUE(bpf_program__autoload(obj().find_program("record").value()));
  EXPECT_FALSE(bpf_program__autoattach(obj().find_program("record").value()));
  GB_EXPECT_ERROR(obj().set_autoload("nope", false), "prog 'nope': no such program");
  GB_EXPECT_ERROR(obj().set_autoattach("nope", false), "prog 'nope': no such program");
}

TEST_F(BpfOpened, SetMaxEntriesBeforeLoadResizesTheMap) {
  GB_ASSERT_OK(obj().set_max_entries("lru", 64));
  auto lru = LruHashMap<std::uint32_t, std::uint64_t>::from(obj(), "lru");
  GB_ASSERT_OK(lru);
  EXPECT_EQ(lru->max_entries(), 64U);
  GB_EXPECT_ERROR(obj().set_max_entries("nope", 1), "map 'nope': no such map");
}

TEST_F(BpfOpened, RodataGlobalsHoldTheirInitialValuesBeforeLoad) {
  auto tunable = obj().global<std::uint64_t>(".rodata", "tunable");
  GB_ASSERT_OK(tunable);
  EXPECT_EQ(**tunable, 7U);
  auto weights = obj().global<std::uint32_t[4]>(".rodata", "weights");
  GB_ASSERT_OK(weights);
  EXPECT_EQ((**weights)[3], 4U);
  auto span = obj().global_array<std::uint32_t>(".rodata", "weights");
  GB_ASSERT_OK(span);
  EXPECT_EQ(std::vector<std::uint32_t>(span->begin(), span->end()), (std::vector<std::uint32_t>{1, 2, 3, 4}));
  auto generation = obj().global<std::uint64_t>(".data", "generation");
  GB_ASSERT_OK(generation);
  EXPECT_EQ(**generation, 100U);
}

TEST_F(BpfOpened, GlobalSizeAndNameAreCheckedAgainstBtf) {
  GB_EXPECT_ERROR(obj().global<std::uint32_t>(".rodata", "tunable"),
                  "global 'tunable' in '.rodata': is 8 bytes in BTF, the C++ type is 4 bytes");
  GB_EXPECT_ERROR(obj().global<std::uint32_t[3]>(".rodata", "weights"), "is 16 bytes in BTF");
  GB_EXPECT_ERROR(obj().global_array<std::uint64_t>(".rodata", "weights"), "has 4-byte elements in BTF");
  GB_EXPECT_ERROR(obj().global_array<std::uint64_t>(".rodata", "tunable"), "is not an array in BTF");
  GB_EXPECT_ERROR(obj().global<std::uint64_t>(".rodata", "nope"),
                  "global 'nope' in '.rodata': no such variable");
  GB_EXPECT_ERROR(obj().global<std::uint64_t>(".bss", "tunable"), "no such variable");
  GB_EXPECT_ERROR(obj().global<std::uint64_t>("rodata", "tunable"), "starts with '.'");
  GB_EXPECT_ERROR(obj().global<std::uint64_t>(".data.nope", "x"), "map '.data.nope': no such map");
}

}  // namespace
}  // namespace ghostbrew::bpf
