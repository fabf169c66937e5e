// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <vector>

#include "ghostbrew/tuning/sample_store.hpp"
#include "support.hpp"
#include "support/temp_dir.hpp"

namespace gt = ghostbrew::tuning;
namespace fs = std::filesystem;
using ghostbrew::testing::TempDir;
using tuning_test::sample;

namespace {

std::vector<char> bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& p, const std::vector<char>& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(b.data(), static_cast<std::streamsize>(b.size()));
}

/// A correctly framed (magic, size, CRC) file whose records are `records`: only the record checks
/// can refuse it.
void write_records(const fs::path& p, const std::vector<gt::detail::SampleRecord>& records,
                   std::uint32_t version = 1, std::uint32_t count_delta = 0) {
  std::vector<std::byte> payload(records.size() * sizeof(gt::detail::SampleRecord));
  if (!records.empty()) std::memcpy(payload.data(), records.data(), payload.size());
  ASSERT_TRUE(ghostbrew::write_state_file(p, "GBSAMPLE", version,
                                          static_cast<std::uint32_t>(records.size()) + count_delta, payload));
}

/// Expects load_samples(p) to fail with an error naming p and containing `needle`.
void expect_refused(const fs::path& p, const std::string& needle) {
  auto r = gt::load_samples(p);
  ASSERT_FALSE(r) << "accepted a corrupt file";
  EXPECT_EQ(r.error().where, p.string());
  EXPECT_NE(r.error().what.find(needle), std::string::npos) << r.error().message();
}

}  // namespace

TEST(SampleStoreTest, PathIsPerCpuModelAndGame) {
  EXPECT_EQ(
      gt::samples_path("/var/lib/ghostbrew", "AMD Ryzen 9 7950X3D 16-Core Processor", "Cyberpunk2077.exe"),
      fs::path("/var/lib/ghostbrew/samples/amd-ryzen-9-7950x3d-16-core-processor/cyberpunk2077-exe.gbs"));
  EXPECT_EQ(gt::slug("../../etc/passwd"), "etc-passwd");
  EXPECT_EQ(gt::slug("..."), "unnamed");
  EXPECT_EQ(gt::slug(std::string(100, 'a')).size(), 64u);
}

TEST(SampleStoreTest, AppendedSamplesReadBackExactly) {
  TempDir d;
  const auto a = sample("wine64-preloader", 100, 2e6, {GB_MODE_GAMING, 4000, 30000, 700, 2000});
  auto b = sample("wine64-preloader", 200, 3.5e6);
  b.metrics.op_p99_ns[GB_OP_STOPPING] = 12345.5;
  ASSERT_TRUE(gt::append(d.path(), a));
  ASSERT_TRUE(gt::append(d.path(), b));
  auto got = gt::load_samples(gt::samples_path(d.path(), a.cpu_model, a.game));
  ASSERT_TRUE(got) << got.error().message();
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0], a);
  EXPECT_EQ((*got)[1], b);
}

TEST(SampleStoreTest, CapDropsTheOldest) {
  TempDir d;
  for (int t = 1; t <= 5; ++t) ASSERT_TRUE(gt::append(d.path(), sample("g", t, 1e6), 3));
  auto got = gt::load_samples(gt::samples_path(d.path(), sample("g", 0, 0).cpu_model, "g"));
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].unix_time, 3);
  EXPECT_EQ((*got)[2].unix_time, 5);
}

TEST(SampleStoreTest, NamesTooLongForTheRecordAreRefused) {
  TempDir d;
  auto r = gt::append(d.path(), sample(std::string(gt::kMaxGameName + 1, 'x'), 1, 1e6));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().what.find("longer than 63"), std::string::npos) << r.error().message();
  EXPECT_TRUE(gt::append(d.path(), sample(std::string(gt::kMaxGameName, 'x'), 1, 1e6)));
}

TEST(SampleStoreTest, TruncatedFileIsRefused) {
  TempDir d;
  ASSERT_TRUE(gt::append(d.path(), sample("g", 1, 1e6)));
  const auto p = gt::samples_path(d.path(), sample("g", 0, 0).cpu_model, "g");
  auto b = bytes_of(p);
  b.resize(b.size() - 10);
  write_bytes(p, b);
  expect_refused(p, "truncated");
  b.resize(20);  // shorter than the header
  write_bytes(p, b);
  expect_refused(p, "truncated");
}

TEST(SampleStoreTest, TrailingBytesAreRefused) {
  TempDir d;
  ASSERT_TRUE(gt::append(d.path(), sample("g", 1, 1e6)));
  const auto p = gt::samples_path(d.path(), sample("g", 0, 0).cpu_model, "g");
  auto b = bytes_of(p);
  b.push_back('x');
  write_bytes(p, b);
  expect_refused(p, "trailing");
}

TEST(SampleStoreTest, FlippedPayloadByteFailsTheChecksum) {
  TempDir d;
  ASSERT_TRUE(gt::append(d.path(), sample("g", 1, 1e6)));
  const auto p = gt::samples_path(d.path(), sample("g", 0, 0).cpu_model, "g");
  auto b = bytes_of(p);
  b[32 + 100] = static_cast<char>(b[32 + 100] ^ 0x40);
  write_bytes(p, b);
  expect_refused(p, "checksum");
}

