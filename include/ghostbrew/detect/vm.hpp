// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Virtual machines: QEMU processes, their vCPU threads ("CPU N/KVM"), the VM's kind read from its
// command line, and the PCI devices bound to vfio-pci in sysfs (with their IOMMU groups).
#pragma once

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/fs.hpp"
#include "ghostbrew/detect/classify.hpp"
#include "ghostbrew/procfs/process.hpp"

namespace ghostbrew::detect {

/// What a VM is for.
enum class VmKind {
  Gaming,  ///< a GPU passed through with VFIO
  Ai,      ///< named for AI work (ollama, llm, inference ...)
  Dev,     ///< anything else
};

[[nodiscard]] inline std::string_view to_string(VmKind k) {
  switch (k) {
    case VmKind::Gaming:
      return "gaming";
    case VmKind::Ai:
      return "ai";
    case VmKind::Dev:
      return "dev";
  }
  return "unknown";
}

/// A PCI function as sysfs describes it (vendor, device and class from the hex files).
struct PciFunction {
  std::string address;  ///< "0000:01:00.0"
  std::uint32_t vendor = 0;
  std::uint32_t device = 0;
  std::uint32_t pci_class = 0;  ///< e.g. 0x030000 for a VGA controller
  std::string driver;           ///< bound driver's name, empty when unbound
  std::string iommu_group;      ///< IOMMU group number, empty without an IOMMU

  [[nodiscard]] bool is_display() const { return (pci_class >> 16) == 0x03; }
};

/// One QEMU process.
struct VirtualMachine {
  int pid = 0;
  std::string name;  ///< from -name (guest=NAME or NAME), empty if none
  VmKind kind = VmKind::Dev;
  std::string kind_rule;                 ///< why: "vfio-gpu:0000:01:00.0", "name:ollama", "default"
  std::vector<int> vcpu_tids;            ///< threads named "CPU N/KVM"
  std::vector<std::string> passthrough;  ///< PCI addresses of -device vfio-pci,host=...
};

namespace detail {
inline Result<std::uint32_t> read_hex(const std::filesystem::path& path) {
  auto w = fs::read_word(path);
  if (!w) return tl::unexpected(w.error());
  std::string_view s = *w;
  if (s.starts_with("0x")) s.remove_prefix(2);
  std::uint32_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size())
    return fail(path.string(), "not a hex number: '{}'", *w);
  return v;
}

inline std::string link_name(const std::filesystem::path& link) {
  std::error_code ec;
  const auto target = std::filesystem::read_symlink(link, ec);
  return ec ? std::string() : target.filename().string();
}

/// The vfio-pci host addresses in a QEMU command line, both "-device vfio-pci,host=01:00.0,..." and
/// libvirt's JSON form '-device {"driver":"vfio-pci","host":"0000:01:00.0",...}'.
inline std::vector<std::string> vfio_hosts(std::span<const std::string> cmdline) {
  std::vector<std::string> out;
  for (const auto& arg : cmdline) {
    if (arg.find("vfio-pci") == std::string::npos) continue;
    std::string_view a = arg;
    for (std::string_view key : {std::string_view("host="), std::string_view("\"host\":\"")}) {
      const auto k = a.find(key);
      if (k == std::string_view::npos) continue;
      auto v = a.substr(k + key.size());
      v = v.substr(0, v.find_first_of(",\"}"));
      std::string addr(v);
      if (std::count(addr.begin(), addr.end(), ':') == 1) addr = "0000:" + addr;  // domain omitted
      out.push_back(std::move(addr));
      break;
    }
  }
  return out;
}

inline std::string vm_name(std::span<const std::string> cmdline) {
  for (std::size_t i = 0; i + 1 < cmdline.size(); ++i) {
    if (cmdline[i] != "-name") continue;
    std::string_view v = cmdline[i + 1];
    if (const auto g = v.find("guest="); g != std::string_view::npos) v = v.substr(g + 6);
    return std::string(v.substr(0, v.find(',')));
  }
  return {};
}

inline bool names_ai(std::string_view name) {
  std::string lower(name);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view w : {"ollama", "llm", "inference", "vllm", "comfy"})
    if (lower.find(w) != std::string::npos) return true;
  // "ai" only as a whole word of the name: "ai", "ai-box", "win-ai", not "mail" or "domain".
  for (std::size_t pos = lower.find("ai"); pos != std::string::npos; pos = lower.find("ai", pos + 1)) {
    const bool start = pos == 0 || !std::isalnum(static_cast<unsigned char>(lower[pos - 1]));
    const bool end = pos + 2 == lower.size() || !std::isalnum(static_cast<unsigned char>(lower[pos + 2]));
    if (start && end) return true;
  }
  return false;
}
}  // namespace detail

