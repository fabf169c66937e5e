// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Follows the power profile power-profiles-daemon (or tuned-ppd) sets, on the system bus: its
// ActiveProfile property, read at start and again whenever the service says it changed
// (org.freedesktop.DBus.Properties.PropertiesChanged) or its bus name changes owner (started later,
// restarted, gone). Two services are known, the newer preferred when both are on the bus:
// org.freedesktop.UPower.PowerProfiles (power-profiles-daemon 0.20+, tuned-ppd) and
// net.hadess.PowerProfiles (older power-profiles-daemon, Debian 12's 0.12). No service on the bus is
// not an error: nothing is followed until one comes. The bus fd is served by the daemon's EventLoop:
// no polling, no timer. follow_profile() is what the daemon does with a change: the mapped mode.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/event_loop.hpp"
#include "ghostbrew/sched/bus.hpp"
#include "ghostbrew/sched/ports.hpp"
#include "ghostbrew/sched/power_profile.hpp"
#include "ghostbrew/tuning/settings.hpp"

namespace ghostbrew::sched {

/// A service that publishes the active power profile: its bus name, object and interface.
struct PowerProfilesService {
  const char* name;
  const char* path;
  const char* interface;
};
/// In order of preference.
inline constexpr std::array<PowerProfilesService, 2> kPowerProfilesServices = {{
    {"org.freedesktop.UPower.PowerProfiles", "/org/freedesktop/UPower/PowerProfiles",
     "org.freedesktop.UPower.PowerProfiles"},
    {"net.hadess.PowerProfiles", "/net/hadess/PowerProfiles", "net.hadess.PowerProfiles"},
}};

/// The active profile as the follower last read it; `profile` empty: no service on the bus.
struct PowerProfileState {
  std::string profile;
  std::string service;
  bool operator==(const PowerProfileState&) const = default;
};

/// The status text of a state: "power-saver (net.hadess.PowerProfiles)", or "no power profiles
/// daemon on the system bus".
inline std::string describe(const PowerProfileState& s) {
  if (s.profile.empty()) return "no power profiles daemon on the system bus";
  return fmt::format("{} ({})", s.profile, s.service);
}

class PowerProfileFollower {
 public:
  /// Called with the state before and after a change of profile or service.
  using Changed = std::function<void(const PowerProfileState& from, const PowerProfileState& to)>;

  /// Subscribes on `bus` to both services' changes and reads the active profile. An error only
  /// when the bus refuses a subscription; an absent service is state().profile empty.
  static Result<std::unique_ptr<PowerProfileFollower>> follow(Bus bus) {
    std::unique_ptr<PowerProfileFollower> f(new PowerProfileFollower(std::move(bus)));
    for (const auto& s : kPowerProfilesServices) {
      const std::string props = fmt::format(
          "type='signal',sender='{}',path='{}',interface='org.freedesktop.DBus.Properties',"
          "member='PropertiesChanged',arg0='{}'",
          s.name, s.path, s.interface);
      const std::string owner = fmt::format(
          "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
          "member='NameOwnerChanged',arg0='{}'",
          s.name);
      for (const auto& rule : {props, owner}) {
        auto slot = f->bus_.add_match(rule, [p = f.get()](sd_bus_message*) { p->refresh(); });
        if (!slot) return tl::unexpected(slot.error());
        f->slots_.push_back(std::move(*slot));
      }
    }
    f->state_ = f->read();
    return f;
  }

  [[nodiscard]] const PowerProfileState& state() const { return state_; }

  /// Serves the bus from `loop`; `changed` hears every change from now on, `lost` the loss of the
  /// bus (see Bus::attach()).
  Result<void> attach(EventLoop& loop, Changed changed, std::function<void(const Error&)> lost) {
    changed_ = std::move(changed);
    return bus_.attach(loop, std::move(lost));
  }

 private:
  explicit PowerProfileFollower(Bus bus) : bus_(std::move(bus)) {}

  /// The active profile of the first service on the bus that answers.
  PowerProfileState read() {
    for (const auto& s : kPowerProfilesServices) {
      auto owned = bus_.has_owner(s.name);
      if (!owned || !*owned) continue;
      auto p = bus_.get_string(s.name, s.path, s.interface, "ActiveProfile");
      if (p && !p->empty()) return {*p, s.name};
    }
    return {};
  }

  void refresh() {
    auto now = read();
    if (now == state_) return;
    auto before = std::exchange(state_, now);
    if (changed_) changed_(before, state_);
  }

  Bus bus_;
  std::vector<BusSlot> slots_;
  PowerProfileState state_;
  Changed changed_;
};

/// What the daemon does with a change of profile: switches `modes` to the profile's mapped mode when
/// it is not `in_force` already (the last switch wins: a profile change is one more, like `ctl mode`).
/// Returns the line to log: "power profile balanced -> power-saver: mode auto -> work".
inline std::string follow_profile(const PowerProfileModes& map, const PowerProfileState& from,
                                  const PowerProfileState& to, gb_mode in_force, ModeSwitch& modes) {
  const auto name = [](const PowerProfileState& s) { return s.profile.empty() ? "none" : s.profile; };
  const std::string what = fmt::format("power profile {} -> {}", name(from), name(to));
  const auto in = tuning::mode_name(in_force);
  if (to.profile.empty()) return fmt::format("{} (the daemon left the bus): mode {} stays", what, in);
  const auto m = map.mode_for(to.profile);
  if (!m) return fmt::format("{}: not mapped, mode {} stays", what, in);
  if (*m == in_force) return fmt::format("{}: mode {} stays", what, in);
  if (auto r = modes.set_mode(*m); !r)
    return fmt::format("{}: mode {} not switched, {} stays: {}", what, tuning::mode_name(*m), in,
                       r.error().message());
  return fmt::format("{}: mode {} -> {}", what, in, tuning::mode_name(*m));
}

}  // namespace ghostbrew::sched
