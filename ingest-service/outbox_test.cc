#include "ingest-service/outbox.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "ingest-service/forwarder.h"
#include "tests/test_util.h"

namespace scr::ingest {
namespace {

OutboxEntry Upsert(const std::string& id) {
  OutboxEntry e;
  e.post.set_id(id);
  e.post.set_title("t " + id);
  e.post.set_version(1);
  return e;
}

OutboxEntry Deletion(const std::string& id) {
  OutboxEntry e;
  e.is_delete = true;
  e.deletion.set_id(id);
  e.deletion.set_version(2);
  return e;
}

// Records writes; fails as told.
class FakeWriter : public IndexWriter {
 public:
  absl::Status Upsert(absl::Span<const v1::Post> posts) override {
    absl::MutexLock lock(&mu_);
    if (hold_next_) {
      hold_next_ = false;
      holding_ = true;
      mu_.Await(absl::Condition(&released_));
      holding_ = released_ = false;
      if (!held_result_.ok()) return held_result_;
    }
    if (!next_error_.ok()) return TakeError();
    for (const auto& p : posts) {
      if (p.id() == reject_id_) return absl::InvalidArgumentError("posts[0] (" + p.id() + "): bad");
    }
    calls_.push_back("upsert:" + std::to_string(posts.size()));
    for (const auto& p : posts) written_.push_back(p.id());
    return absl::OkStatus();
  }
  absl::Status Delete(absl::Span<const v1::PostDeletion> deletions) override {
    absl::MutexLock lock(&mu_);
    if (!next_error_.ok()) return TakeError();
    calls_.push_back("delete:" + std::to_string(deletions.size()));
    for (const auto& d : deletions) written_.push_back("-" + d.id());
    return absl::OkStatus();
  }
  void FailNext(absl::Status s, int times) {
    absl::MutexLock lock(&mu_);
    next_error_ = std::move(s);
    fail_times_ = times;
  }
  // The next Upsert blocks until Release, then answers `result` (or goes
  // on as usual when it is OK).
  void HoldNext() {
    absl::MutexLock lock(&mu_);
    hold_next_ = true;
  }
  // Waits until the held call has arrived.
  void AwaitHeld() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&holding_));
  }
  void Release(absl::Status result) {
    absl::MutexLock lock(&mu_);
    held_result_ = std::move(result);
    released_ = true;
  }
  void Reject(const std::string& id) {
    absl::MutexLock lock(&mu_);
    reject_id_ = id;
  }
  std::vector<std::string> written() {
    absl::MutexLock lock(&mu_);
    return written_;
  }
  std::vector<std::string> calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  absl::Status TakeError() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    absl::Status s = next_error_;
    if (--fail_times_ <= 0) next_error_ = absl::OkStatus();
    return s;
  }
  absl::Mutex mu_;
  absl::Status next_error_ ABSL_GUARDED_BY(mu_);
  int fail_times_ ABSL_GUARDED_BY(mu_) = 0;
  std::string reject_id_ ABSL_GUARDED_BY(mu_);
  bool hold_next_ ABSL_GUARDED_BY(mu_) = false;
  bool holding_ ABSL_GUARDED_BY(mu_) = false;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status held_result_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> written_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> calls_ ABSL_GUARDED_BY(mu_);
};

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto box = Outbox::Open(dir_.path() + "/outbox.db");
    ASSERT_TRUE(box.ok()) << box.status();
    box_ = *std::move(box);
  }
  testing_util::TempDir dir_;
  std::unique_ptr<Outbox> box_;
};

TEST_F(OutboxTest, EntriesSurviveReopenInOrder) {
  ASSERT_TRUE(box_->Append({Upsert("a"), Upsert("b"), Deletion("a")}).ok());
  EXPECT_EQ(box_->size(), 3);
  box_.reset();
  auto reopened = Outbox::Open(dir_.path() + "/outbox.db");
  ASSERT_TRUE(reopened.ok());
  auto entries = (*reopened)->Peek(10);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].post.id(), "a");
  EXPECT_EQ((*entries)[1].post.id(), "b");
  EXPECT_TRUE((*entries)[2].is_delete);
  EXPECT_LT((*entries)[0].seq, (*entries)[1].seq);
}

TEST_F(OutboxTest, PeekLeavesOutSkippedEntriesWithoutCountingThem) {
  ASSERT_TRUE(box_->Append({Upsert("a"), Upsert("b"), Upsert("c"), Upsert("d")}).ok());
  auto all = box_->Peek(10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 4u);
  auto rest = box_->Peek(2, {(*all)[0].seq, (*all)[2].seq});
  ASSERT_TRUE(rest.ok()) << rest.status();
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[0].post.id(), "b");
  EXPECT_EQ((*rest)[1].post.id(), "d");
}

