// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The decisions topology discovery makes from what sysfs offers, each a small function over a
// Topology whose CPUs, cores, LLCs and packages are already filled in:
//
// CCDs (group_ccds): AMD family 0x17 (Zen, Zen+, Zen 2) and Hygon family 0x18 build a CCD (die)
//   from two CCXs, each with its own L3. Sysfs has no CCD file, but the L3's `cache/index3/id`
//   is the CCX number (APIC id >> 3), so on those parts the LLCs of a package with ids 2k and 2k+1
//   form CCD k (without ids: consecutive pairs in CPU order). Everywhere else (Zen 3 and later,
//   Intel, Arm) one LLC is one CCD.
// V-Cache (mark_vcache): within a package, an L3 whose `size` is at least 1.5x the package's
//   smallest L3 is V-Cache (7950X3D/9950X3D: 96 MiB vs 32 MiB). When all of a package's L3s have
//   the same size, they are V-Cache on AuthenticAMD parts when that size is at least 64 MiB: no Zen
//   CCD without stacked cache has more than 32 MiB, so single-CCD X3D parts (7800X3D, 9800X3D)
//   and Milan-X/Genoa-X are all V-Cache. An L3 of unknown size is never V-Cache.
// CPU types (assign_types): from the hybrid PMUs `sys/devices/cpu_core/cpus` (performance) and
//   `sys/devices/cpu_atom/cpus` (efficiency) when either exists; else from `cpu_capacity` when every
//   CPU has one (below the largest = efficiency); else from `cpuinfo_max_freq` when every CPU has
//   one (below 80% of the fastest = efficiency: favoured-core boost differs by well under 20%, while
//   E-cores run at 65-75% of P-cores); else every CPU is `unknown`.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "ghostbrew/core/cpuset.hpp"
#include "ghostbrew/topology/model.hpp"

namespace ghostbrew::topology::rules {

/// Smallest L3 that counts as V-Cache when a package's L3s are all the same size.
inline constexpr std::uint64_t kVcacheMinL3Bytes = 64ULL * 1024 * 1024;

/// True for the parts that pair two CCXs (two L3s) per CCD: Zen 1/Zen+/Zen 2 and Hygon Dhyana.
[[nodiscard]] inline bool two_ccx_per_ccd(const CpuIdentity& id) {
  return (id.vendor == "AuthenticAMD" && id.family == 0x17U) ||
         (id.vendor == "HygonGenuine" && id.family == 0x18U);
}

/// Fills Topology::ccds and each LLC's and CPU's ccd index (see the rule at the top of this file).
inline void group_ccds(Topology& topo) {
  const bool pair = two_ccx_per_ccd(topo.identity);
  // Key: (package index, CCD number within the package). LLCs are visited in order of first CPU.
  std::map<std::pair<int, std::uint64_t>, int> ccd_of;
  std::map<int, std::uint64_t> ordinal_in_package;
  const bool all_ids =
      std::all_of(topo.llcs.begin(), topo.llcs.end(), [](const Cache& c) { return c.id.has_value(); });
  for (std::size_t i = 0; i < topo.llcs.size(); ++i) {
    auto& llc = topo.llcs[i];
    const int pkg = topo.find(llc.cpus.first())->package;
    const auto ordinal = ordinal_in_package[pkg]++;
    const std::uint64_t number = !pair ? ordinal : all_ids ? *llc.id / 2 : ordinal / 2;
    auto [it, inserted] = ccd_of.try_emplace({pkg, number}, static_cast<int>(topo.ccds.size()));
    if (inserted) topo.ccds.push_back(Ccd{pkg, {}, {}, false});
    auto& ccd = topo.ccds[static_cast<std::size_t>(it->second)];
    ccd.llcs.push_back(static_cast<int>(i));
    for (int c : llc.cpus.ids()) ccd.cpus.insert(c);
    llc.ccd = it->second;
  }
  for (auto& cpu : topo.cpus) cpu.ccd = topo.llcs[static_cast<std::size_t>(cpu.llc)].ccd;
}

/// Sets Cache::vcache on LLCs and Ccd::vcache on CCDs (see the rule at the top of this file).
inline void mark_vcache(Topology& topo) {
  const bool amd = topo.identity.vendor == "AuthenticAMD";
  for (std::size_t pkg = 0; pkg < topo.packages.size(); ++pkg) {
    std::vector<Cache*> l3s;
    for (auto& llc : topo.llcs)
      if (llc.level == 3 && llc.size_bytes && topo.find(llc.cpus.first())->package == static_cast<int>(pkg))
        l3s.push_back(&llc);
    if (l3s.empty()) continue;
    const auto [lo, hi] = std::minmax_element(l3s.begin(), l3s.end(), [](const Cache* a, const Cache* b) {
      return *a->size_bytes < *b->size_bytes;
    });
    const auto smallest = *(*lo)->size_bytes;
    const bool uniform = *(*hi)->size_bytes == smallest;
    for (auto* l3 : l3s)
      l3->vcache = uniform ? amd && smallest >= kVcacheMinL3Bytes : *l3->size_bytes * 2 >= smallest * 3;
  }
  for (auto& ccd : topo.ccds)
    ccd.vcache = std::any_of(ccd.llcs.begin(), ccd.llcs.end(),
                             [&](int i) { return topo.llcs[static_cast<std::size_t>(i)].vcache; });
}

/// Sets Cpu::type and Topology::type_source. `core_pmu`/`atom_pmu` are the CPU sets of
/// sys/devices/cpu_core/cpus and cpu_atom/cpus, empty when absent (see the rule at the top).
inline void assign_types(Topology& topo, const CpuSet& core_pmu, const CpuSet& atom_pmu) {
  auto& cpus = topo.cpus;
  if (!core_pmu.empty() || !atom_pmu.empty()) {
    topo.type_source = "cpu_core/cpu_atom";
    for (auto& c : cpus)
      c.type = atom_pmu.contains(c.id)   ? CpuType::efficiency
               : core_pmu.contains(c.id) ? CpuType::performance
                                         : CpuType::unknown;
    return;
  }
  auto by = [&](auto field, std::string_view source, auto is_efficient) {
    if (!std::all_of(cpus.begin(), cpus.end(), [&](const Cpu& c) { return (c.*field).has_value(); }))
      return false;
    std::uint64_t top = 0;
    for (const auto& c : cpus) top = std::max(top, *(c.*field));
    topo.type_source = std::string(source);
    for (auto& c : cpus) c.type = is_efficient(*(c.*field), top) ? CpuType::efficiency : CpuType::performance;
    return true;
  };
  if (by(&Cpu::capacity, "cpu_capacity", [](std::uint64_t v, std::uint64_t top) { return v < top; })) return;
  if (by(&Cpu::max_freq_khz, "cpuinfo_max_freq",
         [](std::uint64_t v, std::uint64_t top) { return v * 5 < top * 4; }))
    return;
  topo.type_source = "none";
  for (auto& c : cpus) c.type = CpuType::unknown;
}

}  // namespace ghostbrew::topology::rules
