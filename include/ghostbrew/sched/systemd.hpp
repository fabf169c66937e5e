// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// ghost-sched as a systemd Type=notify service: the daemon's notifications go to the service manager
// through libsystemd's sd_notify() (READY=1 after attach, STATUS=, WATCHDOG=1, STOPPING=1). Outside
// systemd (no $NOTIFY_SOCKET) nothing changes and no watchdog timer exists. Programs that include
// this header link libsystemd.
#pragma once

#include <systemd/sd-daemon.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "ghostbrew/sched/daemon.hpp"

namespace ghostbrew::sched {

/// `out` with notify() and the watchdog period taken from the service manager, when there is one.
inline DaemonOutput with_systemd(DaemonOutput out) {
  if (std::getenv("NOTIFY_SOCKET") == nullptr) return out;
  out.notify = [](const std::string& s) { (void)sd_notify(0, s.c_str()); };
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) out.watchdog = std::chrono::microseconds(usec);
  return out;
}

}  // namespace ghostbrew::sched
