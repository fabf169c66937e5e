// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The topology model as the BPF scheduler's cpu_info map wants it: one struct gb_cpu_info per CPU id
// (0 .. nr_cpu_ids-1, holes left invalid) and the number of LLCs, CCDs and NUMA nodes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "ghostbrew/bpf/abi.h"
#include "ghostbrew/topology/model.hpp"

namespace ghostbrew::sched {

struct CpuMap {
  std::vector<gb_cpu_info> cpus;  ///< indexed by CPU id; size = nr_cpu_ids
  std::uint32_t nr_llcs = 1;
  std::uint32_t nr_ccds = 1;
  std::uint32_t nr_nodes = 1;
  std::uint32_t nr_preferred = 0;  ///< CPUs flagged GB_CPU_PREFERRED
};

namespace detail {

/// The preferred-core cut: the rank of the best quarter of physical cores (at least one core).
/// Empty when the machine has no ranks or all cores rank the same (then nothing is preferred).
inline std::optional<std::uint64_t> preferred_rank_cut(const topology::Topology& t) {
  std::vector<std::uint64_t> ranks;
  for (const auto& core : t.cores) {
    const auto* cpu = t.find(core.cpus.first());
    if (cpu != nullptr && cpu->prefcore_rank) ranks.push_back(*cpu->prefcore_rank);
  }
  if (ranks.empty()) return std::nullopt;
  std::sort(ranks.begin(), ranks.end(), std::greater<>());
  if (ranks.front() == ranks.back()) return std::nullopt;
  const auto k = std::max<std::size_t>(1, ranks.size() / 4);
  return ranks[k - 1];
}

}  // namespace detail

/// Builds the per-CPU table. nr_cpu_ids is one past the highest possible CPU id (the kernel's
/// nr_cpu_ids), so CPUs that come online later already have a slot.
inline CpuMap build_cpu_map(const topology::Topology& t) {
  CpuMap m;
  int max_id = -1;
  for (int id : t.possible.ids()) max_id = std::max(max_id, id);
  for (const auto& c : t.cpus) max_id = std::max(max_id, c.id);
  m.cpus.resize(static_cast<std::size_t>(max_id) + 1);
  for (auto& info : m.cpus) info.smt_sibling = -1;
  m.nr_llcs = static_cast<std::uint32_t>(std::max<std::size_t>(1, t.llcs.size()));
  m.nr_ccds = static_cast<std::uint32_t>(std::max<std::size_t>(1, t.ccds.size()));
  m.nr_nodes = static_cast<std::uint32_t>(std::max<std::size_t>(1, t.nodes.size()));
  const auto cut = detail::preferred_rank_cut(t);
  for (const auto& c : t.cpus) {
    auto& info = m.cpus[static_cast<std::size_t>(c.id)];
    info.llc = static_cast<std::uint32_t>(std::max(c.llc, 0));
    info.ccd = static_cast<std::uint32_t>(std::max(c.ccd, 0));
    info.node = static_cast<std::uint32_t>(std::max(c.node, 0));
    info.core = static_cast<std::uint32_t>(std::max(c.core, 0));
    for (int s : t.siblings(c).ids())
      if (s != c.id) {
        info.smt_sibling = s;
        break;
      }
    info.prefcore_rank =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(c.prefcore_rank.value_or(0), UINT32_MAX));
    info.flags = GB_CPU_VALID;
    if (c.llc >= 0 && t.llcs[static_cast<std::size_t>(c.llc)].vcache) info.flags |= GB_CPU_VCACHE;
    if (cut && c.prefcore_rank && *c.prefcore_rank >= *cut) {
      info.flags |= GB_CPU_PREFERRED;
      ++m.nr_preferred;
    }
    info.type = c.type == topology::CpuType::efficiency    ? GB_CPU_TYPE_EFFICIENCY
                : c.type == topology::CpuType::performance ? GB_CPU_TYPE_PERFORMANCE
                                                           : GB_CPU_TYPE_UNKNOWN;
  }
  return m;
}

}  // namespace ghostbrew::sched
