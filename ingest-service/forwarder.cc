#include "ingest-service/forwarder.h"

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
    : outbox_(outbox), writer_(writer), options_(options) {}

Forwarder::~Forwarder() { Stop(); }

void Forwarder::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Forwarder::Notify() {
  absl::MutexLock lock(&mu_);
  notified_ = true;
}

void Forwarder::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::Status Forwarder::last_error() const {
  absl::MutexLock lock(&mu_);
  return last_error_;
}

absl::Status Forwarder::Send(const std::vector<OutboxEntry>& run) {
  if (run.front().is_delete) {
    std::vector<v1::PostDeletion> deletions;
    for (const OutboxEntry& e : run) deletions.push_back(e.deletion);
    return writer_->Delete(deletions);
  }
  std::vector<v1::Post> posts;
  for (const OutboxEntry& e : run) posts.push_back(e.post);
  return writer_->Upsert(posts);
}

absl::StatusOr<int> Forwarder::DeliverSingly(const std::vector<OutboxEntry>& run) {
  int done = 0;
  for (const OutboxEntry& e : run) {
    absl::Status s = Send({e});
    if (s.ok()) {
      if (auto r = outbox_->Remove({e.seq}); !r.ok()) return r;
    } else if (Permanent(s)) {
      SCR_LOG(WARNING) << "dead letter: outbox entry " << e.seq << " ("
                       << (e.is_delete ? e.deletion.id() : e.post.id())
                       << ") was rejected: " << s.message();
      if (auto r = outbox_->MoveToDeadLetters(e.seq, std::string(s.message())); !r.ok()) return r;
    } else {
      return s;
    }
    ++done;
  }
  return done;
}

absl::StatusOr<int> Forwarder::RunOnce() {
  auto entries = outbox_->Peek(options_.batch_size);
  if (!entries.ok()) return entries.status();
  if (entries->empty()) return 0;
  // A run of consecutive entries of one kind keeps upserts and deletes in order.
  std::vector<OutboxEntry> run;
  size_t bytes = 0;
  for (OutboxEntry& e : *entries) {
    if (!run.empty() && e.is_delete != run.front().is_delete) break;
    bytes += e.is_delete ? e.deletion.ByteSizeLong() : e.post.ByteSizeLong();
    if (!run.empty() && bytes > options_.max_batch_bytes) break;
    run.push_back(std::move(e));
  }
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
  absl::MutexLock lock(&mu_);
  last_error_ = result.ok() ? absl::OkStatus() : result.status();
  failures_ = result.ok() ? 0 : failures_.load() + 1;
  return result;
}

void Forwarder::Loop() {
  absl::Duration backoff = options_.min_backoff;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
    }
    absl::StatusOr<int> done = RunOnce();
    absl::Duration wait;
    if (!done.ok()) {
      if (failures_.load() == 1 || failures_.load() % 50 == 0) {
        SCR_LOG(WARNING) << "delivery to the search service failed (" << failures_.load()
                         << " in a row, " << outbox_->size() << " waiting): " << done.status();
      }
      std::uniform_int_distribution<int64_t> jitter(0, absl::ToInt64Microseconds(backoff));
      wait = absl::Microseconds(jitter(rng_));
      backoff = std::min(backoff * 2, options_.max_backoff);
    } else {
      backoff = options_.min_backoff;
      if (*done > 0) continue;
      wait = options_.idle_wait;
    }
    absl::MutexLock lock(&mu_);
    auto woken = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stop_ || notified_; };
    mu_.AwaitWithTimeout(absl::Condition(&woken), wait);
    notified_ = false;
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
