// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The daemon's log lines: the journal's priority prefixes exactly when the stream is the one
// $JOURNAL_STREAM names, and the plain "ghost-sched: " line otherwise.
#include "ghostbrew/sched/log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace gs = ghostbrew::sched;
using gs::Priority;

namespace {

TEST(LogTest, PrioritiesAreTheJournalsLevels) {
  EXPECT_EQ(gs::journal_prefix(Priority::err), "<3>");
  EXPECT_EQ(gs::journal_prefix(Priority::warning), "<4>");
  EXPECT_EQ(gs::journal_prefix(Priority::notice), "<5>");
  EXPECT_EQ(gs::journal_prefix(Priority::info), "<6>");
  EXPECT_EQ(gs::journal_prefix(Priority::debug), "<7>");
}

TEST(LogTest, TheJournalsLinesCarryThePrefixOthersDoNot) {
  EXPECT_EQ(gs::log_line(Priority::err, "attach: busy", true), "<3>ghost-sched: attach: busy");
  EXPECT_EQ(gs::log_line(Priority::info, "attached", true), "<6>ghost-sched: attached");
  EXPECT_EQ(gs::log_line(Priority::err, "attach: busy", false), "ghost-sched: attach: busy");
}

TEST(LogTest, AStreamIsTheJournalOnlyWhenJournalStreamNamesIt) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  struct stat st {};
  ASSERT_EQ(::fstat(p[1], &st), 0);
  const auto mine = fmt::format("{}:{}", st.st_dev, st.st_ino);
  EXPECT_TRUE(gs::is_journal_stream(p[1], mine.c_str()));
  EXPECT_FALSE(gs::is_journal_stream(p[1], fmt::format("{}:{}", st.st_dev, st.st_ino + 1).c_str()));
  EXPECT_FALSE(gs::is_journal_stream(p[1], nullptr));
  EXPECT_FALSE(gs::is_journal_stream(p[1], "garbage"));
  EXPECT_FALSE(gs::is_journal_stream(p[1], (mine + "x").c_str()));
  EXPECT_FALSE(gs::is_journal_stream(p[1], fmt::format("{}", st.st_dev).c_str()));
  EXPECT_FALSE(gs::is_journal_stream(-1, mine.c_str()));
  ::close(p[0]);
  ::close(p[1]);
}

}  // namespace
