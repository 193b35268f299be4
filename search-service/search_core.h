// SearchCore is the search service's application layer: request limits,
// defaults and timing around an Index. The gRPC handlers and the HTTP
// gateway both call it; it knows nothing of either.
//
// Thread safety: all methods may be called concurrently.
#ifndef SCR_SEARCH_SEARCH_CORE_H_
#define SCR_SEARCH_SEARCH_CORE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "search-service/index.h"

namespace scr::search {

// Documented request limits (also in search.proto).
struct SearchLimits {
  static constexpr int kDefaultPageSize = 10;
  static constexpr int kMaxPageSize = 100;
  static constexpr int kMaxOffset = 10000;
  static constexpr int kMaxQueryBytes = 1024;
  static constexpr int kDefaultFacetSize = 10;
  static constexpr int kMaxFacetSize = 100;
  static constexpr int kDefaultSnippetBytes = 300;
  static constexpr int kMaxSnippetBytes = 2000;
  static constexpr int kMaxSuggestPrefixBytes = 256;
  static constexpr int kDefaultSuggestions = 8;
  static constexpr int kMaxSuggestions = 50;
  static constexpr int kMaxWriteBatch = 5000;
};

struct TimedResults {
  SearchResults results;
  int64_t took_micros = 0;
};

class SearchCore {
 public:
  // `index` must outlive the core.
  explicit SearchCore(Index* index) : index_(index) {}

  // REQUIRES: query was validated by the conversion layer (limits above).
  absl::StatusOr<TimedResults> Search(const SearchQuery& query);
  absl::StatusOr<TimedResults> MoreLikeThis(const std::string& id, int limit,
                                            const SearchFilter& filter);
  absl::StatusOr<std::vector<Suggestion>> Suggest(const std::string& prefix, int limit);
  absl::StatusOr<v1::Post> GetPost(const std::string& id);
  absl::StatusOr<IndexStats> Stats();

  // The index's write health (see Index::Health).
  absl::Status Health() { return index_->Health(); }

  // Validates each post (id, version, some text) and writes the batch.
  // INVALID_ARGUMENT names the first bad post by index and id.
  absl::StatusOr<std::vector<WriteOutcome>> Upsert(absl::Span<const v1::Post> posts);
  absl::StatusOr<std::vector<WriteOutcome>> Delete(absl::Span<const Deletion> deletions);

 private:
  Index* index_;
};

}  // namespace scr::search

#endif  // SCR_SEARCH_SEARCH_CORE_H_