TEST_F(OutboxTest, PeekSkipsRunsWithHolesAndFillsTheLimitFromLaterEntries) {
  ASSERT_TRUE(box_->Append({Upsert("a"), Upsert("b"), Upsert("c"), Upsert("d"), Upsert("e"),
                            Upsert("f"), Upsert("g"), Upsert("h")})
                  .ok());
  auto all = box_->Peek(10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 8u);
  auto seq = [&](int i) { return (*all)[i].seq; };
  ASSERT_TRUE(box_->Remove({seq(2)}).ok());  // c: a hole inside the skipped run
  auto ids = [](const std::vector<OutboxEntry>& v) {
    std::vector<std::string> out;
    for (const OutboxEntry& e : v) out.push_back(e.post.id());
    return out;
  };
  auto rest = box_->Peek(2, {seq(0), seq(1), seq(3), seq(4), seq(7) + 1000});
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(ids(*rest), (std::vector<std::string>{"f", "g"}));
  auto gaps = box_->Peek(10, {seq(1), seq(5)});
  ASSERT_TRUE(gaps.ok()) << gaps.status();
  EXPECT_EQ(ids(*gaps), (std::vector<std::string>{"a", "d", "e", "g", "h"}));
}

TEST_F(OutboxTest, UnusableFileIsAClearError) {
  auto bad = Outbox::Open(dir_.path() + "/missing/dir/outbox.db");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "outbox")) << bad.status();
}

TEST_F(OutboxTest, ForwarderDeliversRunsInOrderAndEmptiesTheOutbox) {
  FakeWriter writer;
  Forwarder forwarder(box_.get(), &writer);
  ASSERT_TRUE(box_->Append({Upsert("a"), Upsert("b"), Deletion("a"), Upsert("c")}).ok());
  int delivered = 0;
  while (box_->size() > 0) {
    auto n = forwarder.RunOnce();
    ASSERT_TRUE(n.ok()) << n.status();
    delivered += *n;
  }
  EXPECT_EQ(delivered, 4);
  EXPECT_EQ(writer.written(), (std::vector<std::string>{"a", "b", "-a", "c"}));
  EXPECT_EQ(writer.calls(), (std::vector<std::string>{"upsert:2", "delete:1", "upsert:1"}));
}

TEST_F(OutboxTest, TransientFailuresKeepEntriesQueued) {
  FakeWriter writer;
  Forwarder forwarder(box_.get(), &writer);
  ASSERT_TRUE(box_->Append({Upsert("a")}).ok());
  writer.FailNext(absl::UnavailableError("search down"), 2);
  EXPECT_FALSE(forwarder.RunOnce().ok());
  EXPECT_FALSE(forwarder.RunOnce().ok());
  EXPECT_EQ(forwarder.consecutive_failures(), 2);
  EXPECT_EQ(box_->size(), 1);
  ASSERT_TRUE(forwarder.RunOnce().ok());
  EXPECT_EQ(box_->size(), 0);
  EXPECT_EQ(forwarder.consecutive_failures(), 0);
}

TEST_F(OutboxTest, PermanentRejectionDeadLettersOnlyTheBadWrite) {
  FakeWriter writer;
  writer.Reject("bad");
  Forwarder forwarder(box_.get(), &writer);
  ASSERT_TRUE(box_->Append({Upsert("a"), Upsert("bad"), Upsert("c")}).ok());
  auto n = forwarder.RunOnce();
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(box_->size(), 0);
  EXPECT_EQ(writer.written(), (std::vector<std::string>{"a", "c"}));
  auto dead = box_->ListDeadLetters(10);
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].post_id, "bad");
  EXPECT_TRUE(absl::StrContains((*dead)[0].error, "bad")) << (*dead)[0].error;

  writer.Reject("");
  auto moved = box_->RequeueDeadLetters({});
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(*moved, 1);
  ASSERT_TRUE(forwarder.RunOnce().ok());
  EXPECT_EQ(*box_->DeadLetterCount(), 0);
  EXPECT_EQ(writer.written().back(), "bad");
}

