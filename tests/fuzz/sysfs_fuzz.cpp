// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// libFuzzer target for the readers of sysfs values and CPU lists, and of /proc/cpuinfo: whatever the
// kernel (or a fixture, or a future kernel's format) writes there, parsing yields a value or an Error
// naming the file, never a crash, an out-of-bounds read or UB. The seed corpus holds this machine's
// real files (tests/fuzz/CMakeLists.txt copies them).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ghostbrew/core/cpuset.hpp"
#include "ghostbrew/core/fs.hpp"
#include "ghostbrew/detect/gpu.hpp"
#include "ghostbrew/topology/sysfs.hpp"
#include "scratch_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace sysfs = ghostbrew::topology::sysfs;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto set = ghostbrew::parse_cpulist(text, "fuzz/cpulist")) (void)set->size();
  if (auto set = ghostbrew::parse_cpumask(text, "fuzz/cpumask")) (void)set->size();
  (void)ghostbrew::fs::parse_u64(text, "fuzz/value");
  (void)sysfs::parse_size(text, "fuzz/size");
  (void)sysfs::detail::without_nuls(text);
  (void)ghostbrew::detect::detail::parse_resource(text, "fuzz/resource");
  const auto file = ghostbrew::fuzz::write_scratch("cpuinfo", data, size);
  (void)sysfs::read_identity(file);
  (void)ghostbrew::read_cpulist(file);
  (void)ghostbrew::read_cpumask(file);
  (void)ghostbrew::fs::read_word(file);
  std::vector<std::string> warnings;
  (void)sysfs::optional_id(file, warnings);
  return 0;
}
