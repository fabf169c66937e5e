// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// discover(): builds the Topology (model.hpp) from sysfs and procfs under a filesystem root.
//
// What it reads, below `root`:
//   sys/devices/system/cpu/{possible,present,online}  (else: the cpuN directories, each cpuN/online,
//                                                       else the presence of cpuN/topology)
//   sys/devices/system/cpu/cpuN/topology/              physical_package_id, core_id (-1: unknown),
//                                                       thread_siblings_list (else core_cpus_list,
//                                                       else the thread_siblings mask)
//   sys/devices/system/cpu/cpuN/cache/index*/          level, type, size, id, shared_cpu_list
//                                                       (else the shared_cpu_map mask)
//   sys/devices/system/cpu/cpuN/cpufreq/ (a symlink)   amd_pstate_prefcore_ranking,
//                                                       amd_pstate_highest_perf, cpuinfo_max_freq
//   sys/devices/system/cpu/cpuN/{acpi_cppc/highest_perf,cpu_capacity}
//   sys/devices/system/node/nodeN/                     cpulist (else cpumap), distance
//   sys/devices/{cpu_core,cpu_atom}/cpus               Intel hybrid PMUs
//   sys/bus/platform/devices/AMDI0101:*/amd_x3d_mode   AMD X3D driver (also under drivers/amd_x3d_vcache;
//                                                       x3d_mode.hpp)
//   proc/cpuinfo                                       vendor, family, model name
//
// The LLC of a CPU is its highest-level data or unified cache; a CPU without any cache/ directory
// gets its package as LLC (Cache::level empty). With no sys/devices/system/node, all CPUs are on one
// node 0 with unknown distances; a CPU whose node is offline (no nodeN directory) is placed by its
// cpuN/nodeM link on a NumaNode marked offline. Thread siblings with different core_ids are separate
// cores (as in hwloc: AMD Bulldozer compute units). CCD, V-Cache and CPU-type rules are in rules.hpp.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <gsl/util>

#include "ghostbrew/core/cpuset.hpp"
#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/fs.hpp"
#include "ghostbrew/topology/model.hpp"
#include "ghostbrew/topology/rules.hpp"
#include "ghostbrew/topology/sysfs.hpp"
#include "ghostbrew/topology/x3d_mode.hpp"

