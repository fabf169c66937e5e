// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The daemon's control requests (sched/control.hpp) against fakes of the scheduler's ports, and the
// client commands (sched/remote.hpp) against a real control socket answered by that logic: stats and
// their description cover the same fields, a mode switch reaches the knob and the daemon, a reload
// calls the SIGHUP path, and every bad request is an errno with a message.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "fakes.hpp"
#include "ghostbrew/core/event_loop.hpp"
#include "ghostbrew/ctl/server.hpp"
#include "ghostbrew/sched/control.hpp"
#include "ghostbrew/sched/remote.hpp"
#include "support/temp_dir.hpp"

namespace {

namespace sched = ghostbrew::sched;
namespace ctl = ghostbrew::ctl;
using ghostbrew::testing::FakeCounters;
using ghostbrew::testing::FakeModeSwitch;
using ghostbrew::testing::TempDir;

/// A daemon's side of the control requests: its status, the modes it was told, its reloads.
struct FakeDaemon {
  sched::DaemonStatus st{.mode = GB_MODE_AUTO,
                         .uptime_secs = 10,
                         .classified = {2, 5},
                         .cgroups = 3,
                         .power_profile = "power-saver"};
  std::vector<gb_mode> told;
  int reloads = 0;
  ghostbrew::Result<std::string> reload_result = std::string("reloaded: 7 classified processes, 3 cgroups");

