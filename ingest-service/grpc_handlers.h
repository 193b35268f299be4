// Thin gRPC handler for IngestService: converts requests, calls IngestCore.
#ifndef SCR_INGEST_GRPC_HANDLERS_H_
#define SCR_INGEST_GRPC_HANDLERS_H_

#include "ingest-service/forwarder.h"
#include "ingest-service/ingest_core.h"
#include "ingest-service/outbox.h"
#include "scr/v1/ingest.grpc.pb.h"

namespace scr::ingest {

// Thread safety: as IngestCore. All pointers must outlive the handler.
// `outbox`, `forwarder` and `pending_limit` serve the delivery admin RPCs.
class IngestServiceHandler final : public v1::IngestService::Service {
 public:
  IngestServiceHandler(IngestCore* core, Outbox* outbox, Forwarder* forwarder,
                       int64_t pending_limit)
      : core_(core), outbox_(outbox), forwarder_(forwarder), pending_limit_(pending_limit) {}

  grpc::Status Ingest(grpc::ServerContext* context, const v1::IngestRequest* request,
                      v1::IngestResponse* response) override;
  grpc::Status IngestStream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::IngestResponse, v1::IngestRequest>* stream) override;
  grpc::Status Normalize(grpc::ServerContext* context, const v1::NormalizeRequest* request,
                         v1::NormalizeResponse* response) override;
  grpc::Status Delete(grpc::ServerContext* context, const v1::DeletePostRequest* request,
                      v1::DeletePostResponse* response) override;
  grpc::Status GetDeliveryStatus(grpc::ServerContext* context,
                                 const v1::GetDeliveryStatusRequest* request,
                                 v1::DeliveryStatus* response) override;
  grpc::Status ListDeadLetters(grpc::ServerContext* context,
                               const v1::ListDeadLettersRequest* request,
                               v1::ListDeadLettersResponse* response) override;
  grpc::Status RetryDeadLetters(grpc::ServerContext* context,
                                const v1::RetryDeadLettersRequest* request,
                                v1::RetryDeadLettersResponse* response) override;

 private:
  // Handles one item; the status is what the unary RPC returns.
  absl::Status IngestOne(const v1::IngestRequest& request, v1::IngestResponse* response);

  // Converts, adding the retry hint trailer on RESOURCE_EXHAUSTED.
  static grpc::Status Finish(grpc::ServerContext* context, const absl::Status& status);

  IngestCore* core_;
  Outbox* outbox_;
  Forwarder* forwarder_;
  int64_t pending_limit_;
};

// Converts and validates a proto RawItem. INVALID_ARGUMENT names the field.
absl::StatusOr<RawItem> RawItemFromProto(const v1::RawItem& item);

}  // namespace scr::ingest

#endif  // SCR_INGEST_GRPC_HANDLERS_H_
