// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// procdb/database.hpp: profiles by comm within a cap and an age, and the predictions they give.
#include "ghostbrew/procdb/database.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace ghostbrew::procdb {
namespace {

gb_observation obs_of(std::uint64_t tasks, gb_class cls, std::uint64_t runtime_per_burst_ns = 1'000'000) {
  gb_observation o{};
  o.tasks = tasks;
  o.bursts = tasks;
  o.runtime_ns = tasks * runtime_per_burst_ns;
  // Every burst equally long: squares in us^2 match the mean exactly, the deviation is 0.
  o.runtime_sq_us = tasks * (runtime_per_burst_ns / 1000) * (runtime_per_burst_ns / 1000);
  o.class_tasks[cls] = tasks;
  return o;
}

TEST(ProcdbDatabase, ObserveCreatesThenMergesAProfile) {
  Database db;
  ASSERT_TRUE(db.observe("cc1", obs_of(2, GB_CLASS_BATCH), 100).value());
  ASSERT_TRUE(db.observe("cc1", obs_of(1, GB_CLASS_BATCH), 200).value());
  ASSERT_EQ(db.size(), 1U);
  const auto* p = db.find("cc1");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->comm, "cc1");
  EXPECT_EQ(p->tasks, 3U);
  EXPECT_EQ(p->first_seen, 100);
  EXPECT_EQ(p->last_seen, 200);
}

TEST(ProcdbDatabase, EmptyObservationCreatesNothing) {
  Database db;
  auto r = db.observe("ld", obs_of(0, GB_CLASS_BATCH), 1);
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);
  EXPECT_EQ(db.size(), 0U);
}

TEST(ProcdbDatabase, RefusesCommsThatCannotBeStored) {
  Database db;
  EXPECT_FALSE(db.observe("", obs_of(1, GB_CLASS_BATCH), 1));
  EXPECT_FALSE(db.observe("sixteen-chars-xx", obs_of(1, GB_CLASS_BATCH), 1));
  auto bell = db.observe(std::string("a\x07z"), obs_of(1, GB_CLASS_BATCH), 1);
  ASSERT_FALSE(bell);
  EXPECT_NE(bell.error().message().find("non-printable byte 0x07 at offset 1"), std::string::npos)
      << bell.error().message();
  gb_comm_key unterminated{};
  std::memset(unterminated.comm, 'a', sizeof unterminated.comm);
  EXPECT_FALSE(db.observe(unterminated, obs_of(1, GB_CLASS_BATCH), 1));
  EXPECT_TRUE(db.observe(comm_key("make"), obs_of(1, GB_CLASS_BATCH), 1));
  EXPECT_EQ(db.size(), 1U);
  EXPECT_NE(db.find("make"), nullptr);
}

TEST(ProcdbDatabase, OverTheCapEvictsTheLeastRecentlySeenThenFewestTasks) {
  Database db(Limits{.max_profiles = 3, .max_age_s = 1000});
  ASSERT_TRUE(db.observe("a", obs_of(9, GB_CLASS_BATCH), 10));
  ASSERT_TRUE(db.observe("b", obs_of(1, GB_CLASS_BATCH), 20));
  ASSERT_TRUE(db.observe("c", obs_of(5, GB_CLASS_BATCH), 20));
  ASSERT_TRUE(db.observe("d", obs_of(1, GB_CLASS_BATCH), 30));
  EXPECT_EQ(db.size(), 3U);
  EXPECT_EQ(db.find("a"), nullptr) << "least recently seen, despite the most tasks";
  ASSERT_TRUE(db.observe("e", obs_of(1, GB_CLASS_BATCH), 40));
  EXPECT_EQ(db.size(), 3U);
  EXPECT_EQ(db.find("b"), nullptr) << "b and c were both last seen at 20: b has fewer tasks";
  EXPECT_NE(db.find("c"), nullptr);
  EXPECT_NE(db.find("d"), nullptr);
  EXPECT_NE(db.find("e"), nullptr);
}

TEST(ProcdbDatabase, AgeOutDropsProfilesNotSeenForMaxAge) {
  Database db(Limits{.max_profiles = 10, .max_age_s = 100});
  ASSERT_TRUE(db.observe("old", obs_of(1, GB_CLASS_BATCH), 0));
  ASSERT_TRUE(db.observe("edge", obs_of(1, GB_CLASS_BATCH), 50));
  ASSERT_TRUE(db.observe("fresh", obs_of(1, GB_CLASS_BATCH), 51));
  EXPECT_EQ(db.age_out(150), 2U);
  EXPECT_EQ(db.find("old"), nullptr);
  EXPECT_EQ(db.find("edge"), nullptr) << "seen exactly max_age_s ago";
  EXPECT_NE(db.find("fresh"), nullptr);
}

