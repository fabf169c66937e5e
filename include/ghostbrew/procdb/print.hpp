// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The process database for people and scripts (what `ghost-probe --procdb [--json]` prints): a text
// table with one row per profile (comms escaped: text::escape), and the same as JSON (print it with
// text::dump: a comm need not be UTF-8).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ghostbrew/core/text.hpp"
#include "ghostbrew/detect/workload_class.hpp"
#include "ghostbrew/procdb/database.hpp"
#include "ghostbrew/procdb/profile.hpp"

namespace ghostbrew::procdb {

namespace detail {

/// "850 ns", "12.3 us", "4.56 ms", "1.20 s".
inline std::string duration_text(double ns) {
  if (ns < 1e3) return fmt::format("{:.0f} ns", ns);
  if (ns < 1e6) return fmt::format("{:.1f} us", ns / 1e3);
  if (ns < 1e9) return fmt::format("{:.2f} ms", ns / 1e6);
  return fmt::format("{:.2f} s", ns / 1e9);
}

inline std::string_view class_name(gb_class c) {
  return detect::to_string(static_cast<detect::WorkloadClass>(c));
}

/// The profiles in the order they are shown: most confident first, then more tasks, then comm.
inline std::vector<const Profile*> display_order(const Database& db) {
  std::vector<const Profile*> rows;
  for (const auto& [comm, p] : db.profiles()) rows.push_back(&p);
  std::sort(rows.begin(), rows.end(), [&](const Profile* a, const Profile* b) {
    const double ca = confidence(*a, db.params());
    const double cb = confidence(*b, db.params());
    if (ca != cb) return ca > cb;
    if (a->tasks != b->tasks) return a->tasks > b->tasks;
    return a->comm < b->comm;
  });
  return rows;
}

}  // namespace detail

/// A table: a header line, then per profile comm, tasks, runtime per burst, its deviation, wake-ups/s,
/// switches/s, majority class, confidence (%) and whether it predicts at `now` ("yes"/"no"); the most
/// confident first. Ends with a summary line (profiles, predicting, cap).
[[nodiscard]] inline std::string to_text(const Database& db, UnixSeconds now) {
  std::string out =
      fmt::format("{:<15}  {:>8}  {:>10}  {:>10}  {:>9}  {:>9}  {:<11}  {:>4}  {}\n", "comm", "tasks",
                  "run/burst", "deviation", "wake/s", "switch/s", "class", "conf", "predicted");
  std::size_t predicting = 0;
  for (const Profile* p : detail::display_order(db)) {
    const bool predicted = db.prediction(*p, now).has_value();
    predicting += predicted ? 1 : 0;
    out += fmt::format("{:<15}  {:>8}  {:>10}  {:>10}  {:>9.1f}  {:>9.1f}  {:<11}  {:>3.0f}%  {}\n",
                       text::escape(p->comm), p->tasks, detail::duration_text(p->runtime_ns),
                       detail::duration_text(p->deviation_ns), p->wakeups_per_s, p->switches_per_s,
                       detail::class_name(majority_class(*p)), confidence(*p, db.params()) * 100.0,
                       predicted ? "yes" : "no");
  }
  out +=
      fmt::format("{} profiles ({} predicting), cap {}\n", db.size(), predicting, db.limits().max_profiles);
  return out;
}

/// The same as JSON: {"max_profiles", "profiles": [{"comm", "tasks", "runtime_ns", "deviation_ns",
/// "wakeups_per_s", "switches_per_s", "class", "votes": {class name: share}, "confidence" (0..1),
/// "predicted" (bool), "first_seen", "last_seen" (unix seconds)}, ...]} in the table's order.
[[nodiscard]] inline nlohmann::json to_json(const Database& db, UnixSeconds now) {
  auto profiles = nlohmann::json::array();
  for (const Profile* p : detail::display_order(db)) {
    auto votes = nlohmann::json::object();
    for (std::size_t c = 0; c < p->votes.size(); ++c)
      votes[std::string(detail::class_name(static_cast<gb_class>(c)))] = p->votes[c];
    profiles.push_back({{"comm", p->comm},
                        {"tasks", p->tasks},
                        {"runtime_ns", p->runtime_ns},
                        {"deviation_ns", p->deviation_ns},
                        {"wakeups_per_s", p->wakeups_per_s},
                        {"switches_per_s", p->switches_per_s},
                        {"class", detail::class_name(majority_class(*p))},
                        {"votes", votes},
                        {"confidence", confidence(*p, db.params())},
                        {"predicted", db.prediction(*p, now).has_value()},
                        {"first_seen", p->first_seen},
                        {"last_seen", p->last_seen}});
  }
  return {{"max_profiles", db.limits().max_profiles}, {"profiles", profiles}};
}

}  // namespace ghostbrew::procdb
