#include "ingest-service/grpc_handlers.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace scr::ingest {

using common::ToGrpcStatus;

namespace {
constexpr size_t kMaxRequestIdBytes = 128;
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
  if (request.request_id().size() > kMaxRequestIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("request_id: longer than ", kMaxRequestIdBytes, " bytes"));
  }
  if (!request.has_item()) return absl::InvalidArgumentError("item: required");
  auto item = RawItemFromProto(request.item());
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
  v1::IngestRequest request;
  while (stream->Read(&request)) {
    if (context->IsCancelled()) return grpc::Status::CANCELLED;
    v1::IngestResponse response;
    absl::Status s = IngestOne(request, &response);
    if (!s.ok()) {
      // A failed item does not end the stream; its status says why.
      response.clear_results();
      response.mutable_status()->set_code(static_cast<int>(s.code()));
      response.mutable_status()->set_message(std::string(s.message()));
    }
    if (!stream->Write(response)) break;
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
