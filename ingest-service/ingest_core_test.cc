#include "ingest-service/ingest_core.h"

#include <gtest/gtest.h>

#include "absl/synchronization/mutex.h"

namespace scr::ingest {
namespace {

// Records deliveries; can be told to fail.
class FakeSink : public PostSink {
 public:
  absl::StatusOr<std::vector<v1::WriteResult::Outcome>> Deliver(
      absl::Span<const v1::Post> posts) override {
    absl::MutexLock lock(&mu_);
    ++calls_;
    if (!error_.ok()) return error_;
    std::vector<v1::WriteResult::Outcome> out;
    for (const v1::Post& p : posts) {
      delivered_.push_back(p);
      out.push_back(v1::WriteResult::OUTCOME_CREATED);
    }
    return out;
  }
  absl::Status DeletePosts(absl::Span<const v1::PostDeletion> deletions) override {
    absl::MutexLock lock(&mu_);
    for (const auto& d : deletions) deleted_.push_back(d);
    return error_;
  }
  void Fail(absl::Status s) {
    absl::MutexLock lock(&mu_);
    error_ = std::move(s);
  }
  std::vector<v1::Post> delivered() {
    absl::MutexLock lock(&mu_);
    return delivered_;
  }
  std::vector<v1::PostDeletion> deleted() {
    absl::MutexLock lock(&mu_);
    return deleted_;
  }
  int calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  absl::Mutex mu_;
  std::vector<v1::Post> delivered_;
  std::vector<v1::PostDeletion> deleted_;
  absl::Status error_;
  int calls_ = 0;
};

RawItem TwoPostText() {
  RawItem item;
  item.content =
      "First title\n\nBody one.\n\n1 Comment\n\nFiled under a\n\nSecond title\n\nBody two.\n";
  item.content_type = "text/plain";
  return item;
}

TEST(IngestCoreTest, DeliversEveryPostWithIncreasingVersions) {
  FakeSink sink;
  absl::Time fixed = absl::FromUnixSeconds(1000);
  IngestCore core(Normalizer(), &sink, [&] { return fixed; });
  auto results = core.Ingest(TwoPostText());
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 2u);
  EXPECT_EQ((*results)[0].title(), "First title");
  EXPECT_EQ((*results)[0].outcome(), v1::PostResult::OUTCOME_ACCEPTED);
  auto again = core.Ingest(TwoPostText());
  ASSERT_TRUE(again.ok());
  EXPECT_GT((*again)[0].version(), (*results)[0].version()) << "versions must increase";
  EXPECT_EQ((*again)[0].post_id(), (*results)[0].post_id());
  EXPECT_EQ(sink.delivered().size(), 4u);
}

TEST(IngestCoreTest, SinkFailureIsReturnedAndNothingIsAcknowledged) {
  FakeSink sink;
  sink.Fail(absl::UnavailableError("search down"));
  IngestCore core(Normalizer(), &sink);
  auto results = core.Ingest(TwoPostText());
  EXPECT_EQ(results.status().code(), absl::StatusCode::kUnavailable);
}

// A batch's posts go to the sink in one call; each item still gets its own
// result, and an item that fails to normalize fails alone.
TEST(IngestCoreTest, BatchDeliversEveryItemsPostsInOneCall) {
  FakeSink sink;
  IngestCore core(Normalizer(), &sink);
  RawItem empty;
  empty.content = "Advertisements";  // boilerplate only: no post
  empty.content_type = "text/plain";
  RawItem single;
  single.content = "Third title\n\nBody three.\n";
  single.content_type = "text/plain";
  std::vector<RawItem> items = {TwoPostText(), empty, single};
  auto results = core.IngestBatch(items);
  ASSERT_EQ(results.size(), 3u);
  ASSERT_TRUE(results[0].ok()) << results[0].status();
  ASSERT_EQ(results[0]->size(), 2u);
  EXPECT_EQ((*results[0])[0].title(), "First title");
  EXPECT_EQ((*results[0])[1].title(), "Second title");
  EXPECT_EQ(results[1].status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(results[2].ok()) << results[2].status();
  ASSERT_EQ(results[2]->size(), 1u);
  EXPECT_EQ((*results[2])[0].title(), "Third title");
  EXPECT_EQ(sink.calls(), 1);
  std::vector<v1::Post> delivered = sink.delivered();
  ASSERT_EQ(delivered.size(), 3u);
  EXPECT_EQ(delivered[2].id(), (*results[2])[0].post_id());
  EXPECT_LT(delivered[0].version(), delivered[2].version());

  // When the sink fails, every item with posts gets its error; the others
  // keep their own.
  sink.Fail(absl::UnavailableError("disk full"));
  results = core.IngestBatch(items);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(results[1].status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(results[2].status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(core.IngestBatch({}).empty());
}

TEST(IngestCoreTest, NormalizeDeliversNothing) {
  FakeSink sink;
  IngestCore core(Normalizer(), &sink);
  auto out = core.Normalize(TwoPostText());
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->posts.size(), 2u);
  EXPECT_TRUE(sink.delivered().empty());
}

TEST(IngestCoreTest, DeleteByUrlMapsToTheUrlId) {
  FakeSink sink;
  IngestCore core(Normalizer(), &sink);
  RawItem item;
  item.content =
      "<html><head><link rel=canonical href='https://b.example/p/'></head><body>"
      "<article class='post'><h1 class='entry-title'>T</h1>"
      "<div class='entry-content'><p>Body</p></div></article></body></html>";
  item.content_type = "text/html";
  auto results = core.Ingest(item);
  ASSERT_TRUE(results.ok()) << results.status();
  auto id = core.Delete("", "https://B.example/p");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, (*results)[0].post_id());
  EXPECT_EQ(core.Delete("", "").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace scr::ingest