TEST_F(OutboxTest, SinkAnswersResourceExhaustedWithARetryHintWhenFull) {
  FakeWriter writer;
  Forwarder forwarder(box_.get(), &writer);
  OutboxSink sink(box_.get(), &forwarder, 2);
  v1::Post p;
  p.set_id("x");
  ASSERT_TRUE(sink.Deliver({p, p}).ok());
  auto full = sink.Deliver({p});
  EXPECT_EQ(full.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(full.status().GetPayload(kRetryAfterPayload).has_value());
  EXPECT_TRUE(absl::StrContains(full.status().message(), "limit 2")) << full.status();
  ASSERT_TRUE(forwarder.RunOnce().ok());
  EXPECT_TRUE(sink.Deliver({p}).ok()) << "room again once delivered";
}

// Two writes a batch; the first batch is held in flight by the writer.
class InFlightTest : public OutboxTest {
 protected:
  void SetUp() override {
    OutboxTest::SetUp();
    ForwarderOptions options;
    options.batch_size = 2;
    forwarder_ = std::make_unique<Forwarder>(box_.get(), &writer_, options);
  }
  void TearDown() override {
    if (held_.joinable()) {
      writer_.Release(absl::OkStatus());
      held_.join();
    }
  }

  // Appends upserts of `ids`, then starts RunOnce on a thread whose write
  // the writer holds; returns once it is held. Finish releases it.
  void AppendAndHoldFirstBatch(const std::vector<std::string>& ids) {
    std::vector<OutboxEntry> entries;
    for (const std::string& id : ids) entries.push_back(Upsert(id));
    ASSERT_TRUE(box_->Append(entries).ok());
    writer_.HoldNext();
    held_ = std::thread([this] { first_ = forwarder_->RunOnce(); });
    writer_.AwaitHeld();
  }

  // Lets the held write answer `result` and returns what its RunOnce did.
  absl::StatusOr<int> Finish(absl::Status result) {
    writer_.Release(std::move(result));
    held_.join();
    return first_;
  }

  FakeWriter writer_;
  std::unique_ptr<Forwarder> forwarder_;

 private:
  std::thread held_;
  absl::StatusOr<int> first_;
};

TEST_F(InFlightTest, ASecondBatchIsSentWhileTheFirstIsInFlight) {
  AppendAndHoldFirstBatch({"a", "b", "c", "d"});
  auto second = forwarder_->RunOnce();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, 2);
  EXPECT_EQ(writer_.written(), (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(forwarder_->RunOnce().value_or(-1), 0) << "a and b are in flight, nothing else waits";
  EXPECT_EQ(Finish(absl::OkStatus()).value_or(-1), 2);
  EXPECT_EQ(writer_.written(), (std::vector<std::string>{"c", "d", "a", "b"}));
  EXPECT_EQ(box_->size(), 0);
}

TEST_F(InFlightTest, ALaterWriteOfAPostInFlightWaitsForIt) {
  AppendAndHoldFirstBatch({"a", "b", "c", "a", "d"});
  // c goes; the second write of a, and d after it, wait for the first a.
  EXPECT_EQ(forwarder_->RunOnce().value_or(-1), 1);
  EXPECT_EQ(forwarder_->RunOnce().value_or(-1), 0);
  EXPECT_EQ(writer_.written(), (std::vector<std::string>{"c"}));
  EXPECT_EQ(Finish(absl::OkStatus()).value_or(-1), 2);
  EXPECT_EQ(forwarder_->RunOnce().value_or(-1), 2);
  EXPECT_EQ(writer_.written(), (std::vector<std::string>{"c", "a", "b", "a", "d"}));
  EXPECT_EQ(box_->size(), 0);
}

TEST_F(InFlightTest, ABatchThatFailsInFlightIsRetriedBeforeLaterOnes) {
  AppendAndHoldFirstBatch({"a", "b", "c", "d", "e"});
  EXPECT_EQ(forwarder_->RunOnce().value_or(-1), 2);  // c, d
  EXPECT_EQ(Finish(absl::UnavailableError("search restarting")).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(box_->size(), 3);
  // The oldest entries go first again: a and b, then e.
  EXPECT_EQ(forwarder_->RunOnce().value_or(-1), 2);
  EXPECT_EQ(forwarder_->RunOnce().value_or(-1), 1);
  EXPECT_EQ(writer_.written(), (std::vector<std::string>{"c", "d", "a", "b", "e"}));
}

TEST_F(OutboxTest, BackgroundThreadDrainsAfterNotify) {
  FakeWriter writer;
  ForwarderOptions options;
  options.idle_wait = absl::Seconds(30);
  Forwarder forwarder(box_.get(), &writer, options);
  forwarder.Start();
  OutboxSink sink(box_.get(), &forwarder, 100);
  v1::Post p;
  p.set_id("y");
  ASSERT_TRUE(sink.Deliver({p}).ok());
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (box_->size() > 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_EQ(box_->size(), 0) << "Notify must wake the forwarder well before idle_wait";
  forwarder.Stop();
}

}  // namespace
}  // namespace scr::ingest
