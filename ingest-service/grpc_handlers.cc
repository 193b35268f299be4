#include "ingest-service/grpc_handlers.h"

#include <deque>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status.h"

namespace scr::ingest {

using common::ToGrpcStatus;

namespace {
constexpr size_t kMaxRequestIdBytes = 128;

// Most requests of one stream read ahead of those being answered, and most
// serialized bytes they may hold (a single larger request is still read).
constexpr size_t kMaxReadAhead = 16;
constexpr size_t kMaxReadAheadBytes = 8 << 20;

// Reads a stream's requests on its own thread, at most `limit` requests
// and `limit_bytes` ahead of the caller, so that the items that arrive
// while a batch is made durable are ingested together. The stream's writes
// stay with the caller (gRPC allows one reader and one writer at a time).
// Next is called by one thread at a time. The destructor cancels the call
// if the stream has not ended, and joins the thread.
class ReadAhead {
 public:
  ReadAhead(grpc::ServerContext* context,
            grpc::ServerReaderWriter<v1::IngestResponse, v1::IngestRequest>* stream, size_t limit,
            size_t limit_bytes)
      : context_(context),
        stream_(stream),
        limit_(limit),
        limit_bytes_(limit_bytes),
        thread_([this] { Loop(); }) {}

  ~ReadAhead() {
    bool ended;
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      ended = ended_;
    }
    if (!ended) context_->TryCancel();
    thread_.join();
  }

  // Moves every request read so far (at least one; blocks until there is
  // one) into `batch`; false once the stream has ended and all were taken.
  bool Next(std::vector<v1::IngestRequest>& batch) {
    batch.clear();
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return !queue_.empty() || ended_; };
    mu_.Await(absl::Condition(&ready));
    while (!queue_.empty()) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    queued_bytes_ = 0;
    return !batch.empty();
  }

 private:
  void Loop() {
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        auto room = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
          return queue_.empty() || (queue_.size() < limit_ && queued_bytes_ < limit_bytes_) ||
                 stopping_;
        };
        mu_.Await(absl::Condition(&room));
        if (stopping_) break;
      }
      v1::IngestRequest request;
      bool read = stream_->Read(&request);
      absl::MutexLock lock(&mu_);
      if (!read) break;
      queued_bytes_ += request.ByteSizeLong();
      queue_.push_back(std::move(request));
    }
    absl::MutexLock lock(&mu_);
    ended_ = true;
  }

  grpc::ServerContext* const context_;
  grpc::ServerReaderWriter<v1::IngestResponse, v1::IngestRequest>* const stream_;
  const size_t limit_;
  const size_t limit_bytes_;
  absl::Mutex mu_;
  std::deque<v1::IngestRequest> queue_ ABSL_GUARDED_BY(mu_);
  size_t queued_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts after the fields it uses
};

// The item of `request`, checked; INVALID_ARGUMENT names the field.
absl::StatusOr<RawItem> ItemOf(const v1::IngestRequest& request) {
  if (request.request_id().size() > kMaxRequestIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("request_id: longer than ", kMaxRequestIdBytes, " bytes"));
  }
  if (!request.has_item()) return absl::InvalidArgumentError("item: required");
  return RawItemFromProto(request.item());
}
}  // namespace

absl::StatusOr<RawItem> RawItemFromProto(const v1::RawItem& item) {
  RawItem out;
  out.content = item.content();
  out.content_type = item.content_type();
  out.source_url = item.source_url();
  if (item.has_fetch_time()) {
    if (item.fetch_time().nanos() < 0 || item.fetch_time().nanos() >= 1000000000) {
      return absl::InvalidArgumentError("item.fetch_time: nanos out of range");
    }
    out.fetch_time = absl::FromUnixSeconds(item.fetch_time().seconds()) +
                     absl::Nanoseconds(item.fetch_time().nanos());
  }
  return out;
}

absl::Status IngestServiceHandler::IngestOne(const v1::IngestRequest& request,
                                             v1::IngestResponse* response) {
  response->set_request_id(request.request_id());
  auto item = ItemOf(request);
  if (!item.ok()) return item.status();
  auto results = core_->Ingest(*item);
  if (!results.ok()) return results.status();
  for (v1::PostResult& r : *results) *response->add_results() = std::move(r);
  return absl::OkStatus();
}

grpc::Status IngestServiceHandler::Finish(grpc::ServerContext* context,
                                          const absl::Status& status) {
  if (auto hint = status.GetPayload(kRetryAfterPayload); hint.has_value()) {
    context->AddTrailingMetadata(kRetryAfterPayload, std::string(*hint));
  }
  return ToGrpcStatus(status);
}

grpc::Status IngestServiceHandler::Ingest(grpc::ServerContext* context,
                                          const v1::IngestRequest* request,
                                          v1::IngestResponse* response) {
  absl::Status s = IngestOne(*request, response);
  if (!s.ok()) response->Clear();
  return Finish(context, s);
}

