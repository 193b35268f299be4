#include "ingest-service/html_parser.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace scr::ingest {
namespace {

constexpr char kArchive[] = R"(<!DOCTYPE html>
<html lang="en-GB"><head><title>ofsted | My Blog</title>
<link rel="canonical" href="https://blog.example.org/tag/ofsted/"></head>
<body class="archive tag">
<header><h1 class="site-title">My Blog</h1><nav>Home About</nav></header>
<h1 class="page-title">Tag Archives: <span>ofsted</span></h1>
<article class="post type-post hentry">
  <h2 class="entry-title"><a href="https://blog.example.org/2010/04/grades/" rel="bookmark">Grades &amp; reviews</a></h2>
  <div class="entry-meta">Posted on <time class="entry-date" datetime="2010-04-05T10:00:00+01:00">April 5, 2010</time> by <span class="author vcard"><a class="url fn n" href="/author/jo/">Jo</a></span></div>
  <div class="entry-content"><p>First &ldquo;paragraph&rdquo; of text.</p><p>Second one.</p>
    <div class="sharedaddy"><h3>Share this:</h3><a>Twitter</a></div>
    <div id="jp-relatedposts" class="jp-relatedposts"><h3>Related</h3></div>
  </div>
  <footer class="entry-footer"><span class="cat-links"><a href="/c/p/" rel="category tag">policy</a></span>
  <span class="tags-links"><a href="/t/lscb/" rel="tag">LSCB</a></span>
  <span class="comments-link"><a href="#comments">2 Comments</a></span></footer>
</article>
<article class="post type-post hentry">
  <h2 class="entry-title"><a href="/2010/05/other/" rel="bookmark">Other post</a></h2>
  <div class="entry-summary"><p>Only an excerpt. <a class="more-link" href="/2010/05/other/">Continue reading</a></p></div>
</article>
<div class="navigation">Older posts</div>
<script>var x = "<p>not text</p>";</script>
</body></html>)";

TEST(HtmlParserTest, WordPressArchive) {
  auto item = ParseHtmlPage(kArchive);
  ASSERT_TRUE(item.ok()) << item.status();
  EXPECT_EQ(item->language, "en-gb");
  EXPECT_EQ(item->canonical_url, "https://blog.example.org/tag/ofsted/");
  ASSERT_EQ(item->posts.size(), 2u);
  const ParsedPost& a = item->posts[0];
  EXPECT_EQ(a.title, "Grades & reviews");
  EXPECT_EQ(a.permalink, "https://blog.example.org/2010/04/grades/");
  ASSERT_EQ(a.paragraphs.size(), 2u);
  EXPECT_EQ(a.paragraphs[0], "First \xE2\x80\x9Cparagraph\xE2\x80\x9D of text.");
  EXPECT_EQ(a.author, "Jo");
  ASSERT_TRUE(a.published.has_value());
  EXPECT_EQ(absl::FormatTime("%Y-%m-%dT%H:%M", *a.published, absl::UTCTimeZone()),
            "2010-04-05T09:00");
  EXPECT_EQ(a.categories, (std::vector<std::string>{"policy"}));
  EXPECT_EQ(a.tags, (std::vector<std::string>{"LSCB", "ofsted"}));
  EXPECT_EQ(a.comment_count, 2);
  EXPECT_FALSE(a.excerpt);
  const ParsedPost& b = item->posts[1];
  EXPECT_TRUE(b.excerpt);
  EXPECT_EQ(b.paragraphs, (std::vector<std::string>{"Only an excerpt."}));
}

TEST(HtmlParserTest, ReadableFallback) {
  auto item = ParseHtmlPage(R"(<html><head><title>A news story - Example News</title>
    <meta property="article:published_time" content="2012-01-02T03:04:05Z">
    <meta name="author" content="A Reporter"></head><body>
    <div class="menu"><p>Home</p></div>
    <div class="story"><h1>A news story</h1>
      <p>The first paragraph of the story is long enough to count.</p>
      <p>The second paragraph of the story is also long enough.</p></div>
    <footer><p>Copyright notice that is long enough to be a paragraph.</p></footer>
    </body></html>)");
  ASSERT_TRUE(item.ok()) << item.status();
  ASSERT_EQ(item->posts.size(), 1u);
  EXPECT_EQ(item->posts[0].title, "A news story");
  EXPECT_EQ(item->posts[0].author, "A Reporter");
  EXPECT_EQ(item->posts[0].paragraphs.size(), 2u);
  ASSERT_TRUE(item->posts[0].published.has_value());
}

TEST(HtmlParserTest, TooDeepIsResourceExhausted) {
  std::string html = "<html><body>";
  for (int i = 0; i < 400; ++i) html += "<div>";
  html += "<p>deep text here</p></body></html>";
  HtmlLimits limits;
  limits.max_depth = 100;
  auto item = ParseHtmlPage(html, limits);
  EXPECT_EQ(item.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(absl::StrContains(item.status().message(), "100")) << item.status();
}

TEST(HtmlParserTest, NoTextIsInvalidArgument) {
  EXPECT_EQ(ParseHtmlPage("<html><body><script>x</script></body></html>").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace scr::ingest
