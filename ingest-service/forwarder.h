// Delivery from the outbox to the search service.
//
//   IndexWriter  one attempt of an IndexService write (gRPC; fakes in tests)
//   OutboxSink   PostSink that accepts posts into the outbox, with backpressure
//   Forwarder    background threads draining the outbox in batches, a few
//                in flight at once, with retries, exponential backoff with
//                jitter, and dead letters
#ifndef SCR_INGEST_FORWARDER_H_
#define SCR_INGEST_FORWARDER_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
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
  // 5000). Large batches make large Xapian commits, which index faster on
  // big indexes: 4000 is about 2000 a shard, the raw baseline's interval.
  int batch_size = 4000;
  // Most serialized bytes in one call (the channel's limit is 40 MiB); the
  // first write always goes, however large. With max_in_flight, bounds the
  // memory delivery holds.
  size_t max_batch_bytes = 16 << 20;
  // Backoff after a failed attempt: full jitter over [0, min(max, min*2^n)].
  absl::Duration min_backoff = absl::Milliseconds(50);
  absl::Duration max_backoff = absl::Seconds(5);
  // Longest sleep when the outbox is empty (Notify wakes it sooner).
  absl::Duration idle_wait = absl::Milliseconds(500);
  // Batches outstanding at once, each sent by its own thread. While one
  // batch commits on the search service, the next is already queued there,
  // so the shard writers do not wait for a round trip between commits.
  int max_in_flight = 2;
};

// Writes to one post reach the index in the order they were accepted: a
// batch is always the oldest entries not in flight, and it ends before any
// entry whose post id is in a batch in flight. Entries of different posts
// may commit out of order (a failed batch is retried after a later one).
class Forwarder {
 public:
  // `outbox` and `writer` must outlive the forwarder.
  Forwarder(Outbox* outbox, IndexWriter* writer, ForwarderOptions options = {});
  ~Forwarder();

  // Starts the background threads (options.max_in_flight of them).
  void Start();

  // Wakes the threads: new entries were appended.
  void Notify();

  // Stops after the batches in flight; undelivered entries stay in the outbox.
  void Stop();

  // Delivers one batch: claims the oldest entries not in flight, sends them
  // and removes them. Returns how many entries left the outbox (delivered or
  // dead-lettered), 0 when there is nothing to claim (an empty outbox, or
  // the next entry's post is in flight); an error when the batch could not
  // be delivered (it stays queued). Thread-safe: used by the threads, and by
  // tests directly.
  absl::StatusOr<int> RunOnce();

  // The last delivery error, or OK once a delivery succeeded since.
  absl::Status last_error() const;

  // Consecutive failed attempts (0 when the last attempt succeeded).
  int consecutive_failures() const { return failures_.load(); }

 private:
  void Loop();
  // The next batch, recorded as in flight; empty when there is none.
  absl::StatusOr<std::vector<OutboxEntry>> Claim();
  // Ends the claim of `run` (after it left the outbox or failed).
  void Release(const std::vector<OutboxEntry>& run);
  // Sends the entries one by one, dead-lettering permanent rejections.
  absl::StatusOr<int> DeliverSingly(const std::vector<OutboxEntry>& run);
  // Sends `run` as one call; its posts are moved out for the call and back.
  absl::Status Send(std::vector<OutboxEntry>& run);

  Outbox* outbox_;
  IndexWriter* writer_;
  ForwarderOptions options_;
  std::vector<std::thread> threads_;
  // Held while claiming, so two claims never peek the same entries.
  absl::Mutex claim_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  // Bumped by Notify and Release; threads wait for it to change.
  uint64_t wakeups_ ABSL_GUARDED_BY(mu_) = 0;
  // Outbox seqs and post ids (with counts) of the batches in flight.
  absl::flat_hash_set<int64_t> claimed_seqs_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int> claimed_ids_ ABSL_GUARDED_BY(mu_);
  // After a failure no thread sends before retry_at_.
  absl::Time retry_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Duration backoff_ ABSL_GUARDED_BY(mu_);
  absl::Status last_error_ ABSL_GUARDED_BY(mu_);
  std::atomic<int> failures_{0};
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_){std::random_device{}()};
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
