// The search service's domain types and the Index interface: everything the
// core and the handlers need from an index, with no Xapian and no gRPC.
#ifndef SCR_SEARCH_INDEX_H_
#define SCR_SEARCH_INDEX_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "scr/v1/post.pb.h"

namespace scr::search {

// Structured filters: values inside one field are ORed, fields are ANDed.
struct SearchFilter {
  std::vector<std::string> categories;
  std::vector<std::string> tags;
  std::vector<std::string> sites;
  std::vector<std::string> authors;
  std::vector<std::string> entities;
  std::vector<std::string> languages;
  std::optional<absl::Time> published_after;   // inclusive
  std::optional<absl::Time> published_before;  // inclusive
};

enum class SortOrder { kRelevance, kNewestFirst, kOldestFirst };

// The facets an index can count.
inline constexpr const char* kFacetNames[] = {"category", "tag",    "site",
                                              "year",     "entity", "author"};

struct SearchQuery {
  std::string text;  // query language; empty matches all
  SearchFilter filter;
  std::vector<std::string> facets;  // names from kFacetNames
  int facet_size = 10;
  SortOrder sort = SortOrder::kRelevance;
  int offset = 0;
  int limit = 10;
  int snippet_length = 300;  // 0 disables snippets
  bool collapse_duplicates = false;
  std::string cluster_key;  // restrict to one near-duplicate cluster
  bool include_body = false;
};

// Text with half-open UTF-8 byte ranges to highlight.
struct Highlighted {
  std::string text;
  std::vector<std::pair<int, int>> ranges;
};

struct SearchHit {
  v1::Post post;
  double score = 0;
  Highlighted snippet;
  Highlighted title;
  int duplicate_count = 0;
};

struct FacetValueCount {
  std::string value;
  int64_t count = 0;
  bool selected = false;
  std::string label;  // display text; empty means value
};

struct FacetResult {
  std::string name;
  std::vector<FacetValueCount> values;
  // The counts come from 1 in this many of the matches, each multiplied by
  // it (2^r of the sample's level r); 1 when they are exact.
  int64_t sample_one_in = 1;
  // True when the counts are scaled from part of the matches.
  bool estimated() const { return sample_one_in > 1; }
};

struct SearchResults {
  std::vector<SearchHit> hits;
  int64_t estimated_total = 0;
  bool total_is_exact = false;
  std::vector<FacetResult> facets;
  std::string corrected_query;
  std::string parsed_query;
};

struct Suggestion {
  std::string text;
  std::string kind;  // "title" or "entity"
  std::string post_id;
};

struct IndexStats {
  int64_t document_count = 0;
  int64_t term_count = 0;
  double average_length = 0;
  std::optional<absl::Time> last_commit;
  int64_t size_bytes = 0;
  int64_t revision = 0;
};

enum class WriteOutcome { kCreated, kUpdated, kDeleted, kStale, kNotFound };

struct Deletion {
  std::string id;
  int64_t version = 0;
};

// Index stores posts and answers queries.
//
// Thread safety: every method may be called concurrently from many threads.
// Writes are serialized inside; reads run in parallel.
class Index {
 public:
  virtual ~Index() = default;

  // Inserts or replaces posts by id. Returns only after the writes are
  // durable (committed). A post whose version is not newer than what the
  // index holds for its id (a post or a delete) is kStale and changes
  // nothing. On error nothing of the batch is acknowledged; a retry is safe.
  virtual absl::StatusOr<std::vector<WriteOutcome>> Upsert(absl::Span<const v1::Post> posts) = 0;

  // Deletes posts by id, durably, remembering the delete's version.
  virtual absl::StatusOr<std::vector<WriteOutcome>> Delete(
      absl::Span<const Deletion> deletions) = 0;

  // Runs a query. INVALID_ARGUMENT when the query text cannot be parsed,
  // saying where.
  virtual absl::StatusOr<SearchResults> Search(const SearchQuery& query) = 0;

  // Posts similar to post `id`. NOT_FOUND when the id is unknown.
  virtual absl::StatusOr<SearchResults> MoreLikeThis(const std::string& id, int limit,
                                                     const SearchFilter& filter) = 0;

  // Completions of a typed prefix over titles and entity names.
  virtual absl::StatusOr<std::vector<Suggestion>> Suggest(const std::string& prefix, int limit) = 0;

  // One post with its body. NOT_FOUND when the id is unknown.
  virtual absl::StatusOr<v1::Post> GetPost(const std::string& id) = 0;

  virtual absl::StatusOr<IndexStats> Stats() = 0;

  // OK while writes can be committed; the last write error otherwise
  // (UNAVAILABLE for a full disk or an I/O error). Reads may still work.
  virtual absl::Status Health() = 0;
};

}  // namespace scr::search

#endif  // SCR_SEARCH_INDEX_H_
