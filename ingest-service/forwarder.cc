#include "ingest-service/forwarder.h"

#include <algorithm>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "common/status.h"

namespace scr::ingest {
namespace {

// Codes after which resending the same write cannot succeed.
bool Permanent(const absl::Status& s) {
  return s.code() == absl::StatusCode::kInvalidArgument ||
         s.code() == absl::StatusCode::kOutOfRange;
}

constexpr int kRetryAfterMs = 1000;

// The post an entry writes.
const std::string& PostId(const OutboxEntry& e) {
  return e.is_delete ? e.deletion.id() : e.post.id();
}

}  // namespace

GrpcIndexWriter::GrpcIndexWriter(const std::string& target, absl::Duration timeout)
    : timeout_(timeout) {
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(64 << 20);
  // Reconnect quickly after the search service restarts.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  channel_ = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  stub_ = v1::IndexService::NewStub(channel_);
}

absl::Status GrpcIndexWriter::Upsert(absl::Span<const v1::Post> posts) {
  v1::UpsertPostsRequest request;
  for (const v1::Post& p : posts) *request.add_posts() = p;
  v1::UpsertPostsResponse response;
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  absl::Status s = common::FromGrpcStatus(stub_->Upsert(&ctx, request, &response));
  if (!s.ok()) return absl::Status(s.code(), absl::StrCat("search service: ", s.message()));
  return absl::OkStatus();
}

absl::Status GrpcIndexWriter::Delete(absl::Span<const v1::PostDeletion> deletions) {
  v1::DeletePostsRequest request;
  for (const v1::PostDeletion& d : deletions) *request.add_deletions() = d;
  v1::DeletePostsResponse response;
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  absl::Status s = common::FromGrpcStatus(stub_->Delete(&ctx, request, &response));
  if (!s.ok()) return absl::Status(s.code(), absl::StrCat("search service: ", s.message()));
  return absl::OkStatus();
}

Forwarder::Forwarder(Outbox* outbox, IndexWriter* writer, ForwarderOptions options)
    : outbox_(outbox), writer_(writer), options_(options), backoff_(options.min_backoff) {}

Forwarder::~Forwarder() { Stop(); }

void Forwarder::Start() {
  for (int i = 0; i < std::max(1, options_.max_in_flight); ++i) {
    threads_.emplace_back([this] { Loop(); });
  }
}

void Forwarder::Notify() {
  absl::MutexLock lock(&mu_);
  ++wakeups_;
}

void Forwarder::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

absl::Status Forwarder::last_error() const {
  absl::MutexLock lock(&mu_);
  return last_error_;
}

absl::Status Forwarder::Send(std::vector<OutboxEntry>& run) {
  if (run.front().is_delete) {
    std::vector<v1::PostDeletion> deletions;
    for (const OutboxEntry& e : run) deletions.push_back(e.deletion);
    return writer_->Delete(deletions);
  }
  // The posts are lent to the call, not copied, and given back after it.
  std::vector<v1::Post> posts;
  posts.reserve(run.size());
  for (OutboxEntry& e : run) posts.push_back(std::move(e.post));
  absl::Status s = writer_->Upsert(posts);
  for (size_t i = 0; i < run.size(); ++i) run[i].post = std::move(posts[i]);
  return s;
}

absl::StatusOr<int> Forwarder::DeliverSingly(const std::vector<OutboxEntry>& run) {
  int done = 0;
  for (const OutboxEntry& e : run) {
    std::vector<OutboxEntry> one = {e};
    absl::Status s = Send(one);
    if (s.ok()) {
      if (auto r = outbox_->Remove({e.seq}); !r.ok()) return r;
    } else if (Permanent(s)) {
      SCR_LOG(WARNING) << "dead letter: outbox entry " << e.seq << " (" << PostId(e)
                       << ") was rejected: " << s.message();
      if (auto r = outbox_->MoveToDeadLetters(e.seq, std::string(s.message())); !r.ok()) return r;
    } else {
      return s;
    }
    ++done;
  }
  return done;
}

absl::StatusOr<std::vector<OutboxEntry>> Forwarder::Claim() {
  absl::MutexLock claim_lock(&claim_mu_);
  // A snapshot taken before peeking: an entry removed after it is either
  // not peeked or skipped as claimed, so nothing is sent twice.
  absl::flat_hash_set<int64_t> seqs;
  absl::flat_hash_map<std::string, int> ids;
  {
    absl::MutexLock lock(&mu_);
    seqs = claimed_seqs_;
    ids = claimed_ids_;
  }
  auto entries = outbox_->Peek(options_.batch_size, seqs);
  if (!entries.ok()) return entries.status();
  std::vector<OutboxEntry> run;
  size_t bytes = 0;
  for (OutboxEntry& e : *entries) {
    // A run of one kind keeps upserts and deletes in order.
    if (!run.empty() && e.is_delete != run.front().is_delete) break;
    // Later writes of a post in flight wait for it.
    if (ids.contains(PostId(e))) break;
    bytes += e.is_delete ? e.deletion.ByteSizeLong() : e.post.ByteSizeLong();
    if (!run.empty() && bytes > options_.max_batch_bytes) break;
    run.push_back(std::move(e));
  }
  absl::MutexLock lock(&mu_);
  for (const OutboxEntry& e : run) {
    claimed_seqs_.insert(e.seq);
    ++claimed_ids_[PostId(e)];
  }
  return run;
}

void Forwarder::Release(const std::vector<OutboxEntry>& run) {
  absl::MutexLock lock(&mu_);
  for (const OutboxEntry& e : run) {
    claimed_seqs_.erase(e.seq);
    auto it = claimed_ids_.find(PostId(e));
    if (--it->second == 0) claimed_ids_.erase(it);
  }
  ++wakeups_;
}

absl::StatusOr<int> Forwarder::RunOnce() {
  auto claimed = Claim();
  if (!claimed.ok()) return claimed.status();
  std::vector<OutboxEntry>& run = *claimed;
  if (run.empty()) return 0;
  std::vector<int64_t> seqs;
  for (const OutboxEntry& e : run) seqs.push_back(e.seq);
  absl::Status s = Send(run);
  absl::StatusOr<int> result = static_cast<int>(run.size());
  if (s.ok()) {
    if (auto r = outbox_->Remove(seqs); !r.ok()) result = r;
  } else if (Permanent(s)) {
    // Someone in the batch is bad: find who, deliver the rest.
    result = DeliverSingly(run);
  } else {
    (void)outbox_->RecordAttempt(seqs);
    result = s;
  }
  Release(run);
  absl::MutexLock lock(&mu_);
  last_error_ = result.ok() ? absl::OkStatus() : result.status();
  failures_ = result.ok() ? 0 : failures_.load() + 1;
  return result;
}

void Forwarder::Loop() {
  while (true) {
    uint64_t seen;
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
      if (absl::Now() < retry_at_) {
        // Another thread's failure: wait out its backoff (Stop ends it).
        auto stopped = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stop_; };
        mu_.AwaitWithDeadline(absl::Condition(&stopped), retry_at_);
        continue;
      }
      seen = wakeups_;
    }
    absl::StatusOr<int> done = RunOnce();
    absl::MutexLock lock(&mu_);
    if (!done.ok()) {
      const int failures = failures_.load();
      if (failures == 1 || failures % 50 == 0) {
        SCR_LOG(WARNING) << "delivery to the search service failed (" << failures << " in a row, "
                         << outbox_->size() << " waiting): " << done.status();
      }
      std::uniform_int_distribution<int64_t> jitter(0, absl::ToInt64Microseconds(backoff_));
      retry_at_ = absl::Now() + absl::Microseconds(jitter(rng_));
      backoff_ = std::min(backoff_ * 2, options_.max_backoff);
      continue;
    }
    backoff_ = options_.min_backoff;
    if (*done > 0) continue;
    auto woken = [this, seen]()
                     ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stop_ || wakeups_ != seen; };
    mu_.AwaitWithTimeout(absl::Condition(&woken), options_.idle_wait);
  }
}

