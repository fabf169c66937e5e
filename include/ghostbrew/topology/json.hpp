// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Topology as one JSON document (what `ghost-topo --json` prints).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "ghostbrew/topology/model.hpp"

namespace ghostbrew::topology {

namespace detail {
template <class T>
nlohmann::json or_null(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
}  // namespace detail

/// The document: counts `cpus` (online), `cores`, `llcs`, `ccds`, `numa_nodes` (online nodes), `packages`,
/// `smt`, `vcache_ccds` (CCD indices), `x3d_mode` (null when unknown), `online`/`offline`/`possible`
/// (cpulists), `preference` and `vcache_first` (CPU ids, best first), `per_cpu` (one object per
/// online CPU: `cpu`, `core`, `llc`, `l2`, `ccd`, `node` (the kernel node id), `package` (the
/// physical package id), `siblings` (CPU ids of the core, itself included), `prefcore_rank` (null
/// when unknown), `type`, `vcache`), and the domains `llc_domains`, `ccd_domains`, `numa`.
/// `core`, `llc`, `l2` (-1: none) and `ccd` are dense indices; a `package` is null when the kernel
/// reports it unknown. `warnings`: what discovery recorded as unknown (Topology::warnings).
[[nodiscard]] inline nlohmann::json to_json(const Topology& t) {
  using nlohmann::json;
  json per_cpu = json::array();
  for (const auto& c : t.cpus) {
    per_cpu.push_back({{"cpu", c.id},
                       {"core", c.core},
                       {"llc", c.llc},
                       {"l2", c.l2},
                       {"ccd", c.ccd},
                       {"node", t.nodes[static_cast<std::size_t>(c.node)].id},
                       {"package", detail::or_null(t.packages[static_cast<std::size_t>(c.package)].id)},
                       {"siblings", t.siblings(c).ids()},
                       {"prefcore_rank", detail::or_null(c.prefcore_rank)},
                       {"type", std::string(to_string(c.type))},
                       {"vcache", t.llcs[static_cast<std::size_t>(c.llc)].vcache}});
  }
  json llcs = json::array();
  for (const auto& l : t.llcs)
    llcs.push_back({{"level", detail::or_null(l.level)},
                    {"size_bytes", detail::or_null(l.size_bytes)},
                    {"cpus", l.cpus.to_list()},
                    {"ccd", l.ccd},
                    {"vcache", l.vcache}});
  json ccds = json::array();
  for (const auto& c : t.ccds)
    ccds.push_back({{"package", detail::or_null(t.packages[static_cast<std::size_t>(c.package)].id)},
                    {"llcs", c.llcs},
                    {"cpus", c.cpus.to_list()},
                    {"vcache", c.vcache}});
  json numa = json::array();
  for (const auto& n : t.nodes)
    numa.push_back(
        {{"node", n.id}, {"online", n.online}, {"cpus", n.cpus.to_list()}, {"distance", n.distance}});
  json x3d = t.x3d_mode ? json(std::string(to_string(*t.x3d_mode))) : json(nullptr);
  return {{"cpus", t.cpus.size()},
          {"cores", t.cores.size()},
          {"llcs", t.llcs.size()},
          {"ccds", t.ccds.size()},
          {"numa_nodes", t.online_nodes()},
          {"packages", t.packages.size()},
          {"smt", t.smt()},
          {"vcache_ccds", t.vcache_ccds()},
          {"x3d_mode", x3d},
          {"type_source", t.type_source},
          {"online", t.online.to_list()},
          {"offline", t.offline().to_list()},
          {"possible", t.possible.to_list()},
          {"preference", t.cpus_by_preference()},
          {"vcache_first", t.cpus_vcache_first()},
          {"per_cpu", per_cpu},
          {"llc_domains", llcs},
          {"ccd_domains", ccds},
          {"numa", numa},
          {"warnings", t.warnings}};
}

}  // namespace ghostbrew::topology
