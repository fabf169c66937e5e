// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// ghost-sched: the ghostbrew sched_ext scheduler daemon. Parses flags and runs the daemon; the
// embedded BPF object comes from the build (ghostbrew_bpfobj).
#include <CLI/CLI.hpp>

#include <array>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ghostbrew/config/config.hpp"
#include "ghostbrew/core/state_file.hpp"
#include "ghostbrew/core/text.hpp"
#include "ghostbrew/frames/command.hpp"
#include "ghostbrew/sched/daemon.hpp"
#include "ghostbrew/sched/remote.hpp"
#include "ghostbrew/sched/systemd.hpp"
#include "ghostbrew/tuning/commands.hpp"
#include "ghostbrew/tuning/settings.hpp"
#include "ghostbrew/version.hpp"
#include "ghostbrew_bpfobj.h"
#include "ghostbrew_revision.h"

int main(int argc, char** argv) {
  namespace tuning = ghostbrew::tuning;
  ghostbrew::sched::Options o;
  CLI::App app{"ghost-sched: a sched_ext scheduler that puts games and interactive work first"};
  // The modes and the numeric settings come from the settings table (tuning/settings.hpp).
  std::array<bool, GB_NR_MODES> picked{};
  std::vector<CLI::Option*> mode_flags;
  for (const auto& m : tuning::kModes) {
    auto* f = app.add_flag("--" + std::string(m.name), picked[m.mode], std::string(m.help));
    for (auto* other : mode_flags) f->excludes(other);
    mode_flags.push_back(f);
  }
  std::vector<std::pair<tuning::Setting, CLI::Option*>> setting_flags;
  ghostbrew::sched::for_each_setting(o, [&](const tuning::SettingInfo& s, auto& value) {
    setting_flags.emplace_back(s.id,
                               app.add_option(std::string(s.flag), value,
                                              fmt::format("{} ({}, {}..{})", s.help, s.unit, s.min, s.max))
                                   ->capture_default_str());
  });
  std::string config_file, check_file;
  app.add_option("--config", config_file,
                 fmt::format("configuration file (default {} when it exists); re-read on SIGHUP, flags win "
                             "over it",
                             ghostbrew::config::kDefaultPath));
  auto* check_config =
      app.add_option("--check-config", check_file,
                     "check a configuration file (default: --config's) and exit: 0 and one line when good, "
                     "1 and the file, line and what is wrong when not")
          ->expected(0, 1);
  app.add_flag("!--no-learn", o.learn, "do not learn per-program behaviour (the process database)");
  auto* state_dir_flag =
      app.add_option("--state-dir", o.state_dir,
                     "where learned state is kept (default /var/lib/ghostbrew as root, else XDG state dir)");
  app.add_flag("--verbose,-v", o.verbose, "print every classification decision and libbpf's messages");
  app.add_flag("!--no-detect", o.detect, "do not feed the class maps from /proc and cgroup detection");
  auto* cgroup_rules_flag = app.add_option("--cgroup-rules", o.cgroup_rules,
                                           "cgroup rules file (PATTERN CLASS lines); re-read on SIGHUP");
  app.add_flag("--collect", o.collect,
               "while a game runs, sample settings and latency metrics into the state dir (see export-csv)");
  app.add_flag(
      "--tune", o.tune,
      "explore settings online while a game runs and save the best as its profile (implies --collect)");
  app.add_flag("!--no-profiles", o.profiles, "do not apply saved per-game profiles");
  app.add_option("--socket", o.socket, "control socket (--monitor, ctl); empty: none")->capture_default_str();
  unsigned monitor_secs = 0;
  auto* monitor = app.add_option("--monitor", monitor_secs,
                                 "print a running daemon's statistics every SECS seconds (see --help-stats)");
  monitor->type_name("SECS");
  bool help_stats = false;
  app.add_flag("--help-stats", help_stats, "describe every field of the statistics and exit");
  app.add_option("--root", o.root, "filesystem root for sysfs/procfs (testing)")->capture_default_str();
  app.set_version_flag("--version", ghostbrew::version_line("ghost-sched", GHOSTBREW_GIT_REVISION));

  app.fallthrough();  // subcommands take the daemon's --state-dir too
  std::string csv_file, game;
  bool save_profile = false;
  auto* csv = app.add_subcommand("export-csv", "write every collected sample to a CSV file (- for stdout)");
  csv->add_option("FILE", csv_file, "output CSV")->required();
  auto* best = app.add_subcommand("best", "print the best configuration seen for GAME as a command line");
  best->add_option("GAME", game, "the game's process name (as ghost-sched logs it)")->required();
  best->add_flag("--save-profile", save_profile, "also save it as GAME's profile, applied when it runs");
  bool json = false;
  auto* settings = app.add_subcommand("settings", "print every setting: default, bounds, unit and help");
  settings->add_flag("--json", json, "as JSON (what tools/ml/train.py --settings reads)");
  std::string frames_log, frames_vs, frames_plot;  // frames: MangoHud logs (ghostbrew/frames/)
  auto* frames = app.add_subcommand("frames", "frame-time statistics of a MangoHud CSV log, or two compared");
  frames->add_option("LOG", frames_log, "MangoHud log (CSV)")->required();
  frames->add_option("--vs", frames_vs, "a second log, printed beside the first with ratios (OTHER / LOG)");
  frames->add_option("--plot", frames_plot, "write frame time over time and its distribution as SVG");
  // ctl: requests to a running daemon over its control socket (sched/remote.hpp).
  auto* ctl = app.add_subcommand("ctl", "control a running daemon over its control socket (root only)");
  ctl->require_subcommand(1);
  bool ctl_json = false;
  auto* ctl_status =
      ctl->add_subcommand("status", "print the daemon's mode, uptime and classified processes");
  ctl_status->add_flag("--json", ctl_json, "the reply as JSON");
  std::string ctl_mode_name;
  auto* ctl_mode = ctl->add_subcommand("mode", "switch the placement mode without reloading the scheduler");
  ctl_mode->add_option("MODE", ctl_mode_name, "auto, gaming or work")->required();
  auto* ctl_reload = ctl->add_subcommand("reload", "re-read the configuration and rescan (what SIGHUP does)");
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);
  if (frames->parsed())
    return ghostbrew::frames::run_frames(
        frames_log, frames_vs, frames_plot, std::cout,
        [](const std::string& s) { std::cerr << "ghost-sched: " << ghostbrew::text::escape(s) << "\n"; });

  if (settings->parsed()) {
    if (json)
      std::cout << tuning::settings_json().dump(2) << "\n";
    else
      std::cout << tuning::format_settings();
    return 0;
  }
  namespace sched = ghostbrew::sched;
  if (help_stats) return std::cout << sched::format_stats_help(), 0;
  if (*monitor) return sched::monitor(o.socket, monitor_secs, std::cout, std::cerr);
  if (ctl_status->parsed()) return sched::ctl_status(o.socket, ctl_json, std::cout, std::cerr);
  if (ctl_mode->parsed()) return sched::ctl_mode(o.socket, ctl_mode_name, std::cout, std::cerr);
  if (ctl_reload->parsed()) return sched::ctl_reload(o.socket, std::cout, std::cerr);
  const auto err = [](const std::string& s) {
    std::cerr << "ghost-sched: " << ghostbrew::text::escape(s) << "\n";
  };
  if (csv->parsed() || best->parsed()) {
    auto dir = ghostbrew::state_dir(o.state_dir);
    if (!dir) return err(dir.error().message()), 1;
    if (csv->parsed()) return ghostbrew::tuning::export_csv(*dir, csv_file, std::cout, err);
    return ghostbrew::tuning::print_best(
        *dir, game, save_profile, [](const std::string& s) { std::cout << s << "\n"; }, err);
  }
  if (check_config->count() > 0) {
    const std::string file = !check_file.empty()    ? check_file
                             : !config_file.empty() ? config_file
                                                    : std::string(ghostbrew::config::kDefaultPath);
    auto c = ghostbrew::config::load_config(file);
    if (!c) return err(c.error().message()), 1;
    std::cout << ghostbrew::config::summary(*c, file) << "\n";
    return 0;
  }
  if (o.tune) o.collect = true;
  // The flags given on the command line win over the configuration file.
  ghostbrew::sched::ConfigSource src{o, {}, ghostbrew::sched::config_file_to_read(config_file, o.root)};
  for (const auto& m : tuning::kModes)
    if (picked[m.mode]) src.flags.mode = src.cli.mode = m.mode;
  ghostbrew::sched::for_each_setting(src.cli, [&](const tuning::SettingInfo& s, const auto& value) {
    for (const auto& [id, flag] : setting_flags)
      if (id == s.id && flag->count() > 0) src.flags.setting(id) = value;
  });
  if (state_dir_flag->count() > 0) src.flags.state_dir = o.state_dir;
  if (cgroup_rules_flag->count() > 0) src.flags.cgroup_rules_file = o.cgroup_rules;
  ghostbrew::bpf::set_libbpf_verbose(o.verbose);
  return sched::run_daemon(std::move(src), ghostbrew_bpf_object(), sched::with_systemd({}));
}
