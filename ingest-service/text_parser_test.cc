#include "ingest-service/text_parser.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "ingest-service/text_rules.h"
#include "tests/test_util.h"

namespace scr::ingest {
namespace {

// A small archive page written for this test, shaped like WordPress output.
constexpr char kArchive[] = R"(My Safeguarding Blog

Tag Archives: ofsted

Inspection grades explained

Ofsted grades each local authority on four points.

The grades matter because boards act on them.

Share this:

Like this:

Loading...

3 Comments

Filed under inspection, policy

A second post about reviews

This post is about how reviews are written.

Leave a comment

Filed under Uncategorized

Older posts
)";

TEST(TextParserTest, SplitsArchiveIntoPostsWithLabels) {
  auto item = ParseTextPage(kArchive);
  ASSERT_TRUE(item.ok()) << item.status();
  ASSERT_EQ(item->posts.size(), 2u);
  const ParsedPost& a = item->posts[0];
  EXPECT_EQ(a.title, "Inspection grades explained");
  ASSERT_EQ(a.paragraphs.size(), 2u);
  EXPECT_EQ(a.comment_count, 3);
  EXPECT_EQ(a.categories, (std::vector<std::string>{"inspection", "policy"}));
  EXPECT_EQ(a.tags, (std::vector<std::string>{"ofsted"}));
  const ParsedPost& b = item->posts[1];
  EXPECT_EQ(b.title, "A second post about reviews");
  EXPECT_EQ(b.paragraphs.size(), 1u);
  EXPECT_EQ(b.comment_count, 0);
  EXPECT_EQ(b.categories, (std::vector<std::string>{"Uncategorized"}));
  for (const auto& p : item->posts) {
    for (const auto& para : p.paragraphs) {
      EXPECT_FALSE(absl::StrContains(para, "Share this")) << para;
      EXPECT_FALSE(absl::StrContains(para, "Older posts")) << para;
    }
  }
}

TEST(TextParserTest, SinglePostWithMetaLine) {
  auto item = ParseTextPage(
      "A single post\n\nPosted on April 5, 2010 by Jo Bloggs\n\nFirst paragraph of text.\n\n"
      "Second paragraph.\n\nTagged reviews, LSCB\n");
  ASSERT_TRUE(item.ok()) << item.status();
  ASSERT_EQ(item->posts.size(), 1u);
  const ParsedPost& p = item->posts[0];
  EXPECT_EQ(p.title, "A single post");
  EXPECT_EQ(p.author, "Jo Bloggs");
  ASSERT_TRUE(p.published.has_value());
  EXPECT_EQ(absl::FormatTime("%Y-%m-%d", *p.published, absl::UTCTimeZone()), "2010-04-05");
  EXPECT_EQ(p.tags, (std::vector<std::string>{"reviews", "LSCB"}));
  EXPECT_EQ(p.paragraphs.size(), 2u);
}

TEST(TextParserTest, FootersAfterTheCategoryLineAndCompoundFooters) {
  auto item = ParseTextPage(
      "First post\n\nBody one.\n\nFiled under policy\n\nTagged LSCB, Munro review\n\n"
      "Second post\n\nBody two.\n\nPosted in practice | Tagged SCR | 2 Comments\n");
  ASSERT_TRUE(item.ok()) << item.status();
  ASSERT_EQ(item->posts.size(), 2u);
  EXPECT_EQ(item->posts[0].tags, (std::vector<std::string>{"LSCB", "Munro review"}));
  EXPECT_EQ(item->posts[1].categories, (std::vector<std::string>{"practice"}));
  EXPECT_EQ(item->posts[1].tags, (std::vector<std::string>{"SCR"}));
  EXPECT_EQ(item->posts[1].comment_count, 2);
}

// Comment-count footers are told from their first three words; a long
// paragraph is content unless it opens like one.
TEST(TextRulesTest, CommentCountLinesByTheirFirstWords) {
  struct Case {
    const char* line;
    LineKind kind;
    int count;
  };
  const Case cases[] = {
      {"3 Comments", LineKind::kComments, 3},
      {"One reply", LineKind::kComments, 1},
      {"Two  responses", LineKind::kComments, 2},
      {"5 thoughts on \u201cThe review of Child J\u201d", LineKind::kComments, 5},
      {"No responses to Reading the reviews", LineKind::kComments, 0},
      {"12 comments on the draft guidance", LineKind::kComments, 12},
      {"Three reviews", LineKind::kContent, 0},
      {"Seven thoughts on safeguarding, and each of them is about the duty to share "
       "information between agencies before a child is harmed, not after.",
       LineKind::kContent, 0},
      {"The board published 3 comments on the review.", LineKind::kContent, 0},
  };
  for (const Case& c : cases) {
    LineInfo info = ClassifyLine(c.line);
    EXPECT_EQ(info.kind, c.kind) << c.line;
    EXPECT_EQ(info.count, c.count) << c.line;
  }
}

// ClassifyLine decides a long paragraph on the folding of its head; the
// rules must come out as on the whole line.
TEST(TextRulesTest, LongLinesAreClassifiedAsWhole) {
  std::string tail;
  while (tail.size() < 3000) tail += " and the review\u2019s findings were shared";
  struct Case {
    std::string line;
    LineKind kind;
  };
  const std::vector<Case> cases = {
      {"The review found" + tail, LineKind::kContent},
      {"Continue reading" + tail, LineKind::kMore},
      {"Posted in Reviews, Practice" + tail, LineKind::kCategories},
      {"Tagged safeguarding" + tail, LineKind::kTags},
      // The head is mostly white space: folded whole.
      {"Posted  in" + std::string(1500, ' ') + "Reviews" + tail, LineKind::kCategories},
      // Too few words in the head to decide on: folded whole.
      {"3" + std::string(1200, 'x') + " comments", LineKind::kContent},
      {std::string(600, 'a') + " " + std::string(600, 'b'), LineKind::kContent},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ClassifyLine(c.line).kind, c.kind) << c.line.substr(0, 40);
  }
  // The labels come from the whole line.
  LineInfo tags = ClassifyLine("Tags: review, practice" + tail);
  ASSERT_EQ(tags.kind, LineKind::kTags);
  ASSERT_FALSE(tags.labels.empty());
  EXPECT_EQ(tags.labels[0], "review");
  EXPECT_TRUE(absl::EndsWith(tags.labels.back(), "findings were shared"));
}

