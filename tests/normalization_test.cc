// Cross-format normalization checks on the shared data: the seed in every
// form a crawler might send it, and the WordPress WXR exports.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "ingest-service/normalizer.h"
#include "ingest-service/text_parser.h"
#include "search-service/xapian_index.h"
#include "tests/test_util.h"

namespace scr {
namespace {

constexpr char kSite[] = "https://seed-blog.example.org";

std::string Escape(const std::string& s) {
  return absl::StrReplaceAll(s, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

std::string Permalink(int i) { return absl::StrCat(kSite, "/2010/0", i + 1, "/post-", i + 1, "/"); }

std::string ArticleHtml(const ingest::ParsedPost& p, int i) {
  std::string html = absl::StrCat(
      "<article class=\"post type-post hentry\"><h2 class=\"entry-title\"><a href=\"", Permalink(i),
      "\" rel=\"bookmark\">", Escape(p.title), "</a></h2>", "<div class=\"entry-content\">");
  for (const auto& para : p.paragraphs) absl::StrAppend(&html, "<p>", Escape(para), "</p>");
  absl::StrAppend(&html,
                  "<div class=\"sharedaddy\"><h3>Share this:</h3></div></div>"
                  "<footer class=\"entry-footer\"><span class=\"cat-links\">Filed under <a "
                  "rel=\"category tag\" href=\"/c/\">",
                  Escape(p.categories.empty() ? "" : p.categories[0]),
                  "</a></span><span class=\"comments-link\"><a href=\"#\">1 Comment</a></span>"
                  "</footer></article>");
  return html;
}

class SeedFormsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto seed = testing_util::SharedPath("seeds/000_43de76a84da1bddb.txt");
    if (!seed) GTEST_SKIP() << "../shared/seeds is missing; this test needs the seed";
    auto parsed = ingest::ParseTextPage(testing_util::ReadFile(*seed));
    ASSERT_TRUE(parsed.ok());
    ASSERT_EQ(parsed->posts.size(), 2u);
    posts_ = parsed->posts;
  }

  // The seed's posts as an HTML tag archive, an RSS feed and two single pages.
  std::vector<ingest::RawItem> Forms() {
    std::vector<ingest::RawItem> items;
    ingest::RawItem archive;
    archive.content =
        "<html><head><title>serious case reviews</title></head><body>"
        "<h1 class=\"page-title\">Tag Archives: <span>serious case reviews</span></h1>";
    for (int i = 0; i < 2; ++i) absl::StrAppend(&archive.content, ArticleHtml(posts_[i], i));
    absl::StrAppend(&archive.content, "<div class=\"navigation\">Older posts</div></body></html>");
    archive.content_type = "text/html";
    archive.source_url = absl::StrCat(kSite, "/tag/serious-case-reviews/");
    items.push_back(archive);

    ingest::RawItem feed;
    feed.content =
        "<?xml version=\"1.0\"?><rss version=\"2.0\" "
        "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel>";
    for (int i = 0; i < 2; ++i) {
      std::string body;
      for (const auto& para : posts_[i].paragraphs) absl::StrAppend(&body, "<p>", para, "</p>");
      absl::StrAppend(&feed.content, "<item><title>", Escape(posts_[i].title), "</title><link>",
                      Permalink(i), "</link><category>serious case reviews</category>",
                      "<content:encoded><![CDATA[", body, "]]></content:encoded></item>");
    }
    absl::StrAppend(&feed.content, "</channel></rss>");
    feed.content_type = "application/rss+xml";
    feed.source_url = absl::StrCat(kSite, "/feed/");
    items.push_back(feed);

    for (int i = 0; i < 2; ++i) {
      ingest::RawItem page;
      page.content = absl::StrCat("<html><head><link rel=\"canonical\" href=\"", Permalink(i),
                                  "\"></head><body>", ArticleHtml(posts_[i], i),
                                  "<div id=\"comments\" class=\"comments-area\"><p>A reader's "
                                  "comment that is not part of the post.</p></div></body></html>");
      page.content_type = "text/html";
      page.source_url = Permalink(i) + "?utm_source=twitter";
      items.push_back(page);
    }
    return items;
  }

  std::vector<ingest::ParsedPost> posts_;
};

TEST_F(SeedFormsTest, EveryFormYieldsTheSameTwoIdsAndTheIndexMergesThem) {
  std::vector<ingest::RawItem> forms = Forms();
  ingest::Normalizer normalizer;
  std::set<std::string> ids;
  std::map<std::string, std::vector<v1::Post>> by_form;
  for (size_t f = 0; f < forms.size(); ++f) {
    auto out = normalizer.Normalize(forms[f], 1);
    ASSERT_TRUE(out.ok()) << "form " << f << ": " << out.status();
    for (const v1::Post& p : out->posts) {
      ids.insert(p.id());
      EXPECT_FALSE(absl::StrContains(p.body(), "Share this")) << p.body();
      EXPECT_FALSE(absl::StrContains(p.body(), "reader's comment")) << p.body();
    }
  }
  EXPECT_EQ(ids.size(), 2u) << "archive, feed and single pages must agree on ids";

  // Ingest in several orders: always two documents, each with every URL.
  std::mt19937 rng(7);
  for (int round = 0; round < 4; ++round) {
    std::shuffle(forms.begin(), forms.end(), rng);
    testing_util::TempDir dir;
    auto index = search::XapianIndex::Open(dir.path() + "/index");
    ASSERT_TRUE(index.ok());
    int64_t version = 1;
    for (const auto& form : forms) {
      auto out = normalizer.Normalize(form, version++);
      ASSERT_TRUE(out.ok());
      ASSERT_TRUE((*index)->Upsert(out->posts).ok());
    }
    EXPECT_EQ((*index)->Stats()->document_count, 2);
    for (const std::string& id : ids) {
      auto post = (*index)->GetPost(id);
      ASSERT_TRUE(post.ok());
      std::set<std::string> urls(post->source_urls().begin(), post->source_urls().end());
      // The permalink, the archive and the feed; the single page's URL, once its
      // tracking parameter is dropped, is the permalink.
      EXPECT_EQ(urls.size(), 3u);
      EXPECT_TRUE(urls.count(absl::StrCat(kSite, "/tag/serious-case-reviews"))) << *urls.begin();
      EXPECT_TRUE(std::count(post->tags().begin(), post->tags().end(), "serious case reviews") ==
                  1);
      EXPECT_EQ(post->comment_count(), 1);
    }
  }
}

// Counts published items of type post in a WXR file by scanning its text:
// an oracle independent of the parser under test.
int CountPublishedPosts(const std::string& xml) {
  int n = 0;
  std::vector<std::string> items = absl::StrSplit(xml, "<item>");
  for (size_t i = 1; i < items.size(); ++i) {
    const std::string& item = items[i];
    bool post = absl::StrContains(item, "<wp:post_type><![CDATA[post]]></wp:post_type>") ||
                absl::StrContains(item, "<wp:post_type>post</wp:post_type>");
    bool publish = absl::StrContains(item, "<wp:status><![CDATA[publish]]></wp:status>") ||
                   absl::StrContains(item, "<wp:status>publish</wp:status>");
    if (post && publish) ++n;
  }
  return n;
}

TEST(WxrTest, EachExportYieldsItsPublishedPostsWithLabels) {
  auto dir = testing_util::SharedPath("data/wordpress");
  if (!dir) GTEST_SKIP() << "../shared/data/wordpress is missing; this test needs it";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(*dir)) {
    if (entry.path().extension() != ".xml") continue;
    ++files;
    ingest::RawItem item;
    item.content = testing_util::ReadFile(entry.path().string());
    item.content_type = "application/xml";
    auto out = ingest::Normalizer().Normalize(item, 1);
    ASSERT_TRUE(out.ok()) << entry.path() << ": " << out.status();
    EXPECT_EQ(out->format, "wxr");
    int expected = CountPublishedPosts(item.content);
    EXPECT_GT(expected, 0);
    EXPECT_EQ(static_cast<int>(out->posts.size()), expected) << entry.path();
    int with_categories = 0, with_tags = 0;
    std::set<std::string> ids;
    for (const v1::Post& p : out->posts) {
      with_categories += p.categories_size() > 0;
      with_tags += p.tags_size() > 0;
      ids.insert(p.id());
    }
    EXPECT_EQ(ids.size(), out->posts.size()) << "ids are unique within an export";
    EXPECT_GT(with_categories, 0);
    EXPECT_GT(with_tags, 0);
  }
  EXPECT_GT(files, 0);
}

}  // namespace
}  // namespace scr
