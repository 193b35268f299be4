// The seed, normalized by the real normalizer and indexed by the real Xapian
// adapter in-process: the search features issue's acceptance checks.
#include <gtest/gtest.h>

#include <set>

#include "absl/strings/match.h"
#include "ingest-service/normalizer.h"
#include "search-service/xapian_index.h"
#include "tests/test_util.h"

namespace scr {
namespace {

class SeedSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto seed = testing_util::SharedPath("seeds/000_43de76a84da1bddb.txt");
    if (!seed) GTEST_SKIP() << "../shared/seeds is missing; this test needs the seed";
    ingest::RawItem item;
    item.content = testing_util::ReadFile(*seed);
    item.content_type = "text/plain";
    auto normalized = ingest::Normalizer().Normalize(item, 1);
    ASSERT_TRUE(normalized.ok()) << normalized.status();
    ASSERT_EQ(normalized->posts.size(), 2u);
    posts_ = normalized->posts;
    auto index = search::XapianIndex::Open(dir_.path() + "/index");
    ASSERT_TRUE(index.ok()) << index.status();
    index_ = *std::move(index);
    ASSERT_TRUE(index_->Upsert(posts_).ok());
  }

  search::SearchResults Run(const std::string& text,
                            search::SortOrder sort = search::SortOrder::kRelevance) {
    search::SearchQuery q;
    q.text = text;
    q.sort = sort;
    q.facets = {"category", "tag", "entity"};
    auto r = index_->Search(q);
    EXPECT_TRUE(r.ok()) << text << ": " << r.status();
    return r.ok() ? *r : search::SearchResults{};
  }

  static std::set<std::string> Titles(const search::SearchResults& r) {
    std::set<std::string> t;
    for (const auto& h : r.hits) t.insert(h.post.title());
    return t;
  }

  testing_util::TempDir dir_;
  std::vector<v1::Post> posts_;
  std::unique_ptr<search::XapianIndex> index_;
};

constexpr char kFirst[] = "SCRs: to publish or not to publish?";
constexpr char kSecond[] = "Serious case reviews are improving";

TEST_F(SeedSearchTest, AcronymAndLongFormFindBothPosts) {
  EXPECT_EQ(Titles(Run("SCR")), (std::set<std::string>{kFirst, kSecond}));
  EXPECT_EQ(Titles(Run("serious case review")), (std::set<std::string>{kFirst, kSecond}));
}

TEST_F(SeedSearchTest, FieldPrefixes) {
  EXPECT_EQ(Titles(Run("title:improving")), (std::set<std::string>{kSecond}));
  EXPECT_EQ(Titles(Run("category:Uncategorized")), (std::set<std::string>{kSecond}));
  EXPECT_EQ(Titles(Run("tag:\"serious case reviews\"")), (std::set<std::string>{kFirst, kSecond}));
}

TEST_F(SeedSearchTest, CategoryFacetCountsOneAndOne) {
  search::SearchResults r = Run("SCR");
  ASSERT_FALSE(r.facets.empty());
  ASSERT_EQ(r.facets[0].name, "category");
  ASSERT_EQ(r.facets[0].values.size(), 2u);
  EXPECT_EQ(r.facets[0].values[0].count, 1);
  EXPECT_EQ(r.facets[0].values[1].count, 1);
}

TEST_F(SeedSearchTest, OfstedWithDateSortReturnsBoth) {
  EXPECT_EQ(Run("Ofsted", search::SortOrder::kNewestFirst).hits.size(), 2u);
  EXPECT_EQ(Run("Ofsted", search::SortOrder::kOldestFirst).hits.size(), 2u);
}

TEST_F(SeedSearchTest, MisspellingOffersACorrection) {
  search::SearchResults r = Run("seriuos case reviews");
  EXPECT_EQ(r.corrected_query, "serious case reviews");
  EXPECT_TRUE(Run("SCR").corrected_query.empty()) << "acronyms are never corrected";
}

TEST_F(SeedSearchTest, PhraseMatchesOnlyTheFirstPost) {
  EXPECT_EQ(Titles(Run("\"naming and shaming\"")), (std::set<std::string>{kFirst}));
}

TEST_F(SeedSearchTest, SynonymMatchesAreHighlighted) {
  search::SearchResults r = Run("Baby P");
  ASSERT_EQ(Titles(r), (std::set<std::string>{kFirst})) << "the first post says Baby Peter";
  const search::Highlighted& s = r.hits[0].snippet;
  bool marked = false;
  for (const auto& [a, b] : s.ranges) marked = marked || s.text.substr(a, b - a) == "Peter";
  EXPECT_TRUE(marked) << s.text;
}

TEST_F(SeedSearchTest, LoneWordsOfLongFormsAreNotHighlighted) {
  // "Ofsted" expands to "Office for Standards in Education": a lone
  // "standards" in the text is not a match worth marking.
  for (const search::SearchHit& hit : Run("Ofsted").hits) {
    const search::Highlighted& s = hit.snippet;
    for (const auto& [a, b] : s.ranges) {
      std::string word = s.text.substr(a, b - a);
      EXPECT_TRUE(word == "Ofsted" || word == "Ofsted\xE2\x80\x99s" || word == "Ofsted's")
          << "highlighted \"" << word << "\" in: " << s.text;
    }
  }
}

TEST_F(SeedSearchTest, EntitiesAreTagged) {
  std::set<std::string> ids;
  for (const auto& e : posts_[0].entities()) ids.insert(e.id());
  EXPECT_TRUE(ids.count("scr"));
  EXPECT_TRUE(ids.count("edlington"));
  EXPECT_TRUE(ids.count("ofsted"));
  EXPECT_TRUE(ids.count("peter-connelly"));
  EXPECT_EQ(posts_[0].language(), "en");
}

TEST_F(SeedSearchTest, AllWordsRankFirstAndStraySyntaxIsTolerated) {
  search::SearchResults r = Run("Edlington Ofsted");
  ASSERT_EQ(r.hits.size(), 2u);
  EXPECT_EQ(r.hits[0].post.title(), kFirst) << "only the first post has both words";
  EXPECT_FALSE(Run("\"naming and shaming").hits.empty());
  EXPECT_FALSE(Run("Ofsted AND").hits.empty());
}

TEST_F(SeedSearchTest, DateRangesParseAndBadDatesAreInvalid) {
  // The seed has no dates: a range matches nothing, but parses.
  EXPECT_TRUE(Run("published:2009-04-01..2009-12-31").hits.empty());
  search::SearchQuery q;
  q.text = "published:2009-13-45..2010";
  auto r = index_->Search(q);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(r.status().message(), "2009-13-45")) << r.status();
}

}  // namespace
}  // namespace scr
