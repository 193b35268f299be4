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

grpc::Status IngestServiceHandler::Ingest(grpc::ServerContext*, const v1::IngestRequest* request,
                                          v1::IngestResponse* response) {
  absl::Status s = IngestOne(*request, response);
  if (!s.ok()) response->Clear();
  return ToGrpcStatus(s);
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

grpc::Status IngestServiceHandler::Delete(grpc::ServerContext*,
                                          const v1::DeletePostRequest* request,
                                          v1::DeletePostResponse* response) {
  auto id = core_->Delete(request->id(), request->canonical_url());
  if (!id.ok()) return ToGrpcStatus(id.status());
  response->set_id(*id);
  return grpc::Status::OK;
}

}  // namespace scr::ingest
