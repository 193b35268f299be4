// IndexClientSink delivers posts synchronously through the search service's
// IndexService: OK only after the search service acknowledged a durable
// commit. Retries UNAVAILABLE / DEADLINE_EXCEEDED a few times with backoff.
#ifndef SCR_INGEST_INDEX_CLIENT_H_
#define SCR_INGEST_INDEX_CLIENT_H_

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"
#include "ingest-service/post_sink.h"
#include "scr/v1/index.grpc.pb.h"

namespace scr::ingest {

class IndexClientSink : public PostSink {
 public:
  // `target` is the search service address, HOST:PORT.
  explicit IndexClientSink(const std::string& target,
                           absl::Duration rpc_timeout = absl::Seconds(30));

  absl::StatusOr<std::vector<v1::WriteResult::Outcome>> Deliver(
      absl::Span<const v1::Post> posts) override;
  absl::Status DeletePosts(absl::Span<const v1::PostDeletion> deletions) override;

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::IndexService::Stub> stub_;
  absl::Duration rpc_timeout_;
};

}  // namespace scr::ingest

#endif  // SCR_INGEST_INDEX_CLIENT_H_
