#include "common/post_merge.h"

#include <gtest/gtest.h>

namespace scr::common {
namespace {

v1::Post Sighting(const std::string& url, const std::string& body, bool excerpt, int64_t version) {
  v1::Post p;
  p.set_id("u1");
  p.set_title("Title");
  p.set_body(body);
  p.set_body_is_excerpt(excerpt);
  p.add_source_urls(url);
  p.set_version(version);
  return p;
}

TEST(PostMergeTest, FullTextBeatsExcerptAndUrlsAreUnited) {
  v1::Post full = Sighting("https://b.example/p", "The whole text.", false, 1);
  full.add_categories("Policy");
  full.set_comment_count(2);
  v1::Post excerpt = Sighting("https://b.example/feed", "The whole", true, 2);
  excerpt.add_categories("policy");
  excerpt.add_tags("LSCB");
  excerpt.set_comment_count(5);
  v1::Post merged = MergePosts(full, excerpt);
  EXPECT_EQ(merged.body(), "The whole text.");
  EXPECT_FALSE(merged.body_is_excerpt());
  EXPECT_EQ(merged.version(), 2);
  ASSERT_EQ(merged.source_urls_size(), 2);
  EXPECT_EQ(merged.categories_size(), 1) << "categories are united case-insensitively";
  EXPECT_EQ(merged.tags(0), "LSCB");
  EXPECT_EQ(merged.comment_count(), 5);
}

TEST(PostMergeTest, FullTextReplacesExcerpt) {
  v1::Post excerpt = Sighting("https://b.example/feed", "The whole", true, 1);
  v1::Post full = Sighting("https://b.example/p", "The whole text.", false, 2);
  v1::Post merged = MergePosts(excerpt, full);
  EXPECT_EQ(merged.body(), "The whole text.");
  EXPECT_FALSE(merged.body_is_excerpt());
  EXPECT_EQ(merged.source_urls_size(), 2);
}

TEST(PostMergeTest, MergingTheSameSightingTwiceChangesNothing) {
  v1::Post a = Sighting("https://b.example/p", "Text.", false, 1);
  v1::Post once = MergePosts(a, a);
  v1::Post twice = MergePosts(once, a);
  EXPECT_EQ(once.SerializeAsString(), twice.SerializeAsString());
  EXPECT_EQ(once.source_urls_size(), 1);
}

TEST(PostMergeTest, Hamming) {
  EXPECT_EQ(HammingDistance(0, 0), 0);
  EXPECT_EQ(HammingDistance(0xF, 0), 4);
}

}  // namespace
}  // namespace scr::common
