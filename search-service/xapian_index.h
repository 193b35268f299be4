// XapianIndex is the Index on a Xapian database on disk: the only code that
// includes <xapian.h>. Every Xapian::Error is caught here and returned as an
// absl::Status.
//
// Schema (docs/ARCHITECTURE.md has the full table):
//   free text   title (prefix S and unprefixed, weighted 4x) and body;
//               English stemming (STEM_SOME), positions for phrases and NEAR
//   boolean     Q id, XC category, K tag, H site, A author, XE entity,
//               Y year, L language (values case-folded), XB simhash bands
//   weighted    XEW entity, wdf = mentions (lexicon synonyms point at it)
//   values      0 published (sortable), 1 cluster key, 2.. facet lists
//   data        the Post, serialized protobuf (its version is the post's)
//   metadata    "v:<id>" the version of the delete that removed a post (a
//               stored post's own version is in its data; indexes written
//               before 2026-11-28 also hold one per post, which is read
//               only while the post is absent), "last_commit" microseconds
//               since the epoch
//
// Shards: the index is split into local shards (glass databases in
// shard-0, shard-1, ... of the index folder, listed in a XAPIANDB stub file
// so that Xapian's tools open the folder as one database). A post lives in
// the shard its id hashes to; each shard has its own writer thread, so
// indexing uses several cores, and readers open all shards together as one
// Xapian::Database (Xapian merges their statistics, so rankings are as for
// one database). A folder holding a plain glass database (an index made
// before shards) is opened as one shard.
//
// Writes use group commit, per shard: Upsert and Delete queue each shard's
// part of their batch and block; each shard's writer thread applies all
// queued batches, commits once and answers them together. A failed commit (disk full, I/O error)
// fails every write in the group, drops the writer's uncommitted changes and marks the index
// unhealthy; the thread probes with a small commit every second and marks it
// healthy again once a commit succeeds, with no restart needed.
#ifndef SCR_SEARCH_XAPIAN_INDEX_H_
#define SCR_SEARCH_XAPIAN_INDEX_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/lexicon.h"
#include "search-service/index.h"

namespace scr::search {

class XapianIndex : public Index {
 public:
  // Opens or creates the database in folder `path`. FAILED_PRECONDITION when
  // the folder holds something that is not a usable Xapian database, or the
  // database is locked by another writer. `lexicon` (not owned; must outlive
  // the index; default the built-in one) supplies synonyms: its variants are
  // written to the first shard's synonym table whenever the lexicon changed.
  // `shards` (1..kMaxShards) applies when the index is created; an existing
  // index keeps the shard count it was made with.
  // Facets are counted exactly when Xapian estimates at most
  // `max_exact_facet_matches` matches; broader queries count every k-th
  // match (k chosen to sample about that many) and scale the counts, flagged
  // as estimates, which bounds the cost of faceting a broad query on a large
  // index. A query holding a phrase or NEAR, whose every candidate costs a
  // position check, has a kPositionalFacetShare-th of that budget.
  // A search may use up to `query_threads` threads (0: one per core; never
  // more than the shards) to search groups of shards side by side, as many
  // as the searches running at the time leave cores free; the results are
  // those of one match over every shard. A collapsed search is split too
  // (each group collapses its own page; the pages are then collapsed across
  // groups). A faceted search split by shard, collapsed or not, splits its
  // facet match by shard too, beside the page's groups; unsplit, a collapsed
  // one counts its facets beside the page's match on a second thread. An
  // exact facet count beside a split uncollapsed page gives the exact
  // result count.
  static absl::StatusOr<std::unique_ptr<XapianIndex>> Open(
      const std::string& path, const common::Lexicon* lexicon = nullptr, int shards = 1,
      int64_t max_exact_facet_matches = kDefaultMaxExactFacetMatches, int query_threads = 0);

  static constexpr int kMaxShards = 64;
  static constexpr int64_t kDefaultMaxExactFacetMatches = 20000;
  // The divisor of max_exact_facet_matches for phrase and NEAR queries:
  // with facet values read from memory, a candidate's position check is
  // nearly all that a facet match spends on it.
  static constexpr int64_t kPositionalFacetShare = 8;
  // Most documents a shard applies in one commit. A shard's part of a bigger
  // Upsert or Delete is applied in several commits of near-equal size, one
  // after another; the call returns once all of them are durable. (Xapian
  // holds a commit's pending changes in in-memory maps that grow with it;
  // the raw Xapian baseline in bench/ commits every this many documents.)
  static constexpr size_t kMaxCommitDocuments = 2000;
  // Most posts whose text terms Upserts in progress hold ready-made at once,
  // across the index. An Upsert makes the terms of its posts on its own
  // thread before queueing them, as far as this allows, so that the work
  // overlaps the shard writers'; the writers make the rest. A post's
  // ready-made terms take about ten times its text in memory (36 KB for a
  // 3 KB post), so this bounds that memory (about 300 MB) however many
  // Upserts run at once. Two deliveries of ingest-service's default batch
  // (4,000 posts) fit.
  static constexpr size_t kMaxPrebuiltTexts = 8000;

  // The number of shards the index was made with.
  int shard_count() const;

  // The most threads one search may use (query_threads as resolved by Open).
  int query_threads() const;

  // How many searches have been handed to more than one thread since the
  // index was opened (shards side by side, or facets counted beside the
  // page); the caller may still have run a part itself.
  int64_t side_by_side_searches() const;

  // How many posts' ready-made text terms Upserts hold now (at most
  // kMaxPrebuiltTexts; 0 when no Upsert is running).
  size_t prebuilt_texts_held() const;

  ~XapianIndex() override;

  absl::StatusOr<std::vector<WriteOutcome>> Upsert(absl::Span<const v1::Post> posts) override;
  absl::StatusOr<std::vector<WriteOutcome>> Delete(absl::Span<const Deletion> deletions) override;
  absl::StatusOr<SearchResults> Search(const SearchQuery& query) override;
  absl::StatusOr<SearchResults> MoreLikeThis(const std::string& id, int limit,
                                             const SearchFilter& filter) override;
  absl::StatusOr<std::vector<Suggestion>> Suggest(const std::string& prefix, int limit) override;
  absl::StatusOr<v1::Post> GetPost(const std::string& id) override;
  absl::StatusOr<IndexStats> Stats() override;
  absl::Status Health() override;

 private:
  struct Impl;
  explicit XapianIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace scr::search

#endif  // SCR_SEARCH_XAPIAN_INDEX_H_
