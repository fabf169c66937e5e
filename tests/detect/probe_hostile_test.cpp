// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// ghost-probe on real processes whose names any user can set with prctl(PR_SET_NAME): bytes that are
// not UTF-8, escape sequences, quotes, backslashes, newlines, 15 bytes cut inside a character, an
// empty name. It must exit 0, print valid JSON, and never write a raw control character.
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ghostbrew/core/text.hpp"
#include "support/run.hpp"

namespace ghostbrew {
namespace {

/// A child process named `name` (the kernel keeps 15 bytes) that waits until killed.
class NamedChild {
 public:
  explicit NamedChild(const std::string& name) {
    int ready[2];
    if (::pipe(ready) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(ready[0]);
      ::prctl(PR_SET_NAME, name.c_str(), 0, 0, 0);
      const char ok = 1;
      (void)!::write(ready[1], &ok, 1);
      for (;;) ::pause();
    }
    ::close(ready[1]);
    char ok = 0;
    if (pid_ > 0 && ::read(ready[0], &ok, 1) != 1) pid_ = -1;
    ::close(ready[0]);
  }
  ~NamedChild() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  NamedChild(const NamedChild&) = delete;
  NamedChild& operator=(const NamedChild&) = delete;
  [[nodiscard]] int pid() const { return pid_; }

 private:
  int pid_ = -1;
};

/// No byte a terminal acts on: C0 controls but the newlines between lines, DEL, and the C1 CSI.
bool terminal_safe(const std::string& s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b < 0x20 && b != '\n') || b == 0x7f) return false;
    if (b == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x9b) return false;
  }
  return true;
}

struct Hostile {
  const char* what;
  std::string name;
};

const std::vector<Hostile> kNames = {
    {"escape sequences and BEL", "\x1b]0;pwn\x07\x1b[2J"},
    {"bytes that are not UTF-8",
     "\xff\xfe\xc0\xaf"
     "bad"},
    {"quotes, backslash, newline", "\"q\\\n) R 1 2"},
    {"15 bytes cut inside a character", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"},
    {"C1 CSI and DEL",
     "\xc2\x9b"
     "31m\x7f"},
    {"empty", ""},
};

std::string probe(const std::string& args) {
  const auto r = ghostbrew::testing::run_split(std::string(GHOST_PROBE) + " " + args);
  EXPECT_EQ(r.status, 0) << args << ": " << r.err;
  EXPECT_TRUE(terminal_safe(r.err)) << args << ": " << ghostbrew::text::escape(r.err);
  return r.out;
}

TEST(ProbeHostileNameTest, JsonIsValidAndCarriesTheNameAsValidUtf8) {
  for (const auto& h : kNames) {
    SCOPED_TRACE(h.what);
    NamedChild child(h.name);
    ASSERT_GT(child.pid(), 0);
    const auto out = probe("--json --pid " + std::to_string(child.pid()));
    EXPECT_TRUE(terminal_safe(out)) << ghostbrew::text::escape(out);
    const auto j = nlohmann::json::parse(out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << ghostbrew::text::escape(out);
    ASSERT_EQ(j["processes"].size(), 1U);
    const std::string kept = h.name.substr(0, 15);  // what the kernel keeps of the name
    EXPECT_EQ(j["processes"][0]["comm"], ghostbrew::text::valid_utf8(kept));
  }
}

TEST(ProbeHostileNameTest, TextShowsTheNameEscapedOnItsOwnLine) {
  for (const auto& h : kNames) {
    SCOPED_TRACE(h.what);
    NamedChild child(h.name);
    ASSERT_GT(child.pid(), 0);
    const auto out = probe("--pid " + std::to_string(child.pid()));
    EXPECT_TRUE(terminal_safe(out)) << ghostbrew::text::escape(out);
    const auto pid = std::to_string(child.pid());
    const auto row = out.find(pid + " " + ghostbrew::text::escape(h.name.substr(0, 15)));
    EXPECT_NE(row, std::string::npos) << ghostbrew::text::escape(out);
    // The header, the process's row, then the program and profile lines: a raw newline in the
    // name would add a line that starts with none of these.
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 4) << ghostbrew::text::escape(out);
    EXPECT_NE(out.find("\nprogram: "), std::string::npos) << ghostbrew::text::escape(out);
    EXPECT_NE(out.find("\nprofile: "), std::string::npos) << ghostbrew::text::escape(out);
  }
}

TEST(ProbeHostileNameTest, WholeMachineScanWithHostileNamesExitsZero) {
  std::vector<std::unique_ptr<NamedChild>> children;
  for (const auto& h : kNames) children.push_back(std::make_unique<NamedChild>(h.name));
  const auto json_out = probe("--json");
  EXPECT_TRUE(terminal_safe(json_out));
  EXPECT_FALSE(nlohmann::json::parse(json_out, nullptr, false).is_discarded());
  EXPECT_TRUE(terminal_safe(probe("")));
}

}  // namespace
}  // namespace ghostbrew
