// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// A private dbus-daemon for a test (Debian's dbus package): its own socket in a TempDir, a policy
// that lets every client own any name and send anywhere, stopped when the object goes. Tests start
// the real services they follow (gamemoded, power-profiles-daemon) on it, with
// DBUS_SESSION_BUS_ADDRESS / DBUS_SYSTEM_BUS_ADDRESS pointing at address().
#pragma once

#include <grp.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "temp_dir.hpp"

namespace ghostbrew::testing {

class DbusDaemon {
 public:
  /// Starts dbus-daemon with a bus of `type` ("session" or "system"); running() says whether it came up.
  /// With `owner`, it runs as that user with the real session bus's policy: only its owner connects.
  struct Owner {
    uid_t uid;
    gid_t gid;
  };
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
    pid_ = ::fork();
    if (pid_ == 0) {
      if (owner && (::setgroups(0, nullptr) != 0 || ::setresgid(owner->gid, owner->gid, owner->gid) != 0 ||
                    ::setresuid(owner->uid, owner->uid, owner->uid) != 0))
        ::_exit(126);
      ::execlp("dbus-daemon", "dbus-daemon", arg.c_str(), "--nofork", "--nopidfile",
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 500 && pid_ > 0 && !std::filesystem::exists(socket_); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  DbusDaemon(const DbusDaemon&) = delete;
  DbusDaemon& operator=(const DbusDaemon&) = delete;
  ~DbusDaemon() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }

  [[nodiscard]] bool running() const { return pid_ > 0 && std::filesystem::exists(socket_); }
  /// The bus's D-Bus address, "unix:path=...".
  [[nodiscard]] std::string address() const { return "unix:path=" + socket_.string(); }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  TempDir dir_;
  std::filesystem::path socket_;
  pid_t pid_ = -1;
};

}  // namespace ghostbrew::testing
