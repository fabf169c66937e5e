// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// A private dbus-daemon for a test (Debian's dbus package): its own socket in a TempDir, a policy
// that lets every client own any name and send anywhere, stopped when the object goes. Tests start
// the real services they follow (gamemoded, power-profiles-daemon) on it, with
// DBUS_SESSION_BUS_ADDRESS / DBUS_SYSTEM_BUS_ADDRESS pointing at address().
#pragma once

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "child_process.hpp"
#include "temp_dir.hpp"

namespace ghostbrew::testing {

class DbusDaemon {
 public:
  /// Starts dbus-daemon with a bus of `type` ("session" or "system"); running() says whether it came up.
  /// With `owner`, it runs as that user with the real session bus's policy: only its owner connects.
  using Owner = ChildProcess::Owner;
  explicit DbusDaemon(const std::string& type = "session", std::optional<Owner> owner = std::nullopt)
      : dir_("dbus") {
    socket_ = dir_.path() / "bus";
    const auto config = dir_.path() / "bus.conf";
    std::ofstream(config)
        << "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
           " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
        << "<busconfig>\n  <type>" << type << "</type>\n"
        << "  <listen>unix:path=" << socket_.string() << "</listen>\n"
        << "  <auth>EXTERNAL</auth>\n"
           "  <policy context=\"default\">\n"
        << (owner ? "" : "    <allow user=\"*\"/>\n")
        << "    <allow own=\"*\"/>\n"
           "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
           "    <allow eavesdrop=\"true\"/>\n"
           "  </policy>\n</busconfig>\n";
    const std::string arg = "--config-file=" + config.string();
    if (owner) (void)::chown(dir_.path().c_str(), owner->uid, owner->gid);
    child_.emplace(std::vector<std::string>{"dbus-daemon", arg, "--nofork", "--nopidfile"},
                   std::vector<std::string>{}, owner);
    for (int i = 0; i < 500 && child_->pid() > 0 && !std::filesystem::exists(socket_); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  DbusDaemon(const DbusDaemon&) = delete;
  DbusDaemon& operator=(const DbusDaemon&) = delete;

  [[nodiscard]] bool running() const {
    return child_ && child_->pid() > 0 && std::filesystem::exists(socket_);
  }
  /// The bus's D-Bus address, "unix:path=...".
  [[nodiscard]] std::string address() const { return "unix:path=" + socket_.string(); }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  TempDir dir_;
  std::filesystem::path socket_;
  std::optional<ChildProcess> child_;  // stopped before dir_ goes
};

}  // namespace ghostbrew::testing
