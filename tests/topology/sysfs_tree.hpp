// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Expands a compact machine description (tests/fixtures/topology/*.topo) into a real sysfs/procfs
// tree in a directory, so discovery reads real files. Used by the topology tests and benchmark.
//
// One command per line; `#` starts a comment. `for VAR in CPULIST: COMMAND` repeats COMMAND with
// `{VAR}`, `{VAR+K}`, `{VAR*K+M}`... substituted (+ - * / % evaluated left to right).
//   include NAME                  the commands of NAME.topo (same folder)
//   cpuinfo VENDOR FAMILY MODEL NAME...   proc/cpuinfo (one processor block)
//   possible|present|online LIST  cpu/possible, cpu/present, cpu/online (present defaults to the
//                                 cores' CPUs, possible to present, online to present)
//   core PACKAGE CORE_ID LIST     topology/ of each online CPU in LIST: physical_package_id,
//                                 core_id, thread_siblings(_list), core_cpus(_list), package_cpus(_list),
//                                 core_siblings(_list) (online CPUs only)
//   cache LEVEL TYPE SIZE LIST [ID]  next cache/indexN of each online CPU in LIST, shared by LIST
//   node ID LIST DISTANCE...      node/nodeID/{cpulist,cpumap,distance} and cpuN/nodeID links
//   set LIST RELPATH VALUE...     cpuN/RELPATH for each CPU in LIST; cpufreq/... goes to
//                                 cpu/cpufreq/policyN/... with cpuN/cpufreq a symlink to it
//   file PATH VALUE...            a file below the root
//   rm PATH                       removes a file or directory below the root
// The tree's files are written when the command list has been read, structure first (in order),
// so `rm` and `file` lines may follow the `include` they modify.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "ghostbrew/core/cpuset.hpp"

namespace ghostbrew::topology::testing {

namespace detail {

inline std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

inline std::string rest_after(const std::string& line, std::size_t n_words) {
  std::size_t pos = 0;
  for (std::size_t i = 0; i < n_words; ++i) {
    pos = line.find_first_not_of(" \t", pos);
    pos = line.find_first_of(" \t", pos);
    if (pos == std::string::npos) return {};
  }
  const auto b = line.find_first_not_of(" \t", pos);
  return b == std::string::npos ? std::string{} : line.substr(b);
}

inline CpuSet list(const std::string& text) {
  auto s = parse_cpulist(text, "spec");
  if (!s) throw std::runtime_error(s.error().message());
  return *s;
}

/// `{i*2+1}` with i = value, evaluated left to right.
inline std::string substitute(const std::string& body, const std::string& var, int value) {
  std::string out;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '{' || body.compare(i + 1, var.size(), var) != 0) {
      out += body[i];
      continue;
    }
    const auto close = body.find('}', i);
    std::string expr = body.substr(i + 1 + var.size(), close - i - 1 - var.size());
    long v = value;
    for (std::size_t p = 0; p < expr.size();) {
      const char op = expr[p++];
      std::size_t used = 0;
      const long k = std::stol(expr.substr(p), &used);
      p += used;
      v = op == '+' ? v + k : op == '-' ? v - k : op == '*' ? v * k : op == '/' ? v / k : v % k;
    }
    out += std::to_string(v);
    i = close;
  }
  return out;
}

inline std::string to_mask(const CpuSet& set) {
  const auto ids = set.ids();
  const int top = ids.empty() ? 0 : ids.back();
  std::vector<std::uint32_t> words_le(static_cast<std::size_t>(top / 32 + 1), 0);
  for (int c : ids) words_le[static_cast<std::size_t>(c / 32)] |= 1U << (c % 32);
  std::string out;
  for (auto it = words_le.rbegin(); it != words_le.rend(); ++it)
    out += fmt::format("{}{:08x}", out.empty() ? "" : ",", *it);
  return out;
}

inline void write(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << content << '\n';
}

inline void read_spec(const std::filesystem::path& file, std::vector<std::string>& out) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot open " + file.string());
  for (std::string line; std::getline(in, line);) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    const auto w = words(line);
    if (w.empty()) continue;
    if (w[0] == "include")
      read_spec(file.parent_path() / (w.at(1) + ".topo"), out);
    else
      out.push_back(line);
  }
}

}  // namespace detail

