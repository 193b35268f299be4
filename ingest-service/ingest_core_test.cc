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

 private:
  absl::Mutex mu_;
  std::vector<v1::Post> delivered_;
  std::vector<v1::PostDeletion> deleted_;
  absl::Status error_;
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
