// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// core/text.hpp: hostile strings (not UTF-8, control and escape characters, quotes, backslashes,
// 15-byte and empty names) escaped for a terminal, made valid UTF-8, and dumped as JSON without a throw.
#include "ghostbrew/core/text.hpp"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ghostbrew::text {
namespace {

/// True when `s` holds only printable ASCII (and newlines when `newlines` is set).
bool printable_ascii(const std::string& s, bool newlines = false) {
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if ((b < 0x20 && !(newlines && b == '\n')) || b >= 0x7f) return false;
  }
  return true;
}

TEST(TextEscapeTest, PlainAndUtf8NamesAreUnchanged) {
  EXPECT_EQ(escape(""), "");
  EXPECT_EQ(escape("Cyberpunk2077.e"), "Cyberpunk2077.e");
  EXPECT_EQ(escape("CPU 0/KVM"), "CPU 0/KVM");
  EXPECT_EQ(escape("h\xc3\xa9llo \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x8e\xae"),
            "h\xc3\xa9llo \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x8e\xae");
  EXPECT_EQ(escape("say \"hi\" it's"), "say \"hi\" it's");
}

TEST(TextEscapeTest, ControlAndEscapeCharactersBecomeHex) {
  EXPECT_EQ(escape("\x1b[2J\x1b]0;owned\x07"), "\\x1b[2J\\x1b]0;owned\\x07");
  EXPECT_EQ(escape("a\nfake line\r\t"), "a\\x0afake line\\x0d\\x09");
  EXPECT_EQ(escape(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(escape("del\x7f"), "del\\x7f");
  EXPECT_EQ(escape("c1 csi \xc2\x9b"
                   "31m"),
            "c1 csi \\xc2\\x9b31m");
  EXPECT_EQ(escape("rtl \xe2\x80\xae"
                   "exe.txt"),
            "rtl \\xe2\\x80\\xaeexe.txt");
  EXPECT_EQ(escape("ls \xe2\x80\xa8"), "ls \\xe2\\x80\\xa8");
}

TEST(TextEscapeTest, BackslashIsDoubledSoEscapesAreUnambiguous) {
  EXPECT_EQ(escape("a\\b"), "a\\\\b");
  EXPECT_EQ(escape("\\x1b"), "\\\\x1b");
  EXPECT_NE(escape("\\x1b"), escape("\x1b"));
}

TEST(TextEscapeTest, InvalidUtf8BytesBecomeHexOneByOne) {
  EXPECT_EQ(escape("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(escape("\x80"), "\\x80");                             // a stray continuation byte
  EXPECT_EQ(escape("\xc3\x28"), "\\xc3(");                        // a lead byte without its continuation
  EXPECT_EQ(escape("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(escape("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");           // overlong, 3 bytes
  EXPECT_EQ(escape("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // a UTF-16 surrogate
  EXPECT_EQ(escape("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // past U+10FFFF
  EXPECT_EQ(escape("\xf0\x9f\x8e"), "\\xf0\\x9f\\x8e");           // truncated 4-byte sequence
}

TEST(TextEscapeTest, AFifteenByteCommCutInsideACharacter) {
  // The kernel keeps 15 bytes of a name: eight 2-byte characters lose the last byte of the eighth.
  const std::string comm = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3";
  ASSERT_EQ(comm.size(), 15U);
  EXPECT_EQ(escape(comm), "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\\xc3");
}

TEST(TextEscapeTest, EveryByteValueGivesPrintableOneLineValidUtf8) {
  for (int b = 0; b < 256; ++b) {
    const std::string s(1, static_cast<char>(b));
    const auto e = escape(s);
    EXPECT_EQ(e.find_first_of(std::string("\n\r\x1b\x07\x7f", 5)), std::string::npos) << b;
    EXPECT_EQ(valid_utf8(e), e) << b;
    if (b >= 0x80) {
      EXPECT_EQ(e, fmt::format("\\x{:02x}", b));
    }
  }
}

TEST(TextValidUtf8Test, InvalidBytesBecomeReplacementCharacters) {
  EXPECT_EQ(valid_utf8(""), "");
  EXPECT_EQ(valid_utf8("ok \xc3\xa9"), "ok \xc3\xa9");
  EXPECT_EQ(valid_utf8("\xff"
                       "a\xc3"),
            "\xef\xbf\xbd"
            "a\xef\xbf\xbd");
  EXPECT_EQ(valid_utf8("\x1b[0m"), "\x1b[0m") << "controls are valid UTF-8; JSON escapes them";
}

TEST(TextDumpTest, InvalidUtf8NeverThrowsAndParsesBack) {
  const std::string hostile = "\x1b[31m\xff\xfe\"q\\\n\x7f\xc2\x9b";
  nlohmann::json j = {{"comm", hostile}, {"empty", ""}, {"list", {hostile, "\xc3"}}};
  EXPECT_THROW((void)j.dump(), nlohmann::json::type_error) << "the crash dump() prevents";
  std::string text;
  ASSERT_NO_THROW(text = dump(j, 2));
  EXPECT_TRUE(printable_ascii(text, true)) << text;
  const auto back = nlohmann::json::parse(text);
  EXPECT_EQ(back["comm"], valid_utf8(hostile));
  EXPECT_EQ(back["empty"], "");
  EXPECT_EQ(back["list"][1], "\xef\xbf\xbd");
  EXPECT_EQ(dump(nlohmann::json("h\xc3\xa9")), "\"h\\u00e9\"");
}

}  // namespace
}  // namespace ghostbrew::text
