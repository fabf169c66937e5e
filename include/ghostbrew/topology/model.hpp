// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The CPU topology model: package -> NUMA node -> CCD -> LLC (L3 domain) -> core -> CPU.
//
// Every domain is a flat vector indexed by a dense index, and every online CPU records the index of
// each domain it belongs to. Domains are not forced to nest (a NUMA node can span packages, a
// package can span nodes); each one simply holds the set of online CPUs it covers. CPU ids are the
// kernel's (sparse: holes are allowed); `Topology::cpus` is dense and sorted by id.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <gsl/util>
#include <range/v3/algorithm/sort.hpp>
#include <range/v3/range/conversion.hpp>
#include <range/v3/view/filter.hpp>
#include <range/v3/view/iota.hpp>
#include <range/v3/view/transform.hpp>

#include "ghostbrew/core/cpuset.hpp"

namespace ghostbrew::topology {

/// Hybrid core kind. `performance` is also what every CPU of a machine known to be homogeneous is;
/// `unknown` means sysfs gave no way to tell.
enum class CpuType { unknown, performance, efficiency };

/// The `amd_x3d_vcache` driver's preference (its `amd_x3d_mode` file).
enum class X3dMode { frequency, cache };

/// "unknown", "performance" or "efficiency".
[[nodiscard]] inline std::string_view to_string(CpuType t) {
  switch (t) {
    case CpuType::performance:
      return "performance";
    case CpuType::efficiency:
      return "efficiency";
    case CpuType::unknown:
      break;
  }
  return "unknown";
}

/// "frequency" or "cache".
[[nodiscard]] inline std::string_view to_string(X3dMode m) {
  return m == X3dMode::cache ? "cache" : "frequency";
}

/// One online logical CPU (hardware thread). Every index is into the matching Topology vector.
struct Cpu {
  int id = -1;       ///< kernel CPU id
  int core = -1;     ///< index into Topology::cores
  int llc = -1;      ///< index into Topology::llcs
  int l2 = -1;       ///< index into Topology::l2s, -1 when the CPU has no L2 in sysfs
  int ccd = -1;      ///< index into Topology::ccds
  int node = -1;     ///< index into Topology::nodes
  int package = -1;  ///< index into Topology::packages
  /// Preferred-core rank (higher is better): amd_pstate_prefcore_ranking, else amd_pstate_highest_perf,
  /// else acpi_cppc/highest_perf. Empty when none of them exists.
  std::optional<std::uint64_t> prefcore_rank;
  std::optional<std::uint64_t> capacity;      ///< cpu_capacity (1024 = biggest core), when present
  std::optional<std::uint64_t> max_freq_khz;  ///< cpufreq/cpuinfo_max_freq, when present
  CpuType type = CpuType::unknown;
};

/// A physical core: its SMT siblings (thread_siblings).
struct Core {
  std::optional<std::uint64_t> core_id;  ///< topology/core_id (unique only within a package)
  int package = -1;                      ///< index into Topology::packages
  CpuSet cpus;                           ///< online SMT siblings, including the core's first CPU
};

/// A cache shared by a set of CPUs: an LLC (L3 domain) or an L2 cluster.
struct Cache {
  /// Cache level (3 for an L3). Empty for an LLC made up from the package because the CPUs
  /// had no cache/ directory in sysfs.
  std::optional<int> level;
  std::optional<std::uint64_t> size_bytes;  ///< cache/index*/size
  std::optional<std::uint64_t> id;          ///< cache/index*/id
  CpuSet cpus;                              ///< online CPUs sharing it
  int ccd = -1;                             ///< LLCs only: index into Topology::ccds
  bool vcache = false;                      ///< LLCs only: AMD 3D V-Cache (see discover.hpp)
};

/// A chiplet: one or more LLCs (two CCXs per CCD on Zen 1/2, one LLC everywhere else).
struct Ccd {
  int package = -1;       ///< index into Topology::packages
  std::vector<int> llcs;  ///< indices into Topology::llcs
  CpuSet cpus;
  bool vcache = false;  ///< any of its LLCs carries V-Cache
};

/// A NUMA node. Memory-only nodes have no CPUs.
struct NumaNode {
  int id = -1;                          ///< kernel node id (sparse)
  CpuSet cpus;                          ///< online CPUs on the node
  std::vector<std::uint64_t> distance;  ///< the node's `distance` row; empty when unknown
  /// False for an offline node (no nodeN directory) known only from its CPUs' cpuN/nodeM links.
  bool online = true;
};

/// A physical package (socket).
struct Package {
  /// topology/physical_package_id; empty when the kernel reports it unknown (-1): the CPUs whose
  /// package is unknown share one Package.
  std::optional<std::uint64_t> id;
  CpuSet cpus;
};

/// Processor identity from /proc/cpuinfo (the first processor); each field empty when absent.
struct CpuIdentity {
  std::optional<std::string> vendor;      ///< "AuthenticAMD", "GenuineIntel", ...
  std::optional<std::uint64_t> family;    ///< "cpu family"
  std::optional<std::string> model_name;  ///< "model name"
};

/// The whole machine. Build it with discover() (discover.hpp).
struct Topology {
  CpuSet possible;        ///< cpu/possible
  CpuSet present;         ///< cpu/present (CPUs that exist, online or not)
  CpuSet online;          ///< cpu/online
  std::vector<Cpu> cpus;  ///< online CPUs, ascending id
  std::vector<Core> cores;
  std::vector<Cache> llcs;
  std::vector<Cache> l2s;
  std::vector<Ccd> ccds;
  std::vector<NumaNode> nodes;
  std::vector<Package> packages;
  CpuIdentity identity;
  std::optional<X3dMode> x3d_mode;  ///< empty when the amd_x3d_vcache driver is absent
  /// How CPU types were decided: "cpu_core/cpu_atom", "cpu_capacity", "cpuinfo_max_freq" or "none".
  std::string type_source = "none";
  std::vector<int> index_by_id;  ///< CPU id -> index into `cpus`, -1 when not online
  /// Facts discovery recorded as unknown instead of failing, one line each naming the file
  /// ("<path>: id '-1' is out of range, recorded as unknown").
  std::vector<std::string> warnings;

