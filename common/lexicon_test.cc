#include "common/lexicon.h"

#include <gtest/gtest.h>

#include <map>

#include "absl/strings/match.h"

namespace scr::common {
namespace {

std::map<std::string, int> Mentions(const Lexicon& lex, const std::string& text) {
  std::map<std::string, int> out;
  for (const v1::Entity& e : lex.FindEntities(text)) out[e.id()] = e.mentions();
  return out;
}

TEST(LexiconTest, BuiltInLexiconParsesAndHasTheCoreEntries) {
  const Lexicon& lex = Lexicon::Default();
  for (const char* id : {"scr", "lscb", "cspr", "sar", "dhr", "ofsted", "nspcc", "scie",
                         "peter-connelly", "victoria-climbie", "edlington", "munro-review"}) {
    EXPECT_NE(lex.Find(id), nullptr) << id;
  }
}

TEST(LexiconTest, FindsVariantsPluralsAccentsAndCounts) {
  const Lexicon& lex = Lexicon::Default();
  auto m =
      Mentions(lex,
               "The SCRs were about Baby P. Serious case reviews of Peter Connelly's death "
               "and of Victoria Climbie \xE2\x80\x93 and Climbi\xC3\xA9 \xE2\x80\x93 by Ofsted.");
  EXPECT_EQ(m["scr"], 2);
  EXPECT_EQ(m["peter-connelly"], 2);
  EXPECT_EQ(m["victoria-climbie"], 2);
  EXPECT_EQ(m["ofsted"], 1);
}

TEST(LexiconTest, PluralAndPossessiveFormsOfTheLastWord) {
  const Lexicon& lex = Lexicon::Default();
  auto m = Mentions(lex,
                    "Two SERIOUS CASE REVIEWS, one serious case review\xE2\x80\x99s findings, "
                    "three SCRS and no SCRx or scrutiny.");
  EXPECT_EQ(m["scr"], 3);
  EXPECT_EQ(m.size(), 1u);
}

TEST(LexiconTest, CapitalOnlyVariantsNeedCapitals) {
  const Lexicon& lex = Lexicon::Default();
  EXPECT_EQ(Mentions(lex, "the sar was late").count("sar"), 0u);
  EXPECT_EQ(Mentions(lex, "the SAR was late")["sar"], 1);
  EXPECT_EQ(Mentions(lex, "agencies working together with parents").count("working-together"), 0u);
  EXPECT_EQ(Mentions(lex, "the 2018 Working Together guidance")["working-together"], 1);
}

TEST(LexiconTest, ParseErrorsNameTheLine) {
  auto bad = Lexicon::Parse("# c\nscr\tterm\tSCR\tSCR\nBAD ID\tterm\tx\ty\n", "test.tsv");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "test.tsv:3")) << bad.status();
  auto kind = Lexicon::Parse("x\tthing\tX\tX\n", "k.tsv");
  EXPECT_TRUE(absl::StrContains(kind.status().message(), "k.tsv:1")) << kind.status();
  auto dup = Lexicon::Parse("x\tterm\tX\tX\nx\tterm\tY\tY\n", "d.tsv");
  EXPECT_TRUE(absl::StrContains(dup.status().message(), "duplicate")) << dup.status();
}

}  // namespace
}  // namespace scr::common
