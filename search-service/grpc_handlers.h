// Thin gRPC handlers for SearchService and IndexService: convert the request,
// call SearchCore, convert the answer. No search logic lives here.
#ifndef SCR_SEARCH_GRPC_HANDLERS_H_
#define SCR_SEARCH_GRPC_HANDLERS_H_

#include "scr/v1/index.grpc.pb.h"
#include "scr/v1/search.grpc.pb.h"
#include "search-service/search_core.h"

namespace scr::search {

// Thread safety: as SearchCore. `core` must outlive the handler.
//
// A callback service: each call is answered on the gRPC thread that read the
// request, without the sync server's hand-off to a worker thread. Searches
// are short and CPU-bound, so running them there is cheaper than the
// hand-off (docs/PERFORMANCE.md). The `Do*` methods hold the logic.
class SearchServiceHandler final : public v1::SearchService::CallbackService {
 public:
  explicit SearchServiceHandler(SearchCore* core) : core_(core) {}

  grpc::ServerUnaryReactor* Search(grpc::CallbackServerContext* context,
                                   const v1::SearchRequest* request,
                                   v1::SearchResponse* response) override {
    return Finish(context, DoSearch(*request, response));
  }
  grpc::ServerUnaryReactor* GetPost(grpc::CallbackServerContext* context,
                                    const v1::GetPostRequest* request,
                                    v1::Post* response) override {
    return Finish(context, DoGetPost(*request, response));
  }
  grpc::ServerUnaryReactor* MoreLikeThis(grpc::CallbackServerContext* context,
                                         const v1::MoreLikeThisRequest* request,
                                         v1::SearchResponse* response) override {
    return Finish(context, DoMoreLikeThis(*request, response));
  }
  grpc::ServerUnaryReactor* Suggest(grpc::CallbackServerContext* context,
                                    const v1::SuggestRequest* request,
                                    v1::SuggestResponse* response) override {
    return Finish(context, DoSuggest(*request, response));
  }
  grpc::ServerUnaryReactor* GetStats(grpc::CallbackServerContext* context,
                                     const v1::GetStatsRequest* request,
                                     v1::Stats* response) override {
    return Finish(context, DoGetStats(*request, response));
  }

  grpc::Status DoSearch(const v1::SearchRequest& request, v1::SearchResponse* response);
  grpc::Status DoGetPost(const v1::GetPostRequest& request, v1::Post* response);
  grpc::Status DoMoreLikeThis(const v1::MoreLikeThisRequest& request, v1::SearchResponse* response);
  grpc::Status DoSuggest(const v1::SuggestRequest& request, v1::SuggestResponse* response);
  grpc::Status DoGetStats(const v1::GetStatsRequest& request, v1::Stats* response);

 private:
  static grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context,
                                          const grpc::Status& status) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(status);
    return reactor;
  }

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
