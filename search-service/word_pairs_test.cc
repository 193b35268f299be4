#include "search-service/word_pairs.h"

#include <gtest/gtest.h>
#include <xapian.h>

#include <set>
#include <string>
#include <vector>

namespace scr::search {
namespace {

// The pair terms of a document.
std::set<std::string> Pairs(const Xapian::Document& doc) {
  std::set<std::string> out;
  for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
    if ((*t).rfind(std::string(kWordPairPrefix), 0) == 0) out.insert(*t);
  }
  return out;
}

Xapian::Document Indexed(const std::string& title, const std::string& body) {
  Xapian::TermGenerator indexer;
  indexer.set_stemmer(Xapian::Stem("english"));
  indexer.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
  Xapian::Document doc;
  indexer.set_document(doc);
  indexer.index_text(title, 1, "S");
  indexer.increase_termpos();
  indexer.index_text(title, 4);
  indexer.increase_termpos();
  indexer.index_text(body);
  AddWordPairs(doc);
  return doc;
}

TEST(WordPairsTest, PairsAreAdjacentPairWordsOnly) {
  Xapian::Document doc =
      Indexed("Review of the case", "He has said the review of the case was in the news. He");
  EXPECT_EQ(Pairs(doc), (std::set<std::string>{"XPhe has", "XPhas said", "XPsaid the", "XPof the",
                                               "XPwas in", "XPin the"}));
  // No pair across the gap between the title and the body ("case He"), none
  // with a word outside the list ("the review", "the case"), none from the
  // S-prefixed title ("Sof", "Sthe").
}

TEST(WordPairsTest, PairsLeaveDocumentLengthAndWdfAlone) {
  Xapian::TermGenerator indexer;
  Xapian::Document plain;
  indexer.set_document(plain);
  indexer.index_text("he has been in the news and he has said so");
  Xapian::Document paired = plain;
  AddWordPairs(paired);
  ASSERT_FALSE(Pairs(paired).empty());
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  const Xapian::docid a = db.add_document(plain);
  const Xapian::docid b = db.add_document(paired);
  EXPECT_EQ(db.get_doclength(a), db.get_doclength(b));
  auto t = db.termlist_begin(b);
  t.skip_to("XPhe has");
  ASSERT_EQ(*t, "XPhe has");
  EXPECT_EQ(t.get_wdf(), 0u);
}

// Two words: matched from the pair, weighed by the words. Longer: the
// phrase filtered by its pairs.
TEST(WordPairsTest, OnlyExactPhrasesOfTwoPairWordsGetFilters) {
  // No posts: every pair is rare enough.
  const Xapian::Database db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  auto phrase = [](std::vector<std::string> words, Xapian::termcount window) {
    return Xapian::Query(Xapian::Query::OP_PHRASE, words.begin(), words.end(), window);
  };
  EXPECT_EQ(WithWordPairs(phrase({"he", "has"}, 2), db).get_description(),
            "Query((0 * XPhe has#0 AND_MAYBE (he AND has)))");
  EXPECT_EQ(WithWordPairs(phrase({"return", "to", "their", "home"}, 4), db).get_description(),
            "Query(((return PHRASE 4 to PHRASE 4 their PHRASE 4 home) FILTER XPto their#0))");
  // A sloppy phrase, a phrase without a pair of pair words, and NEAR stay.
  for (const Xapian::Query& q :
       {phrase({"he", "has"}, 3), phrase({"serious", "case"}, 2),
        Xapian::Query(Xapian::Query::OP_NEAR, Xapian::Query("he"), Xapian::Query("has"))}) {
    EXPECT_EQ(WithWordPairs(q, db).get_description(), q.get_description());
  }
  // Inside the operators QueryParser builds around phrases.
  const Xapian::Query nested(
      Xapian::Query::OP_AND_NOT,
      Xapian::Query(Xapian::Query::OP_OR, Xapian::Query("review"), phrase({"in", "the"}, 2)),
      Xapian::Query("neglect"));
  EXPECT_EQ(WithWordPairs(nested, db).get_description(),
            "Query(((review OR (0 * XPin the#0 AND_MAYBE (in AND the))) AND_NOT neglect))");
}

// Over a database of varied texts, every phrase query of pair words
// matches the same documents with the same weights with the filter as
// without it: pairs are exactly where such a phrase matches.
TEST(WordPairsTest, FilteredPhrasesMatchAndWeighAsPlainOnes) {
  const std::vector<std::string> texts = {
      "He has said that he has to go. In the end, the case was in the news.",
      "he, has the report? In. The review was of the case.",
      "has he seen it? the in was there",
      "They said it would be in the review of the year.",
      "The people who were there said so; he had the report and has it still.",
      "Up and we go: return to their homes, and to be there.",
      "It is what it is, and there is more to come from the review.",
      "he he has has; HE HAS. He\nhas",
      "he's had it, he has-been, has-he",
      "Of the review, of THE case, of-the-year",
  };
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  for (int copy = 0; copy < 3; ++copy) {
    for (const std::string& t : texts) db.add_document(Indexed("Title " + t.substr(0, 12), t));
  }
  // Posts with the words apart, so that every pair is in at most half the
  // posts of its words and is used.
  for (int i = 0; i < 100; ++i) {
    db.add_document(Indexed("Apart",
                            "he x has x in x the x of x to x be x there x it x is x what x up x "
                            "and x we x said x so"));
  }
  // Across the gap between title and body: no phrase, no pair.
  db.add_document(Indexed("What he", "has done"));
  db.add_document(Indexed("Said", "so he has"));
  const std::vector<std::vector<std::string>> phrases = {{"he", "has"},
                                                         {"in", "the"},
                                                         {"has", "he"},
                                                         {"the", "in"},
                                                         {"of", "the", "case"},
                                                         {"to", "be", "there"},
                                                         {"it", "is", "what", "it", "is"},
                                                         {"up", "and", "we"},
                                                         {"said", "so"},
                                                         {"the", "review", "of", "the"},
                                                         {"of", "the"}};
  for (const auto& words : phrases) {
    const Xapian::Query plain(Xapian::Query::OP_PHRASE, words.begin(), words.end(),
                              static_cast<Xapian::termcount>(words.size()));
    const Xapian::Query filtered = WithWordPairs(plain, db);
    ASSERT_NE(filtered.get_description(), plain.get_description()) << plain.get_description();
    Xapian::Enquire a(db), b(db);
    a.set_query(plain);
    b.set_query(filtered);
    Xapian::MSet ma = a.get_mset(0, 100), mb = b.get_mset(0, 100);
    ASSERT_EQ(ma.size(), mb.size()) << plain.get_description();
    EXPECT_GT(ma.size(), 0u) << plain.get_description();
    for (auto i = ma.begin(), j = mb.begin(); i != ma.end(); ++i, ++j) {
      EXPECT_EQ(*i, *j) << plain.get_description();
      EXPECT_DOUBLE_EQ(i.get_weight(), j.get_weight()) << plain.get_description();
    }
  }
}

// A pair in more than half the posts of its rarer word is not used: matching
// from it is slower than from the words' conjunction.
TEST(WordPairsTest, PairsAsCommonAsTheirWordsAreNotUsed) {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  for (int i = 0; i < 10; ++i) db.add_document(Indexed("T", "in the news; he said so"));
  for (int i = 0; i < 10; ++i) db.add_document(Indexed("T", "the news was in; said he"));
  db.add_document(Indexed("T", "he said"));
  // "in the": 10 of in's 20 posts (used); "he said": 11 of 20 (not used).
  const std::vector<std::string> in_the = {"in", "the"}, he_said = {"he", "said"};
  const Xapian::Query a(Xapian::Query::OP_PHRASE, in_the.begin(), in_the.end(), 2);
  const Xapian::Query b(Xapian::Query::OP_PHRASE, he_said.begin(), he_said.end(), 2);
  EXPECT_NE(WithWordPairs(a, db).get_description(), a.get_description());
  EXPECT_EQ(WithWordPairs(b, db).get_description(), b.get_description());
}

TEST(WordPairsTest, VersionNamesTheList) {
  EXPECT_EQ(WordPairsVersion().rfind("1:", 0), 0u);
  EXPECT_TRUE(IsPairWord("the"));
  EXPECT_FALSE(IsPairWord("neglect"));
  EXPECT_FALSE(IsPairWord("The"));
}

}  // namespace
}  // namespace scr::search
