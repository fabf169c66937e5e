// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// libFuzzer target for procdb::load() and procdb::decode(): whatever the bytes of a process database
// file, loading it returns a Database or an Error, never crashes, reads out of bounds or trips UBSan.
// Each input is tried twice: as a whole file (header checks, checksum), and with its header fields
// trusted and the checksum bypassed, so that mutations of the payload reach the record parser.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "ghostbrew/core/state_file.hpp"
#include "ghostbrew/procdb/print.hpp"
#include "ghostbrew/procdb/store.hpp"
#include "scratch_file.hpp"

namespace {

/// Loaded databases are also used, so that what the loader let through meets the arithmetic.
void use(const ghostbrew::procdb::Database& db) {
  constexpr ghostbrew::procdb::UnixSeconds now = 1'800'000'000;
  (void)db.predictions(now);
  (void)ghostbrew::procdb::to_text(db, now);
  (void)ghostbrew::procdb::to_json(db, now).dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ghostbrew::procdb::Limits limits{.max_profiles = 64, .max_age_s = 30LL * 24 * 3600};
  const auto path = ghostbrew::fuzz::write_scratch("procdb.bin", data, size);
  if (auto db = ghostbrew::procdb::load(path, limits)) use(*db);

  ghostbrew::StateHeader header;
  if (size < sizeof header) return 0;
  std::memcpy(&header, data, sizeof header);
  ghostbrew::StateBlob blob;
  blob.version = header.version;
  blob.count = header.count;
  const auto* payload = reinterpret_cast<const std::byte*>(data) + sizeof header;
  blob.payload.assign(payload, payload + (size - sizeof header));
  if (auto db = ghostbrew::procdb::decode(blob, "fuzz input", limits)) use(*db);
  return 0;
}