TEST(TextParserTest, NoTextIsInvalidArgument) {
  auto item = ParseTextPage("Advertisements\n\nShare this:\n");
  EXPECT_EQ(item.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TextParserTest, ContinueReadingMarksExcerpt) {
  auto item = ParseTextPage("Title here\n\nThe first words of a post.\n\nContinue reading →\n");
  ASSERT_TRUE(item.ok());
  ASSERT_EQ(item->posts.size(), 1u);
  EXPECT_TRUE(item->posts[0].excerpt);
  EXPECT_EQ(item->posts[0].paragraphs.size(), 1u);
}

// The project's seed document: a WordPress tag archive with two posts.
TEST(TextParserTest, SeedYieldsTwoPosts) {
  auto path = testing_util::SharedPath("seeds/000_43de76a84da1bddb.txt");
  if (!path) GTEST_SKIP() << "../shared/seeds is missing; the seed test needs it";
  auto item = ParseTextPage(testing_util::ReadFile(*path));
  ASSERT_TRUE(item.ok()) << item.status();
  ASSERT_EQ(item->posts.size(), 2u);
  const ParsedPost& a = item->posts[0];
  const ParsedPost& b = item->posts[1];
  EXPECT_EQ(a.title, "SCRs: to publish or not to publish?");
  EXPECT_EQ(b.title, "Serious case reviews are improving");
  EXPECT_EQ(a.tags, (std::vector<std::string>{"serious case reviews"}));
  EXPECT_EQ(b.tags, (std::vector<std::string>{"serious case reviews"}));
  EXPECT_EQ(a.categories, (std::vector<std::string>{"children's social work"}));
  EXPECT_EQ(b.categories, (std::vector<std::string>{"Uncategorized"}));
  EXPECT_EQ(a.comment_count, 1);
  EXPECT_EQ(b.comment_count, 1);
  EXPECT_TRUE(absl::StartsWith(a.paragraphs.front(), "In the fallout from the Edlington case"));
  EXPECT_TRUE(absl::EndsWith(b.paragraphs.back(), "We will have to wait and see."));
  for (const ParsedPost& p : item->posts) {
    for (const std::string& para : p.paragraphs) {
      for (const char* noise : {"Advertisements", "Filed under", "1 Comment", "Tag Archives"}) {
        EXPECT_FALSE(absl::StrContains(para, noise)) << noise << " in: " << para;
      }
    }
  }
}

}  // namespace
}  // namespace scr::ingest
