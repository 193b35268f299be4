// Delivery from the outbox to the search service.
//
//   IndexWriter  one attempt of an IndexService write (gRPC; fakes in tests)
//   OutboxSink   PostSink that accepts posts into the outbox, with backpressure
//   Forwarder    background thread draining the outbox in batches with
//                retries, exponential backoff with jitter, and dead letters
#ifndef SCR_INGEST_FORWARDER_H_
#define SCR_INGEST_FORWARDER_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ingest-service/outbox.h"
#include "ingest-service/post_sink.h"
#include "scr/v1/index.grpc.pb.h"

namespace scr::ingest {

// One attempt of a write to the index; no retries. Thread-safe.
class IndexWriter {
 public:
  virtual ~IndexWriter() = default;
  // OK means the search service committed the writes durably.
  virtual absl::Status Upsert(absl::Span<const v1::Post> posts) = 0;
  virtual absl::Status Delete(absl::Span<const v1::PostDeletion> deletions) = 0;
};

// IndexWriter over gRPC to a search service.
class GrpcIndexWriter : public IndexWriter {
 public:
  GrpcIndexWriter(const std::string& target, absl::Duration timeout);
  absl::Status Upsert(absl::Span<const v1::Post> posts) override;
  absl::Status Delete(absl::Span<const v1::PostDeletion> deletions) override;

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::IndexService::Stub> stub_;
  absl::Duration timeout_;
};

struct ForwarderOptions {
  // Most writes sent in one IndexService call (the service takes up to
  // 1000). Large batches make large Xapian commits, which index faster.
  int batch_size = 1000;
  // Most serialized bytes in one call (the channel's limit is 40 MiB); the
  // first write always goes, however large.
  size_t max_batch_bytes = 8 << 20;
  // Backoff after a failed attempt: full jitter over [0, min(max, min*2^n)].
  absl::Duration min_backoff = absl::Milliseconds(50);
  absl::Duration max_backoff = absl::Seconds(5);
  // Longest sleep when the outbox is empty (Notify wakes it sooner).
  absl::Duration idle_wait = absl::Milliseconds(500);
};

class Forwarder {
 public:
  // `outbox` and `writer` must outlive the forwarder.
  Forwarder(Outbox* outbox, IndexWriter* writer, ForwarderOptions options = {});
  ~Forwarder();

  // Starts the background thread.
  void Start();

  // Wakes the thread: new entries were appended.
  void Notify();

  // Stops after the batch in flight; undelivered entries stay in the outbox.
  void Stop();

  // Delivers one batch. Returns how many entries left the outbox (delivered
  // or dead-lettered); an error when the batch could not be delivered (it
  // stays queued). Used by the thread, and by tests directly.
  absl::StatusOr<int> RunOnce();

  // The last delivery error, or OK once a delivery succeeded since.
  absl::Status last_error() const;

  // Consecutive failed attempts (0 when the last attempt succeeded).
  int consecutive_failures() const { return failures_.load(); }

 private:
  void Loop();
  // Sends the entries one by one, dead-lettering permanent rejections.
  absl::StatusOr<int> DeliverSingly(const std::vector<OutboxEntry>& run);
  absl::Status Send(const std::vector<OutboxEntry>& run);

  Outbox* outbox_;
  IndexWriter* writer_;
  ForwarderOptions options_;
  std::thread thread_;
  mutable absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool notified_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status last_error_ ABSL_GUARDED_BY(mu_);
  std::atomic<int> failures_{0};
  std::mt19937_64 rng_{std::random_device{}()};
};

// PostSink that appends to the outbox and wakes the forwarder. Answers
// RESOURCE_EXHAUSTED with a retry hint (payload "retry-after-ms") when the
// outbox holds `limit` entries or more.
class OutboxSink : public PostSink {
 public:
  OutboxSink(Outbox* outbox, Forwarder* forwarder, int64_t limit)
      : outbox_(outbox), forwarder_(forwarder), limit_(limit) {}

  absl::StatusOr<std::vector<v1::WriteResult::Outcome>> Deliver(
      absl::Span<const v1::Post> posts) override;
  absl::Status DeletePosts(absl::Span<const v1::PostDeletion> deletions) override;

 private:
  absl::Status CheckRoom(size_t adding) const;

  Outbox* outbox_;
  Forwarder* forwarder_;
  int64_t limit_;
};

// The retry hint payload key on RESOURCE_EXHAUSTED statuses.
inline constexpr char kRetryAfterPayload[] = "retry-after-ms";

}  // namespace scr::ingest

#endif  // SCR_INGEST_FORWARDER_H_
