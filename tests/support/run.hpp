// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Runs a command line through the shell, as the CLI tests drive the apps: its exit status and what
// it printed.
#pragma once

#include <sys/wait.h>

#include <stdlib.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace ghostbrew::testing {

struct RunResult {
  int status = -1;  ///< exit status; -1 when it did not exit normally (or could not start)
  std::string out;  ///< stdout, and stderr too unless the command redirects it
  std::string err;  ///< stderr, from run_split() only
};

/// Runs `command` with `sh -c`; stderr is merged into `out` unless `merge_stderr` is false (then it
/// goes to the test's own stderr).
inline RunResult run(const std::string& command, bool merge_stderr = true) {
  RunResult r;
  FILE* p = ::popen((merge_stderr ? command + " 2>&1" : command).c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  while (const auto n = std::fread(buf.data(), 1, buf.size(), p)) r.out.append(buf.data(), n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

/// Runs `command` with stdout in `out` and stderr, apart, in `err`.
inline RunResult run_split(const std::string& command) {
  std::string err_file = (std::filesystem::temp_directory_path() / "ghostbrew-stderr-XXXXXX").string();
  const int fd = ::mkstemp(err_file.data());
  if (fd < 0) return {};
  ::close(fd);
  auto r = run(command + " 2>'" + err_file + "'", false);
  std::ifstream in(err_file, std::ios::binary);
  r.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  std::filesystem::remove(err_file);
  return r;
}

}  // namespace ghostbrew::testing
