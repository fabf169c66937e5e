// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// libFuzzer target for the tuning sample store: whatever the bytes of a sample file, loading it yields
// the samples or an Error naming the file, never a crash, an out-of-bounds read or UB. Like
// procdb_load_fuzz, each input is tried as a whole file and with its header trusted and the checksum
// bypassed (fixed up), so that mutations of the records reach the record decoder.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <sstream>
#include <vector>

#include "ghostbrew/core/state_file.hpp"
#include "ghostbrew/tuning/csv.hpp"
#include "ghostbrew/tuning/sample_store.hpp"
#include "ghostbrew/tuning/score.hpp"
#include "scratch_file.hpp"

namespace {

void use(const std::vector<ghostbrew::tuning::Sample>& samples) {
  for (const auto& s : samples) (void)ghostbrew::tuning::score(s.metrics);
  std::ostringstream csv;
  ghostbrew::tuning::write_csv(samples, csv);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace tuning = ghostbrew::tuning;
  const auto file = ghostbrew::fuzz::write_scratch("samples.bin", data, size);
  if (auto s = tuning::load_samples(file)) use(*s);

  // The same bytes with a header that matches them: magic, version, record count and checksum.
  ghostbrew::StateHeader h;
  if (size < sizeof h) return 0;
  std::memcpy(&h, data, sizeof h);
  const auto* payload = reinterpret_cast<const std::byte*>(data) + sizeof h;
  const std::size_t n = size - sizeof h;
  const auto fixed = tuning::detail::kSampleMagic;
  if (!ghostbrew::write_state_file(file, fixed, tuning::detail::kSampleVersion,
                                   static_cast<std::uint32_t>(n / sizeof(tuning::detail::SampleRecord)),
                                   std::span(payload, n)))
    __builtin_trap();
  if (auto s = tuning::load_samples(file)) use(*s);
  return 0;
}