TEST(ProcdbDatabase, PredictionsAreConfidentUnexpiredAndMostConfidentFirst) {
  Database db(Limits{.max_profiles = 10, .max_age_s = 100});
  ASSERT_TRUE(db.observe("steady", obs_of(5, GB_CLASS_BATCH, 4'000'000), 10));
  // Mixed: 3 interactive then 3 batch tasks, votes end at 0.512 / 0.488: confidence 0.512 < 0.6.
  ASSERT_TRUE(db.observe("mixed", obs_of(3, GB_CLASS_INTERACTIVE), 10));
  ASSERT_TRUE(db.observe("mixed", obs_of(3, GB_CLASS_BATCH), 10));
  // Less confident than steady: one task of four was batch.
  ASSERT_TRUE(db.observe("mostly", obs_of(3, GB_CLASS_INTERACTIVE, 200'000), 10));
  ASSERT_TRUE(db.observe("mostly", obs_of(1, GB_CLASS_BATCH, 200'000), 10));
  ASSERT_TRUE(db.observe("young", obs_of(1, GB_CLASS_BATCH), 10));

  auto preds = db.predictions(20);
  ASSERT_EQ(preds.size(), 2U);
  EXPECT_STREQ(preds[0].key.comm, "steady");
  EXPECT_EQ(preds[0].prediction.cls, static_cast<std::uint32_t>(GB_CLASS_BATCH));
  EXPECT_EQ(preds[0].prediction.runtime_ns, 4'000'000U);
  EXPECT_EQ(preds[0].prediction.confidence_pct, 100U);
  EXPECT_STREQ(preds[1].key.comm, "mostly");
  EXPECT_EQ(preds[1].prediction.cls, static_cast<std::uint32_t>(GB_CLASS_INTERACTIVE));
  EXPECT_EQ(preds[1].prediction.confidence_pct, 80U);  // votes 0.8 / 0.2 after 1 - 0.8^1 = 0.2
  for (std::size_t i = std::strlen(preds[1].key.comm); i < GB_COMM_LEN; ++i)
    EXPECT_EQ(preds[1].key.comm[i], '\0');

  EXPECT_TRUE(db.predictions(110).empty()) << "profiles last seen 100 s ago no longer predict";
}

TEST(ProcdbDatabase, AtMostTheBpfMapsWorthOfPredictions) {
  Database db(Limits{.max_profiles = GB_MAX_PREDICTIONS + 50, .max_age_s = 1000});
  for (std::size_t i = 0; i < GB_MAX_PREDICTIONS + 50; ++i)
    ASSERT_TRUE(db.observe(fmt::format("p{}", i), obs_of(3 + i % 7, GB_CLASS_BATCH), 1));
  const auto preds = db.predictions(2);
  ASSERT_EQ(preds.size(), static_cast<std::size_t>(GB_MAX_PREDICTIONS));
  // All equally confident: the ones with more tasks come first, so none with 3 tasks beats one with 9.
  EXPECT_EQ(db.find(preds.front().key.comm)->tasks, 9U);
  EXPECT_EQ(db.find(preds.back().key.comm)->tasks, 3U);
}

TEST(ProcdbDatabase, SameInputsGiveTheSameDatabase) {
  auto feed = [] {
    Database db(Limits{.max_profiles = 4, .max_age_s = 1000});
    for (int i = 0; i < 40; ++i)
      (void)db.observe(fmt::format("c{}", i % 7), obs_of(1 + i % 3, static_cast<gb_class>(i % GB_NR_CLASSES)),
                       i / 3);
    return db;
  };
  const auto a = feed();
  const auto b = feed();
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [comm, p] : a.profiles()) {
    const auto* q = b.find(comm);
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(p.tasks, q->tasks);
    EXPECT_EQ(p.runtime_ns, q->runtime_ns);
    EXPECT_EQ(p.votes, q->votes);
  }
  const auto pa = a.predictions(20);
  const auto pb = b.predictions(20);
  ASSERT_EQ(pa.size(), pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) EXPECT_STREQ(pa[i].key.comm, pb[i].key.comm);
}

}  // namespace
}  // namespace ghostbrew::procdb
