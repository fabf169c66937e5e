// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The control protocol's parser and replies on hostile lines: each bad request is an error Reply with
// a non-zero errno and a message saying what is wrong, never an exception.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include <nlohmann/json.hpp>

#include "ghostbrew/ctl/protocol.hpp"

namespace {

using ghostbrew::ctl::parse_reply;
using ghostbrew::ctl::parse_request;
using ghostbrew::ctl::Reply;

std::string message(const Reply& r) { return r.resp.is_string() ? r.resp.get<std::string>() : r.resp.dump(); }

TEST(ProtocolTest, StatsRequestWithTargetIsRead) {
  auto r = parse_request(R"({"req":"stats","args":{"target":"top"}})");
  ASSERT_TRUE(r) << message(r.error());
  EXPECT_EQ(r->req, "stats");
  EXPECT_EQ(r->arg("target"), "top");
  EXPECT_EQ(r->arg("missing", "fallback"), "fallback");
}

TEST(ProtocolTest, ArgsAreOptional) {
  auto r = parse_request(R"({"req":"stats_meta"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->req, "stats_meta");
  EXPECT_TRUE(r->args.empty());
}

TEST(ProtocolTest, InvalidJsonIsEinvalQuotingTheLine) {
  auto r = parse_request(R"({"req":"stats")");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().err, EINVAL);
  EXPECT_NE(message(r.error()).find("not valid JSON"), std::string::npos) << message(r.error());
  EXPECT_NE(message(r.error()).find(R"({"req":"stats")"), std::string::npos);
}

TEST(ProtocolTest, InvalidUtf8IsEinvalAndItsReplyIsValidJson) {
  auto r = parse_request("{\"req\":\"st\xff\xfe\"}");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().err, EINVAL);
  // The reply line itself parses (invalid bytes echoed into a message are replaced, not thrown on).
  const Reply echo{EINVAL, std::string("bad \xff\xfe bytes")};
  auto back = nlohmann::json::parse(echo.line(), nullptr, false);
  ASSERT_FALSE(back.is_discarded()) << echo.line();
  EXPECT_EQ(back["errno"], EINVAL);
}

TEST(ProtocolTest, WrongTypesAreEinvalNamingTheField) {
  struct Case {
    const char* line;
    const char* says;
  };
  for (const Case& c :
       {Case{R"([1,2])", "not a JSON object"}, Case{R"({"req":5})", "no string \"req\""},
        Case{R"({"args":{}})", "no string \"req\""},
        Case{R"({"req":"stats","args":[1]})", "\"args\" is not an object"},
        Case{R"({"req":"stats","args":{"target":7}})", "argument \"target\" is not a string"}}) {
    auto r = parse_request(c.line);
    ASSERT_FALSE(r) << c.line;
    EXPECT_EQ(r.error().err, EINVAL) << c.line;
    EXPECT_NE(message(r.error()).find(c.says), std::string::npos) << c.line << " -> " << message(r.error());
  }
}

TEST(ProtocolTest, OverlongRequestIsE2big) {
  std::string line = R"({"req":")" + std::string(ghostbrew::ctl::kMaxRequestBytes, 'a') + R"("})";
  auto r = parse_request(line);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().err, E2BIG);
}

TEST(ProtocolTest, DeepNestingIsRefusedBeforeParsing) {
  const std::string line = std::string(20000, '[') + std::string(20000, ']');
  auto r = parse_request(line);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().err, EINVAL);
  EXPECT_NE(message(r.error()).find("nests deeper"), std::string::npos) << message(r.error());
  // Brackets inside strings do not count.
  EXPECT_TRUE(parse_request(R"({"req":"[[[[[[[[[[{{{{{{{{"})"));
}

TEST(ProtocolTest, ReplyRoundTripsThroughTheClientParser) {
  auto ok = parse_reply(ghostbrew::ctl::ok({{"mode", "work"}}).line());
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ((*ok)["mode"], "work");
  auto bad = parse_reply(ghostbrew::ctl::refuse(EACCES, "permission denied: {}", "not root").line());
  ASSERT_FALSE(bad);
  // The server's words as they are: the client prints them after its own "ghost-sched: ".
  EXPECT_EQ(bad.error().message(), "permission denied: not root (errno 13)");
  EXPECT_FALSE(parse_reply("garbage"));
  EXPECT_FALSE(parse_reply(R"({"errno":0})"));
}

TEST(ProtocolTest, RequestLineIsOneLineTheParserReads) {
  const auto line = ghostbrew::ctl::request_line("mode", {{"mode", "gaming"}});
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  auto r = parse_request(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->req, "mode");
  EXPECT_EQ(r->arg("mode"), "gaming");
}

}  // namespace
