// Conversions between scr.v1 protos and the search service's domain types.
// Request conversions validate: a bad field is INVALID_ARGUMENT naming it.
#ifndef SCR_SEARCH_CONVERT_H_
#define SCR_SEARCH_CONVERT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "scr/v1/index.pb.h"
#include "scr/v1/search.pb.h"
#include "search-service/index.h"
#include "search-service/search_core.h"

namespace scr::search {

// Applies defaults and limits (SearchLimits) and decodes page_token.
absl::StatusOr<SearchQuery> SearchQueryFromProto(const v1::SearchRequest& request);

absl::StatusOr<SearchFilter> FilterFromProto(const v1::Filter& filter);

// Fills next_page_token when more hits follow the page. Takes `results` by
// value so that callers can move the hits' posts in instead of copying them.
v1::SearchResponse SearchResponseToProto(TimedResults results, const SearchQuery& query,
                                         const v1::SearchRequest& request);

// A validated MoreLikeThis request: page size defaulted and capped.
struct MoreLikeThisQuery {
  std::string id;
  int limit = SearchLimits::kDefaultPageSize;
  SearchFilter filter;
};
absl::StatusOr<MoreLikeThisQuery> MoreLikeThisQueryFromProto(
    const v1::MoreLikeThisRequest& request);

// A validated Suggest request: prefix length and limit checked, limit
// defaulted. `query_field` names the prefix in errors ("q" over HTTP).
struct SuggestQuery {
  std::string prefix;
  int limit = SearchLimits::kDefaultSuggestions;
};
absl::StatusOr<SuggestQuery> SuggestQueryFromProto(const v1::SuggestRequest& request,
                                                   absl::string_view query_field = "query");

v1::SuggestResponse SuggestResponseToProto(const std::vector<Suggestion>& suggestions);

// Response for MoreLikeThis (no paging).
v1::SearchResponse SearchResponseToProto(TimedResults results);

v1::Stats StatsToProto(const IndexStats& stats);

v1::WriteResult::Outcome OutcomeToProto(WriteOutcome outcome);

// The page token of the page starting at `offset` for this request. Tokens
// are opaque base64url strings bound to the request's other fields.
std::string EncodePageToken(const v1::SearchRequest& request, int offset);

// Returns the offset, or INVALID_ARGUMENT when the token is malformed or was
// made for a different request.
absl::StatusOr<int> DecodePageToken(const v1::SearchRequest& request, const std::string& token);

}  // namespace scr::search

#endif  // SCR_SEARCH_CONVERT_H_