TEST(SampleStoreTest, WrongMagicIsRefused) {
  TempDir d;
  ASSERT_TRUE(gt::append(d.path(), sample("g", 1, 1e6)));
  const auto p = gt::samples_path(d.path(), sample("g", 0, 0).cpu_model, "g");
  auto b = bytes_of(p);
  b[0] = 'X';
  write_bytes(p, b);
  expect_refused(p, "magic");
}

TEST(SampleStoreTest, UnknownVersionIsRefused) {
  TempDir d;
  const auto p = d.path() / "v2.gbs";
  write_records(p, {gt::detail::to_record(sample("g", 1, 1e6))}, 2);
  expect_refused(p, "version 2");
}

TEST(SampleStoreTest, CountThatDisagreesWithThePayloadIsRefused) {
  TempDir d;
  const auto p = d.path() / "count.gbs";
  write_records(p, {gt::detail::to_record(sample("g", 1, 1e6))}, 1, 1);  // says 2 records, holds 1
  expect_refused(p, "2 records");
}

TEST(SampleStoreTest, PayloadThatIsNotWholeRecordsIsRefused) {
  TempDir d;
  const auto p = d.path() / "partial.gbs";
  std::vector<std::byte> payload(sizeof(gt::detail::SampleRecord) + 3);
  ASSERT_TRUE(ghostbrew::write_state_file(p, "GBSAMPLE", 1, 1, payload));
  expect_refused(p, "do not fill");
}

TEST(SampleStoreTest, StringFieldWithoutNulIsRefused) {
  TempDir d;
  const auto p = d.path() / "nul.gbs";
  auto r = gt::detail::to_record(sample("g", 1, 1e6));
  std::memset(r.game, 'x', sizeof r.game);
  write_records(p, {r});
  expect_refused(p, "record 0: game name is not NUL-terminated");
  r = gt::detail::to_record(sample("g", 1, 1e6));
  std::memset(r.cpu_model, 'x', sizeof r.cpu_model);
  write_records(p, {gt::detail::to_record(sample("g", 1, 1e6)), r});
  expect_refused(p, "record 1: CPU model");
}

TEST(SampleStoreTest, UnknownModeOrNonFiniteMetricIsRefused) {
  TempDir d;
  const auto p = d.path() / "bad.gbs";
  auto r = gt::detail::to_record(sample("g", 1, 1e6));
  r.mode = 9;
  write_records(p, {r});
  expect_refused(p, "mode 9");
  r = gt::detail::to_record(sample("g", 1, 1e6));
  r.gaming_wake_p99_ns = std::numeric_limits<double>::quiet_NaN();
  write_records(p, {r});
  expect_refused(p, "finite");
  r = gt::detail::to_record(sample("g", 1, 1e6));
  r.op_p99_ns[GB_OP_RUNNING] = -1;
  write_records(p, {r});
  expect_refused(p, "finite");
}

TEST(SampleStoreTest, AppendDoesNotOverwriteACorruptFile) {
  TempDir d;
  ASSERT_TRUE(gt::append(d.path(), sample("g", 1, 1e6)));
  const auto p = gt::samples_path(d.path(), sample("g", 0, 0).cpu_model, "g");
  auto b = bytes_of(p);
  b.back() = static_cast<char>(b.back() ^ 1);
  write_bytes(p, b);
  auto r = gt::append(d.path(), sample("g", 2, 1e6));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().where, p.string());
  EXPECT_EQ(bytes_of(p), b);  // left as it was, for the user to inspect or remove
}

TEST(SampleStoreTest, LoadAllKeepsGoodFilesAndReportsTheCorruptOne) {
  TempDir d;
  ASSERT_TRUE(gt::append(d.path(), sample("alpha", 1, 1e6)));
  ASSERT_TRUE(gt::append(d.path(), sample("beta", 2, 1e6)));
  auto other_cpu = sample("gamma", 3, 1e6);
  other_cpu.cpu_model = "Intel(R) Core(TM) i9-14900K";
  ASSERT_TRUE(gt::append(d.path(), other_cpu));
  const auto broken = gt::samples_path(d.path(), sample("g", 0, 0).cpu_model, "beta");
  write_bytes(broken, {'j', 'u', 'n', 'k'});
  const auto all = gt::load_all(d.path());
  ASSERT_EQ(all.samples.size(), 2u);
  EXPECT_EQ(all.samples[0].game, "alpha");
  EXPECT_EQ(all.samples[1].game, "gamma");
  ASSERT_EQ(all.errors.size(), 1u);
  EXPECT_EQ(all.errors[0].where, broken.string());
}

TEST(SampleStoreTest, NothingRecordedYetIsNoError) {
  TempDir d;
  const auto all = gt::load_all(d.path() / "never-created");
  EXPECT_TRUE(all.samples.empty());
  EXPECT_TRUE(all.errors.empty());
}

