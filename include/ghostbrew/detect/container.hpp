// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Containers from cgroup paths: Docker ("docker-ID.scope" or ".../docker/ID"), Podman
// ("libpod-ID.scope"), containerd ("cri-containerd-ID.scope" or ".../containerd/ID") and
// systemd-nspawn ("systemd-nspawn@NAME.service", "machine-NAME.scope"), with the processes in each.
#pragma once

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ghostbrew/detect/classify.hpp"
#include "ghostbrew/procfs/process.hpp"

namespace ghostbrew::detect {

enum class ContainerRuntime { Docker, Podman, Containerd, Nspawn };

[[nodiscard]] inline std::string_view to_string(ContainerRuntime r) {
  switch (r) {
    case ContainerRuntime::Docker:
      return "docker";
    case ContainerRuntime::Podman:
      return "podman";
    case ContainerRuntime::Containerd:
      return "containerd";
    case ContainerRuntime::Nspawn:
      return "systemd-nspawn";
  }
  return "unknown";
}

/// Which container a cgroup path belongs to.
struct ContainerRef {
  ContainerRuntime runtime = ContainerRuntime::Docker;
  std::string id;      ///< container id (or machine name for nspawn)
  std::string cgroup;  ///< the container's own cgroup path (up to its component)

  friend bool operator==(const ContainerRef&, const ContainerRef&) = default;
};

/// The outermost container in a cgroup v2 path, nullopt when the path is in none. QEMU machines
/// registered with machined ("machine-qemu\x2d1\x2dwin11.scope") are VMs, not containers.
[[nodiscard]] inline std::optional<ContainerRef> container_of(std::string_view path) {
  std::string_view prev;
  std::size_t pos = 0;
  while (pos < path.size()) {
    const auto next = path.find('/', pos + 1);
    const auto end = next == std::string_view::npos ? path.size() : next;
    auto comp = path.substr(pos, end - pos);
    if (comp.starts_with("/")) comp.remove_prefix(1);
    const auto upto = std::string(path.substr(0, end));
    const auto strip = [&](std::string_view prefix, std::string_view suffix) -> std::optional<std::string> {
      if (comp.size() > prefix.size() + suffix.size() && comp.starts_with(prefix) && comp.ends_with(suffix))
        return std::string(comp.substr(prefix.size(), comp.size() - prefix.size() - suffix.size()));
      return std::nullopt;
    };
    if (auto id = strip("docker-", ".scope")) return ContainerRef{ContainerRuntime::Docker, *id, upto};
    if (prev == "docker" && !comp.empty())
      return ContainerRef{ContainerRuntime::Docker, std::string(comp), upto};
    if (!comp.starts_with("libpod-conmon-"))
      if (auto id = strip("libpod-", ".scope")) return ContainerRef{ContainerRuntime::Podman, *id, upto};
    if (auto id = strip("cri-containerd-", ".scope"))
      return ContainerRef{ContainerRuntime::Containerd, *id, upto};
    if (prev == "containerd" && !comp.empty())
      return ContainerRef{ContainerRuntime::Containerd, std::string(comp), upto};
    if (auto id = strip("systemd-nspawn@", ".service"))
      return ContainerRef{ContainerRuntime::Nspawn, *id, upto};
    if (auto id = strip("machine-", ".scope"); id && !id->starts_with("qemu"))
      return ContainerRef{ContainerRuntime::Nspawn, *id, upto};
    prev = comp;
    pos = end;
  }
  return std::nullopt;
}

/// One container and what runs in it.
struct Container {
  ContainerRef ref;
  std::vector<int> pids;
  bool ai = false;  ///< an AI server runs in it (a process classified AI, or an AI cgroup pattern)
};

/// Groups processes by container. `classes[i]` is the classification of `processes[i]`.
[[nodiscard]] inline std::vector<Container> find_containers(std::span<const procfs::ProcessInfo> processes,
                                                            std::span<const Classification> classes) {
  std::vector<Container> out;
  for (std::size_t i = 0; i < processes.size(); ++i) {
    auto ref = container_of(processes[i].cgroup);
    if (!ref) continue;
    auto it = std::find_if(out.begin(), out.end(), [&](const Container& c) { return c.ref == *ref; });
    if (it == out.end()) {
      out.push_back({std::move(*ref), {}, false});
      it = out.end() - 1;
    }
    it->pids.push_back(processes[i].pid());
    if (i < classes.size() && classes[i].cls == WorkloadClass::Ai) it->ai = true;
  }
  return out;
}

}  // namespace ghostbrew::detect