/// Writes the tree described by `spec` (command lines, see the top of this file) below `root`.
inline void write_tree(const std::vector<std::string>& spec, const std::filesystem::path& root) {
  using detail::list;
  using detail::words;
  // Expand `for` loops.
  std::vector<std::string> lines;
  for (const auto& line : spec) {
    const auto w = words(line);
    if (w[0] != "for") {
      lines.push_back(line);
      continue;
    }
    const auto colon = line.find(':');
    const auto body = line.substr(colon + 1);
    for (int v : list(w.at(3).substr(0, w.at(3).find(':'))).ids())
      lines.push_back(detail::substitute(body, w.at(1), v));
  }
  std::map<std::string, CpuSet> sets;
  for (const auto& line : lines) {
    const auto w = words(line);
    if (w[0] == "possible" || w[0] == "present" || w[0] == "online") sets[w[0]] = list(w.at(1));
    if (w[0] == "core" && !sets.count("present_from_cores")) sets["present_from_cores"] = {};
    if (w[0] == "core")
      for (int c : list(w.at(3)).ids()) sets["present_from_cores"].insert(c);
  }
  const CpuSet present = sets.count("present") ? sets["present"] : sets["present_from_cores"];
  const CpuSet possible = sets.count("possible") ? sets["possible"] : present;
  const CpuSet online = sets.count("online") ? sets["online"] : present;
  const auto cpu_dir = root / "sys/devices/system/cpu";
  auto cpu = [&](int c) { return cpu_dir / fmt::format("cpu{}", c); };
  auto online_part = [&](const CpuSet& s) {
    CpuSet out;
    for (int c : s.ids())
      if (online.contains(c)) out.insert(c);
    return out;
  };
  std::filesystem::create_directories(cpu_dir);
  detail::write(cpu_dir / "possible", possible.to_list());
  detail::write(cpu_dir / "present", present.to_list());
  detail::write(cpu_dir / "online", online.to_list());
  for (int c : present.ids()) {
    std::filesystem::create_directories(cpu(c));
    if (c != 0) detail::write(cpu(c) / "online", online.contains(c) ? "1" : "0");
  }
  // package_cpus(_list) and core_siblings(_list): the online CPUs of each core line's package.
  std::map<std::string, CpuSet> package_cpus;
  for (const auto& line : lines)
    if (const auto w = words(line); w[0] == "core")
      for (int c : online_part(list(w.at(3))).ids()) package_cpus[w.at(1)].insert(c);
  std::map<int, int> next_index;
  std::vector<std::string> late;
  for (const auto& line : lines) {
    const auto w = words(line);
    const auto& cmd = w[0];
    if (cmd == "cpuinfo") {
      detail::write(root / "proc/cpuinfo",
                    fmt::format("processor\t: 0\nvendor_id\t: {}\ncpu family\t: {}\nmodel name\t: {}\n",
                                w.at(1), w.at(2), detail::rest_after(line, 3)));
    } else if (cmd == "core") {
      const auto threads = online_part(list(w.at(3)));
      for (int c : threads.ids()) {
        const auto t = cpu(c) / "topology";
        detail::write(t / "physical_package_id", w.at(1));
        detail::write(t / "core_id", w.at(2));
        detail::write(t / "thread_siblings_list", threads.to_list());
        detail::write(t / "thread_siblings", detail::to_mask(threads));
        detail::write(t / "core_cpus_list", threads.to_list());
        detail::write(t / "core_cpus", detail::to_mask(threads));
        const auto& pkg = package_cpus[w.at(1)];
        for (const auto* name : {"package_cpus", "core_siblings"})
          detail::write(t / name, detail::to_mask(pkg));
        for (const auto* name : {"package_cpus_list", "core_siblings_list"})
          detail::write(t / name, pkg.to_list());
      }
    } else if (cmd == "cache") {
      const auto sharing = online_part(list(w.at(4)));
      for (int c : sharing.ids()) {
        const auto d = cpu(c) / fmt::format("cache/index{}", next_index[c]++);
        detail::write(d / "level", w.at(1));
        detail::write(d / "type", w.at(2));
        detail::write(d / "size", w.at(3));
        detail::write(d / "shared_cpu_list", sharing.to_list());
        detail::write(d / "shared_cpu_map", detail::to_mask(sharing));
        if (w.size() > 5) detail::write(d / "id", w[5]);
      }
    } else if (cmd == "node") {
      const auto d = root / fmt::format("sys/devices/system/node/node{}", w.at(1));
      const auto cpus = online_part(list(w.at(2)));
      detail::write(d / "cpulist", cpus.to_list());
      detail::write(d / "cpumap", detail::to_mask(cpus));
      detail::write(d / "distance", detail::rest_after(line, 3));
      for (int c : list(w.at(2)).ids()) {
        std::filesystem::create_directories(cpu(c));
        std::filesystem::create_directory_symlink(fmt::format("../../node/node{}", w.at(1)),
                                                  cpu(c) / fmt::format("node{}", w.at(1)));
      }
    } else if (cmd == "set") {
      const auto rel = std::filesystem::path(w.at(2));
      const auto value = detail::rest_after(line, 3);
      for (int c : list(w.at(1)).ids()) {
        if (*rel.begin() == "cpufreq") {
          const auto policy = cpu_dir / fmt::format("cpufreq/policy{}", c);
          detail::write(policy / rel.lexically_relative("cpufreq"), value);
          if (!std::filesystem::is_symlink(cpu(c) / "cpufreq"))
            std::filesystem::create_directory_symlink(fmt::format("../cpufreq/policy{}", c),
                                                      cpu(c) / "cpufreq");
        } else {
          detail::write(cpu(c) / rel, value);
        }
      }
    } else if (cmd == "file" || cmd == "rm") {
      late.push_back(line);
    } else if (cmd != "possible" && cmd != "present" && cmd != "online") {
      throw std::runtime_error("unknown spec command: " + line);
    }
  }
  for (const auto& line : late) {
    const auto w = words(line);
    if (w[0] == "file")
      detail::write(root / w.at(1), detail::rest_after(line, 2));
    else
      std::filesystem::remove_all(root / w.at(1));
  }
}

/// Writes the tree of fixture `dir/NAME.topo` below `root`.
inline void write_fixture(const std::filesystem::path& dir, const std::string& name,
                          const std::filesystem::path& root) {
  std::vector<std::string> spec;
  detail::read_spec(dir / (name + ".topo"), spec);
  write_tree(spec, root);
}

}  // namespace ghostbrew::topology::testing
