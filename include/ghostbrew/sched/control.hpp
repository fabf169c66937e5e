// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// What the daemon answers on its control socket (ctl/): scx_stats' "stats" and "stats_meta", and the
// control requests "status", "mode" and "reload". The statistics are the daemon's status fields
// (kStatusFields) and BPF's counters (abi.h's GB_STATS_COUNTERS); the reply and its description
// loop over the same two tables, so a new counter is described where it is declared.
//   {"req":"stats","args":{"target":"top"}}  status fields and counters since the scheduler attached
//   {"req":"stats_meta"}                     {"top":{"name","desc","fields":[{name,type,desc}..]}}
//   {"req":"status"}                         the status fields alone
//   {"req":"mode","args":{"mode":"work"}}    switch the placement mode without reloading BPF
//   {"req":"reload"}                         what SIGHUP does: re-read the configuration, rescan
#pragma once

#include <sys/types.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ghostbrew/bpf/abi.h"
#include "ghostbrew/core/error.hpp"
#include "ghostbrew/ctl/protocol.hpp"
#include "ghostbrew/detect/workload_class.hpp"
#include "ghostbrew/sched/ports.hpp"
#include "ghostbrew/sched/stats.hpp"
#include "ghostbrew/tuning/settings.hpp"

namespace ghostbrew::sched {

/// What the daemon knows about itself, beyond BPF's counters.
struct DaemonStatus {
  gb_mode mode = tuning::kDefaultMode;
  double uptime_secs = 0;                                 ///< since the running scheduler instance attached
  std::array<std::uint64_t, GB_NR_CLASSES> classified{};  ///< processes detection put in each class
  std::uint64_t cgroups = 0;
  std::uint64_t restarts = 0;
  pid_t pid = 0;
  /// The power profile followed ([power_profiles]): its name, "absent" (no daemon on the bus) or "off".
  std::string power_profile = "off";
};

/// One field of a stats reply: its name, its type as stats_meta gives it, and what it means.
struct FieldInfo {
  std::string_view name, type, desc;
};

/// The status fields, in reply order (status_json() fills them).
inline constexpr std::array<FieldInfo, 7> kStatusFields = {{
    {"mode", "string", "placement mode in force: auto, gaming or work"},
    {"uptime_secs", "f64", "seconds since the running scheduler instance attached"},
    {"classified", "map<class,u64>", "processes the daemon's detection placed in each class"},
    {"cgroups", "u64", "cgroups classified by the cgroup rules"},
    {"restarts", "u64",
     "times the scheduler was loaded again in place: the kernel asked (CPU hotplug), CPUs moved during a "
     "load, "
     "or a reloaded configuration changed a load-time setting"},
    {"pid", "u64", "the daemon's process id"},
    {"power_profile", "string",
     "the power profile followed ([power_profiles]): power-saver, balanced, performance; absent (no "
     "power-profiles-daemon on the system bus) or off (not configured)"},
}};

/// The class names (detect::to_string), by enum gb_class.
inline std::string class_name(std::size_t cls) {
  return std::string(detect::to_string(static_cast<detect::WorkloadClass>(cls)));
}

/// A per-class array as {"gaming": n, ...}.
inline nlohmann::json by_class(const auto& values) {
  nlohmann::json j = nlohmann::json::object();
  for (std::size_t c = 0; c < GB_NR_CLASSES; ++c) j[class_name(c)] = values[c];
  return j;
}

inline nlohmann::json status_json(const DaemonStatus& s) {
  return {{"mode", tuning::mode_name(s.mode)},
          {"uptime_secs", s.uptime_secs},
          {"classified", by_class(s.classified)},
          {"cgroups", s.cgroups},
          {"restarts", s.restarts},
          {"pid", static_cast<std::uint64_t>(s.pid)},
          {"power_profile", s.power_profile}};
}

/// The counters as JSON: plain ones as numbers, per-class ones as {"gaming": n, ...}.
inline nlohmann::json counters_json(const gb_stats& st) {
  nlohmann::json j = nlohmann::json::object();
  for_each_counter([&](std::string_view name, auto member) {
    if constexpr (std::is_array_v<std::remove_reference_t<decltype(st.*member)>>)
      j[std::string(name)] = by_class(st.*member);
    else
      j[std::string(name)] = st.*member;
  });
  return j;
}

/// The counters back from counters_json() (what --monitor differences); absent fields are 0, a
/// field of the wrong type is an error.
inline Result<gb_stats> counters_from_json(const nlohmann::json& j) {
  gb_stats st{};
  Result<void> r;
  const auto number = [&](const nlohmann::json& v, std::string_view name, __u64& out) {
    if (!v.is_number_unsigned()) {
      if (r) r = fail("stats", "field '{}' is not an unsigned number", name);
      return;
    }
    out = v.get<__u64>();
  };
  for_each_counter([&](std::string_view name, auto member) {
    auto it = j.find(std::string(name));
    if (it == j.end()) return;
    if constexpr (std::is_array_v<std::remove_reference_t<decltype(st.*member)>>) {
      for (std::size_t c = 0; c < GB_NR_CLASSES; ++c)
        if (auto v = it->find(class_name(c)); it->is_object() && v != it->end())
          number(*v, name, (st.*member)[c]);
    } else {
      number(*it, name, st.*member);
    }
  });
  if (!r) return tl::unexpected(r.error());
  return st;
}

/// Every field of a "top" stats reply, status fields first: {"name","type","desc"} each.
inline nlohmann::json stats_fields() {
  nlohmann::json fields = nlohmann::json::array();
  for (const auto& f : kStatusFields)
    fields.push_back({{"name", f.name}, {"type", f.type}, {"desc", f.desc}});
  for_each_described_counter([&](std::string_view name, std::string_view desc, auto member) {
    const bool by_cls = std::is_array_v<std::remove_reference_t<decltype(gb_stats{}.*member)>>;
    fields.push_back({{"name", name}, {"type", by_cls ? "map<class,u64>" : "u64"}, {"desc", desc}});
  });
  return fields;
}

/// The stats_meta reply: the "top" target and its fields.
inline nlohmann::json stats_meta() {
  return {{"top",
           {{"name", "top"},
            {"desc",
             "ghost-sched: the daemon's status and BPF's counters since the scheduler attached "
             "(counters grow; take differences for rates)"},
            {"fields", stats_fields()}}}};
}

/// --help-stats: every field of the stats reply, one line each.
inline std::string format_stats_help() {
  std::string out =
      "ghost-sched statistics (ghost-sched --monitor SECS; request \"stats\" on the control socket)\n";
  for (const auto& f : stats_fields())
    out += fmt::format("  {:<20} {:<15} {}\n", f["name"].get<std::string>(), f["type"].get<std::string>(),
                       f["desc"].get<std::string>());
  out += fmt::format("map<class,u64>: one number per class ({})\n", [] {
    std::string names;
    for (std::size_t c = 0; c < GB_NR_CLASSES; ++c) names += (c ? ", " : "") + class_name(c);
    return names;
  }());
  return out;
}

/// What the control requests reach in the daemon besides the scheduler's maps.
struct ControlHooks {
  std::function<DaemonStatus()> status;
  /// Called after BPF took a new mode: the daemon keeps it (for restarts, STATUS=, logs).
  std::function<void(gb_mode)> mode_changed;
  /// The SIGHUP path: re-read the configuration and rescan; a one-line summary, or why it failed.
  std::function<Result<std::string>()> reload;
};

/// Answers control requests for one running scheduler instance.
class Control {
 public:
  Control(const Counters& counters, ModeSwitch& modes, ControlHooks hooks)
      : counters_(counters), modes_(modes), hooks_(std::move(hooks)) {}

