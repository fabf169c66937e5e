// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// GPUs from PCI sysfs: NVIDIA (0x10de) and AMD (0x1002) display-class functions, resizable BAR from
// the BAR sizes in `resource`, runtime power state, amdgpu's busy percentage, and whether a game is
// using the GPU now (shown by ghost-probe; the scheduler does not read it).
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gsl/util>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/fs.hpp"
#include "ghostbrew/detect/classify.hpp"
#include "ghostbrew/detect/vm.hpp"
#include "ghostbrew/procfs/process.hpp"

namespace ghostbrew::detect {

inline constexpr std::uint32_t kPciVendorNvidia = 0x10de;
inline constexpr std::uint32_t kPciVendorAmd = 0x1002;
/// Without resizable BAR the CPU-visible VRAM window is 256 MiB; any larger prefetchable BAR means
/// ReBAR (or a large-BAR datacenter card, which is the same thing for the CPU).
inline constexpr std::uint64_t kLegacyBarLimit = 256ULL << 20;
/// amdgpu gpu_busy_percent at or above which the GPU counts as busy.
inline constexpr int kBusyPercentActive = 10;

/// One GPU.
struct Gpu {
  PciFunction pci;
  std::string vendor_name;                 ///< "nvidia" or "amd"
  std::vector<std::uint64_t> bar_sizes;    ///< bytes, one per `resource` line (0 = unused)
  std::uint64_t largest_prefetch_bar = 0;  ///< bytes
  bool resizable_bar = false;              ///< largest_prefetch_bar > 256 MiB
  std::string runtime_status;              ///< power/runtime_status: "active", "suspended"; "" if absent
  std::string power_state;                 ///< power_state: "D0", "D3hot", "D3cold"; "" if absent
  std::optional<int> busy_percent;         ///< gpu_busy_percent (amdgpu only)
  std::vector<std::string> device_nodes;   ///< "/dev/dri/card0", "/dev/dri/renderD128"

  /// True when the device node `target` (an open fd's link) belongs to this GPU.
  [[nodiscard]] bool owns_node(std::string_view target) const {
    if (pci.vendor == kPciVendorNvidia && target.starts_with("/dev/nvidia") &&
        !target.starts_with("/dev/nvidia-caps"))
      return true;
    return std::find(device_nodes.begin(), device_nodes.end(), target) != device_nodes.end();
  }
};

namespace detail {
/// IORESOURCE_MEM and IORESOURCE_PREFETCH from include/linux/ioport.h.
inline constexpr std::uint64_t kIoresourceMem = 0x200;
inline constexpr std::uint64_t kIoresourcePrefetch = 0x2000;

/// Parses a PCI `resource` file: "0xSTART 0xEND 0xFLAGS" per line.
inline Result<std::vector<std::pair<std::uint64_t, std::uint64_t>>> parse_resource(std::string_view text,
                                                                                   const std::string& where) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;  // size, flags
  int line_no = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const auto line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (fs::detail::trim(line).empty()) continue;
    std::uint64_t v[3] = {};
    std::string_view rest = line;
    for (auto& x : v) {
      while (rest.starts_with(' ')) rest.remove_prefix(1);
      auto tok = rest.substr(0, rest.find(' '));
      rest.remove_prefix(tok.size());
      if (!tok.starts_with("0x")) return fail(where, "line {}: not a hex number: '{}'", line_no, tok);
      tok.remove_prefix(2);
      const auto [ptr, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), x, 16);
      if (tok.empty() || ec != std::errc{} || ptr != tok.data() + tok.size())
        return fail(where, "line {}: not a hex number: '0x{}'", line_no, tok);
    }
    const std::uint64_t size = (v[0] == 0 && v[1] == 0) || v[1] < v[0] ? 0 : v[1] - v[0] + 1;
    out.emplace_back(size, v[2]);
  }
  return out;
}

inline std::string optional_word(const std::filesystem::path& path) {
  auto w = fs::read_word(path);
  return w ? *w : std::string();
}
}  // namespace detail

