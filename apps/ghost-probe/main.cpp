// ghost-probe: what ghostbrew's workload detection sees on this machine (or under --root): classified
// processes and threads with the rule that decided each, VMs, containers, classified cgroups, GPUs,
// VFIO devices and the amd-pstate/prefcore state. Text by default, one JSON document with --json.
// With --procdb: what ghost-sched has learned per comm (the process database in the state directory).
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "ghostbrew/core/fs.hpp"
#include "ghostbrew/core/state_file.hpp"
#include "ghostbrew/detect/amd_pstate.hpp"
#include "ghostbrew/detect/cgroup.hpp"
#include "ghostbrew/detect/container.hpp"
#include "ghostbrew/detect/gpu.hpp"
#include "ghostbrew/detect/scan.hpp"
#include "ghostbrew/detect/vm.hpp"
#include "ghostbrew/procdb/print.hpp"
#include "ghostbrew/procdb/store.hpp"

namespace gd = ghostbrew::detect;
using nlohmann::json;

namespace {

json row_json(const gd::Row& r) {
  return {{"pid", r.pid},
          {"tid", r.tid},
          {"comm", r.comm},
          {"class", gd::to_string(r.cls.cls)},
          {"rule", r.cls.rule}};
}

/// Rows worth showing: classified main threads, and threads whose class differs from their process's.
std::vector<gd::Row> interesting(const std::vector<gd::Row>& rows, const gd::ScanResult& s) {
  std::vector<gd::Row> out;
  for (const auto& r : rows) {
    const bool main_thread = r.tid == r.pid;
    if (main_thread && r.cls.cls != gd::WorkloadClass::Default) out.push_back(r);
    if (!main_thread) {
      const auto it = std::lower_bound(s.processes.begin(), s.processes.end(), r.pid,
                                       [](const auto& p, int pid) { return p.pid() < pid; });
      const auto& pc = s.classes[static_cast<std::size_t>(it - s.processes.begin())];
      if (r.cls != pc) out.push_back(r);
    }
  }
  return out;
}

std::string join_ints(const std::vector<int>& v) { return fmt::format("{}", fmt::join(v, ",")); }

/// `--procdb`: prints the process database of `state_dir_override` (or the default state directory).
/// 0 when printed; 1 with one line on stderr when there is no database or it cannot be read.
int print_procdb(const std::string& state_dir_override, bool as_json) {
  const auto dir = ghostbrew::state_dir(state_dir_override);
  if (!dir) {
    fmt::print(stderr, "ghost-probe: {}\n", dir.error().message());
    return 1;
  }
  const auto path = ghostbrew::procdb::default_procdb_path(*dir);
  if (!ghostbrew::fs::exists(path)) {
    fmt::print(stderr, "ghost-probe: no process database at {} (ghost-sched has not learned anything yet)\n",
               path.string());
    return 1;
  }
  const auto db = ghostbrew::procdb::load(path);
  if (!db) {
    fmt::print(stderr, "ghost-probe: {}\n", db.error().message());
    return 1;
  }
  const auto now = static_cast<ghostbrew::procdb::UnixSeconds>(std::time(nullptr));
  if (as_json)
    fmt::print("{}\n", ghostbrew::procdb::to_json(*db, now).dump(2));
  else
    fmt::print("{}", ghostbrew::procdb::to_text(*db, now));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ghost-probe: show how ghostbrew classifies the workloads on this machine"};
  std::string root = "/";
  bool as_json = false;
  int pid = 0;
  std::string rules_file;
  bool procdb = false;
  std::string state_dir;
  app.add_option("--root", root, "filesystem root holding proc/ and sys/ (default /)");
  app.add_flag("--json", as_json, "print one JSON document");
  app.add_option("--pid", pid, "classify only this pid (all its threads)")->check(CLI::PositiveNumber);
  app.add_option("--cgroup-rules", rules_file,
                 "file of 'PATTERN CLASS' lines replacing the built-in cgroup rules");
  auto* procdb_flag =
      app.add_flag("--procdb", procdb, "print what ghost-sched has learned per comm (the process database)");
  app.add_option("--state-dir", state_dir,
                 "state directory holding procdb.bin (default /var/lib/ghostbrew for root, else XDG state)")
      ->needs(procdb_flag);
  CLI11_PARSE(app, argc, argv);

  if (procdb) return print_procdb(state_dir, as_json);

  gd::Rules rules;
  if (!rules_file.empty()) {
    auto r = gd::read_cgroup_rules(rules_file);
    if (!r) {
      fmt::print(stderr, "ghost-probe: {}\n", r.error().message());
      return 1;
    }
    rules.cgroups = std::move(*r);
  }

  const std::filesystem::path rootp(root);
  if (!ghostbrew::fs::exists(rootp / "proc")) {
    fmt::print(stderr, "ghost-probe: {}: missing: no proc directory under --root\n",
               (rootp / "proc").string());
    return 2;
  }

  if (pid > 0) {
    auto rows = gd::classify_pid(rootp, pid, rules);
    if (!rows) {
      fmt::print(stderr, "ghost-probe: {}\n", rows.error().message());
      return 1;
    }
    if (as_json) {
      json j = json::array();
      for (const auto& r : *rows) j.push_back(row_json(r));
      fmt::print("{}\n", json{{"processes", j}}.dump(2));
    } else {
      fmt::print("{:>8} {:>8} {:<16} {:<12} {}\n", "PID", "TID", "COMM", "CLASS", "RULE");
      for (const auto& r : *rows)
        fmt::print("{:>8} {:>8} {:<16} {:<12} {}\n", r.pid, r.tid, r.comm, gd::to_string(r.cls.cls),
                   r.cls.rule);
    }
    return 0;
  }

  auto scan = gd::scan(rootp, rules);
  if (!scan) {
    fmt::print(stderr, "ghost-probe: {}\n", scan.error().message());
    return 2;
  }
  std::vector<std::string> errors;  // sections that could not be read: shown, not fatal
  const auto rows = interesting(scan->rows, *scan);
  const auto vms = gd::find_vms(rootp, scan->processes);
  const auto containers = gd::find_containers(scan->processes, scan->classes);
  auto cgroups = gd::scan_cgroups(rootp, rules.cgroups);
  if (!cgroups) errors.push_back(cgroups.error().message());
  auto gpus = gd::read_gpus(rootp);
  if (!gpus) errors.push_back(gpus.error().message());
  auto vfio = gd::read_pci_functions(rootp, "vfio-pci");
  if (!vfio) errors.push_back(vfio.error().message());
  auto pstate = gd::read_amd_pstate(rootp);
  if (!pstate) errors.push_back(pstate.error().message());

  if (as_json) {
    json j;
    j["processes"] = json::array();
    for (const auto& r : rows) j["processes"].push_back(row_json(r));
    j["skipped_pids"] = scan->skipped;
    j["vms"] = json::array();
    for (const auto& vm : vms)
      j["vms"].push_back({{"pid", vm.pid},
                          {"name", vm.name},
                          {"kind", gd::to_string(vm.kind)},
                          {"rule", vm.kind_rule},
                          {"vcpu_tids", vm.vcpu_tids},
                          {"passthrough", vm.passthrough}});
    j["containers"] = json::array();
    for (const auto& c : containers)
      j["containers"].push_back({{"runtime", gd::to_string(c.ref.runtime)},
                                 {"id", c.ref.id},
                                 {"cgroup", c.ref.cgroup},
                                 {"pids", c.pids},
                                 {"ai", c.ai}});
    j["cgroups"] = json::array();
    if (cgroups)
      for (const auto& c : *cgroups)
        j["cgroups"].push_back(
            {{"id", c.id}, {"path", c.path}, {"class", gd::to_string(c.cls)}, {"pattern", c.pattern}});
    j["gpus"] = json::array();
    if (gpus)
      for (const auto& g : *gpus) {
        const auto a = gd::gpu_activity(g, scan->processes, scan->classes);
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
      }
    j["vfio"] = json::array();
    if (vfio)
      for (const auto& f : *vfio)
        j["vfio"].push_back({{"address", f.address},
                             {"vendor", fmt::format("0x{:04x}", f.vendor)},
                             {"device", fmt::format("0x{:04x}", f.device)},
                             {"class", fmt::format("0x{:06x}", f.pci_class)},
                             {"iommu_group", f.iommu_group}});
    if (pstate)
      j["amd_pstate"] = {{"present", pstate->present},
                         {"status", pstate->status},
                         {"prefcore", pstate->prefcore ? json(*pstate->prefcore) : json(nullptr)},
                         {"rankings_live", pstate->rankings_live()}};
    j["errors"] = errors;
    fmt::print("{}\n", j.dump(2));
    return 0;
  }

  fmt::print("{:>8} {:>8} {:<16} {:<12} {}\n", "PID", "TID", "COMM", "CLASS", "RULE");
  for (const auto& r : rows)
    fmt::print("{:>8} {:>8} {:<16} {:<12} {}\n", r.pid, r.tid, r.comm, gd::to_string(r.cls.cls), r.cls.rule);
  fmt::print("({} processes scanned, {} vanished while read)\n", scan->processes.size(), scan->skipped);

  fmt::print("\nVMs: {}\n", vms.size());
  for (const auto& vm : vms)
    fmt::print("  pid {} '{}' kind {} ({}), vCPU threads [{}], passthrough [{}]\n", vm.pid, vm.name,
               gd::to_string(vm.kind), vm.kind_rule, join_ints(vm.vcpu_tids), fmt::join(vm.passthrough, ","));
  fmt::print("\nContainers: {}\n", containers.size());
  for (const auto& c : containers)
    fmt::print("  {} {} pids [{}]{} {}\n", gd::to_string(c.ref.runtime), c.ref.id, join_ints(c.pids),
               c.ai ? " ai" : "", c.ref.cgroup);
  if (cgroups) {
    fmt::print("\nClassified cgroups: {}\n", cgroups->size());
    for (const auto& c : *cgroups)
      fmt::print("  id {:<10} {:<12} {} ({})\n", c.id, gd::to_string(c.cls), c.path, c.pattern);
  }
  if (gpus) {
    fmt::print("\nGPUs: {}\n", gpus->size());
    for (const auto& g : *gpus) {
      const auto a = gd::gpu_activity(g, scan->processes, scan->classes);
      fmt::print(
          "  {} {} 0x{:04x} driver {} BAR {} MiB (resizable BAR {}), power {} {}, busy {}, active {}{}\n",
          g.pci.address, g.vendor_name, g.pci.device, g.pci.driver.empty() ? "-" : g.pci.driver,
          g.largest_prefetch_bar >> 20, g.resizable_bar ? "on" : "off",
          g.runtime_status.empty() ? "-" : g.runtime_status, g.power_state.empty() ? "-" : g.power_state,
          g.busy_percent ? fmt::format("{}%", *g.busy_percent) : "-", a.active ? "yes" : "no",
          a.reason.empty() ? "" : fmt::format(" ({})", a.reason));
    }
  }
  if (vfio) {
    fmt::print("\nVFIO devices: {}\n", vfio->size());
    for (const auto& f : *vfio)
      fmt::print("  {} {:04x}:{:04x} class 0x{:06x} IOMMU group {}\n", f.address, f.vendor, f.device,
                 f.pci_class, f.iommu_group.empty() ? "-" : f.iommu_group);
  }
  if (pstate) {
    if (!pstate->present)
      fmt::print("\namd-pstate: not present (prefcore rankings not available)\n");
    else
      fmt::print("\namd-pstate: {}, prefcore {}, rankings live: {}\n", pstate->status,
                 pstate->prefcore ? (*pstate->prefcore ? "enabled" : "disabled") : "unknown",
                 pstate->rankings_live() ? "yes" : "no");
  }
  for (const auto& e : errors) fmt::print(stderr, "ghost-probe: warning: {}\n", e);
  return 0;
}
