// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Topology as a readable tree (what `ghost-topo` prints): package, NUMA node, CCD, LLC, core, CPUs,
// with V-Cache marks, prefcore ranks and P/E types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "ghostbrew/topology/model.hpp"

namespace ghostbrew::topology {

namespace detail {
inline bool overlaps(const CpuSet& a, const CpuSet& b) {
  for (int c : a.ids())
    if (b.contains(c)) return true;
  return false;
}

inline std::string size_text(const std::optional<std::uint64_t>& bytes) {
  if (!bytes) return "size unknown";
  if (*bytes % (1024 * 1024) == 0) return fmt::format("{} MiB", *bytes / (1024 * 1024));
  return fmt::format("{} KiB", *bytes / 1024);
}

inline std::string cpu_text(const Topology& t, int id) {
  const auto* c = t.find(id);
  std::string out = fmt::format("cpu{}", id);
  std::string notes;
  if (c->type != CpuType::unknown) notes += c->type == CpuType::performance ? "P" : "E";
  if (c->prefcore_rank) notes += fmt::format("{}rank {}", notes.empty() ? "" : " ", *c->prefcore_rank);
  return notes.empty() ? out : fmt::format("{} [{}]", out, notes);
}
}  // namespace detail

/// The tree, one line per domain, indented by level; ends with a summary line.
[[nodiscard]] inline std::string to_text(const Topology& t) {
  std::string out;
  for (const auto& pkg : t.packages) {
    out +=
        fmt::format("package {} (cpus {})\n", pkg.id ? fmt::format("{}", *pkg.id) : "?", pkg.cpus.to_list());
    for (const auto& node : t.nodes) {
      if (!detail::overlaps(node.cpus, pkg.cpus)) continue;
      out += fmt::format(
          "  numa node {} (cpus {}{})\n", node.id, node.cpus.to_list(),
          node.distance.empty() ? "" : fmt::format(", distance {}", fmt::join(node.distance, " ")));
      for (std::size_t ci = 0; ci < t.ccds.size(); ++ci) {
        const auto& ccd = t.ccds[ci];
        if (&t.packages[static_cast<std::size_t>(ccd.package)] != &pkg ||
            !detail::overlaps(ccd.cpus, node.cpus))
          continue;
        out += fmt::format("    ccd {}{}\n", ci, ccd.vcache ? " [V-Cache]" : "");
        for (int li : ccd.llcs) {
          const auto& llc = t.llcs[static_cast<std::size_t>(li)];
          out += fmt::format("      llc {} ({}{}){}\n", li,
                             llc.level ? fmt::format("L{}, ", *llc.level) : "no cache info, ",
                             detail::size_text(llc.size_bytes), llc.vcache ? " [V-Cache]" : "");
          for (const auto& core : t.cores) {
            const int first = core.cpus.first();
            if (!llc.cpus.contains(first) || !node.cpus.contains(first)) continue;
            std::string threads;
            for (int id : core.cpus.ids()) threads += (threads.empty() ? "" : ", ") + detail::cpu_text(t, id);
            out += fmt::format("        core {}: {}\n", core.core_id ? fmt::format("{}", *core.core_id) : "?",
                               threads);
          }
        }
      }
    }
  }
  const auto offline = t.offline();
  out += fmt::format(
      "{} cpus online ({}), {} offline{}, {} cores, {} llcs, {} ccds, {} numa nodes, {} packages, smt {}",
      t.cpus.size(), t.online.to_list(), offline.size(),
      offline.empty() ? "" : fmt::format(" ({})", offline.to_list()), t.cores.size(), t.llcs.size(),
      t.ccds.size(), t.nodes.size(), t.packages.size(), t.smt() ? "on" : "off");
  if (t.x3d_mode) out += fmt::format(", amd_x3d_mode {}", to_string(*t.x3d_mode));
  out += fmt::format(", cpu types from {}\n", t.type_source);
  return out;
}

}  // namespace ghostbrew::topology