namespace ghostbrew::topology {

namespace detail {

namespace stdfs = std::filesystem;

struct RawCache {
  int level = 0;
  bool instruction = false;
  std::optional<std::uint64_t> size;
  std::optional<std::uint64_t> id;
  CpuSet cpus;
};

struct RawCpu {
  int id = -1;
  std::optional<std::uint64_t> package_id;  ///< empty when the kernel reports -1 (unknown)
  CpuSet package_cpus;                      ///< package_cpus_list (else core_siblings_list), when read
  std::optional<std::uint64_t> core_id;
  CpuSet siblings;
  std::vector<RawCache> caches;
};

/// The online set: cpu/online, else each cpuN/online ("0"/"1"), else whether cpuN/topology exists.
inline Result<CpuSet> read_online(const stdfs::path& cpu_dir, const std::vector<int>& dirs) {
  if (fs::exists(cpu_dir / "online")) return sysfs::read_list(cpu_dir / "online");
  CpuSet online;
  for (int n : dirs) {
    const auto dir = cpu_dir / fmt::format("cpu{}", n);
    auto flag = sysfs::optional_u64(dir / "online");
    if (!flag) return tl::unexpected(flag.error());
    if (*flag && **flag > 1) return fail((dir / "online").string(), "expected 0 or 1, found {}", **flag);
    if (*flag ? **flag == 1 : fs::exists(dir / "topology")) online.insert(n);
  }
  return online;
}

inline Result<std::vector<RawCache>> read_caches(const stdfs::path& cache_dir, const CpuSet& online,
                                                 std::vector<std::string>& warnings) {
  std::vector<RawCache> out;
  auto indices = sysfs::numbered_entries(cache_dir, "index");
  if (!indices) return tl::unexpected(indices.error());
  for (int i : *indices) {
    const auto dir = cache_dir / fmt::format("index{}", i);
    RawCache c;
    auto level = fs::read_u64(dir / "level");
    if (!level) return tl::unexpected(level.error());
    if (*level == 0 || *level > 8)
      return fail((dir / "level").string(), "implausible cache level {}", *level);
    c.level = gsl::narrow_cast<int>(*level);  // 1..8, checked above
    auto type = sysfs::read_optional(dir / "type");
    if (!type) return tl::unexpected(type.error());
    if (*type) {
      const auto word = std::string(fs::detail::trim(**type));
      if (word != "Data" && word != "Instruction" && word != "Unified")
        return fail((dir / "type").string(), "unknown cache type '{}'", word.substr(0, 40));
      c.instruction = word == "Instruction";
    }
    auto size_text = sysfs::read_optional(dir / "size");
    if (!size_text) return tl::unexpected(size_text.error());
    if (*size_text) {
      auto size = sysfs::parse_size(**size_text, (dir / "size").string());
      if (!size) return tl::unexpected(size.error());
      c.size = *size;
    }
    auto id = sysfs::optional_id(dir / "id", warnings);
    if (!id) return tl::unexpected(id.error());
    c.id = *id;
    auto cpus = sysfs::list_or_mask(dir, {"shared_cpu_list"}, "shared_cpu_map");
    if (!cpus) return tl::unexpected(cpus.error());
    c.cpus = sysfs::intersect(*cpus, online);
    out.push_back(std::move(c));
  }
  return out;
}

inline Result<RawCpu> read_cpu(const stdfs::path& dir, int n, const CpuSet& online,
                               std::vector<std::string>& warnings) {
  RawCpu cpu;
  cpu.id = n;
  const auto topo_dir = dir / "topology";
  if (!fs::exists(topo_dir)) return fail(topo_dir.string(), "missing for online cpu{}", n);
  if (auto text = fs::read_text(topo_dir / "physical_package_id"); !text) return tl::unexpected(text.error());
  auto pkg = sysfs::optional_id(topo_dir / "physical_package_id", warnings);
  if (!pkg) return tl::unexpected(pkg.error());
  cpu.package_id = *pkg;
  // The CPUs the kernel says share the package may name it (see discover()); none is fine.
  const bool mates_listed = fs::exists(topo_dir / "package_cpus_list") ||
                            fs::exists(topo_dir / "core_siblings_list") ||
                            fs::exists(topo_dir / "core_siblings");
  if (!cpu.package_id && mates_listed) {
    auto mates = sysfs::list_or_mask(topo_dir, {"package_cpus_list", "core_siblings_list"}, "core_siblings");
    if (!mates) return tl::unexpected(mates.error());
    cpu.package_cpus = sysfs::intersect(*mates, online);
  }
  auto core_id = sysfs::optional_id(topo_dir / "core_id", warnings);
  if (!core_id) return tl::unexpected(core_id.error());
  cpu.core_id = *core_id;
  auto siblings =
      sysfs::list_or_mask(topo_dir, {"thread_siblings_list", "core_cpus_list"}, "thread_siblings");
  if (!siblings) return tl::unexpected(siblings.error());
  cpu.siblings = sysfs::intersect(*siblings, online);
  if (!cpu.siblings.contains(n))
    return fail((topo_dir / "thread_siblings_list").string(), "cpu{} is not among its own siblings", n);
  auto caches = read_caches(dir / "cache", online, warnings);
  if (!caches) return tl::unexpected(caches.error());
  cpu.caches = std::move(*caches);
  return cpu;
}

/// The optional per-CPU facts: prefcore rank, capacity, max frequency.
inline Result<void> read_cpu_facts(const stdfs::path& dir, Cpu& cpu) {
  for (const auto* name :
       {"cpufreq/amd_pstate_prefcore_ranking", "cpufreq/amd_pstate_highest_perf", "acpi_cppc/highest_perf"}) {
    auto rank = sysfs::optional_u64(dir / name);
    if (!rank) return tl::unexpected(rank.error());
    if (*rank) {
      cpu.prefcore_rank = *rank;
      break;
    }
  }
  auto capacity = sysfs::optional_u64(dir / "cpu_capacity");
  if (!capacity) return tl::unexpected(capacity.error());
  cpu.capacity = *capacity;
  auto freq = sysfs::optional_u64(dir / "cpufreq/cpuinfo_max_freq");
  if (!freq) return tl::unexpected(freq.error());
  cpu.max_freq_khz = *freq;
  return {};
}

/// Groups CPUs by a CPU set (cores, caches): returns the group index for `set`, adding it if new.
inline int group_index(std::map<std::vector<int>, int>& groups, std::vector<Cache>& out, const RawCache& c) {
  auto [it, inserted] = groups.try_emplace(c.cpus.ids(), static_cast<int>(out.size()));
  if (inserted) out.push_back(Cache{c.level, c.size, c.id, c.cpus, -1, false});
  return it->second;
}

inline Result<void> read_nodes(const stdfs::path& root, Topology& topo) {
  const auto node_dir = root / "sys/devices/system/node";
  auto ids = sysfs::numbered_entries(node_dir, "node");
  if (!ids) return tl::unexpected(ids.error());
  for (int n : *ids) {
    const auto dir = node_dir / fmt::format("node{}", n);
    NumaNode node;
    node.id = n;
    auto cpus = sysfs::list_or_mask(dir, {"cpulist"}, "cpumap");
    if (!cpus) return tl::unexpected(cpus.error());
    node.cpus = sysfs::intersect(*cpus, topo.online);
    if (fs::exists(dir / "distance")) {
      auto text = fs::read_text(dir / "distance");
      if (!text) return tl::unexpected(text.error());
      std::istringstream in(*text);
      std::string word;
      while (in >> word) {
        auto d = fs::parse_u64(word, (dir / "distance").string());
        if (!d) return tl::unexpected(d.error());
        node.distance.push_back(*d);
      }
      if (node.distance.empty()) return fail((dir / "distance").string(), "empty file");
    }
    topo.nodes.push_back(std::move(node));
  }
  if (topo.nodes.empty()) topo.nodes.push_back(NumaNode{0, topo.online, {}, true});
  for (auto& cpu : topo.cpus) {
    for (std::size_t i = 0; i < topo.nodes.size() && cpu.node < 0; ++i)
      if (topo.nodes[i].cpus.contains(cpu.id)) cpu.node = static_cast<int>(i);
    if (cpu.node >= 0) continue;
    // The CPU's node is offline (no nodeN directory): its cpuN/nodeM link still names it.
    const auto cpu_path = root / "sys/devices/system/cpu" / fmt::format("cpu{}", cpu.id);
    auto links = sysfs::numbered_entries(cpu_path, "node");
    if (!links) return tl::unexpected(links.error());
    if (links->size() != 1) return fail(node_dir.string(), "online cpu{} is in no node's cpulist", cpu.id);
    const int id = links->front();
    auto it =
        std::find_if(topo.nodes.begin(), topo.nodes.end(), [&](const NumaNode& n) { return n.id == id; });
    if (it == topo.nodes.end()) it = topo.nodes.insert(topo.nodes.end(), NumaNode{id, {}, {}, false});
    it->cpus.insert(cpu.id);
    cpu.node = static_cast<int>(it - topo.nodes.begin());
  }
  return {};
}

inline Result<CpuSet> optional_cpulist(const stdfs::path& path) {
  if (!fs::exists(path)) return CpuSet{};
  return sysfs::read_list(path);
}

/// The same unknown id on many CPUs is one warning: the first file, then "(and on N more CPUs)".
/// Warnings match when they differ only in the cpuN directory of their path.
inline std::vector<std::string> collapse_per_cpu(const std::vector<std::string>& warnings) {
  const auto key = [](const std::string& w) {
    std::string out;
    for (std::size_t i = 0; i < w.size(); ++i) {
      out += w[i];
      if (w.compare(i, 4, "/cpu") == 0 && i + 4 < w.size() &&
          std::isdigit(static_cast<unsigned char>(w[i + 4]))) {
        out += "cpu#";
        i += 4;
        while (i + 1 < w.size() && std::isdigit(static_cast<unsigned char>(w[i + 1]))) ++i;
      }
    }
    return out;
  };
  std::vector<std::pair<std::string, std::size_t>> firsts;  // (warning, how many more)
  std::map<std::string, std::size_t> index_of;
  for (const auto& w : warnings) {
    auto [it, added] = index_of.try_emplace(key(w), firsts.size());
    if (added)
      firsts.emplace_back(w, 0);
    else
      ++firsts[it->second].second;
  }
  std::vector<std::string> out;
  for (const auto& [w, more] : firsts)
    out.push_back(more == 0 ? w : fmt::format("{} (and on {} more CPUs)", w, more));
  return out;
}

}  // namespace detail

/// Discovers the CPU topology of the system whose sysfs and procfs are below `root` ("/" for this
/// machine, a fixture tree in tests). Errors name the file that is missing or malformed when the
/// model cannot be built; optional facts that are missing are left empty (see model.hpp), and ids the
/// kernel reports as unknown (-1, or past 32 bits) are left empty with a line in Topology::warnings.
inline Result<Topology> discover(const std::filesystem::path& root = "/") {
  namespace stdfs = std::filesystem;
  const auto cpu_dir = root / "sys/devices/system/cpu";
  std::error_code ec;
  if (!stdfs::is_directory(cpu_dir, ec)) return fail(cpu_dir.string(), "missing: not a sysfs tree");
  auto dirs = sysfs::numbered_entries(cpu_dir, "cpu");
  if (!dirs) return tl::unexpected(dirs.error());
  if (dirs->empty()) return fail(cpu_dir.string(), "no cpuN directories");
  CpuSet dir_set;
  for (int n : *dirs) dir_set.insert(n);

  Topology topo;
  for (auto [set, name] : {std::pair{&topo.possible, "possible"}, std::pair{&topo.present, "present"}}) {
    if (!fs::exists(cpu_dir / name)) {
      *set = dir_set;
      continue;
    }
    auto s = sysfs::read_list(cpu_dir / name);
    if (!s) return tl::unexpected(s.error());
    *set = std::move(*s);
  }
  auto online = detail::read_online(cpu_dir, *dirs);
  if (!online) return tl::unexpected(online.error());
  topo.online = std::move(*online);
  if (topo.online.empty()) return fail((cpu_dir / "online").string(), "no online CPUs");

  std::vector<detail::RawCpu> raw;
  for (int n : topo.online.ids()) {
    if (!dir_set.contains(n))
      return fail((cpu_dir / fmt::format("cpu{}", n)).string(), "missing, but cpu{} is online", n);
    auto cpu = detail::read_cpu(cpu_dir / fmt::format("cpu{}", n), n, topo.online, topo.warnings);
    if (!cpu) return tl::unexpected(cpu.error());
    raw.push_back(std::move(*cpu));
  }
  topo.warnings = detail::collapse_per_cpu(topo.warnings);
  topo.index_by_id.assign(static_cast<std::size_t>(raw.back().id) + 1, -1);
  for (std::size_t i = 0; i < raw.size(); ++i)
    topo.index_by_id[static_cast<std::size_t>(raw[i].id)] = static_cast<int>(i);
  // A CPU whose package id is unknown joins the package of a CPU its package_cpus_list names whose id
  // is known (as hwloc groups packages by those lists); the rest share one package of unknown id.
  for (auto& r : raw) {
    if (r.package_id) continue;
    for (int mate : r.package_cpus.ids()) {
      const auto& other = raw[static_cast<std::size_t>(topo.index_by_id[static_cast<std::size_t>(mate)])];
      if (other.package_id) {
        r.package_id = other.package_id;
        break;
      }
    }
  }
  // Like hwloc: siblings with different core_ids are separate cores sharing a module (AMD Bulldozer
  // compute units list both cores as thread siblings), not SMT threads of one core.
  for (auto& r : raw) {
    CpuSet same_core;
    for (int s : r.siblings.ids()) {
      const auto& other = raw[static_cast<std::size_t>(topo.index_by_id[static_cast<std::size_t>(s)])];
      if (!r.core_id || !other.core_id || other.core_id == r.core_id) same_core.insert(s);
    }
    r.siblings = std::move(same_core);
  }

  std::map<std::optional<std::uint64_t>, int> package_of;  // unknown ids: one package
  std::map<std::vector<int>, int> core_of, llc_of, l2_of;
  for (const auto& r : raw) {
    Cpu cpu;
    cpu.id = r.id;
    auto [pkg, new_pkg] = package_of.try_emplace(r.package_id, static_cast<int>(topo.packages.size()));
    if (new_pkg) topo.packages.push_back(Package{r.package_id, {}});
    topo.packages[static_cast<std::size_t>(pkg->second)].cpus.insert(r.id);
    cpu.package = pkg->second;
    auto [core, new_core] = core_of.try_emplace(r.siblings.ids(), static_cast<int>(topo.cores.size()));
    if (new_core) topo.cores.push_back(Core{r.core_id, cpu.package, r.siblings});
    cpu.core = core->second;
    const detail::RawCache* llc = nullptr;
    for (const auto& c : r.caches) {
      if (c.instruction) continue;
      if (!llc || c.level > llc->level) llc = &c;
      if (c.level == 2 && cpu.l2 < 0) cpu.l2 = detail::group_index(l2_of, topo.l2s, c);
    }
    if (llc) {
      cpu.llc = detail::group_index(llc_of, topo.llcs, *llc);
    } else {
      auto [it, added] = llc_of.try_emplace({-1 - pkg->second}, static_cast<int>(topo.llcs.size()));
      if (added) topo.llcs.push_back(Cache{std::nullopt, std::nullopt, std::nullopt, {}, -1, false});
      cpu.llc = it->second;
    }
    if (auto facts = detail::read_cpu_facts(cpu_dir / fmt::format("cpu{}", r.id), cpu); !facts)
      return tl::unexpected(facts.error());
    topo.cpus.push_back(cpu);
  }
  // An LLC made up from the package holds the package's cache-less CPUs.
  for (const auto& cpu : topo.cpus)
    if (!topo.llcs[static_cast<std::size_t>(cpu.llc)].level)
      topo.llcs[static_cast<std::size_t>(cpu.llc)].cpus.insert(cpu.id);
  for (const auto& cpu : topo.cpus)
    if (!topo.llcs[static_cast<std::size_t>(cpu.llc)].cpus.contains(cpu.id))
      return fail((cpu_dir / fmt::format("cpu{}/cache", cpu.id)).string(),
                  "cpu{} is not in its own LLC's shared_cpu_list", cpu.id);

  auto identity = sysfs::read_identity(root / "proc/cpuinfo");
  if (!identity) return tl::unexpected(identity.error());
  topo.identity = std::move(*identity);
  if (auto nodes = detail::read_nodes(root, topo); !nodes) return tl::unexpected(nodes.error());
  auto x3d = read_x3d_mode(root);
  if (!x3d) return tl::unexpected(x3d.error());
  topo.x3d_mode = *x3d;
  auto core_pmu = detail::optional_cpulist(root / "sys/devices/cpu_core/cpus");
  if (!core_pmu) return tl::unexpected(core_pmu.error());
  auto atom_pmu = detail::optional_cpulist(root / "sys/devices/cpu_atom/cpus");
  if (!atom_pmu) return tl::unexpected(atom_pmu.error());

  rules::group_ccds(topo);
  rules::mark_vcache(topo);
  rules::assign_types(topo, *core_pmu, *atom_pmu);
  return topo;
}

}  // namespace ghostbrew::topology
