#include "search-service/search_core.h"

#include <gtest/gtest.h>

#include "tests/fake_index.h"

namespace scr::search {
namespace {

TEST(SearchCoreTest, RejectsPostsWithoutIdVersionOrText) {
  testing_util::FakeIndex index;
  SearchCore core(&index);
  v1::Post p;
  p.set_title("t");
  p.set_version(1);
  EXPECT_EQ(core.Upsert({p}).status().code(), absl::StatusCode::kInvalidArgument);
  p.set_id("u1");
  p.set_version(0);
  auto s = core.Upsert({p}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("posts[0] (u1)"), std::string::npos) << s;
  p.set_version(1);
  p.clear_title();
  EXPECT_EQ(core.Upsert({p}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(index.size(), 0u);
}

TEST(SearchCoreTest, RejectsBatchesOverTheLimit) {
  testing_util::FakeIndex index;
  SearchCore core(&index);
  std::vector<v1::Post> posts(SearchLimits::kMaxWriteBatch + 1);
  for (size_t i = 0; i < posts.size(); ++i) {
    posts[i].set_id("u" + std::to_string(i));
    posts[i].set_title("t");
    posts[i].set_version(1);
  }
  auto s = core.Upsert(posts).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("over the limit of 5000"), std::string::npos) << s;
  EXPECT_EQ(index.size(), 0u);
  posts.pop_back();
  EXPECT_TRUE(core.Upsert(posts).ok());
  EXPECT_EQ(index.size(), posts.size());
  std::vector<Deletion> deletions(SearchLimits::kMaxWriteBatch + 1, Deletion{"u1", 2});
  EXPECT_EQ(core.Delete(deletions).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SearchCoreTest, PassesValidWritesAndReadsThrough) {
  testing_util::FakeIndex index;
  SearchCore core(&index);
  v1::Post p;
  p.set_id("u1");
  p.set_title("Edlington review");
  p.set_version(1);
  ASSERT_TRUE(core.Upsert({p}).ok());
  SearchQuery q;
  q.text = "edlington";
  auto r = core.Search(q);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->results.hits.size(), 1u);
  EXPECT_GE(r->took_micros, 0);
  EXPECT_TRUE(core.GetPost("u1").ok());
  EXPECT_EQ(core.GetPost("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SearchCoreTest, ReportsIndexFailures) {
  testing_util::FakeIndex index;
  index.FailWritesWith(absl::UnavailableError("disk full"));
  SearchCore core(&index);
  v1::Post p;
  p.set_id("u1");
  p.set_title("t");
  p.set_version(1);
  EXPECT_EQ(core.Upsert({p}).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace scr::search
