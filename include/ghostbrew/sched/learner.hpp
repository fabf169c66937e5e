// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The daemon's side of learning: keeps the process database (procdb), drains BPF's observations a
// second after exec/exit events woke the daemon anyway (a one-shot timer: a build storm costs one
// drain per second, and an idle system, with no events, no wake-up at all), merges them, writes the confident
// predictions back to BPF, and saves the database to the state directory (at most once a minute while
// learning, and when the daemon stops). A database file that cannot be read is set aside (renamed, never
// deleted) with a warning and the daemon starts empty.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/event_loop.hpp"
#include "ghostbrew/procdb/database.hpp"
#include "ghostbrew/procdb/store.hpp"
#include "ghostbrew/sched/ports.hpp"

namespace ghostbrew::sched {

class Learner {
 public:
  using Log = std::function<void(const std::string&)>;
  /// How long after exec/exit activity the daemon drains (batches a storm).
  static constexpr std::chrono::milliseconds kDrainDelay{1000};
  /// Saves at most this often while learning (and always when the daemon stops).
  static constexpr std::chrono::seconds kSaveEvery{60};

  /// What one drain did.
  struct Drained {
    std::size_t comms = 0;        ///< observation entries taken from BPF
    std::size_t tasks = 0;        ///< tasks they covered
    std::size_t predictions = 0;  ///< predictions now in BPF
  };

  /// Loads the database at `path`. A missing file starts empty; an unreadable or corrupt one is
  /// renamed to `<path>.bad` (kept for inspection), `warn` says why, and the database starts empty.
  static Result<Learner> open(std::filesystem::path path, const Log& warn) {
    auto timer = make_oneshot_timerfd();
    if (!timer) return tl::unexpected(timer.error());
    Learner l(std::move(path), std::move(*timer));
    std::error_code ec;
    if (std::filesystem::exists(l.path_, ec)) {
      if (auto db = procdb::load(l.path_)) {
        l.db_ = std::move(*db);
      } else {
        const auto aside = l.path_.string() + ".bad";
        std::filesystem::rename(l.path_, aside, ec);
        if (warn)
          warn(fmt::format("process database not loaded, starting empty ({}; the file is kept as {})",
                           db.error().message(),
                           ec ? std::string("(rename failed: ") + ec.message() + ")" : aside));
      }
    }
    return l;
  }

  /// Writes the database's predictions into the scheduler (at start, before attaching, and after
  /// each drain; skipped when they are what was written last). Returns how many there are.
  Result<std::size_t> publish(LearningMaps& s) {
    const auto preds = db_.predictions(now());
    Published kv;
    kv.reserve(preds.size());
    for (const auto& p : preds) kv.emplace_back(p.key, p.prediction);
    if (published_ && same(kv, *published_)) return kv.size();
    if (auto r = s.set_predictions(kv); !r) return tl::unexpected(r.error());
    published_ = std::move(kv);
    return published_->size();
  }

  /// A new scheduler instance (restart) has empty maps: the next publish() writes everything.
  void forget_published() { published_.reset(); }

  /// Processes started or ended (exec/exit events): drain after kDrainDelay (unless one is due).
  Result<void> on_activity() {
    if (armed_) return {};
    armed_ = true;
    return arm_timer(timer_.get(), kDrainDelay);
  }

  /// The one-shot drain timer (register it with the event loop; call drain() when readable).
  [[nodiscard]] int timer_fd() const { return timer_.get(); }

  /// Takes BPF's observations, merges them, publishes the predictions, and saves when due.
  Result<Drained> drain(LearningMaps& s, const Log& warn) {
    (void)read_timer(timer_.get());
    armed_ = false;
    auto obs = s.drain_observations();
    if (!obs) return tl::unexpected(obs.error());
    Drained d;
    const auto t = now();
    for (const auto& [key, o] : *obs) {
      auto merged = db_.observe(key, o, t);
      if (!merged) {
        if (warn) warn("observation ignored: " + merged.error().message());
        continue;
      }
      d.comms += 1;
      d.tasks += o.tasks;
    }
    if (d.comms > 0) dirty_ = true;
    db_.age_out(t);
    auto n = publish(s);
    if (!n) return tl::unexpected(n.error());
    d.predictions = *n;
    if (dirty_ && std::chrono::steady_clock::now() - last_save_ >= kSaveEvery)
      if (auto r = save(); !r && warn) warn(r.error().message());
    return d;
  }

  /// Saves the database when it changed since the last save.
  Result<void> save() {
    if (!dirty_) return {};
    if (auto r = procdb::save(db_, path_); !r) return r;
    dirty_ = false;
    last_save_ = std::chrono::steady_clock::now();
    return {};
  }

  [[nodiscard]] const procdb::Database& database() const { return db_; }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  Learner(std::filesystem::path path, UniqueFd timer) : path_(std::move(path)), timer_(std::move(timer)) {}
  static procdb::UnixSeconds now() { return static_cast<procdb::UnixSeconds>(std::time(nullptr)); }

  using Published = std::vector<std::pair<gb_comm_key, gb_prediction>>;
  static bool same(const Published& a, const Published& b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](const auto& x, const auto& y) {
             return std::memcmp(&x.first, &y.first, sizeof x.first) == 0 &&
                    std::memcmp(&x.second, &y.second, sizeof x.second) == 0;
           });
  }

  std::filesystem::path path_;
  UniqueFd timer_;
  procdb::Database db_;
  std::optional<Published> published_;  ///< what the scheduler's predictions map holds now
  bool armed_ = false;
  bool dirty_ = false;
  std::chrono::steady_clock::time_point last_save_{};
};

}  // namespace ghostbrew::sched