  [[nodiscard]] ctl::Reply handle(const ctl::Request& r) {
    if (r.req == "stats") return stats(r.arg("target", "top"));
    if (r.req == "stats_meta") return ctl::ok(stats_meta());
    if (r.req == "status") return ctl::ok(status_json(hooks_.status()));
    if (r.req == "mode") return mode(r);
    if (r.req == "reload") return reload();
    return ctl::refuse(EINVAL, "unknown request '{}' (stats, stats_meta, status, mode, reload)",
                       ctl::detail::excerpt(r.req));
  }

 private:
  ctl::Reply stats(const std::string& target) const {
    if (target != "top")
      return ctl::refuse(EINVAL, "unknown stats target '{}' (top)", ctl::detail::excerpt(target));
    auto st = counters_.stats();
    if (!st) return ctl::refuse(EIO, "reading the counters: {}", st.error().message());
    nlohmann::json j = status_json(hooks_.status());
    j.update(counters_json(*st));
    return ctl::ok(std::move(j));
  }

  ctl::Reply mode(const ctl::Request& r) {
    auto it = r.args.find("mode");
    if (it == r.args.end())
      return ctl::refuse(EINVAL, "request 'mode' needs args.mode (auto, gaming or work)");
    auto m = tuning::parse_mode(it->second);
    if (!m) return ctl::refuse(EINVAL, "{}", ctl::detail::excerpt(m.error().message()));
    const gb_mode before = hooks_.status().mode;
    if (auto w = modes_.set_mode(*m); !w) return ctl::refuse(EIO, "switching mode: {}", w.error().message());
    if (hooks_.mode_changed) hooks_.mode_changed(*m);
    return ctl::ok({{"mode", tuning::mode_name(*m)}, {"previous", tuning::mode_name(before)}});
  }

  ctl::Reply reload() {
    if (!hooks_.reload) return ctl::refuse(ENOSYS, "this daemon cannot reload");
    auto r = hooks_.reload();
    if (!r) return ctl::refuse(EIO, "reload failed: {}", r.error().message());
    return ctl::ok({{"reloaded", *r}});
  }

  const Counters& counters_;
  ModeSwitch& modes_;
  ControlHooks hooks_;
};

}  // namespace ghostbrew::sched
