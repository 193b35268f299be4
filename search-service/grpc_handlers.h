// Thin gRPC handlers for SearchService and IndexService: convert the request,
// call SearchCore, convert the answer. No search logic lives here.
#ifndef SCR_SEARCH_GRPC_HANDLERS_H_
#define SCR_SEARCH_GRPC_HANDLERS_H_

#include "scr/v1/index.grpc.pb.h"
#include "scr/v1/search.grpc.pb.h"
#include "search-service/search_core.h"

namespace scr::search {

// Thread safety: as SearchCore. `core` must outlive the handler.
class SearchServiceHandler final : public v1::SearchService::Service {
 public:
  explicit SearchServiceHandler(SearchCore* core) : core_(core) {}

  grpc::Status Search(grpc::ServerContext* context, const v1::SearchRequest* request,
                      v1::SearchResponse* response) override;
  grpc::Status GetPost(grpc::ServerContext* context, const v1::GetPostRequest* request,
                       v1::Post* response) override;
  grpc::Status MoreLikeThis(grpc::ServerContext* context, const v1::MoreLikeThisRequest* request,
                            v1::SearchResponse* response) override;
  grpc::Status Suggest(grpc::ServerContext* context, const v1::SuggestRequest* request,
                       v1::SuggestResponse* response) override;
  grpc::Status GetStats(grpc::ServerContext* context, const v1::GetStatsRequest* request,
                        v1::Stats* response) override;

 private:
  SearchCore* core_;
};

class IndexServiceHandler final : public v1::IndexService::Service {
 public:
  explicit IndexServiceHandler(SearchCore* core) : core_(core) {}

  grpc::Status Upsert(grpc::ServerContext* context, const v1::UpsertPostsRequest* request,
                      v1::UpsertPostsResponse* response) override;
  grpc::Status Delete(grpc::ServerContext* context, const v1::DeletePostsRequest* request,
                      v1::DeletePostsResponse* response) override;

 private:
  SearchCore* core_;
};

}  // namespace scr::search

#endif  // SCR_SEARCH_GRPC_HANDLERS_H_
