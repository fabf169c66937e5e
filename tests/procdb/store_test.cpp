// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// procdb/store.hpp: the saved database round-trips, version 1 files are upgraded, and every kind of
// broken file is refused with one line naming it, never read out of bounds.
#include "ghostbrew/procdb/store.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace ghostbrew::procdb {
namespace {

using Bytes = std::vector<unsigned char>;

// Little-endian field writers: the files are built here byte by byte, not with the code under test.
void put_u32(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<unsigned char>(v >> (8 * i)));
}
void put_u64(Bytes& b, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<unsigned char>(v >> (8 * i)));
}
void put_f64(Bytes& b, double v) { put_u64(b, std::bit_cast<std::uint64_t>(v)); }
void put_comm(Bytes& b, std::string_view comm) {
  for (std::size_t i = 0; i < GB_COMM_LEN; ++i)
    b.push_back(i < comm.size() ? static_cast<unsigned char>(comm[i]) : 0);
}

/// A state file: "GBPROCDB", version, count, payload size, CRC-32 of the payload, reserved, payload.
Bytes state_file(std::uint32_t version, std::uint32_t count, const Bytes& payload,
                 const char* magic = "GBPROCDB") {
  Bytes b(magic, magic + 8);
  put_u32(b, version);
  put_u32(b, count);
  put_u64(b, payload.size());
  put_u32(b, static_cast<std::uint32_t>(
                 ::crc32(::crc32(0, nullptr, 0), payload.data(), static_cast<uInt>(payload.size()))));
  put_u32(b, 0);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

struct V1 {
  std::string_view comm;
  double runtime_ns;
  double wakeups_per_s;
  std::uint32_t cls;
  std::uint64_t tasks;
  std::int64_t last_seen;
};
void put_v1(Bytes& b, const V1& r) {
  put_comm(b, r.comm);
  put_f64(b, r.runtime_ns);
  put_f64(b, r.wakeups_per_s);
  put_u32(b, r.cls);
  put_u32(b, 0);
  put_u64(b, r.tasks);
  put_u64(b, static_cast<std::uint64_t>(r.last_seen));
}

struct V2 {
  std::string_view comm = "cc1";
  double runtime_ns = 2e6;
  double deviation_ns = 1e5;
  double wakeups_per_s = 3;
  double switches_per_s = 4;
  std::array<double, GB_NR_CLASSES> votes{0, 0, 0, 0, 0, 0, 1};
  std::uint64_t tasks = 7;
  std::int64_t first_seen = 100;
  std::int64_t last_seen = 200;
};
void put_v2(Bytes& b, const V2& r) {
  put_comm(b, r.comm);
  for (double v : {r.runtime_ns, r.deviation_ns, r.wakeups_per_s, r.switches_per_s}) put_f64(b, v);
  for (double v : r.votes) put_f64(b, v);
  put_u64(b, r.tasks);
  put_u64(b, static_cast<std::uint64_t>(r.first_seen));
  put_u64(b, static_cast<std::uint64_t>(r.last_seen));
}

class ProcdbStore : public ::testing::Test {
 protected:
  std::filesystem::path write(const Bytes& bytes, const std::string& name = "procdb.bin") {
    const auto p = dir_ / name;
    std::ofstream(p, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return p;
  }
  static Bytes read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
  }

  /// Loads `bytes` and expects a refusal that names the file and contains `what`.
  void expect_refused(const Bytes& bytes, std::string_view what, Limits limits = {}) {
    const auto p = write(bytes);
    const auto db = load(p, limits);
    ASSERT_FALSE(db) << "accepted a file that should have been refused for: " << what;
    const auto msg = db.error().message();
    EXPECT_EQ(msg.rfind(p.string(), 0), 0U) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }

  const ghostbrew::testing::TempDir dir_{"procdb"};
};

TEST_F(ProcdbStore, DefaultPathIsInTheStateDirectory) {
  EXPECT_EQ(default_procdb_path("/var/lib/ghostbrew"),
            std::filesystem::path("/var/lib/ghostbrew/procdb.bin"));
}

TEST_F(ProcdbStore, SaveThenLoadKeepsEveryField) {
  Database db(Limits{.max_profiles = 8, .max_age_s = 1000});
  Profile a;
  a.comm = "cc1plus";
  a.runtime_ns = 1234567.891;
  a.deviation_ns = 0.1;
  a.wakeups_per_s = 1e-3;
  a.switches_per_s = 98765.4321;
  a.votes = {0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.79};
  a.tasks = 123456789012345ULL;
  a.first_seen = 1'700'000'000;
  a.last_seen = 1'800'000'000;
  Profile b;
  b.comm = "x y~";
  b.tasks = 1;
  ASSERT_TRUE(db.insert(a));
  ASSERT_TRUE(db.insert(b));
  const auto path = dir_ / "sub" / "procdb.bin";
  ASSERT_TRUE(save(db, path));
  EXPECT_EQ(read(path).size(), 32 + 2 * 128U) << "32-byte header, two 128-byte records";

  auto back = load(path, Limits{.max_profiles = 8, .max_age_s = 1000});
  ASSERT_TRUE(back) << back.error().message();
  ASSERT_EQ(back->size(), 2U);
  for (const Profile* want : {&a, &b}) {
    const auto* got = back->find(want->comm);
    ASSERT_NE(got, nullptr) << want->comm;
    EXPECT_EQ(got->comm, want->comm);
    EXPECT_EQ(got->runtime_ns, want->runtime_ns);
    EXPECT_EQ(got->deviation_ns, want->deviation_ns);
    EXPECT_EQ(got->wakeups_per_s, want->wakeups_per_s);
    EXPECT_EQ(got->switches_per_s, want->switches_per_s);
    EXPECT_EQ(got->votes, want->votes);
    EXPECT_EQ(got->tasks, want->tasks);
    EXPECT_EQ(got->first_seen, want->first_seen);
    EXPECT_EQ(got->last_seen, want->last_seen);
  }
  EXPECT_EQ(back->limits().max_profiles, 8U);
}

TEST_F(ProcdbStore, ReadsTheFileItDescribesByteByByte) {
  // A version-2 file built here field by field loads as the profile it spells.
  Bytes payload;
  put_v2(payload, V2{});
  auto db = load(write(state_file(2, 1, payload)));
  ASSERT_TRUE(db) << db.error().message();
  const auto* p = db->find("cc1");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->runtime_ns, 2e6);
  EXPECT_EQ(p->deviation_ns, 1e5);
  EXPECT_EQ(p->switches_per_s, 4.0);
  EXPECT_EQ(p->votes[GB_CLASS_BATCH], 1.0);
  EXPECT_EQ(p->tasks, 7U);
  EXPECT_EQ(p->first_seen, 100);
  EXPECT_EQ(p->last_seen, 200);
}