  sched::ControlHooks hooks() {
    return {.status = [this] { return st; },
            .mode_changed =
                [this](gb_mode m) {
                  told.push_back(m);
                  st.mode = m;
                },
            .reload =
                [this] {
                  ++reloads;
                  return reload_result;
                }};
  }
};

ctl::Reply ask(sched::Control& c, const std::string& line) {
  auto r = ctl::parse_request(line);
  if (!r) return r.error();
  return c.handle(*r);
}

std::string message(const ctl::Reply& r) {
  return r.resp.is_string() ? r.resp.get<std::string>() : r.resp.dump();
}

struct ControlTest : ::testing::Test {
  FakeCounters counters;
  FakeModeSwitch modes;
  FakeDaemon daemon;
  sched::Control control{counters, modes, daemon.hooks()};
};

TEST_F(ControlTest, StatsReplyHasExactlyTheFieldsStatsMetaDescribes) {
  auto stats = ask(control, R"({"req":"stats","args":{"target":"top"}})");
  auto meta = ask(control, R"({"req":"stats_meta"})");
  ASSERT_EQ(stats.err, 0) << message(stats);
  ASSERT_EQ(meta.err, 0) << message(meta);
  std::set<std::string> replied, described;
  for (const auto& [k, v] : stats.resp.items()) replied.insert(k);
  for (const auto& f : meta.resp["top"]["fields"]) {
    described.insert(f["name"].get<std::string>());
    EXPECT_FALSE(f["type"].get<std::string>().empty()) << f;
    EXPECT_GT(f["desc"].get<std::string>().size(), 10U) << f;
  }
  EXPECT_EQ(replied, described);
  // Every counter of abi.h is among them.
  sched::for_each_counter(
      [&](std::string_view name, auto) { EXPECT_TRUE(replied.contains(std::string(name))) << name; });
}

// The daemon counts every load after the first (Daemon::start()): a kernel's request, CPUs that moved
// during a load, and a reload that changed a load-time setting; the description says all three.
TEST(ControlFieldsTest, RestartsSaysConfigurationReloadsCountToo) {
  const auto it = std::find_if(sched::kStatusFields.begin(), sched::kStatusFields.end(),
                               [](const auto& f) { return f.name == "restarts"; });
  ASSERT_NE(it, sched::kStatusFields.end());
  EXPECT_NE(it->desc.find("the kernel asked"), std::string_view::npos) << it->desc;
  EXPECT_NE(it->desc.find("reloaded configuration"), std::string_view::npos) << it->desc;
}

TEST_F(ControlTest, StatsReplyCarriesTheCountersAndTheStatus) {
  counters.counters.dispatched[GB_CLASS_GAMING] = 7;
  counters.counters.migrations = 3;
  counters.counters.mode_switches = 1;
  auto r = ask(control, R"({"req":"stats"})");  // target defaults to top
  ASSERT_EQ(r.err, 0) << message(r);
  EXPECT_EQ(r.resp["dispatched"]["gaming"], 7);
  EXPECT_EQ(r.resp["dispatched"]["batch"], 0);
  EXPECT_EQ(r.resp["migrations"], 3);
  EXPECT_EQ(r.resp["mode_switches"], 1);
  EXPECT_EQ(r.resp["mode"], "auto");
  EXPECT_EQ(r.resp["classified"]["gaming"], 2);
  EXPECT_EQ(r.resp["classified"]["interactive"], 5);
  EXPECT_EQ(r.resp["cgroups"], 3);
  EXPECT_EQ(r.resp["power_profile"], "power-saver");
  EXPECT_EQ(counters.reads, 1);
}

TEST_F(ControlTest, CountersRoundTripThroughTheirJson) {
  gb_stats st{};
  auto* words = reinterpret_cast<__u64*>(&st);
  for (std::size_t i = 0; i < sizeof st / sizeof(__u64); ++i) words[i] = 1000 + i;
  auto back = sched::counters_from_json(sched::counters_json(st));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(std::memcmp(&*back, &st, sizeof st), 0);
  auto bad = sched::counters_from_json({{"migrations", "many"}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("migrations"), std::string::npos);
}

TEST_F(ControlTest, UnknownTargetAndUnknownRequestAreEinval) {
  auto t = ask(control, R"({"req":"stats","args":{"target":"domains"}})");
  EXPECT_EQ(t.err, EINVAL);
  EXPECT_NE(message(t).find("unknown stats target 'domains'"), std::string::npos) << message(t);
  auto u = ask(control, R"({"req":"shutdown"})");
  EXPECT_EQ(u.err, EINVAL);
  EXPECT_NE(message(u).find("stats, stats_meta, status, mode, reload"), std::string::npos) << message(u);
}

TEST_F(ControlTest, ModeSwitchReachesTheKnobThenTheDaemon) {
  auto r = ask(control, R"({"req":"mode","args":{"mode":"work"}})");
  ASSERT_EQ(r.err, 0) << message(r);
  EXPECT_EQ(r.resp["mode"], "work");
  EXPECT_EQ(r.resp["previous"], "auto");
  EXPECT_EQ(modes.writes, std::vector<gb_mode>{GB_MODE_WORK});
  EXPECT_EQ(daemon.told, std::vector<gb_mode>{GB_MODE_WORK});
  EXPECT_EQ(ask(control, R"({"req":"status"})").resp["mode"], "work");
}

TEST_F(ControlTest, BadModeIsRefusedAndNothingIsWritten) {
  auto bogus = ask(control, R"({"req":"mode","args":{"mode":"turbo"}})");
  EXPECT_EQ(bogus.err, EINVAL);
  EXPECT_NE(message(bogus).find("unknown mode 'turbo'"), std::string::npos) << message(bogus);
  auto missing = ask(control, R"({"req":"mode"})");
  EXPECT_EQ(missing.err, EINVAL);
  EXPECT_NE(message(missing).find("args.mode"), std::string::npos);
  EXPECT_TRUE(modes.writes.empty());
  EXPECT_TRUE(daemon.told.empty());
}

TEST_F(ControlTest, FailedKnobWriteIsEioAndTheDaemonKeepsItsMode) {
  modes.fail_next = true;
  auto r = ask(control, R"({"req":"mode","args":{"mode":"gaming"}})");
  EXPECT_EQ(r.err, EIO);
  EXPECT_NE(message(r).find("map update failed"), std::string::npos) << message(r);
  EXPECT_TRUE(daemon.told.empty());
  EXPECT_EQ(daemon.st.mode, GB_MODE_AUTO);
}

TEST_F(ControlTest, ReloadTakesTheSighupPathAndReportsItsOutcome) {
  auto ok = ask(control, R"({"req":"reload"})");
  ASSERT_EQ(ok.err, 0) << message(ok);
  EXPECT_EQ(ok.resp["reloaded"], "reloaded: 7 classified processes, 3 cgroups");
  daemon.reload_result = ghostbrew::fail(
      "", "reload kept the previous rules: /etc/ghostbrew/rules: line 3: unknown class 'fast'");
  auto bad = ask(control, R"({"req":"reload"})");
  EXPECT_EQ(bad.err, EIO);
  EXPECT_NE(message(bad).find("reload failed: reload kept the previous rules"), std::string::npos)
      << message(bad);
  EXPECT_NE(message(bad).find("line 3: unknown class 'fast'"), std::string::npos) << message(bad);
  EXPECT_EQ(daemon.reloads, 2);
}

TEST(ControlHelpTest, HelpStatsDescribesEveryField) {
  const std::string help = sched::format_stats_help();
  for (const auto& f : sched::kStatusFields)
    EXPECT_NE(help.find(std::string(f.name)), std::string::npos) << f.name;
  sched::for_each_described_counter([&](std::string_view name, std::string_view desc, auto) {
    EXPECT_NE(help.find(std::string(name)), std::string::npos) << name;
    EXPECT_NE(help.find(std::string(desc)), std::string::npos) << desc;
  });
}

/// Counters that grow by 100 GAMING dispatches per read, as a busy game's would.
struct GrowingCounters final : ghostbrew::sched::Counters {
  mutable gb_stats st{};
  ghostbrew::Result<gb_stats> stats() const override {
    st.dispatched[GB_CLASS_GAMING] += 100;
    return st;
  }
  ghostbrew::Result<gb_hist> hist() const override { return gb_hist{}; }
};

/// A control socket answered by sched::Control over fakes, its loop on a thread.
class LiveControl {
 public:
  explicit LiveControl(const std::filesystem::path& path) {
    server_ = std::move(*ctl::Server::listen(path, {.allowed_uid = ::geteuid()}));
    server_->set_dispatch([this](const ctl::Request& r) {
      daemon.st.uptime_secs += 1;  // one second per request
      return control_.handle(r);
    });
    loop_ = std::make_unique<ghostbrew::EventLoop>(std::move(*ghostbrew::EventLoop::create()));
    (void)server_->attach(*loop_);
    thread_ = std::thread([this] {
      while (!stop_) (void)loop_->run_once(20);
    });
  }
  ~LiveControl() {
    stop_ = true;
    thread_.join();
  }
  LiveControl(const LiveControl&) = delete;
  LiveControl& operator=(const LiveControl&) = delete;

  FakeDaemon daemon;
  FakeModeSwitch modes;

 private:
  GrowingCounters counters_;
  sched::Control control_{counters_, modes, daemon.hooks()};
  std::unique_ptr<ghostbrew::EventLoop> loop_;  // outlives the server, which detaches from it
  std::unique_ptr<ctl::Server> server_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(RemoteTest, MonitorPrintsTheRatesOfEachPeriod) {
  TempDir dir("remote");
  LiveControl live(dir / "s.sock");
  std::ostringstream out, err;
  ASSERT_EQ(sched::monitor((dir / "s.sock").string(), 1, out, err, 2), 0) << err.str();
  std::istringstream lines(out.str());
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  // Since attach: 100 dispatches in 11 s; then 100 more in the 1 s between two requests.
  EXPECT_NE(first.find("mode auto classified gaming 2, interactive 5 | stats: dsp/s game=9 "),
            std::string::npos)
      << first;
  EXPECT_NE(second.find("| stats: dsp/s game=100 "), std::string::npos) << second;
  EXPECT_TRUE(err.str().empty()) << err.str();
}

TEST(RemoteTest, CtlModeAndStatusTalkToTheDaemon) {
  TempDir dir("remote");
  LiveControl live(dir / "s.sock");
  std::ostringstream out, err;
  ASSERT_EQ(sched::ctl_mode((dir / "s.sock").string(), "gaming", out, err), 0) << err.str();
  EXPECT_EQ(out.str(), "mode gaming (was auto)\n");
  EXPECT_EQ(live.modes.writes, std::vector<gb_mode>{GB_MODE_GAMING});
  out.str("");
  ASSERT_EQ(sched::ctl_status((dir / "s.sock").string(), false, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("mode:       gaming\n"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("classified: gaming 2, interactive 5\n"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("power:      power-saver\n"), std::string::npos) << out.str();
  out.str("");
  EXPECT_EQ(sched::ctl_mode((dir / "s.sock").string(), "turbo", out, err), 1);
  EXPECT_NE(err.str().find("unknown mode 'turbo'"), std::string::npos) << err.str();
  const std::string e = err.str();
  EXPECT_EQ(std::count(e.begin(), e.end(), '\n'), 1) << e;
}

TEST(RemoteTest, NoDaemonIsOneLineAndStatusOne) {
  TempDir dir("remote");
  std::ostringstream out, err;
  EXPECT_EQ(sched::monitor((dir / "none.sock").string(), 1, out, err, 1), 1);
  EXPECT_EQ(err.str(), "ghost-sched: " + (dir / "none.sock").string() +
                           ": no ghost-sched is running (no daemon listens on this control socket)\n");
  EXPECT_TRUE(out.str().empty());
}

}  // namespace
