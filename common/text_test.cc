#include "common/text.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

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

// The helpers map stretches of code points that normalization leaves alone
// in C++ and hand the rest to ICU; either way they must give exactly what
// ICU gives for the whole text. Random strings over an alphabet of ASCII,
// typography, accents, combining marks, compatibility characters, case
// folding oddities and ill-formed bytes.
TEST(TextTest, FastPathsEqualIcuOnTheWholeText) {
  const std::vector<std::string> alphabet = {
      "a",
      "E",
      "i",
      " ",
      "\n",
      "\t",
      "'",
      "-",
      "Z",
      "\xC2\xA0",          // no-break space
      "\xC2\xA3",          // pound sign
      "\xC3\xA9",          // e acute
      "\xC3\x89",          // E acute
      "\xC3\x9F",          // sharp s (folds to "ss")
      "\xC4\xB0",          // I with dot above
      "\xCC\x81",          // combining acute
      "\xCC\x88",          // combining diaeresis
      "\xCE\xA3",          // Greek capital sigma
      "\xE2\x80\x99",      // right single quote
      "\xE2\x80\x9C",      // left double quote
      "\xE2\x80\x94",      // em dash
      "\xE2\x80\xA6",      // ellipsis
      "\xE2\x80\xB3",      // double prime
      "\xE2\x80\x8B",      // zero-width space
      "\xE2\x82\xAC",      // euro sign
      "\xEF\xAC\x81",      // fi ligature
      "\xEF\xBC\xA1",      // fullwidth A
      "\xE1\x84\x80",      // Hangul choseong kiyeok
      "\xE1\x85\xA1",      // Hangul jungseong a (composes with the above)
      "\xE0\xA4\x95",      // Devanagari ka
      "\xE0\xA4\xBC",      // Devanagari nukta
      "\xF0\x9F\x98\x80",  // emoji
      "\xFF",              // ill-formed
      "\xE2\x80",          // truncated sequence
  };
  std::mt19937 rng(7);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    int len = static_cast<int>(rng() % 12);
    for (int k = 0; k < len; ++k) text += alphabet[rng() % alphabet.size()];
    EXPECT_EQ(ToNfc(text), internal::ToNfcIcu(text)) << text;
    EXPECT_EQ(FoldTypography(text), internal::FoldTypographyIcu(text)) << text;
    EXPECT_EQ(FoldCase(text), internal::FoldCaseIcu(text)) << text;
    EXPECT_EQ(StripAccents(text), internal::StripAccentsIcu(text)) << text;
  }
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
