// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// libFuzzer target for the readers of /proc: whatever a process puts in its command line, environment,
// name or cgroup path (any user controls those), and whatever a /proc file holds, reading and
// classifying it yields a value or an Error, never a crash, an out-of-bounds read or UB.
// Each input is every file at once of a fake process under a scratch root (<root>/proc/4242/stat,
// cmdline, environ, cgroup, status, task/4242/comm, and <root>/proc/self/mountinfo): the seed
// corpus holds real ones (tests/fuzz/CMakeLists.txt copies them from /proc/self), so each parser meets
// mutations of its own format, and of the others'.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "ghostbrew/detect/cgroup.hpp"
#include "ghostbrew/detect/classify.hpp"
#include "ghostbrew/detect/container.hpp"
#include "ghostbrew/detect/vm.hpp"
#include "ghostbrew/procfs/mountinfo.hpp"
#include "ghostbrew/procfs/process.hpp"
#include "ghostbrew/procfs/stat.hpp"
#include "scratch_file.hpp"

namespace {

constexpr int kPid = 4242;

void put(const std::filesystem::path& p, std::string_view bytes) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace procfs = ghostbrew::procfs;
  namespace detect = ghostbrew::detect;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // The parsers on their own.
  if (auto st = procfs::parse_stat(text, "fuzz/stat")) {
    (void)st->kernel_thread();
    (void)st->zombie();
  }
  const auto args = procfs::detail::split_nul(text);
  (void)detect::detail::vm_name(args);
  (void)detect::detail::vfio_hosts(args);
  const auto cgroup = procfs::detail::unified_cgroup(text);
  (void)detect::container_of(cgroup);
  (void)detect::container_of(text);
  (void)detect::match_cgroup(cgroup, detect::default_cgroup_rules());
  (void)procfs::detail::unescape_mount_path(text);

  // The readers, over files holding the input.
  static const std::filesystem::path root = ghostbrew::fuzz::scratch_path("root");
  const auto dir = procfs::pid_dir(root, kPid);
  for (const char* name : {"stat", "cmdline", "environ", "cgroup", "status"}) put(dir / name, text);
  put(dir / "task" / std::to_string(kPid) / "comm", text);
  put(root / "proc/self/mountinfo", text);
  (void)procfs::find_mount(root, "cgroup2");
  if (auto p = procfs::read_process(root, kPid)) {
    (void)p->env("WINEPREFIX");
    (void)p->exe_name();
    const detect::Context ctx{.root = root, .rules = {}, .known = {}};
    const auto c = detect::classify(*p, ctx);
    for (const auto& t : p->threads) (void)detect::classify_thread(t, c);
  }
  return 0;
}