namespace {
template <class T>
void put(std::vector<std::byte>& rec, std::size_t offset, T v) {
  std::memcpy(rec.data() + offset, &v, sizeof v);
}
}  // namespace

// A version-1 file as every build so far wrote it, packed by hand at the documented offsets (not
// through SampleRecord): files already on disk keep loading, whatever the codec loops over.
TEST(SampleStoreTest, Version1FileFromEarlierBuildsStillLoads) {
  TempDir d;
  std::vector<std::byte> rec(376);
  put<std::int64_t>(rec, 0, 1700000000);
  std::memcpy(rec.data() + 8, "eldenring.exe", 13);         // game, 64 bytes
  std::memcpy(rec.data() + 72, "AMD Ryzen 7 9800X3D", 19);  // cpu_model, 96 bytes
  put<std::uint32_t>(rec, 168, GB_MODE_GAMING);
  const std::uint64_t config[] = {4000, 30000, 700, 2000};
  for (std::size_t i = 0; i < 4; ++i) put(rec, 176 + 8 * i, config[i]);
  put(rec, 208, 250000.0);             // gaming_wake_p50_ns
  put(rec, 216, 2e6);                  // gaming_wake_p99_ns
  put(rec, 224, 4e6);                  // gaming_wake_p999_ns
  put<std::uint64_t>(rec, 232, 5000);  // gaming_wakeups
  put(rec, 240, 1e6);                  // interactive_wake_p99_ns
  for (std::size_t o = 0; o < GB_NR_OPS; ++o) put(rec, 248 + 8 * o, 100.0 * static_cast<double>(o + 1));
  const double rest[] = {12000, 800, 30, 0.97, 0.4, 55, 0.6};  // dispatches_per_s .. cpu_utilisation
  for (std::size_t i = 0; i < 7; ++i) put(rec, 288 + 8 * i, rest[i]);
  for (std::size_t c = 0; c < GB_NR_CLASSES; ++c) put<std::uint32_t>(rec, 344 + 4 * c, 10 + c);
  const auto p = d.path() / "v1.gbs";
  ASSERT_TRUE(ghostbrew::write_state_file(p, "GBSAMPLE", 1, 1, rec));

  auto got = gt::load_samples(p);
  ASSERT_TRUE(got) << got.error().message();
  ASSERT_EQ(got->size(), 1u);
  const gt::Sample& s = got->front();
  EXPECT_EQ(s.unix_time, 1700000000);
  EXPECT_EQ(s.game, "eldenring.exe");
  EXPECT_EQ(s.cpu_model, "AMD Ryzen 7 9800X3D");
  EXPECT_EQ(s.config, (gt::TuningConfig{GB_MODE_GAMING, 4000, 30000, 700, 2000}));
  const gt::Metrics& m = s.metrics;
  EXPECT_EQ(m.gaming_wake_p50_ns, 250000.0);
  EXPECT_EQ(m.gaming_wake_p99_ns, 2e6);
  EXPECT_EQ(m.gaming_wake_p999_ns, 4e6);
  EXPECT_EQ(m.gaming_wakeups, 5000u);
  EXPECT_EQ(m.interactive_wake_p99_ns, 1e6);
  EXPECT_EQ(m.op_p99_ns, (std::array<double, GB_NR_OPS>{100, 200, 300, 400, 500}));
  EXPECT_EQ(m.dispatches_per_s, 12000.0);
  EXPECT_EQ(m.migrations_per_s, 800.0);
  EXPECT_EQ(m.xccd_migrations_per_s, 30.0);
  EXPECT_EQ(m.ccd_locality, 0.97);
  EXPECT_EQ(m.direct_dispatch_rate, 0.4);
  EXPECT_EQ(m.preemptions_per_s, 55.0);
  EXPECT_EQ(m.cpu_utilisation, 0.6);
  EXPECT_EQ(m.threads, (gt::ClassCounts{10, 11, 12, 13, 14, 15, 16}));
  // And written back, it is the same bytes.
  const auto again = d.path() / "again.gbs";
  ASSERT_TRUE(gt::save_samples(again, *got));
  EXPECT_EQ(bytes_of(again), bytes_of(p));
}

TEST(SampleStoreTest, EveryRealMetricMustBeFiniteAndNonNegative) {
  TempDir d;
  const auto p = d.path() / "bad.gbs";
  // Byte offsets of the double fields of a version-1 record: the latencies, the callbacks, the rates.
  std::vector<std::size_t> offsets = {208, 216, 224, 240};
  for (std::size_t o = 0; o < GB_NR_OPS; ++o) offsets.push_back(248 + 8 * o);
  for (std::size_t i = 0; i < 7; ++i) offsets.push_back(288 + 8 * i);
  for (std::size_t off : offsets) {
    auto r = gt::detail::to_record(sample("g", 1, 1e6));
    const double bad = -1;
    std::memcpy(reinterpret_cast<char*>(&r) + off, &bad, sizeof bad);
    write_records(p, {r});
    expect_refused(p, "is not a finite non-negative number");
  }
}
