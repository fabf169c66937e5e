// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// A program a test starts (a bus daemon, a service on it, a game): run with extra environment
// entries, optionally as another user, and stopped with its signal and reaped when the object goes.
#pragma once

#include <grp.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace ghostbrew::testing {

class ChildProcess {
 public:
  /// The user and group a child runs as.
  struct Owner {
    uid_t uid;
    gid_t gid;
  };

  /// Runs `argv` (looked up in PATH) with `env` ("NAME=value") added, as `owner` when given (exit
  /// status 126 when it cannot become that user); `stop` is the signal the destructor sends.
  explicit ChildProcess(std::vector<std::string> argv, std::vector<std::string> env = {},
                        std::optional<Owner> owner = std::nullopt, int stop = SIGTERM)
      : stop_(stop) {
    pid_ = ::fork();
    if (pid_ != 0) return;
    for (auto& e : env) ::putenv(e.data());  // the child's own copy, alive until exec
    if (owner && (::setgroups(0, nullptr) != 0 || ::setresgid(owner->gid, owner->gid, owner->gid) != 0 ||
                  ::setresuid(owner->uid, owner->uid, owner->uid) != 0))
      ::_exit(126);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, stop_);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }

  /// Its pid, <= 0 when the fork failed.
  [[nodiscard]] pid_t pid() const { return pid_; }

  /// Waits (2 s at most) until it has executed the program named `comm` (/proc/PID/comm).
  [[nodiscard]] bool wait_exec(const std::string& comm) const {
    for (int i = 0; i < 200; ++i) {
      std::ifstream f("/proc/" + std::to_string(pid_) + "/comm");
      std::string c;
      if (std::getline(f, c) && c == comm) return true;
      ::usleep(10000);
    }
    return false;
  }

 private:
  pid_t pid_ = -1;
  int stop_;
};

}  // namespace ghostbrew::testing
