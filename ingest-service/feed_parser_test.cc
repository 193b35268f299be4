#include "ingest-service/feed_parser.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace scr::ingest {
namespace {

TEST(FeedParserTest, Rss) {
  auto item = ParseFeed(R"(<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:slash="http://purl.org/rss/1.0/modules/slash/">
<channel><title>Blog</title><language>en-GB</language>
<item><title>Post one</title><link>https://blog.example.org/one/</link>
<pubDate>Mon, 05 Apr 2010 10:00:00 +0000</pubDate><dc:creator>jo</dc:creator>
<category>policy</category><slash:comments>4</slash:comments>
<description>Short summary</description>
<content:encoded><![CDATA[<p>Full text one.</p><p>Full text two.</p>]]></content:encoded></item>
<item><title>Post two</title><link>https://blog.example.org/two/</link>
<description><![CDATA[Summary only [&#8230;]]]></description></item>
</channel></rss>)");
  ASSERT_TRUE(item.ok()) << item.status();
  EXPECT_EQ(item->format, "rss");
  EXPECT_EQ(item->language, "en-gb");
  ASSERT_EQ(item->posts.size(), 2u);
  EXPECT_EQ(item->posts[0].title, "Post one");
  EXPECT_EQ(item->posts[0].paragraphs.size(), 2u);
  EXPECT_EQ(item->posts[0].comment_count, 4);
  EXPECT_EQ(item->posts[0].categories, (std::vector<std::string>{"policy"}));
  EXPECT_FALSE(item->posts[0].excerpt);
  EXPECT_TRUE(item->posts[1].excerpt);
}

TEST(FeedParserTest, WxrSkipsPagesDraftsAndSplitsTerms) {
  auto item = ParseFeed(R"(<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:wp="http://wordpress.org/export/1.2/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><wp:author><wp:author_login>jo</wp:author_login><wp:author_display_name>Jo Bloggs</wp:author_display_name></wp:author>
<item><title>Published</title><link>https://b.example/p/</link><dc:creator>jo</dc:creator>
<content:encoded><![CDATA[Body text.]]></content:encoded>
<wp:post_date_gmt>2011-02-03 04:05:06</wp:post_date_gmt>
<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
<category domain="category" nicename="c"><![CDATA[Cat A]]></category>
<category domain="post_tag" nicename="t"><![CDATA[Tag B]]></category>
<wp:comment><wp:comment_approved>1</wp:comment_approved></wp:comment>
<wp:comment><wp:comment_approved>0</wp:comment_approved></wp:comment></item>
<item><title>Draft</title><wp:status>draft</wp:status><wp:post_type>post</wp:post_type>
<content:encoded>x</content:encoded></item>
<item><title>A page</title><wp:status>publish</wp:status><wp:post_type>page</wp:post_type>
<content:encoded>x</content:encoded></item>
</channel></rss>)");
  ASSERT_TRUE(item.ok()) << item.status();
  EXPECT_EQ(item->format, "wxr");
  ASSERT_EQ(item->posts.size(), 1u);
  const ParsedPost& p = item->posts[0];
  EXPECT_EQ(p.title, "Published");
  EXPECT_EQ(p.author, "Jo Bloggs");
  EXPECT_EQ(p.categories, (std::vector<std::string>{"Cat A"}));
  EXPECT_EQ(p.tags, (std::vector<std::string>{"Tag B"}));
  EXPECT_EQ(p.comment_count, 1);
  ASSERT_TRUE(p.published.has_value());
}

TEST(FeedParserTest, Atom) {
  auto item = ParseFeed(R"(<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>B</title>
<entry><title>Atom post</title><link rel="alternate" href="https://a.example/x"/>
<published>2012-03-04T05:06:07Z</published><author><name>Al</name></author>
<category term="t1"/><content type="html">&lt;p&gt;Hello atom.&lt;/p&gt;</content></entry></feed>)");
  ASSERT_TRUE(item.ok()) << item.status();
  EXPECT_EQ(item->format, "atom");
  ASSERT_EQ(item->posts.size(), 1u);
  EXPECT_EQ(item->posts[0].paragraphs, (std::vector<std::string>{"Hello atom."}));
  EXPECT_EQ(item->posts[0].author, "Al");
}

TEST(FeedParserTest, MalformedXmlNamesLine) {
  auto item = ParseFeed("<?xml version=\"1.0\"?>\n<rss>\n<channel>\n<item></channel></rss>");
  EXPECT_EQ(item.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(item.status().message(), "line")) << item.status();
}

TEST(FeedParserTest, EntityBombIsNotExpanded) {
  std::string bomb = R"(<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]>
<rss><channel><item><title>t</title><description>&e;&e;&e;&e;</description></item></channel></rss>)";
  auto item = ParseFeed(bomb);
  // Either rejected or parsed without expansion; never a huge body.
  if (item.ok()) {
    for (const auto& p : item->posts) {
      size_t total = 0;
      for (const auto& para : p.paragraphs) total += para.size();
      EXPECT_LT(total, 100000u);
    }
  }
}

}  // namespace
}  // namespace scr::ingest
