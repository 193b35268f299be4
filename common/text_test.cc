#include "common/text.h"

#include <gtest/gtest.h>

namespace scr::common {
namespace {

TEST(TextTest, FoldTypographyFoldsQuotesDashesSpacesAndLigatures) {
  EXPECT_EQ(FoldTypography("\xE2\x80\x9Cit\xE2\x80\x99s\xE2\x80\x9D \xE2\x80\x93 a\xC2\xA0"
                           "b \xEF\xAC\x81le"),
            "\"it's\" - a b file");
}

TEST(TextTest, FoldTypographyKeepsAccentsAndCase) {
  EXPECT_EQ(FoldTypography("Climbi\xC3\xA9"), "Climbi\xC3\xA9");
}

TEST(TextTest, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(ToNfc("a\xFF"
                  "b"),
            "a\xEF\xBF\xBD"
            "b");
}

TEST(TextTest, NfcComposes) { EXPECT_EQ(ToNfc("e\xCC\x81"), "\xC3\xA9"); }

TEST(TextTest, StripAccents) { EXPECT_EQ(StripAccents("Climbi\xC3\xA9"), "Climbie"); }

TEST(TextTest, AsciiFastPathsAgreeWithUnicodeRules) {
  // ASCII white space except newlines becomes ' ' (U+0085 and U+2028 too).
  EXPECT_EQ(FoldTypography("a\tb\vc\fd\re\nf"), "a b c d e\nf");
  EXPECT_EQ(FoldTypography("x\xC2\x85y\xE2\x80\xA8z"), "x y z");
  // An ASCII letter before a combining mark still composes (NFKC).
  EXPECT_EQ(FoldTypography("Climbie\xCC\x81 review"), "Climbi\xC3\xA9 review");
  EXPECT_EQ(FoldTypography("\xEF\xAC\x81nd the \xE2\x80\x9Creport\xE2\x80\x9D"),
            "find the \"report\"");
  // Ill-formed UTF-8 becomes U+FFFD in every helper.
  EXPECT_EQ(FoldTypography("a\xFF"
                           "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(CollapseWhitespace(" a\xFF  b "), "a\xEF\xBF\xBD b");
  EXPECT_EQ(CollapseWhitespace("a\xE2\x80\x83\xE2\x80\x83"
                               "b\x1F"),
            "a b\x1F");
  EXPECT_EQ(FoldCase("OFSTED Review"), "ofsted review");
  EXPECT_EQ(StripAccents("plain text"), "plain text");
  EXPECT_EQ(ToNfc("plain text"), "plain text");
}

TEST(TextTest, FoldCase) { EXPECT_EQ(FoldCase("Ofsted SCR \xC3\x89"), "ofsted scr \xC3\xA9"); }

TEST(TextTest, CollapseWhitespace) {
  EXPECT_EQ(CollapseWhitespace("  a \t\n b\xC2\xA0 c  "), "a b c");
}

TEST(TextTest, TruncateNeverSplitsASequence) {
  EXPECT_EQ(TruncateUtf8("ab\xC3\xA9", 3), "ab");
  EXPECT_EQ(TruncateUtf8("ab\xC3\xA9", 4), "ab\xC3\xA9");
}

}  // namespace
}  // namespace scr::common
