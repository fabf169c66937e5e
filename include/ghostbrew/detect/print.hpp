// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Detection results for people and scripts (what ghost-probe prints): the classified processes and
// threads with the rule that decided each, VMs, containers, classified cgroups, GPUs, VFIO devices
// and the amd-pstate state, or one process with its program and profile, as text or as one JSON
// document. Every string read from the system is escaped in the text (text::escape); print the JSON
// with text::dump.
#pragma once

#include <algorithm>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/text.hpp"
#include "ghostbrew/detect/amd_pstate.hpp"
#include "ghostbrew/detect/cgroup.hpp"
#include "ghostbrew/detect/container.hpp"
#include "ghostbrew/detect/gpu.hpp"
#include "ghostbrew/detect/scan.hpp"
#include "ghostbrew/detect/vm.hpp"

namespace ghostbrew::detect {

/// A GPU and whether a workload is using it now.
struct GpuReport {
  Gpu gpu;
  GpuActivity activity;
};

/// Everything detection sees under one root. A section that could not be read is absent (nullopt)
/// and its error is in `errors`: shown, not fatal.
struct Report {
  std::vector<Row> rows;  ///< classified main threads, and threads classed unlike their process
  std::size_t processes = 0;
  std::size_t skipped = 0;  ///< pids that vanished while read
  std::vector<VirtualMachine> vms;
  std::vector<Container> containers;
  std::optional<std::vector<CgroupEntry>> cgroups;
  std::optional<std::vector<GpuReport>> gpus;
  std::optional<std::vector<PciFunction>> vfio;
  std::optional<AmdPstate> amd_pstate;
  std::vector<std::string> errors;
};

/// The rows worth showing of a scan: classified main threads, and threads whose class differs from
/// their process's.
[[nodiscard]] inline std::vector<Row> interesting_rows(const ScanResult& s) {
  std::vector<Row> out;
  for (const auto& r : s.rows) {
    const bool main_thread = r.tid == r.pid;
    if (main_thread && r.cls.cls != WorkloadClass::Default) out.push_back(r);
    if (!main_thread) {
      const auto it = std::lower_bound(s.processes.begin(), s.processes.end(), r.pid,
                                       [](const auto& p, int pid) { return p.pid() < pid; });
      const auto& pc = s.classes[static_cast<std::size_t>(it - s.processes.begin())];
      if (r.cls != pc) out.push_back(r);
    }
  }
  return out;
}

/// Scans every process under `root` with `rules` and reads the system's devices. Errors only when
/// the process scan fails; the other sections are best effort (see Report::errors).
[[nodiscard]] inline Result<Report> report(const std::filesystem::path& root, const Rules& rules) {
  auto scan = detect::scan(root, rules);
  if (!scan) return tl::unexpected(scan.error());
  Report r;
  r.rows = interesting_rows(*scan);
  r.processes = scan->processes.size();
  r.skipped = scan->skipped;
  r.vms = find_vms(root, scan->processes);
  r.containers = find_containers(scan->processes, scan->classes);
  const auto keep = [&r](auto&& result, auto& slot) {
    if (result)
      slot = std::move(*result);
    else
      r.errors.push_back(result.error().message());
  };
  keep(scan_cgroups(root, rules.cgroups), r.cgroups);
  if (auto gpus = read_gpus(root)) {
    r.gpus.emplace();
    for (auto& g : *gpus) {
      auto a = gpu_activity(g, scan->processes, scan->classes);
      r.gpus->push_back({std::move(g), std::move(a)});
    }
  } else {
    r.errors.push_back(gpus.error().message());
  }
  keep(read_pci_functions(root, "vfio-pci"), r.vfio);
  keep(read_amd_pstate(root), r.amd_pstate);
  return r;
}

/// The table of rows: a header line, then one line per row.
[[nodiscard]] inline std::string rows_to_text(std::span<const Row> rows) {
  auto out = fmt::format("{:>8} {:>8} {:<16} {:<12} {}\n", "PID", "TID", "COMM", "CLASS", "RULE");
  for (const auto& r : rows)
    out += fmt::format("{:>8} {:>8} {:<16} {:<12} {}\n", r.pid, r.tid, text::escape(r.comm),
                       to_string(r.cls.cls), text::escape(r.cls.rule));
  return out;
}

[[nodiscard]] inline nlohmann::json to_json(const Row& r) {
  return {{"pid", r.pid},
          {"tid", r.tid},
          {"comm", r.comm},
          {"class", to_string(r.cls.cls)},
          {"rule", r.cls.rule}};
}

/// `{"processes": [row...]}`.
[[nodiscard]] inline nlohmann::json rows_to_json(std::span<const Row> rows) {
  auto j = nlohmann::json::array();
  for (const auto& r : rows) j.push_back(to_json(r));
  return {{"processes", j}};
}

/// What detection sees of one process (`ghost-probe --pid`): its rows (the process and its threads),
/// the program it runs, and the profile that would apply were it a game.
struct ProcessReport {
  std::vector<Row> rows;
  Program program;
  std::string profile;  ///< "FILE (WHY)" or "none (WHY)": config::AppliedProfile::describe()
};

/// The rows' table, then "program: NAME[ (steam app id ID)]" and "profile: PROFILE" lines.
[[nodiscard]] inline std::string to_text(const ProcessReport& rep) {
  return fmt::format("{}program: {}{}\nprofile: {}\n", rows_to_text(rep.rows), text::escape(rep.program.name),
                     rep.program.steam_app_id.empty()
                         ? ""
                         : fmt::format(" (steam app id {})", text::escape(rep.program.steam_app_id)),
                     text::escape(rep.profile));
}

/// `{"processes": [row...], "program": {"name", "exe", "steam_app_id", "profile"}}`.
[[nodiscard]] inline nlohmann::json to_json(const ProcessReport& rep) {
  auto j = rows_to_json(rep.rows);
  j["program"] = {{"name", rep.program.name},
                  {"exe", rep.program.exe},
                  {"steam_app_id", rep.program.steam_app_id},
                  {"profile", rep.profile}};
  return j;
}

/// The report as text, a section per kind (sections that could not be read are left out; the
/// errors are not in it: the caller shows them as warnings).
[[nodiscard]] inline std::string to_text(const Report& rep) {
  const auto or_dash = [](const std::string& s) { return s.empty() ? std::string("-") : text::escape(s); };
  std::string out = rows_to_text(rep.rows);
  out += fmt::format("({} processes scanned, {} vanished while read)\n", rep.processes, rep.skipped);
  out += fmt::format("\nVMs: {}\n", rep.vms.size());
  for (const auto& vm : rep.vms)
    out += fmt::format("  pid {} '{}' kind {} ({}), vCPU threads [{}], passthrough [{}]\n", vm.pid,
                       text::escape(vm.name), to_string(vm.kind), text::escape(vm.kind_rule),
                       fmt::join(vm.vcpu_tids, ","), fmt::join(vm.passthrough, ","));
  out += fmt::format("\nContainers: {}\n", rep.containers.size());
  for (const auto& c : rep.containers)
    out += fmt::format("  {} {} pids [{}]{} {}\n", to_string(c.ref.runtime), text::escape(c.ref.id),
                       fmt::join(c.pids, ","), c.ai ? " ai" : "", text::escape(c.ref.cgroup));
  if (rep.cgroups) {
    out += fmt::format("\nClassified cgroups: {}\n", rep.cgroups->size());
    for (const auto& c : *rep.cgroups)
      out += fmt::format("  id {:<10} {:<12} {} ({})\n", c.id, to_string(c.cls), text::escape(c.path),
                         text::escape(c.pattern));
  }
  if (rep.gpus) {
    out += fmt::format("\nGPUs: {}\n", rep.gpus->size());
    for (const auto& [g, a] : *rep.gpus)
      out += fmt::format(
          "  {} {} 0x{:04x} driver {} BAR {} MiB (resizable BAR {}), power {} {}, busy {}, active {}{}\n",
          text::escape(g.pci.address), text::escape(g.vendor_name), g.pci.device, or_dash(g.pci.driver),
          g.largest_prefetch_bar >> 20, g.resizable_bar ? "on" : "off", or_dash(g.runtime_status),
          or_dash(g.power_state), g.busy_percent ? fmt::format("{}%", *g.busy_percent) : "-",
          a.active ? "yes" : "no", a.reason.empty() ? "" : fmt::format(" ({})", text::escape(a.reason)));
  }
  if (rep.vfio) {
    out += fmt::format("\nVFIO devices: {}\n", rep.vfio->size());
    for (const auto& f : *rep.vfio)
      out += fmt::format("  {} {:04x}:{:04x} class 0x{:06x} IOMMU group {}\n", text::escape(f.address),
                         f.vendor, f.device, f.pci_class, or_dash(f.iommu_group));
  }
  if (const auto& p = rep.amd_pstate) {
    if (!p->present)
      out += "\namd-pstate: not present (prefcore rankings not available)\n";
    else
      out += fmt::format("\namd-pstate: {}, prefcore {}, rankings live: {}\n", text::escape(p->status),
                         p->prefcore ? (*p->prefcore ? "enabled" : "disabled") : "unknown",
                         p->rankings_live() ? "yes" : "no");
  }
  return out;
}

/// The report as one JSON document (every section an array, empty when it could not be read;
/// "amd_pstate" only when read; "errors" lists what could not be read).
[[nodiscard]] inline nlohmann::json to_json(const Report& rep) {
  using nlohmann::json;
  json j;
  j["processes"] = rows_to_json(rep.rows)["processes"];
  j["skipped_pids"] = rep.skipped;
  j["vms"] = json::array();
  for (const auto& vm : rep.vms)
    j["vms"].push_back({{"pid", vm.pid},
                        {"name", vm.name},
                        {"kind", to_string(vm.kind)},
                        {"rule", vm.kind_rule},
                        {"vcpu_tids", vm.vcpu_tids},
                        {"passthrough", vm.passthrough}});
  j["containers"] = json::array();
  for (const auto& c : rep.containers)
    j["containers"].push_back({{"runtime", to_string(c.ref.runtime)},
                               {"id", c.ref.id},
                               {"cgroup", c.ref.cgroup},
                               {"pids", c.pids},
                               {"ai", c.ai}});
  j["cgroups"] = json::array();
  if (rep.cgroups)
    for (const auto& c : *rep.cgroups)
      j["cgroups"].push_back(
          {{"id", c.id}, {"path", c.path}, {"class", to_string(c.cls)}, {"pattern", c.pattern}});
  j["gpus"] = json::array();
  if (rep.gpus)
    for (const auto& [g, a] : *rep.gpus)
      j["gpus"].push_back({{"address", g.pci.address},
                           {"vendor", g.vendor_name},
                           {"device", fmt::format("0x{:04x}", g.pci.device)},
                           {"driver", g.pci.driver},
                           {"largest_prefetch_bar", g.largest_prefetch_bar},
                           {"resizable_bar", g.resizable_bar},
                           {"runtime_status", g.runtime_status},
                           {"power_state", g.power_state},
                           {"busy_percent", g.busy_percent ? json(*g.busy_percent) : json(nullptr)},
                           {"active", a.active},
                           {"active_reason", a.reason},
                           {"holders", a.holders}});
  j["vfio"] = json::array();
  if (rep.vfio)
    for (const auto& f : *rep.vfio)
      j["vfio"].push_back({{"address", f.address},
                           {"vendor", fmt::format("0x{:04x}", f.vendor)},
                           {"device", fmt::format("0x{:04x}", f.device)},
                           {"class", fmt::format("0x{:06x}", f.pci_class)},
                           {"iommu_group", f.iommu_group}});
  if (const auto& p = rep.amd_pstate)
    j["amd_pstate"] = {{"present", p->present},
                       {"status", p->status},
                       {"prefcore", p->prefcore ? json(*p->prefcore) : json(nullptr)},
                       {"rankings_live", p->rankings_live()}};
  j["errors"] = rep.errors;
  return j;
}

}  // namespace ghostbrew::detect