  /// Number of online NUMA nodes (nodes with a sysfs directory; see NumaNode::online).
  [[nodiscard]] std::size_t online_nodes() const {
    return static_cast<std::size_t>(
        std::count_if(nodes.begin(), nodes.end(), [](const NumaNode& n) { return n.online; }));
  }

  /// Present CPUs that are not online.
  [[nodiscard]] CpuSet offline() const {
    CpuSet out;
    for (int c : present.ids())
      if (!online.contains(c)) out.insert(c);
    return out;
  }

  /// True when any core has more than one online thread.
  [[nodiscard]] bool smt() const {
    return std::any_of(cores.begin(), cores.end(), [](const Core& c) { return c.cpus.size() > 1; });
  }

  /// The online CPU with kernel id `cpu_id`, or nullptr.
  [[nodiscard]] const Cpu* find(int cpu_id) const {
    if (cpu_id < 0 || static_cast<std::size_t>(cpu_id) >= index_by_id.size()) return nullptr;
    const int i = index_by_id[static_cast<std::size_t>(cpu_id)];
    return i < 0 ? nullptr : &cpus[static_cast<std::size_t>(i)];
  }

  /// The CPU's SMT siblings, itself included.
  [[nodiscard]] const CpuSet& siblings(const Cpu& cpu) const {
    return cores[static_cast<std::size_t>(cpu.core)].cpus;
  }

  /// The CPU's first online SMT sibling other than itself (by id), -1 when it has none.
  [[nodiscard]] int smt_sibling(const Cpu& cpu) const {
    for (int id : siblings(cpu).ids())
      if (id != cpu.id) return id;
    return -1;
  }

  /// Indices into `ccds` of the V-Cache CCDs.
  [[nodiscard]] std::vector<int> vcache_ccds() const {
    return ranges::views::iota(std::size_t{0}, ccds.size()) |
           ranges::views::filter([&](std::size_t i) { return ccds[i].vcache; }) |
           ranges::views::transform([](std::size_t i) { return gsl::narrow_cast<int>(i); }) |
           ranges::to<std::vector>();
  }

  /// Online CPU ids, best first: performance (and unknown) before efficiency CPUs, then every core's
  /// first thread before any SMT sibling, then higher prefcore rank (CPUs without a rank after
  /// ranked ones), then lower id.
  [[nodiscard]] std::vector<int> cpus_by_preference() const { return ordered(false); }

  /// Like cpus_by_preference(), but every V-Cache CPU comes before every other CPU.
  [[nodiscard]] std::vector<int> cpus_vcache_first() const { return ordered(true); }

 private:
  [[nodiscard]] std::vector<int> ordered(bool vcache_first) const {
    auto key = [&](const Cpu& c) {
      const bool vc = llcs[static_cast<std::size_t>(c.llc)].vcache;
      const auto thread = siblings(c).ids();
      const auto pos = std::find(thread.begin(), thread.end(), c.id) - thread.begin();
      return std::make_tuple(vcache_first && !vc, c.type == CpuType::efficiency, pos,
                             !c.prefcore_rank.has_value(), ~c.prefcore_rank.value_or(0), c.id);
    };
    auto keys = cpus | ranges::views::transform(key) | ranges::to<std::vector>();
    ranges::sort(keys);
    return keys | ranges::views::transform([](const auto& k) { return std::get<5>(k); }) |
           ranges::to<std::vector>();
  }
};

}  // namespace ghostbrew::topology