absl::Status OutboxSink::CheckRoom(size_t adding) const {
  int64_t size = outbox_->size();
  if (size + static_cast<int64_t>(adding) <= limit_ || size == 0) return absl::OkStatus();
  absl::Status s = absl::ResourceExhaustedError(
      absl::StrCat("delivery backlog full: ", size, " writes wait for the search service (limit ",
                   limit_, "); retry after ", kRetryAfterMs, " ms"));
  s.SetPayload(kRetryAfterPayload, absl::Cord(absl::StrCat(kRetryAfterMs)));
  return s;
}

absl::StatusOr<std::vector<v1::WriteResult::Outcome>> OutboxSink::Deliver(
    absl::Span<const v1::Post> posts) {
  if (auto s = CheckRoom(posts.size()); !s.ok()) return s;
  std::vector<OutboxEntry> entries;
  for (const v1::Post& p : posts) {
    OutboxEntry e;
    e.post = p;
    entries.push_back(std::move(e));
  }
  if (auto s = outbox_->Append(entries); !s.ok()) return s;
  forwarder_->Notify();
  return std::vector<v1::WriteResult::Outcome>(posts.size(), v1::WriteResult::OUTCOME_UNSPECIFIED);
}

absl::Status OutboxSink::DeletePosts(absl::Span<const v1::PostDeletion> deletions) {
  if (auto s = CheckRoom(deletions.size()); !s.ok()) return s;
  std::vector<OutboxEntry> entries;
  for (const v1::PostDeletion& d : deletions) {
    OutboxEntry e;
    e.is_delete = true;
    e.deletion = d;
    entries.push_back(std::move(e));
  }
  if (auto s = outbox_->Append(entries); !s.ok()) return s;
  forwarder_->Notify();
  return absl::OkStatus();
}

}  // namespace scr::ingest