/// Every NVIDIA/AMD display-class PCI function under <root>/sys/bus/pci/devices. Errors: the PCI
/// directory cannot be listed, or a GPU's ids, `resource` or gpu_busy_percent are malformed. Missing
/// optional files (power state, busy percent, drm nodes) leave those fields empty.
[[nodiscard]] inline Result<std::vector<Gpu>> read_gpus(const std::filesystem::path& root) {
  auto functions = read_pci_functions(root);
  if (!functions) return tl::unexpected(functions.error());
  std::vector<Gpu> out;
  for (auto& f : *functions) {
    if (!f.is_display() || (f.vendor != kPciVendorNvidia && f.vendor != kPciVendorAmd)) continue;
    const auto dir = root / "sys/bus/pci/devices" / f.address;
    Gpu g;
    g.vendor_name = f.vendor == kPciVendorNvidia ? "nvidia" : "amd";
    g.pci = std::move(f);
    const auto resource = dir / "resource";
    auto text = fs::read_text(resource);
    if (!text) return tl::unexpected(text.error());
    auto bars = detail::parse_resource(*text, resource.string());
    if (!bars) return tl::unexpected(bars.error());
    for (std::size_t i = 0; i < bars->size() && i < 6; ++i) {  // lines 0-5 are BARs, 6 the ROM
      const auto [size, flags] = (*bars)[i];
      g.bar_sizes.push_back(size);
      if ((flags & detail::kIoresourceMem) && (flags & detail::kIoresourcePrefetch))
        g.largest_prefetch_bar = std::max(g.largest_prefetch_bar, size);
    }
    g.resizable_bar = g.largest_prefetch_bar > kLegacyBarLimit;
    g.runtime_status = detail::optional_word(dir / "power/runtime_status");
    g.power_state = detail::optional_word(dir / "power_state");
    if (fs::exists(dir / "gpu_busy_percent")) {
      auto busy = fs::read_u64(dir / "gpu_busy_percent");
      if (!busy) return tl::unexpected(busy.error());
      g.busy_percent = gsl::narrow_cast<int>(std::min<std::uint64_t>(*busy, 100));
    }
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir / "drm", ec), end; !ec && it != end; it.increment(ec))
      g.device_nodes.push_back("/dev/dri/" + it->path().filename().string());
    std::sort(g.device_nodes.begin(), g.device_nodes.end());
    out.push_back(std::move(g));
  }
  return out;
}

/// Whether a GPU is busy with a game, and why.
struct GpuActivity {
  bool active = false;
  std::string reason;        ///< "busy:57%", "game:4242", or "" when idle
  std::vector<int> holders;  ///< pids of gaming processes holding the GPU's device nodes
};

/// The GPU-active signal: a process classified GAMING holds one of the GPU's device nodes open (the
/// NVIDIA way: /dev/nvidia*), or amdgpu reports gpu_busy_percent >= 10. A suspended GPU is idle.
/// `classes[i]` is the classification of `processes[i]`.
[[nodiscard]] inline GpuActivity gpu_activity(const Gpu& gpu, std::span<const procfs::ProcessInfo> processes,
                                              std::span<const Classification> classes) {
  GpuActivity a;
  for (std::size_t i = 0; i < processes.size() && i < classes.size(); ++i) {
    if (classes[i].cls != WorkloadClass::Gaming) continue;
    const auto& fds = processes[i].device_fds;
    if (std::any_of(fds.begin(), fds.end(), [&](const std::string& t) { return gpu.owns_node(t); }))
      a.holders.push_back(processes[i].pid());
  }
  if (gpu.runtime_status == "suspended") return a;
  if (!a.holders.empty()) {
    a.active = true;
    a.reason = fmt::format("game:{}", a.holders.front());
  } else if (gpu.busy_percent && *gpu.busy_percent >= kBusyPercentActive) {
    a.active = true;
    a.reason = fmt::format("busy:{}%", *gpu.busy_percent);
  }
  return a;
}

}  // namespace ghostbrew::detect
