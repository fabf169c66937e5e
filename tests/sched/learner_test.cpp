// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Learner against fake learning maps: it merges what it drains into the database, publishes the
// predictions that pass the confidence threshold, and rewrites the map only when they change.
#include "ghostbrew/sched/learner.hpp"

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "fakes.hpp"
#include "support/temp_dir.hpp"

namespace gs = ghostbrew::sched;
namespace procdb = ghostbrew::procdb;
using ghostbrew::testing::FakeLearningMaps;
using ghostbrew::testing::TempDir;

namespace {

/// `tasks` tasks of `comm`, all of class `cls`, each with 8 bursts of exactly 1 ms (no deviation).
std::pair<gb_comm_key, gb_observation> observed(const std::string& comm, std::uint64_t tasks, gb_class cls) {
  gb_observation o{};
  o.tasks = tasks;
  o.bursts = tasks * 8;
  o.runtime_ns = o.bursts * 1'000'000;
  o.runtime_sq_us = o.bursts * 1000 * 1000;
  o.wakeups = o.bursts;
  o.switches = o.bursts;
  o.lifetime_ns = tasks * 100'000'000;
  o.class_tasks[cls] = tasks;
  return {procdb::comm_key(comm), o};
}

gs::Learner open_learner(const TempDir& dir) {
  auto l = gs::Learner::open(dir.path() / "procdb.bin", [](const std::string& w) { ADD_FAILURE() << w; });
  EXPECT_TRUE(l) << l.error().message();
  return std::move(*l);
}

TEST(LearnerTest, DrainMergesObservationsAndPublishesConfidentPredictions) {
  TempDir dir;
  auto learner = open_learner(dir);
  FakeLearningMaps maps;
  maps.pending = {observed("cc1", 6, GB_CLASS_BATCH), observed("rare", 1, GB_CLASS_BATCH)};
  auto d = learner.drain(maps, {});
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->comms, 2U);
  EXPECT_EQ(d->tasks, 7U);
  EXPECT_EQ(learner.database().size(), 2U);  // both merged
  // Only cc1 has seen enough tasks to be confident.
  ASSERT_EQ(maps.predictions.size(), 1U);
  EXPECT_EQ(std::string(maps.predictions[0].first.comm), "cc1");
  EXPECT_EQ(maps.predictions[0].second.cls, static_cast<std::uint32_t>(GB_CLASS_BATCH));
  EXPECT_EQ(d->predictions, 1U);
  EXPECT_TRUE(maps.pending.empty());
}

TEST(LearnerTest, UnchangedPredictionsAreNotRewritten) {
  TempDir dir;
  auto learner = open_learner(dir);
  FakeLearningMaps maps;
  maps.pending = {observed("cc1", 6, GB_CLASS_BATCH)};
  ASSERT_TRUE(learner.drain(maps, {}));
  EXPECT_EQ(maps.writes, 1);
  ASSERT_TRUE(learner.drain(maps, {}));  // nothing new
  ASSERT_TRUE(learner.publish(maps));
  EXPECT_EQ(maps.writes, 1);
  // A new scheduler instance has an empty map: it gets everything again.
  learner.forget_published();
  ASSERT_TRUE(learner.publish(maps));
  EXPECT_EQ(maps.writes, 2);
  EXPECT_EQ(maps.predictions.size(), 1U);
}

TEST(LearnerTest, ChangedPredictionsAreRewritten) {
  TempDir dir;
  auto learner = open_learner(dir);
  FakeLearningMaps maps;
  maps.pending = {observed("cc1", 6, GB_CLASS_BATCH)};
  ASSERT_TRUE(learner.drain(maps, {}));
  maps.pending = {observed("ld", 6, GB_CLASS_BATCH)};
  ASSERT_TRUE(learner.drain(maps, {}));
  EXPECT_EQ(maps.writes, 2);
  EXPECT_EQ(maps.predictions.size(), 2U);
}

TEST(LearnerTest, SavedDatabaseIsLoadedByTheNextLearner) {
  TempDir dir;
  {
    auto learner = open_learner(dir);
    FakeLearningMaps maps;
    maps.pending = {observed("cc1", 6, GB_CLASS_BATCH)};
    ASSERT_TRUE(learner.drain(maps, {}));
    ASSERT_TRUE(learner.save());
  }
  auto again = open_learner(dir);
  ASSERT_NE(again.database().find("cc1"), nullptr);
  FakeLearningMaps fresh;
  ASSERT_TRUE(again.publish(fresh));
  EXPECT_EQ(fresh.predictions.size(), 1U);
}

TEST(LearnerTest, UnreadableDatabaseIsSetAsideWithAWarning) {
  TempDir dir;
  dir.write("procdb.bin", "not a database");
  std::string warning;
  auto l = gs::Learner::open(dir.path() / "procdb.bin", [&](const std::string& w) { warning = w; });
  ASSERT_TRUE(l);
  EXPECT_EQ(l->database().size(), 0U);
  EXPECT_NE(warning.find("procdb.bin.bad"), std::string::npos) << warning;
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "procdb.bin.bad"));
}

}  // namespace
