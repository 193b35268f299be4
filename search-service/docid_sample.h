// The facet sample's posting source, shared by the index adapter
// (XapianIndex) and the raw Xapian baseline in bench/, so that both count
// facets on the same documents. Part of the index adapter: it links Xapian.
#ifndef SCR_SEARCH_SERVICE_DOCID_SAMPLE_H_
#define SCR_SEARCH_SERVICE_DOCID_SAMPLE_H_

#include <xapian.h>

#include <cstdint>
#include <string>

namespace scr::search {

// A facet sample of level r >= 1: the docids of 1 in 2^r runs of consecutive
// docids of each shard. Of every block of 2^r runs it takes the one a hash of
// the block's index picks, so a shard's sample holds last_docid / 2^r docids
// to within one run (stratified: choosing each run on a coin of its own, as
// this class did first, sampled up to a quarter fewer or 40% more docids
// than 1 / 2^r at some levels, and every count scaled by 2^r came out off by
// as much).
//
// Runs are kMaxRun docids long while a shard still yields kMinRuns * 2^r of
// them, shorter (down to single documents) on small shards. Why runs: glass
// reads values block by block and keeps no block cache, so a sample of
// scattered posts reads nearly every block of the value stream; whole runs
// share blocks. The cost: posts ingested together (a site's archive crawled
// at once) are sampled together, which widens the error of such values'
// estimates beyond what as many independent posts would give.
//
// Works on any index (docids only); a filter of weight 0. Like every
// PostingSource, an instance belongs to one match at a time (clone() gives
// each shard its own).
class DocidSample : public Xapian::PostingSource {
 public:
  // Longest run taken whole, and the fewest runs a sample level takes from a
  // shard before runs get shorter.
  static constexpr Xapian::docid kMaxRun = 64;
  static constexpr Xapian::docid kMinRuns = 64;

  explicit DocidSample(int level) : level_(level) {}

  void init(const Xapian::Database& db) override;
  Xapian::doccount get_termfreq_min() const override { return 0; }
  Xapian::doccount get_termfreq_est() const override { return last_ >> level_; }
  Xapian::doccount get_termfreq_max() const override { return last_; }
  void next(double) override { Advance(did_ + 1); }
  void skip_to(Xapian::docid did, double) override {
    if (did > did_) Advance(did);
  }
  bool at_end() const override { return did_ > last_; }
  Xapian::docid get_docid() const override { return did_; }
  Xapian::PostingSource* clone() const override { return new DocidSample(level_); }
  std::string get_description() const override;

 private:
  // The run chosen in block `block` (runs block * 2^level_ onwards).
  uint64_t ChosenRun(uint64_t block) const;
  // Moves to the first chosen docid at or after `from`.
  void Advance(uint64_t from);

  const int level_;
  Xapian::docid last_ = 0;
  Xapian::docid run_ = 1;
  Xapian::docid did_ = 0;
};

}  // namespace scr::search

#endif  // SCR_SEARCH_SERVICE_DOCID_SAMPLE_H_
