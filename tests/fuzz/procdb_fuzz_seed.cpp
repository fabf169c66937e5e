// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Writes the seed corpus of procdb_load_fuzz into the directory given as argv[1]: a valid version-2
// file saved by procdb::save() and a valid version-1 file.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include "ghostbrew/core/state_file.hpp"
#include "ghostbrew/procdb/store.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: procdb_fuzz_seed CORPUS_DIR\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];  // save() creates it when missing
  namespace procdb = ghostbrew::procdb;
  procdb::Database db;
  gb_observation o{};
  o.tasks = 4;
  o.bursts = 32;
  o.runtime_ns = 32 * 2'000'000ULL;
  o.runtime_sq_us = 32 * 4'100'000ULL;
  o.wakeups = 100;
  o.switches = 120;
  o.lifetime_ns = 3'000'000'000ULL;
  o.class_tasks[GB_CLASS_BATCH] = 3;
  o.class_tasks[GB_CLASS_DEFAULT] = 1;
  for (const char* comm : {"cc1", "ld", "as"}) (void)db.observe(comm, o, 1'700'000'000);
  if (auto ok = procdb::save(db, dir / "v2.bin"); !ok) {
    std::fprintf(stderr, "%s\n", ok.error().message().c_str());
    return 1;
  }
  procdb::detail::RecordV1 r{};
  std::memcpy(r.comm, "make", 4);
  r.runtime_ns = 5e5;
  r.wakeups_per_s = 10;
  r.cls = GB_CLASS_BATCH;
  r.tasks = 12;
  r.last_seen = 1'700'000'000;
  std::vector<std::byte> payload(sizeof r);
  std::memcpy(payload.data(), &r, sizeof r);
  if (auto ok = ghostbrew::write_state_file(dir / "v1.bin", procdb::procdb_magic, 1, 1, payload); !ok) {
    std::fprintf(stderr, "%s\n", ok.error().message().c_str());
    return 1;
  }
  return 0;
}
