#include "search-service/grpc_handlers.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "search-service/convert.h"

namespace scr::search {

using common::ToGrpcStatus;

grpc::Status SearchServiceHandler::DoSearch(const v1::SearchRequest& request,
                                            v1::SearchResponse* response) {
  auto query = SearchQueryFromProto(request);
  if (!query.ok()) return ToGrpcStatus(query.status());
  auto results = core_->Search(*query);
  if (!results.ok()) return ToGrpcStatus(results.status());
  *response = SearchResponseToProto(*std::move(results), *query, request);
  return grpc::Status::OK;
}

grpc::Status SearchServiceHandler::DoGetPost(const v1::GetPostRequest& request,
                                             v1::Post* response) {
  auto post = core_->GetPost(request.id());
  if (!post.ok()) return ToGrpcStatus(post.status());
  *response = *std::move(post);
  return grpc::Status::OK;
}

grpc::Status SearchServiceHandler::DoMoreLikeThis(const v1::MoreLikeThisRequest& request,
                                                  v1::SearchResponse* response) {
  auto query = MoreLikeThisQueryFromProto(request);
  if (!query.ok()) return ToGrpcStatus(query.status());
  auto results = core_->MoreLikeThis(query->id, query->limit, query->filter);
  if (!results.ok()) return ToGrpcStatus(results.status());
  *response = SearchResponseToProto(*std::move(results));
  return grpc::Status::OK;
}

grpc::Status SearchServiceHandler::DoSuggest(const v1::SuggestRequest& request,
                                             v1::SuggestResponse* response) {
  auto query = SuggestQueryFromProto(request);
  if (!query.ok()) return ToGrpcStatus(query.status());
  auto suggestions = core_->Suggest(query->prefix, query->limit);
  if (!suggestions.ok()) return ToGrpcStatus(suggestions.status());
  *response = SuggestResponseToProto(*suggestions);
  return grpc::Status::OK;
}

grpc::Status SearchServiceHandler::DoGetStats(const v1::GetStatsRequest&, v1::Stats* response) {
  auto stats = core_->Stats();
  if (!stats.ok()) return ToGrpcStatus(stats.status());
  *response = StatsToProto(*stats);
  return grpc::Status::OK;
}

grpc::Status IndexServiceHandler::Upsert(grpc::ServerContext*,
                                         const v1::UpsertPostsRequest* request,
                                         v1::UpsertPostsResponse* response) {
  std::vector<v1::Post> posts(request->posts().begin(), request->posts().end());
  auto outcomes = core_->Upsert(posts);
  if (!outcomes.ok()) return ToGrpcStatus(outcomes.status());
  for (size_t i = 0; i < posts.size(); ++i) {
    v1::WriteResult* r = response->add_results();
    r->set_id(posts[i].id());
    r->set_outcome(OutcomeToProto((*outcomes)[i]));
  }
  return grpc::Status::OK;
}

grpc::Status IndexServiceHandler::Delete(grpc::ServerContext*,
                                         const v1::DeletePostsRequest* request,
                                         v1::DeletePostsResponse* response) {
  std::vector<Deletion> deletions;
  for (const v1::PostDeletion& d : request->deletions()) deletions.push_back({d.id(), d.version()});
  auto outcomes = core_->Delete(deletions);
  if (!outcomes.ok()) return ToGrpcStatus(outcomes.status());
  for (size_t i = 0; i < deletions.size(); ++i) {
    v1::WriteResult* r = response->add_results();
    r->set_id(deletions[i].id);
    r->set_outcome(OutcomeToProto((*outcomes)[i]));
  }
  return grpc::Status::OK;
}

}  // namespace scr::search
