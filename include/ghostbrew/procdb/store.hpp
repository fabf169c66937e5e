// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The process database on disk: a state file (core/state_file.hpp, magic "GBPROCDB") holding one
// fixed-size record per profile. Version 2 is written; version 1 (an older, smaller record) is read
// and upgraded. Every record is checked before it is believed: a file that is truncated, corrupted,
// hostile or from a newer build is refused with one line naming the file and what is wrong.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ghostbrew/bpf/abi.h"
#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/state_file.hpp"
#include "ghostbrew/procdb/comm.hpp"
#include "ghostbrew/procdb/database.hpp"
#include "ghostbrew/procdb/profile.hpp"

namespace ghostbrew::procdb {

/// Magic of a process database file.
inline constexpr std::string_view procdb_magic = "GBPROCDB";
/// The version save() writes.
inline constexpr std::uint32_t procdb_version = 2;

namespace detail {

// Records are stored as these packed PODs, in the host's byte order: the files never leave the
// machine, and the layout is pinned by the size assertions. Doubles are IEEE 754 binary64.
static_assert(std::endian::native == std::endian::little, "procdb records are little-endian");
static_assert(std::numeric_limits<double>::is_iec559, "procdb records hold IEEE 754 doubles");

/// Version 2 (current): every Profile field.
struct RecordV2 {
  char comm[GB_COMM_LEN];  // NUL-terminated and NUL-padded, printable ASCII before the NUL
  double runtime_ns;
  double deviation_ns;
  double wakeups_per_s;
  double switches_per_s;
  double votes[GB_NR_CLASSES];  // decayed share per enum gb_class
  std::uint64_t tasks;
  std::int64_t first_seen;
  std::int64_t last_seen;
};
static_assert(sizeof(RecordV2) == 16 + 4 * 8 + GB_NR_CLASSES * 8 + 3 * 8, "RecordV2 layout");
static_assert(std::is_trivially_copyable_v<RecordV2>);

/// Version 1: one class instead of votes, no deviation, no switches, no first_seen. Upgraded as:
///  - votes: 1 for the stored class, 0 for the others;
///  - deviation_ns = runtime_ns (cv 1, stability 0.5): an upgraded profile predicts again only after
///    new observations confirm that its runtime is stable;
///  - switches_per_s = wakeups_per_s (each wake-up is followed by a switch in);
///  - first_seen = last_seen.
struct RecordV1 {
  char comm[GB_COMM_LEN];
  double runtime_ns;
  double wakeups_per_s;
  std::uint32_t cls;       // enum gb_class
  std::uint32_t reserved;  // 0
  std::uint64_t tasks;
  std::int64_t last_seen;
};
static_assert(sizeof(RecordV1) == 16 + 2 * 8 + 2 * 4 + 2 * 8, "RecordV1 layout");
static_assert(std::is_trivially_copyable_v<RecordV1>);

inline std::size_t record_size(std::uint32_t version) {
  return version == 1 ? sizeof(RecordV1) : sizeof(RecordV2);
}

/// Largest payload a file within `limits` can have.
inline std::uint64_t max_payload(const Limits& limits) {
  constexpr std::uint64_t per = std::max(sizeof(RecordV1), sizeof(RecordV2));
  const std::uint64_t cap = limits.max_profiles;
  return cap > std::numeric_limits<std::uint64_t>::max() / per ? std::numeric_limits<std::uint64_t>::max()
                                                               : cap * per;
}

inline Result<void> check_average(double v, std::string_view name, const std::string& where) {
  if (!std::isfinite(v)) return fail(where, "{} is not a finite number", name);
  if (v < 0) return fail(where, "{} is negative ({})", name, v);
  if (v > max_average) return fail(where, "{} is implausibly large ({})", name, v);
  return {};
}

inline Result<Profile> profile_of(const RecordV2& r, const std::string& where) {
  Profile p;
  auto comm = comm_from_field(std::span<const char, GB_COMM_LEN>(r.comm), where);
  if (!comm) return tl::unexpected(comm.error());
  p.comm = std::move(*comm);
  const std::pair<double, std::string_view> averages[] = {{r.runtime_ns, "runtime_ns"},
                                                          {r.deviation_ns, "deviation_ns"},
                                                          {r.wakeups_per_s, "wakeups_per_s"},
                                                          {r.switches_per_s, "switches_per_s"}};
  for (const auto& [v, name] : averages)
    if (auto ok = check_average(v, name, where); !ok) return tl::unexpected(ok.error());
  for (std::size_t c = 0; c < p.votes.size(); ++c) {
    if (auto ok = check_average(r.votes[c], "a class vote", where); !ok) return tl::unexpected(ok.error());
    if (r.votes[c] > 1.0 + 1e-9) return fail(where, "class vote {} is above 1 ({})", c, r.votes[c]);
    p.votes[c] = r.votes[c];
  }
  if (r.first_seen < 0 || r.last_seen < r.first_seen)
    return fail(where, "first_seen {} and last_seen {} out of order", r.first_seen, r.last_seen);
  p.runtime_ns = r.runtime_ns;
  p.deviation_ns = r.deviation_ns;
  p.wakeups_per_s = r.wakeups_per_s;
  p.switches_per_s = r.switches_per_s;
  p.tasks = r.tasks;
  p.first_seen = r.first_seen;
  p.last_seen = r.last_seen;
  return p;
}

inline Result<Profile> profile_of(const RecordV1& r, const std::string& where) {
  if (r.cls >= GB_NR_CLASSES) return fail(where, "class {} out of range (0..{})", r.cls, GB_NR_CLASSES - 1);
  if (r.reserved != 0) return fail(where, "reserved field is {:#x}, not 0", r.reserved);
  RecordV2 up{};
  std::memcpy(up.comm, r.comm, sizeof up.comm);
  up.runtime_ns = r.runtime_ns;
  up.deviation_ns = r.runtime_ns;
  up.wakeups_per_s = r.wakeups_per_s;
  up.switches_per_s = r.wakeups_per_s;
  up.votes[r.cls] = 1.0;
  up.tasks = r.tasks;
  up.first_seen = r.last_seen;
  up.last_seen = r.last_seen;
  return profile_of(up, where);
}

template <class Record>
Result<void> load_records(Database& db, std::span<const std::byte> payload, std::uint32_t count,
                          const std::string& where) {
  for (std::uint32_t i = 0; i < count; ++i) {
    Record r;
    std::memcpy(&r, payload.data() + std::size_t{i} * sizeof r, sizeof r);
    auto p = profile_of(r, where);
    if (!p) return fail(where, "record {}: {}", i, p.error().what);
    if (auto ok = db.insert(std::move(*p)); !ok) return fail(where, "record {}: {}", i, ok.error().what);
  }
  return {};
}

}  // namespace detail

/// The database file in a state directory (core/state_file.hpp state_dir()): `state_dir/procdb.bin`.
[[nodiscard]] inline std::filesystem::path default_procdb_path(const std::filesystem::path& state_dir) {
  return state_dir / "procdb.bin";
}

/// The payload of a version-2 file: one record per profile, in comm order.
[[nodiscard]] inline std::vector<std::byte> encode(const Database& db) {
  std::vector<std::byte> out(db.size() * sizeof(detail::RecordV2));
  std::size_t at = 0;
  for (const auto& [comm, p] : db.profiles()) {
    detail::RecordV2 r{};
    const auto key = comm_key(comm);
    std::memcpy(r.comm, key.comm, sizeof r.comm);
    r.runtime_ns = p.runtime_ns;
    r.deviation_ns = p.deviation_ns;
    r.wakeups_per_s = p.wakeups_per_s;
    r.switches_per_s = p.switches_per_s;
    for (std::size_t c = 0; c < p.votes.size(); ++c) r.votes[c] = p.votes[c];
    r.tasks = p.tasks;
    r.first_seen = p.first_seen;
    r.last_seen = p.last_seen;
    std::memcpy(out.data() + at, &r, sizeof r);
    at += sizeof r;
  }
  return out;
}

/// Writes `db` to `path` as a version-2 file, atomically (write_state_file()).
inline Result<void> save(const Database& db, const std::filesystem::path& path) {
  const auto payload = encode(db);
  return write_state_file(path, procdb_magic, procdb_version, static_cast<std::uint32_t>(db.size()), payload);
}

/// Parses a checked state file's content (read_state_file()) into a Database with `limits` and
/// `params`: version 1 or 2 (1 is upgraded, see detail::RecordV1), count within limits.max_profiles
/// and matching the payload size, every record valid (comm NUL-terminated, NUL-padded and printable,
/// class in range, averages finite and in [0, max_average], votes in [0, 1], 0 <= first_seen <=
/// last_seen, no duplicate comm).
/// Errors name `where` (the file) and, for a bad record, its index.
inline Result<Database> decode(const StateBlob& blob, const std::string& where, Limits limits = {},
                               LearnParams params = {}) {
  if (blob.version == 0 || blob.version > procdb_version)
    return fail(where, "unknown version {} (this build reads versions 1 to {})", blob.version,
                procdb_version);
  if (blob.count > limits.max_profiles)
    return fail(where, "{} profiles, above the cap of {}", blob.count, limits.max_profiles);
  const std::size_t size = detail::record_size(blob.version);
  if (blob.payload.size() != std::size_t{blob.count} * size)
    return fail(where, "{} records of {} bytes do not match the payload of {} bytes", blob.count, size,
                blob.payload.size());
  Database db(limits, params);
  const auto loaded = blob.version == 1
                          ? detail::load_records<detail::RecordV1>(db, blob.payload, blob.count, where)
                          : detail::load_records<detail::RecordV2>(db, blob.payload, blob.count, where);
  if (!loaded) return tl::unexpected(loaded.error());
  return db;
}

/// Reads the database saved at `path` (see decode() for what is checked and upgraded).
inline Result<Database> load(const std::filesystem::path& path, Limits limits = {}, LearnParams params = {}) {
  auto blob = read_state_file(path, procdb_magic, detail::max_payload(limits));
  if (!blob) return tl::unexpected(blob.error());
  return decode(*blob, path.string(), limits, params);
}

}  // namespace ghostbrew::procdb
