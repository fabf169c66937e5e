// ghost-sched: the ghostbrew sched_ext scheduler daemon. Parses flags and runs the daemon; the
// embedded BPF object comes from the build (ghostbrew_bpfobj).
#include <CLI/CLI.hpp>

#include "ghostbrew/core/state_file.hpp"
#include "ghostbrew/sched/daemon.hpp"
#include "ghostbrew/tuning/commands.hpp"
#include "ghostbrew_bpfobj.h"

#ifndef GHOSTBREW_VERSION
#define GHOSTBREW_VERSION "unknown"
#endif

int main(int argc, char** argv) {
  ghostbrew::sched::Options o;
  CLI::App app{"ghost-sched: a sched_ext scheduler that puts games and interactive work first"};
  bool gaming = false, work = false, automatic = false;
  auto* g = app.add_flag("--gaming", gaming, "games and interactive work on the V-Cache CCD (X3D)");
  auto* w = app.add_flag("--work", work, "latency-sensitive work on the frequency CCD, batch on V-Cache");
  auto* a = app.add_flag("--auto", automatic, "games on V-Cache, interactive on the frequency CCD (default)");
  g->excludes(w)->excludes(a);
  w->excludes(a);
  app.add_option("--slice-us", o.slice_us, "time slice in microseconds")->capture_default_str();
  app.add_option("--burst-threshold-us", o.burst_threshold_us,
                 "CPU burst (us since last sleep) at which unclassified work counts as batch")
      ->capture_default_str();
  app.add_option("--interactive-burst-us", o.interactive_burst_us,
                 "CPU burst at or below which unclassified work counts as interactive")
      ->capture_default_str();
  app.add_option("--game-window-us", o.game_window_us, "deadline window of game threads")
      ->capture_default_str();
  app.add_flag("!--no-learn", o.learn, "do not learn per-program behaviour (the process database)");
  app.add_option("--state-dir", o.state_dir,
                 "where learned state is kept (default /var/lib/ghostbrew as root, else XDG state dir)");
  app.add_option("--heartbeat-stale-ms", o.heartbeat_stale_ms,
                 "BPF distrusts the daemon's class maps after this long without a heartbeat")
      ->capture_default_str();
  app.add_option("--stats", o.stats_secs, "print one stats line every SECS seconds (0: off)")
      ->capture_default_str();
  app.add_flag("--verbose,-v", o.verbose, "print every classification decision and libbpf's messages");
  app.add_flag("!--no-detect", o.detect, "do not feed the class maps from /proc and cgroup detection");
  app.add_option("--cgroup-rules", o.cgroup_rules,
                 "cgroup rules file (PATTERN CLASS lines); re-read on SIGHUP");
  app.add_flag("--collect", o.collect,
               "while a game runs, sample settings and latency metrics into the state dir (see export-csv)");
  app.add_option("--collect-secs", o.collect_secs, "seconds per sample with --collect or --tune")
      ->capture_default_str();
  app.add_flag(
      "--tune", o.tune,
      "explore settings online while a game runs and save the best as its profile (implies --collect)");
  app.add_flag("!--no-profiles", o.profiles, "do not apply saved per-game profiles");
  app.add_option("--root", o.root, "filesystem root for sysfs/procfs (testing)")->capture_default_str();
  app.set_version_flag("--version", std::string("ghost-sched ") + GHOSTBREW_VERSION);

  app.fallthrough();  // subcommands take the daemon's --state-dir too
  std::string csv_file, game;
  bool save_profile = false;
  auto* csv = app.add_subcommand("export-csv", "write every collected sample to a CSV file (- for stdout)");
  csv->add_option("FILE", csv_file, "output CSV")->required();
  auto* best = app.add_subcommand("best", "print the best configuration seen for GAME as a command line");
  best->add_option("GAME", game, "the game's process name (as ghost-sched logs it)")->required();
  best->add_flag("--save-profile", save_profile, "also save it as GAME's profile, applied when it runs");
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);

  const auto err = [](const std::string& s) { std::cerr << "ghost-sched: " << s << "\n"; };
  if (csv->parsed() || best->parsed()) {
    auto dir = ghostbrew::state_dir(o.state_dir);
    if (!dir) return err(dir.error().message()), 1;
    if (csv->parsed()) return ghostbrew::tuning::export_csv(*dir, csv_file, std::cout, err);
    return ghostbrew::tuning::print_best(
        *dir, game, save_profile, [](const std::string& s) { std::cout << s << "\n"; }, err);
  }
  if (o.tune) o.collect = true;
  o.mode = gaming ? ghostbrew::sched::Mode::gaming
           : work ? ghostbrew::sched::Mode::work
                  : ghostbrew::sched::Mode::auto_;
  ghostbrew::bpf::set_libbpf_verbose(o.verbose);
  return ghostbrew::sched::run_daemon(o, ghostbrew_bpf_object());
}
