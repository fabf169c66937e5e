// The real ghost-sched binary's refusals on this host, whose kernel has no sched_ext: each is one
// line naming what is wrong, with a non-zero status, and the system is left alone.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

struct Run {
  int status = -1;
  std::string output;
};

Run run(const std::string& args) {
  Run r;
  const std::string cmd = std::string(GHOST_SCHED_BIN) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), p) != nullptr) r.output += buf.data();
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::size_t lines(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

TEST(GhostSchedCliTest, KernelWithoutSchedExtIsRefusedInOneLine) {
  if (std::filesystem::exists("/sys/kernel/sched_ext")) GTEST_SKIP() << "this kernel has sched_ext";
  if (::geteuid() != 0) GTEST_SKIP() << "the root check comes first when not root";
  auto r = run("");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(lines(r.output), 1U) << r.output;
  EXPECT_NE(r.output.find("/sys/kernel/sched_ext: missing: this kernel has no sched_ext"), std::string::npos)
      << r.output;
}

TEST(GhostSchedCliTest, OutOfRangeTunableIsRefusedBeforeAnythingElse) {
  auto r = run("--slice-us 5");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.output, "ghost-sched: --slice-us: 5 is outside 100..100000 us\n");
}

TEST(GhostSchedCliTest, MalformedCgroupRulesFileNamesTheFileAndLine) {
  const auto path = std::filesystem::temp_directory_path() / "ghostbrew-cli-bad.rules";
  std::ofstream(path) << "gaming.slice gaming\nthree words here\n";
  auto r = run("--cgroup-rules " + path.string());
  std::filesystem::remove(path);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(lines(r.output), 1U) << r.output;
  EXPECT_NE(r.output.find(path.string() + ": line 2"), std::string::npos) << r.output;
}

TEST(GhostSchedCliTest, ModesExcludeEachOther) {
  auto r = run("--gaming --work");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("excludes"), std::string::npos) << r.output;
}

TEST(GhostSchedCliTest, VersionPrintsTheProjectVersion) {
  auto r = run("--version");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.output.find("ghost-sched 0."), std::string::npos) << r.output;
}

}  // namespace