grpc::Status IngestServiceHandler::IngestStream(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::IngestResponse, v1::IngestRequest>* stream) {
  ReadAhead ahead(context, stream, kMaxReadAhead, kMaxReadAheadBytes);
  std::vector<v1::IngestRequest> requests;
  while (ahead.Next(requests)) {
    if (context->IsCancelled()) return grpc::Status::CANCELLED;
    // Each item's own check fails only that item; the rest are ingested
    // together.
    std::vector<absl::Status> statuses(requests.size());
    std::vector<RawItem> items;
    std::vector<size_t> positions;
    for (size_t i = 0; i < requests.size(); ++i) {
      auto item = ItemOf(requests[i]);
      if (!item.ok()) {
        statuses[i] = item.status();
        continue;
      }
      items.push_back(*std::move(item));
      positions.push_back(i);
    }
    std::vector<v1::IngestResponse> responses(requests.size());
    auto results = core_->IngestBatch(items);
    for (size_t k = 0; k < results.size(); ++k) {
      if (!results[k].ok()) {
        statuses[positions[k]] = results[k].status();
        continue;
      }
      for (v1::PostResult& r : *results[k]) *responses[positions[k]].add_results() = std::move(r);
    }
    for (size_t i = 0; i < requests.size(); ++i) {
      v1::IngestResponse& response = responses[i];
      response.set_request_id(requests[i].request_id());
      if (!statuses[i].ok()) {
        // A failed item does not end the stream; its status says why.
        response.mutable_status()->set_code(static_cast<int>(statuses[i].code()));
        response.mutable_status()->set_message(std::string(statuses[i].message()));
      }
      if (!stream->Write(response)) return grpc::Status::OK;
    }
  }
  return grpc::Status::OK;
}

grpc::Status IngestServiceHandler::Normalize(grpc::ServerContext*,
                                             const v1::NormalizeRequest* request,
                                             v1::NormalizeResponse* response) {
  if (!request->has_item()) return ToGrpcStatus(absl::InvalidArgumentError("item: required"));
  auto item = RawItemFromProto(request->item());
  if (!item.ok()) return ToGrpcStatus(item.status());
  auto normalized = core_->Normalize(*item);
  if (!normalized.ok()) return ToGrpcStatus(normalized.status());
  response->set_detected_format(normalized->format);
  for (v1::Post& p : normalized->posts) *response->add_posts() = std::move(p);
  return grpc::Status::OK;
}

grpc::Status IngestServiceHandler::Delete(grpc::ServerContext* context,
                                          const v1::DeletePostRequest* request,
                                          v1::DeletePostResponse* response) {
  auto id = core_->Delete(request->id(), request->canonical_url());
  if (!id.ok()) return Finish(context, id.status());
  response->set_id(*id);
  return grpc::Status::OK;
}

grpc::Status IngestServiceHandler::GetDeliveryStatus(grpc::ServerContext*,
                                                     const v1::GetDeliveryStatusRequest*,
                                                     v1::DeliveryStatus* response) {
  response->set_pending(outbox_->size());
  response->set_pending_limit(pending_limit_);
  auto dead = outbox_->DeadLetterCount();
  if (!dead.ok()) return ToGrpcStatus(dead.status());
  response->set_dead_letters(*dead);
  response->set_consecutive_failures(forwarder_->consecutive_failures());
  response->set_last_error(std::string(forwarder_->last_error().message()));
  return grpc::Status::OK;
}

grpc::Status IngestServiceHandler::ListDeadLetters(grpc::ServerContext*,
                                                   const v1::ListDeadLettersRequest* request,
                                                   v1::ListDeadLettersResponse* response) {
  if (request->page_size() < 0 || request->page_size() > 1000) {
    return ToGrpcStatus(absl::InvalidArgumentError(
        absl::StrCat("page_size: ", request->page_size(), " is out of range (0 to 1000)")));
  }
  auto letters = outbox_->ListDeadLetters(request->page_size() > 0 ? request->page_size() : 100);
  if (!letters.ok()) return ToGrpcStatus(letters.status());
  for (const DeadLetter& d : *letters) {
    v1::DeadLetterEntry* e = response->add_entries();
    e->set_seq(d.seq);
    e->set_post_id(d.post_id);
    e->set_is_delete(d.is_delete);
    e->set_error(d.error);
    e->mutable_failed_at()->set_seconds(absl::ToUnixSeconds(d.failed_at));
  }
  return grpc::Status::OK;
}

grpc::Status IngestServiceHandler::RetryDeadLetters(grpc::ServerContext*,
                                                    const v1::RetryDeadLettersRequest* request,
                                                    v1::RetryDeadLettersResponse* response) {
  std::vector<int64_t> seqs(request->seqs().begin(), request->seqs().end());
  auto moved = outbox_->RequeueDeadLetters(seqs);
  if (!moved.ok()) return ToGrpcStatus(moved.status());
  forwarder_->Notify();
  response->set_requeued(*moved);
  return grpc::Status::OK;
}

}  // namespace scr::ingest
