// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The client side of ghost-sched's control socket, as the command line offers it: --monitor SECS
// (a running daemon's statistics every SECS seconds), --help-stats (what every field means), and
// `ctl status`, `ctl mode MODE`, `ctl reload`. Each returns the process exit status; errors are one
// line on `err` (no daemon, not root, a daemon that went away).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ghostbrew/ctl/client.hpp"
#include "ghostbrew/sched/control.hpp"
#include "ghostbrew/sched/stats.hpp"

namespace ghostbrew::sched {

namespace detail {
inline int report(std::ostream& err, const Error& e) {
  err << "ghost-sched: " << e.message() << "\n";
  return 1;
}

/// "gaming 2, interactive 5" from a by_class() object (classes with 0 left out; "none" if all are).
inline std::string classes_line(const nlohmann::json& by_cls) {
  std::string s;
  if (by_cls.is_object())
    for (const auto& [name, n] : by_cls.items())
      if (n.is_number_unsigned() && n.get<std::uint64_t>() > 0)
        s += fmt::format("{}{} {}", s.empty() ? "" : ", ", name, n.get<std::uint64_t>());
  return s.empty() ? "none" : s;
}

inline std::string text(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string("?");
}
}  // namespace detail

/// Prints every `secs` seconds what a running daemon did in that period: its mode and classified
/// processes, then format_stats()'s rates. The first line covers the time since the scheduler
/// attached. Stops after `count` lines when given (else when the daemon goes away: status 1).
inline int monitor(const std::string& socket, unsigned secs, std::ostream& out, std::ostream& err,
                   std::optional<unsigned> count = std::nullopt) {
  if (secs == 0) return detail::report(err, Error{"--monitor", "the period must be at least 1 second"});
  auto c = ctl::Client::connect(socket);
  if (!c) return detail::report(err, c.error());
  gb_stats before{};
  double before_up = 0;
  for (unsigned printed = 0; !count || printed < *count; ++printed) {
    if (printed > 0) std::this_thread::sleep_for(std::chrono::seconds(secs));
    auto r = c->call("stats", {{"target", "top"}});
    if (!r) return detail::report(err, r.error());
    auto now = counters_from_json(*r);
    if (!now) return detail::report(err, now.error());
    const double up = r->value("uptime_secs", 0.0);
    if (up < before_up) before = gb_stats{}, before_up = 0;  // a new scheduler instance: counters restarted
    out << fmt::format("mode {} classified {} | {}\n", detail::text(*r, "mode"),
                       detail::classes_line(r->value("classified", nlohmann::json::object())),
                       format_stats(delta(*now, before), up - before_up))
        << std::flush;
    before = *now;
    before_up = up;
  }
  return 0;
}

/// ghost-sched ctl status: the daemon's status fields, one per line (or the reply as JSON).
inline int ctl_status(const std::string& socket, bool json, std::ostream& out, std::ostream& err) {
  auto c = ctl::Client::connect(socket);
  if (!c) return detail::report(err, c.error());
  auto r = c->call("status");
  if (!r) return detail::report(err, r.error());
  if (json) {
    out << r->dump(2) << "\n";
    return 0;
  }
  out << fmt::format("mode:       {}\n", detail::text(*r, "mode"))
      << fmt::format("uptime:     {:.0f} s\n", r->value("uptime_secs", 0.0))
      << fmt::format("classified: {}\n",
                     detail::classes_line(r->value("classified", nlohmann::json::object())))
      << fmt::format("cgroups:    {}\n", r->value("cgroups", std::uint64_t{0}))
      << fmt::format("restarts:   {}\n", r->value("restarts", std::uint64_t{0}))
      << fmt::format("pid:        {}\n", r->value("pid", std::uint64_t{0}))
      << fmt::format("power:      {}\n", detail::text(*r, "power_profile"));
  return 0;
}

/// ghost-sched ctl mode MODE: switches the running scheduler's placement mode.
inline int ctl_mode(const std::string& socket, const std::string& mode, std::ostream& out,
                    std::ostream& err) {
  auto c = ctl::Client::connect(socket);
  if (!c) return detail::report(err, c.error());
  auto r = c->call("mode", {{"mode", mode}});
  if (!r) return detail::report(err, r.error());
  out << fmt::format("mode {} (was {})\n", detail::text(*r, "mode"), detail::text(*r, "previous"));
  return 0;
}

/// ghost-sched ctl reload: what SIGHUP does, with its outcome printed.
inline int ctl_reload(const std::string& socket, std::ostream& out, std::ostream& err) {
  auto c = ctl::Client::connect(socket);
  if (!c) return detail::report(err, c.error());
  auto r = c->call("reload", {}, std::chrono::seconds(30));
  if (!r) return detail::report(err, r.error());
  out << detail::text(*r, "reloaded") << "\n";
  return 0;
}

}  // namespace ghostbrew::sched
