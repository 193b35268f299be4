#include "search-service/convert.h"

#include "absl/hash/hash.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace scr::search {
namespace {

// Timestamp bounds from google/protobuf/timestamp.proto (0001-01-01 to 9999-12-31).
bool ValidTimestamp(const google::protobuf::Timestamp& ts) {
  return ts.seconds() >= -62135596800LL && ts.seconds() <= 253402300799LL && ts.nanos() >= 0 &&
         ts.nanos() < 1000000000;
}

absl::Time FromProtoTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

google::protobuf::Timestamp ToProtoTime(absl::Time t) {
  google::protobuf::Timestamp ts;
  int64_t micros = absl::ToUnixMicros(t);
  ts.set_seconds(micros / 1000000);
  ts.set_nanos(static_cast<int32_t>((micros % 1000000) * 1000));
  return ts;
}

absl::Status CheckRange(absl::string_view field, int value, int max) {
  if (value < 0 || value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", value, " is out of range (0 to ", max, ")"));
  }
  return absl::OkStatus();
}

v1::Snippet SnippetToProto(const Highlighted& h) {
  v1::Snippet s;
  s.set_text(h.text);
  for (const auto& [start, end] : h.ranges) {
    v1::Range* r = s.add_highlights();
    r->set_start(start);
    r->set_end(end);
  }
  return s;
}

// A fingerprint of every request field that shapes the result list.
uint64_t RequestFingerprint(const v1::SearchRequest& request) {
  v1::SearchRequest copy = request;
  copy.clear_page_token();
  copy.clear_page_size();
  copy.clear_snippet();
  copy.clear_include_body();
  copy.clear_facets();
  copy.clear_facet_size();
  std::string bytes;
  copy.SerializeToString(&bytes);
  return absl::Hash<std::string>()(bytes) & 0xFFFFFFFFull;
}

}  // namespace

std::string EncodePageToken(const v1::SearchRequest& request, int offset) {
  return absl::WebSafeBase64Escape(absl::StrCat("o", offset, ":", RequestFingerprint(request)));
}

absl::StatusOr<int> DecodePageToken(const v1::SearchRequest& request, const std::string& token) {
  std::string raw;
  auto bad = [] {
    return absl::InvalidArgumentError("page_token: not a token returned by this service");
  };
  if (!absl::WebSafeBase64Unescape(token, &raw) || raw.empty() || raw[0] != 'o') return bad();
  std::vector<std::string> parts = absl::StrSplit(raw.substr(1), ':');
  int offset = 0;
  uint64_t fingerprint = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &offset) ||
      !absl::SimpleAtoi(parts[1], &fingerprint) || offset < 0) {
    return bad();
  }
  if (fingerprint != RequestFingerprint(request)) {
    return absl::InvalidArgumentError(
        "page_token: the request changed since the token was issued; start again without it");
  }
  return offset;
}

absl::StatusOr<SearchFilter> FilterFromProto(const v1::Filter& filter) {
  SearchFilter f;
  f.categories.assign(filter.categories().begin(), filter.categories().end());
  f.tags.assign(filter.tags().begin(), filter.tags().end());
  f.sites.assign(filter.sites().begin(), filter.sites().end());
  f.authors.assign(filter.authors().begin(), filter.authors().end());
  f.entities.assign(filter.entities().begin(), filter.entities().end());
  f.languages.assign(filter.languages().begin(), filter.languages().end());
  if (filter.has_published_after()) {
    if (!ValidTimestamp(filter.published_after())) {
      return absl::InvalidArgumentError("filter.published_after: not a valid timestamp");
    }
    f.published_after = FromProtoTime(filter.published_after());
  }
  if (filter.has_published_before()) {
    if (!ValidTimestamp(filter.published_before())) {
      return absl::InvalidArgumentError("filter.published_before: not a valid timestamp");
    }
    f.published_before = FromProtoTime(filter.published_before());
  }
  if (f.published_after && f.published_before && *f.published_after > *f.published_before) {
    return absl::InvalidArgumentError("filter: published_after is later than published_before");
  }
  return f;
}

absl::StatusOr<SearchQuery> SearchQueryFromProto(const v1::SearchRequest& request) {
  SearchQuery q;
  if (request.query().size() > static_cast<size_t>(SearchLimits::kMaxQueryBytes)) {
    return absl::InvalidArgumentError(absl::StrCat("query: ", request.query().size(),
                                                   " bytes is over the limit of ",
                                                   SearchLimits::kMaxQueryBytes));
  }
  q.text = request.query();
  auto filter = FilterFromProto(request.filter());
  if (!filter.ok()) return filter.status();
  q.filter = *std::move(filter);
  q.facets.assign(request.facets().begin(), request.facets().end());
  if (auto s = CheckRange("facet_size", request.facet_size(), SearchLimits::kMaxFacetSize); !s.ok())
    return s;
  q.facet_size = request.facet_size() > 0 ? request.facet_size() : SearchLimits::kDefaultFacetSize;
  switch (request.sort()) {
    case v1::SORT_ORDER_UNSPECIFIED:
    case v1::SORT_ORDER_RELEVANCE:
      q.sort = SortOrder::kRelevance;
      break;
    case v1::SORT_ORDER_PUBLISHED_DESC:
      q.sort = SortOrder::kNewestFirst;
      break;
    case v1::SORT_ORDER_PUBLISHED_ASC:
      q.sort = SortOrder::kOldestFirst;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat("sort: unknown value ", request.sort()));
  }
  if (auto s = CheckRange("page_size", request.page_size(), SearchLimits::kMaxPageSize); !s.ok())
    return s;
  q.limit = request.page_size() > 0 ? request.page_size() : SearchLimits::kDefaultPageSize;
  if (!request.page_token().empty()) {
    auto offset = DecodePageToken(request, request.page_token());
    if (!offset.ok()) return offset.status();
    if (*offset > SearchLimits::kMaxOffset) {
      return absl::InvalidArgumentError(absl::StrCat("page_token: paging is limited to the first ",
                                                     SearchLimits::kMaxOffset, " hits"));
    }
    q.offset = *offset;
  }
  if (auto s = CheckRange("snippet.max_length", request.snippet().max_length(),
                          SearchLimits::kMaxSnippetBytes);
      !s.ok())
    return s;
  q.snippet_length = request.snippet().disabled()         ? 0
                     : request.snippet().max_length() > 0 ? request.snippet().max_length()
                                                          : SearchLimits::kDefaultSnippetBytes;
  q.collapse_duplicates = request.collapse_duplicates();
  q.cluster_key = request.cluster_key();
  q.include_body = request.include_body();
  return q;
}

