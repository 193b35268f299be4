// Thin gRPC handler for IngestService: converts requests, calls IngestCore.
#ifndef SCR_INGEST_GRPC_HANDLERS_H_
#define SCR_INGEST_GRPC_HANDLERS_H_

#include "ingest-service/ingest_core.h"
#include "scr/v1/ingest.grpc.pb.h"

namespace scr::ingest {

// Thread safety: as IngestCore. `core` must outlive the handler.
class IngestServiceHandler final : public v1::IngestService::Service {
 public:
  explicit IngestServiceHandler(IngestCore* core) : core_(core) {}

  grpc::Status Ingest(grpc::ServerContext* context, const v1::IngestRequest* request,
                      v1::IngestResponse* response) override;
  grpc::Status IngestStream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::IngestResponse, v1::IngestRequest>* stream) override;
  grpc::Status Normalize(grpc::ServerContext* context, const v1::NormalizeRequest* request,
                         v1::NormalizeResponse* response) override;
  grpc::Status Delete(grpc::ServerContext* context, const v1::DeletePostRequest* request,
                      v1::DeletePostResponse* response) override;

 private:
  // Handles one item; the status is what the unary RPC returns.
  absl::Status IngestOne(const v1::IngestRequest& request, v1::IngestResponse* response);

  IngestCore* core_;
};

// Converts and validates a proto RawItem. INVALID_ARGUMENT names the field.
absl::StatusOr<RawItem> RawItemFromProto(const v1::RawItem& item);

}  // namespace scr::ingest

#endif  // SCR_INGEST_GRPC_HANDLERS_H_
