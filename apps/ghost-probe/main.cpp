// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// ghost-probe: what ghostbrew's workload detection sees on this machine (or under --root): classified
// processes and threads with the rule that decided each, VMs, containers, classified cgroups, GPUs,
// VFIO devices and the amd-pstate/prefcore state. Text by default, one JSON document with --json.
// With --procdb: what ghost-sched has learned per comm (the process database in the state directory).
// With --frames: the games whose frame period the running scheduler detected (needs root).
// Games Feral GameMode registered are asked from GameMode itself (builds with libsystemd).
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "ghostbrew/config/game_profile.hpp"
#include "ghostbrew/core/fs.hpp"
#include "ghostbrew/core/state_file.hpp"
#include "ghostbrew/core/text.hpp"
#include "ghostbrew/detect/cgroup.hpp"
#include "ghostbrew/detect/print.hpp"
#include "ghostbrew/detect/scan.hpp"
#include "ghostbrew/procdb/print.hpp"
#include "ghostbrew/procdb/store.hpp"
#ifdef GHOSTBREW_PROBE_FRAMES
#include "ghostbrew/sched/frames.hpp"
#endif
#ifdef GHOSTBREW_PROBE_GAMEMODE
#include "ghostbrew/sched/gamemode.hpp"
#endif
#include "ghostbrew/version.hpp"
#include "ghostbrew_revision.h"

namespace gd = ghostbrew::detect;

namespace {

/// `--procdb`: prints the process database of `state_dir_override` (or the default state directory).
/// 0 when printed; 1 with one line on stderr when there is no database or it cannot be read.
int print_procdb(const std::string& state_dir_override, bool as_json) {
  const auto dir = ghostbrew::state_dir(state_dir_override);
  if (!dir) {
    fmt::print(stderr, "ghost-probe: {}\n", ghostbrew::text::escape(dir.error().message()));
    return 1;
  }
  const auto path = ghostbrew::procdb::default_procdb_path(*dir);
  if (!ghostbrew::fs::exists(path)) {
    fmt::print(stderr, "ghost-probe: no process database at {} (ghost-sched has not learned anything yet)\n",
               ghostbrew::text::escape(path.string()));
    return 1;
  }
  const auto db = ghostbrew::procdb::load(path);
  if (!db) {
    fmt::print(stderr, "ghost-probe: {}\n", ghostbrew::text::escape(db.error().message()));
    return 1;
  }
  const auto now = static_cast<ghostbrew::procdb::UnixSeconds>(std::time(nullptr));
  if (as_json)
    fmt::print("{}\n", ghostbrew::text::dump(ghostbrew::procdb::to_json(*db, now), 2));
  else
    fmt::print("{}", ghostbrew::procdb::to_text(*db, now));
  return 0;
}

#ifdef GHOSTBREW_PROBE_FRAMES
/// `--frames`: the paced games of the loaded scheduler (sched/frames.hpp). 0 when printed; 1 with one
/// line on stderr when no scheduler's map can be read.
int print_frames() {
  namespace gs = ghostbrew::sched;
  auto fd = gs::find_loaded_frames_map();
  if (!fd) {
    fmt::print(stderr, "ghost-probe: {}\n", fd.error().message());
    return 1;
  }
  auto frames = gs::read_frames(fd->get());
  if (!frames) {
    fmt::print(stderr, "ghost-probe: {}\n", frames.error().message());
    return 1;
  }
  fmt::print("{}\n", gs::format_frames(std::move(*frames), gs::monotonic_ns()));
  return 0;
}

#endif

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ghost-probe: show how ghostbrew classifies the workloads on this machine"};
  std::string root = "/";
  bool as_json = false;
  int pid = 0;
  std::string rules_file;
  bool procdb = false;
  std::string state_dir;
  app.add_option("--root", root, "filesystem root holding proc/ and sys/ (default /)");
  app.add_flag("--json", as_json, "print one JSON document");
  app.add_option("--pid", pid, "classify only this pid (all its threads)")->check(CLI::PositiveNumber);
  app.add_option("--cgroup-rules", rules_file,
                 "file of 'PATTERN CLASS' lines replacing the built-in cgroup rules");
  auto* procdb_flag =
      app.add_flag("--procdb", procdb, "print what ghost-sched has learned per comm (the process database)");
  app.add_option("--state-dir", state_dir,
                 "state directory holding procdb.bin (default /var/lib/ghostbrew for root, else XDG state)")
      ->needs(procdb_flag);
  app.set_version_flag("--version", ghostbrew::version_line("ghost-probe", GHOSTBREW_GIT_REVISION));
  std::string profiles_dir = "/etc/ghostbrew/profiles";
  app.add_option("--profiles-dir", profiles_dir,
                 "hand-written per-game profiles (*.toml) that --pid matches against")
      ->capture_default_str();
#ifdef GHOSTBREW_PROBE_FRAMES
  bool frames = false;
  app.add_flag("--frames", frames, "print the games whose frame rate the running ghost-sched detected (root)")
      ->excludes(procdb_flag);
#endif
  CLI11_PARSE(app, argc, argv);