/// Reads one PCI function from <root>/sys/bus/pci/devices/ADDR. Error when vendor/device/class are
/// missing or malformed.
[[nodiscard]] inline Result<PciFunction> read_pci_function(const std::filesystem::path& root,
                                                           const std::string& address) {
  const auto dir = root / "sys/bus/pci/devices" / address;
  PciFunction f;
  f.address = address;
  auto vendor = detail::read_hex(dir / "vendor");
  if (!vendor) return tl::unexpected(vendor.error());
  auto device = detail::read_hex(dir / "device");
  if (!device) return tl::unexpected(device.error());
  auto cls = detail::read_hex(dir / "class");
  if (!cls) return tl::unexpected(cls.error());
  f.vendor = *vendor;
  f.device = *device;
  f.pci_class = *cls;
  f.driver = detail::link_name(dir / "driver");
  f.iommu_group = detail::link_name(dir / "iommu_group");
  return f;
}

/// Every PCI function under <root>/sys/bus/pci/devices whose driver is `driver` ("vfio-pci").
/// Error when the PCI device directory cannot be listed or a device's ids are malformed.
[[nodiscard]] inline Result<std::vector<PciFunction>> read_pci_functions(const std::filesystem::path& root,
                                                                         std::string_view driver = {}) {
  const auto dir = root / "sys/bus/pci/devices";
  std::error_code ec;
  std::vector<std::string> addresses;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    addresses.push_back(it->path().filename().string());
  if (ec) return fail(dir.string(), "cannot list: {}", ec.message());
  std::sort(addresses.begin(), addresses.end());
  std::vector<PciFunction> out;
  for (const auto& a : addresses) {
    auto f = read_pci_function(root, a);
    if (!f) return tl::unexpected(f.error());
    if (driver.empty() || f->driver == driver) out.push_back(std::move(*f));
  }
  return out;
}

/// The QEMU processes among `processes`, with their vCPU threads and kind. A passed-through device
/// is a GPU when <root>/sys says its class is display (0x03xxxx).
[[nodiscard]] inline std::vector<VirtualMachine> find_vms(const std::filesystem::path& root,
                                                          std::span<const procfs::ProcessInfo> processes) {
  std::vector<VirtualMachine> out;
  for (const auto& p : processes) {
    if (!detail::is_qemu(p)) continue;
    VirtualMachine vm;
    vm.pid = p.pid();
    vm.name = detail::vm_name(p.cmdline);
    for (const auto& t : p.threads)
      if (is_vcpu_thread_name(t.comm)) vm.vcpu_tids.push_back(t.tid);
    vm.passthrough = detail::vfio_hosts(p.cmdline);
    vm.kind_rule = "default";
    if (detail::names_ai(vm.name)) {
      vm.kind = VmKind::Ai;
      vm.kind_rule = "name:" + vm.name;
    } else {
      for (const auto& addr : vm.passthrough) {
        auto f = read_pci_function(root, addr);
        if (f && f->is_display()) {
          vm.kind = VmKind::Gaming;
          vm.kind_rule = "vfio-gpu:" + addr;
          break;
        }
      }
    }
    out.push_back(std::move(vm));
  }
  return out;
}

}  // namespace ghostbrew::detect