TEST_F(ProcdbStore, VersionOneIsUpgraded) {
  Bytes payload;
  put_v1(payload, {"ld", 3e6, 12.5, GB_CLASS_BATCH, 40, 1'700'000'000});
  put_v1(payload, {"Xwayland", 5e4, 300, GB_CLASS_INTERACTIVE, 2, 1'700'000'500});
  auto db = load(write(state_file(1, 2, payload)));
  ASSERT_TRUE(db) << db.error().message();
  ASSERT_EQ(db->size(), 2U);
  const auto* ld = db->find("ld");
  ASSERT_NE(ld, nullptr);
  EXPECT_EQ(ld->runtime_ns, 3e6);
  EXPECT_EQ(ld->deviation_ns, 3e6) << "unknown deviation is taken as the mean";
  EXPECT_EQ(ld->wakeups_per_s, 12.5);
  EXPECT_EQ(ld->switches_per_s, 12.5) << "unknown switches: one per wake-up";
  EXPECT_EQ(ld->votes[GB_CLASS_BATCH], 1.0);
  EXPECT_EQ(ld->votes[GB_CLASS_INTERACTIVE], 0.0);
  EXPECT_EQ(ld->tasks, 40U);
  EXPECT_EQ(ld->first_seen, 1'700'000'000);
  EXPECT_EQ(ld->last_seen, 1'700'000'000);
  EXPECT_EQ(majority_class(*db->find("Xwayland")), GB_CLASS_INTERACTIVE);
  EXPECT_FALSE(db->prediction(*ld, 1'700'000'001)) << "an upgraded profile re-earns its confidence";

  // Saving writes the current version.
  const auto out = dir_ / "upgraded.bin";
  ASSERT_TRUE(save(*db, out));
  const auto bytes = read(out);
  ASSERT_GE(bytes.size(), 12U);
  EXPECT_EQ(bytes[8], procdb_version);
}

TEST_F(ProcdbStore, RefusesBrokenFilesNamingThem) {
  Bytes one;
  put_v2(one, V2{});
  const auto valid = state_file(2, 1, one);

  expect_refused(Bytes(valid.begin(), valid.begin() + 20), "truncated");
  expect_refused(Bytes(valid.begin(), valid.end() - 1), "truncated");
  auto flipped = valid;
  flipped[32 + 20] ^= 0x40;
  expect_refused(flipped, "checksum mismatch");
  expect_refused(state_file(2, 1, one, "GBPROCDX"), "wrong magic");
  expect_refused(state_file(3, 1, one), "unknown version 3");
  expect_refused(state_file(0, 1, one), "unknown version 0");
  expect_refused(state_file(2, 2, one), "2 records of 128 bytes do not match the payload of 128 bytes");
  expect_refused(state_file(2, 0, one), "0 records of 128 bytes");
  expect_refused(state_file(1, 1, one), "1 records of 56 bytes");  // a v2 payload labelled v1
  expect_refused(state_file(2, 0xffffffffU, one), "4294967295 profiles, above the cap of 4096");
  expect_refused(state_file(2, 2, one), "above the cap of 1", Limits{.max_profiles = 1});

  Bytes bad_class;
  put_v1(bad_class, {"ld", 1, 1, GB_NR_CLASSES, 1, 1});
  expect_refused(state_file(1, 1, bad_class), "record 0: class 7 out of range");

  auto no_nul = one;
  std::memset(no_nul.data(), 'a', GB_COMM_LEN);
  expect_refused(state_file(2, 1, no_nul), "record 0: comm is not NUL-terminated");
  Bytes control;
  put_v2(control, V2{.comm = "ok"});
  put_v2(control, V2{.comm = "a\tb"});
  expect_refused(state_file(2, 2, control), "record 1: comm has the non-printable byte 0x09 at offset 1");
  auto garbage_after_nul = one;
  garbage_after_nul[10] = 'z';
  expect_refused(state_file(2, 1, garbage_after_nul), "after its NUL");
  Bytes empty_comm;
  put_v2(empty_comm, V2{.comm = ""});
  expect_refused(state_file(2, 1, empty_comm), "empty comm");

  Bytes nan;
  put_v2(nan, V2{.runtime_ns = std::numeric_limits<double>::quiet_NaN()});
  expect_refused(state_file(2, 1, nan), "runtime_ns is not a finite number");
  Bytes inf;
  put_v2(inf, V2{.switches_per_s = std::numeric_limits<double>::infinity()});
  expect_refused(state_file(2, 1, inf), "switches_per_s is not a finite number");
  Bytes negative;
  put_v2(negative, V2{.deviation_ns = -1});
  expect_refused(state_file(2, 1, negative), "deviation_ns is negative");
  Bytes bad_vote;
  put_v2(bad_vote, V2{.votes = {0, 0, 0, -0.5, 0, 0, 1}});
  expect_refused(state_file(2, 1, bad_vote), "a class vote is negative");
  Bytes huge;
  put_v2(huge, V2{.deviation_ns = 1e200});  // finite, but its square is not
  expect_refused(state_file(2, 1, huge), "deviation_ns is implausibly large");
  Bytes big_vote;
  put_v2(big_vote, V2{.votes = {0, 0, 0, 0, 0, 0, 2}});
  expect_refused(state_file(2, 1, big_vote), "class vote 6 is above 1");
  Bytes times;
  put_v2(times, V2{.first_seen = 300, .last_seen = 200});
  expect_refused(state_file(2, 1, times), "first_seen 300 and last_seen 200 out of order");
  Bytes dup;
  put_v2(dup, V2{});
  put_v2(dup, V2{});
  expect_refused(state_file(2, 2, dup), "record 1: duplicate comm 'cc1'");

  const auto missing = load(dir_ / "missing.bin");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find((dir_ / "missing.bin").string()), std::string::npos);
}

TEST_F(ProcdbStore, AnyCorruptedByteIsRefusedOrLoadsSanely) {
  Bytes payload;
  put_v2(payload, V2{});
  put_v2(payload, V2{.comm = "make", .votes = {0.5, 0.5, 0, 0, 0, 0, 0}});
  Bytes v1payload;
  put_v1(v1payload, {"ld", 3e6, 12.5, GB_CLASS_BATCH, 40, 1'700'000'000});
  for (const auto& [version, count, body] : {std::tuple{2U, 2U, payload}, std::tuple{1U, 1U, v1payload}}) {
    const auto valid = state_file(version, count, body);
    for (std::size_t pos = 0; pos < valid.size(); ++pos) {
      for (unsigned char x : {0x01, 0x80, 0xff}) {
        auto bytes = valid;
        bytes[pos] ^= x;
        // As written (the checksum catches payload damage) and with the checksum made to match, so
        // the damage reaches the record parser.
        auto fixed = state_file(0, 0, Bytes(bytes.begin() + 32, bytes.end()));
        std::copy(bytes.begin(), bytes.begin() + 24, fixed.begin());
        for (const auto* file : {&bytes, &fixed}) {
          const auto p = write(*file);
          const auto db = load(p);
          if (!db) {
            EXPECT_EQ(db.error().message().rfind(p.string(), 0), 0U) << db.error().message();
            continue;
          }
          for (const auto& [comm, prof] : db->profiles()) {
            EXPECT_TRUE(check_comm(comm, "x"));
            EXPECT_TRUE(std::isfinite(prof.runtime_ns) && prof.runtime_ns >= 0);
            EXPECT_TRUE(std::isfinite(prof.deviation_ns) && prof.deviation_ns >= 0);
            const double c = confidence(prof, db->params());
            EXPECT_TRUE(c >= 0 && c <= 1);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace ghostbrew::procdb