  if (procdb) return print_procdb(state_dir, as_json);
#ifdef GHOSTBREW_PROBE_FRAMES
  if (frames) return print_frames();
#endif

  gd::Rules rules;
  if (!rules_file.empty()) {
    auto r = gd::read_cgroup_rules(rules_file);
    if (!r) {
      fmt::print(stderr, "ghost-probe: {}\n", ghostbrew::text::escape(r.error().message()));
      return 1;
    }
    rules.cgroups = std::move(*r);
  }

  const std::filesystem::path rootp(root);
  if (!ghostbrew::fs::exists(rootp / "proc")) {
    fmt::print(stderr, "ghost-probe: {}: missing: no proc directory under --root\n",
               ghostbrew::text::escape((rootp / "proc").string()));
    return 2;
  }
#ifdef GHOSTBREW_PROBE_GAMEMODE
  auto games = ghostbrew::sched::gamemode_games(rootp);
  for (const auto& e : games.errors)
    fmt::print(stderr, "ghost-probe: warning: GameMode: {}\n", ghostbrew::text::escape(e));
  rules.gamemode_games = std::move(games.pids);
#endif

  if (pid > 0) {
    auto pc = gd::classify_process(rootp, pid, rules);
    if (!pc) {
      fmt::print(stderr, "ghost-probe: {}\n", ghostbrew::text::escape(pc.error().message()));
      return 1;
    }
    auto profiles = ghostbrew::config::load_game_profiles(profiles_dir);
    for (const auto& e : profiles.errors)
      fmt::print(stderr, "ghost-probe: warning: profile skipped: {}\n", ghostbrew::text::escape(e.message()));
    const auto state = ghostbrew::state_dir();
    const auto program = gd::program_of(pc->process);
    const auto profile = ghostbrew::config::applied_profile(
        profiles.profiles, profiles_dir, state ? std::optional(*state) : std::nullopt, program);
    const gd::ProcessReport rep{std::move(pc->rows), program, profile.describe()};
    if (as_json)
      fmt::print("{}\n", ghostbrew::text::dump(gd::to_json(rep), 2));
    else
      fmt::print("{}", gd::to_text(rep));
    return 0;
  }

  const auto report = gd::report(rootp, rules);
  if (!report) {
    fmt::print(stderr, "ghost-probe: {}\n", ghostbrew::text::escape(report.error().message()));
    return 2;
  }
  if (as_json) {
    fmt::print("{}\n", ghostbrew::text::dump(gd::to_json(*report), 2));
    return 0;
  }
  fmt::print("{}", gd::to_text(*report));
  for (const auto& e : report->errors)
    fmt::print(stderr, "ghost-probe: warning: {}\n", ghostbrew::text::escape(e));
  return 0;
}