absl::StatusOr<MoreLikeThisQuery> MoreLikeThisQueryFromProto(
    const v1::MoreLikeThisRequest& request) {
  if (auto s = CheckRange("page_size", request.page_size(), SearchLimits::kMaxPageSize); !s.ok()) {
    return s;
  }
  auto filter = FilterFromProto(request.filter());
  if (!filter.ok()) return filter.status();
  MoreLikeThisQuery q;
  q.id = request.id();
  if (request.page_size() > 0) q.limit = request.page_size();
  q.filter = *std::move(filter);
  return q;
}

absl::StatusOr<SuggestQuery> SuggestQueryFromProto(const v1::SuggestRequest& request,
                                                   absl::string_view query_field) {
  if (request.query().size() > static_cast<size_t>(SearchLimits::kMaxSuggestPrefixBytes)) {
    return absl::InvalidArgumentError(absl::StrCat(query_field, ": longer than ",
                                                   SearchLimits::kMaxSuggestPrefixBytes, " bytes"));
  }
  if (auto s = CheckRange("limit", request.limit(), SearchLimits::kMaxSuggestions); !s.ok()) {
    return s;
  }
  SuggestQuery q;
  q.prefix = request.query();
  if (request.limit() > 0) q.limit = request.limit();
  return q;
}

v1::SuggestResponse SuggestResponseToProto(const std::vector<Suggestion>& suggestions) {
  v1::SuggestResponse out;
  for (const Suggestion& s : suggestions) {
    v1::Suggestion* sg = out.add_suggestions();
    sg->set_text(s.text);
    sg->set_kind(s.kind);
    sg->set_post_id(s.post_id);
  }
  return out;
}

v1::SearchResponse SearchResponseToProto(TimedResults timed) {
  SearchResults& r = timed.results;
  v1::SearchResponse out;
  out.mutable_hits()->Reserve(static_cast<int>(r.hits.size()));
  for (SearchHit& h : r.hits) {
    v1::Hit* hit = out.add_hits();
    *hit->mutable_post() = std::move(h.post);
    hit->set_score(h.score);
    *hit->mutable_snippet() = SnippetToProto(h.snippet);
    *hit->mutable_title_highlight() = SnippetToProto(h.title);
    hit->set_duplicate_count(h.duplicate_count);
  }
  out.set_estimated_total_size(r.estimated_total);
  out.set_total_is_exact(r.total_is_exact);
  for (const FacetResult& f : r.facets) {
    v1::Facet* facet = out.add_facets();
    facet->set_name(f.name);
    facet->set_counts_are_estimates(f.estimated());
    if (f.estimated()) facet->set_sampled_one_in(f.sample_one_in);
    for (const FacetValueCount& v : f.values) {
      v1::FacetValue* value = facet->add_values();
      value->set_value(v.value);
      value->set_count(v.count);
      value->set_selected(v.selected);
      value->set_label(v.label.empty() ? v.value : v.label);
    }
  }
  out.set_corrected_query(r.corrected_query);
  out.set_parsed_query(r.parsed_query);
  out.set_took_micros(timed.took_micros);
  return out;
}

v1::SearchResponse SearchResponseToProto(TimedResults results, const SearchQuery& query,
                                         const v1::SearchRequest& request) {
  const int hits = static_cast<int>(results.results.hits.size());
  const int64_t total = results.results.estimated_total;
  v1::SearchResponse out = SearchResponseToProto(std::move(results));
  int next = query.offset + hits;
  if (hits == query.limit && next < total && next <= SearchLimits::kMaxOffset) {
    out.set_next_page_token(EncodePageToken(request, next));
  }
  return out;
}

v1::Stats StatsToProto(const IndexStats& stats) {
  v1::Stats out;
  out.set_document_count(stats.document_count);
  out.set_term_count(stats.term_count);
  out.set_average_length(stats.average_length);
  if (stats.last_commit) *out.mutable_last_commit() = ToProtoTime(*stats.last_commit);
  out.set_index_size_bytes(stats.size_bytes);
  out.set_revision(stats.revision);
  return out;
}

v1::WriteResult::Outcome OutcomeToProto(WriteOutcome outcome) {
  switch (outcome) {
    case WriteOutcome::kCreated:
      return v1::WriteResult::OUTCOME_CREATED;
    case WriteOutcome::kUpdated:
      return v1::WriteResult::OUTCOME_UPDATED;
    case WriteOutcome::kDeleted:
      return v1::WriteResult::OUTCOME_DELETED;
    case WriteOutcome::kStale:
      return v1::WriteResult::OUTCOME_STALE;
    case WriteOutcome::kNotFound:
      return v1::WriteResult::OUTCOME_NOT_FOUND;
  }
  return v1::WriteResult::OUTCOME_UNSPECIFIED;
}

}  // namespace scr::search
