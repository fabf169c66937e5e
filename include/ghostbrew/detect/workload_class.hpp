// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The workload classes of the BPF ABI (enum gb_class in ghostbrew/bpf/abi.h) as a C++ enum with the
// same values, and their names for output.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "ghostbrew/bpf/abi.h"

namespace ghostbrew::detect {

/// A workload class; the values are the BPF side's GB_CLASS_* and can be stored in BPF maps as is.
enum class WorkloadClass : std::uint32_t {
  Gaming = GB_CLASS_GAMING,
  Interactive = GB_CLASS_INTERACTIVE,
  Vm = GB_CLASS_VM,
  Default = GB_CLASS_DEFAULT,
  Ai = GB_CLASS_AI,
  Container = GB_CLASS_CONTAINER,
  Batch = GB_CLASS_BATCH,
};

/// Lower-case name: "gaming", "interactive", "vm", "default", "ai", "container", "batch".
[[nodiscard]] inline std::string_view to_string(WorkloadClass c) {
  switch (c) {
    case WorkloadClass::Gaming:
      return "gaming";
    case WorkloadClass::Interactive:
      return "interactive";
    case WorkloadClass::Vm:
      return "vm";
    case WorkloadClass::Default:
      return "default";
    case WorkloadClass::Ai:
      return "ai";
    case WorkloadClass::Container:
      return "container";
    case WorkloadClass::Batch:
      return "batch";
  }
  return "unknown";
}

/// The class named by to_string(), for configuration files; nullopt for any other text.
[[nodiscard]] inline std::optional<WorkloadClass> parse_class(std::string_view name) {
  for (std::uint32_t v = 0; v < GB_NR_CLASSES; ++v) {
    const auto c = static_cast<WorkloadClass>(v);
    if (to_string(c) == name) return c;
  }
  return std::nullopt;
}

}  // namespace ghostbrew::detect
