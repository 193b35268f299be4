#include "search-service/xapian_index.h"

#include <fcntl.h>
#include <unistd.h>
#include <xapian.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/types/span.h"
#include "common/hash.h"
#include "common/logging.h"
#include "common/post_merge.h"
#include "common/text.h"
#include "search-service/budget.h"
#include "search-service/docid_sample.h"
#include "search-service/task_pool.h"
#include "search-service/word_pairs.h"

namespace scr::search {
namespace {

// Value slots.
constexpr Xapian::valueno kSlotPublished = 0;
constexpr Xapian::valueno kSlotCluster = 1;
constexpr Xapian::valueno kSlotCategories = 2;
constexpr Xapian::valueno kSlotTags = 3;
constexpr Xapian::valueno kSlotSite = 4;
constexpr Xapian::valueno kSlotYear = 5;
constexpr Xapian::valueno kSlotEntities = 6;
constexpr Xapian::valueno kSlotAuthor = 7;
constexpr Xapian::valueno kSlotSimHash = 8;
// The Post without its body, serialized: what a hit shows. Values are not
// compressed, so reading a hit costs no zlib inflate of the whole text.
constexpr Xapian::valueno kSlotSummary = 9;
// All facet values of a post in one slot, kFacets order, each as its own
// slot holds it, separated by kFacetSeparator: facet counting reads one
// value a document instead of one per facet.
constexpr Xapian::valueno kSlotFacets = 10;
constexpr char kFacetSeparator = '\x1e';

// Near-duplicates: SimHash fingerprints within this many bits share a
// cluster. With four 16-bit bands, any pair within 3 bits agrees exactly on
// at least one band (pigeonhole), so band terms find every candidate.
constexpr int kNearDuplicateBits = 3;
constexpr int kSimHashBands = 4;
// Bodies shorter than this are too short to fingerprint reliably.
constexpr size_t kMinNearDuplicateBodyBytes = 200;
// The deepest facet sample level: level r counts 1 in 2^r posts
// (DocidSample).
constexpr int kMaxSampleLevel = 12;

// Separator inside multi-valued facet slots.
constexpr char kListSeparator = '\x1f';

// Xapian terms are limited to 245 bytes; boolean values are cut to fit.
constexpr size_t kMaxBooleanValueBytes = 200;

// Longest stretch of body text a snippet is computed from.
constexpr size_t kMaxSnippetSourceBytes = 64 * 1024;

// Title words count this many times a body word (wdf); 4 measured best of
// 1..8 on the relevance set (docs/RELEVANCE.md).
constexpr int kTitleWeight = 4;

// How search text is parsed.
constexpr unsigned kQueryParserFlags = Xapian::QueryParser::FLAG_DEFAULT |
                                       Xapian::QueryParser::FLAG_WILDCARD |
                                       Xapian::QueryParser::FLAG_AUTO_MULTIWORD_SYNONYMS;

// Extra weight factor of the all-words reading of a multi-word query.
constexpr double kAllWordsBoost = 4.0;

struct FacetSpec {
  const char* name;
  Xapian::valueno slot;
  bool multi;
};
constexpr FacetSpec kFacets[] = {
    {"category", kSlotCategories, true}, {"tag", kSlotTags, true},
    {"site", kSlotSite, false},          {"year", kSlotYear, false},
    {"entity", kSlotEntities, true},     {"author", kSlotAuthor, false},
};

const FacetSpec* FindFacet(absl::string_view name) {
  for (const FacetSpec& f : kFacets) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

std::string BooleanValue(absl::string_view value) {
  return common::TruncateUtf8(common::FoldCase(common::CollapseWhitespace(value)),
                              kMaxBooleanValueBytes);
}

std::string IdTerm(absl::string_view id) { return absl::StrCat("Q", id); }

std::string VersionKey(absl::string_view id) { return absl::StrCat("v:", id); }

std::string BandTerm(uint64_t simhash, int band) {
  return absl::StrCat("XB", band, absl::Hex((simhash >> (16 * band)) & 0xFFFF, absl::kZeroPad4));
}

// The SimHash a post is indexed with for the near-duplicate lookup: 0 (none)
// when its body is too short for one to mean much (or, by a 2^-64 chance,
// when the SimHash is 0).
uint64_t IndexedSimHash(const v1::Post& post) {
  return post.body().size() >= kMinNearDuplicateBodyBytes ? post.simhash() : 0;
}

std::string EncodeSimHash(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (56 - 8 * i)) & 0xFF);
  return out;
}

uint64_t DecodeSimHash(const std::string& s) {
  uint64_t v = 0;
  for (size_t i = 0; i < s.size() && i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

// Returns the year of a post's publication time, or "" when unset.
std::string YearOf(const v1::Post& post) {
  if (!post.has_published()) return "";
  absl::Time t = absl::FromUnixSeconds(post.published().seconds());
  return absl::FormatTime("%Y", t, absl::UTCTimeZone());
}

// A boolean prefix whose values are case-folded before lookup, so that
// category:Uncategorized and category:uncategorized agree with the index.
class FoldedBooleanProcessor : public Xapian::FieldProcessor {
 public:
  explicit FoldedBooleanProcessor(std::string prefix) : prefix_(std::move(prefix)) {}
  Xapian::Query operator()(const std::string& value) override {
    return Xapian::Query(prefix_ + BooleanValue(value));
  }

 private:
  std::string prefix_;
};

// published:START..END with dates as YYYY, YYYY-MM or YYYY-MM-DD (either
// end may be empty). A malformed date is a QueryParserError naming it.
class PublishedRangeProcessor : public Xapian::RangeProcessor {
 public:
  PublishedRangeProcessor() : Xapian::RangeProcessor(kSlotPublished, "published:") {}

  Xapian::Query operator()(const std::string& begin, const std::string& end) override {
    double lo = begin.empty() ? -1e18 : Bound(begin, false);
    double hi = end.empty() ? 1e18 : Bound(end, true);
    return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, kSlotPublished,
                         Xapian::sortable_serialise(lo), Xapian::sortable_serialise(hi));
  }

 private:
  // Start (or, with `upper`, the last second) of the day, month or year.
  static double Bound(const std::string& text, bool upper) {
    absl::Time t;
    std::string err;
    absl::Time next;
    if (absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &t, &err)) {
      next = t + absl::Hours(24);
    } else if (absl::ParseTime("%Y-%m", text, absl::UTCTimeZone(), &t, &err)) {
      absl::CivilMonth m = absl::ToCivilMonth(t, absl::UTCTimeZone());
      next = absl::FromCivil(m + 1, absl::UTCTimeZone());
    } else if (text.size() == 4 && absl::ParseTime("%Y", text, absl::UTCTimeZone(), &t, &err)) {
      absl::CivilYear y = absl::ToCivilYear(t, absl::UTCTimeZone());
      next = absl::FromCivil(y + 1, absl::UTCTimeZone());
    } else {
      throw Xapian::QueryParserError(
          absl::StrCat("published:", text,
                       " is not a date; use YYYY, YYYY-MM or YYYY-MM-DD, as in "
                       "published:2009-04-01..2009-12-31"));
    }
    return static_cast<double>(absl::ToUnixSeconds(upper ? next - absl::Seconds(1) : t));
  }
};

// Lowercased word sequences under which a lexicon variant is looked up as a
// synonym key: with and without accents, singular and plural.
std::vector<std::string> SynonymKeys(const common::LexiconVariant& v) {
  std::vector<std::string> keys;
  std::string plain = common::CollapseWhitespace(common::FoldCase(common::FoldTypography(v.text)));
  std::vector<std::string> forms = {plain, common::StripAccents(plain)};
  for (const std::string& form : forms) {
    // The query parser splits on punctuation; so do the keys.
    std::vector<std::string> words;
    for (const std::string& w : common::Lexicon::Words(form)) words.push_back(common::FoldCase(w));
    if (words.empty()) continue;
    std::string key = absl::StrJoin(words, " ");
    keys.push_back(key);
    keys.push_back(key + "s");
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

// English function words, never highlighted as synonym words.
bool IsFunctionWord(const std::string& word) {
  static const auto* kWords = new std::set<std::string>{
      "a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"};
  return kWords->count(word) > 0;
}

// Confines a match over every shard to some of them, so that one query's
// shards can be searched side by side while Xapian still weighs every match
// with statistics of the whole index (each search opens every shard). As a
// filter (weight 0) it lets through every document of a chosen shard and none
// of the others. Xapian hands init() one shard at a time; shards are known by
// their UUIDs.
class ShardFilter : public Xapian::PostingSource {
 public:
  explicit ShardFilter(std::vector<std::string> uuids) : uuids_(std::move(uuids)) {}

  void init(const Xapian::Database& db) override {
    const bool chosen = std::find(uuids_.begin(), uuids_.end(), db.get_uuid()) != uuids_.end();
    last_ = chosen ? db.get_lastdocid() : 0;
    count_ = chosen ? db.get_doccount() : 0;
    did_ = 0;
    set_maxweight(0);
  }
  // Every document of a chosen shard, exactly.
  Xapian::doccount get_termfreq_min() const override { return count_; }
  Xapian::doccount get_termfreq_est() const override { return count_; }
  Xapian::doccount get_termfreq_max() const override { return count_; }
  // Docids without a document are passed over too: the query beside this
  // filter never matches them.
  void next(double) override { ++did_; }
  void skip_to(Xapian::docid did, double) override {
    if (did > did_) did_ = did;
  }
  bool at_end() const override { return did_ > last_; }
  Xapian::docid get_docid() const override { return did_; }
  Xapian::PostingSource* clone() const override { return new ShardFilter(uuids_); }
  std::string get_description() const override {
    return absl::StrCat("ShardFilter(", absl::StrJoin(uuids_, ","), ")");
  }

 private:
  const std::vector<std::string> uuids_;
  Xapian::docid last_ = 0;
  Xapian::doccount count_ = 0;
  Xapian::docid did_ = 0;
};

// How facet counting samples a query's matches: exactly (level 0), or the
// matches within a DocidSample of level r, counts multiplied by one_in()
// (2^r).
struct FacetSample {
  int level = 0;
  bool estimated() const { return level != 0; }
  int64_t one_in() const { return int64_t{1} << level; }
  // A new query for the sample (none at level 0): a query of its own for
  // each thread, as Xapian's reference counts are not atomic.
  Xapian::Query Filter() const {
    return level == 0 ? Xapian::Query() : Xapian::Query((new DocidSample(level))->release());
  }
};

// Calls f(facet, value) for every value of a facet bundle (kSlotFacets):
// `facet` indexes kFacets, and a list field (kListSeparator) gives each of
// its non-empty values.
template <typename F>
void ForEachBundleValue(absl::string_view bundle, const F& f) {
  size_t facet = 0;
  for (absl::string_view field : absl::StrSplit(bundle, kFacetSeparator)) {
    if (facet >= std::size(kFacets)) break;
    for (absl::string_view v : absl::StrSplit(field, kListSeparator, absl::SkipEmpty())) {
      f(facet, v);
    }
    ++facet;
  }
}

// The facet values of one shard's documents by docid (their facet bundles,
// kSlotFacets, split), as of the shard's last commit, held in memory so that
// counting facets reads no values: glass keeps no block cache, and reading
// the bundles of a broad query's 20,000 sampled matches was most of its
// time. A document's values are entries (facet index << kValueBits | value
// id); each distinct value string is stored once, in blocks never freed
// while the table lives, so that Value() views stay valid across reloads. A
// document costs 5 bytes and 4 a value; a replaced document's old entries
// stay until the next load. Written by the shard's writer thread after each
// commit, read by searches. Thread-safe.
class FacetTable {
 public:
  static constexpr int kValueBits = 29;
  static constexpr uint32_t kValueMask = (uint32_t{1} << kValueBits) - 1;
  static_assert(std::size(kFacets) <= (1 << (32 - kValueBits)));

  // Replaces the table with the bundles stored in `db`; a document without
  // one is unknown. Searches may read the table meanwhile (they see the
  // old one). Throws Xapian errors.
  void Load(const Xapian::Database& db, const std::string& name) {
    Docs docs;
    std::vector<std::pair<Xapian::docid, std::string>> chunk;
    auto flush = [&] {
      absl::MutexLock lock(&mu_);
      for (const auto& [did, bundle] : chunk) SetLocked(docs, did, bundle);
      chunk.clear();
    };
    size_t n = 0;
    for (auto it = db.valuestream_begin(kSlotFacets); it != db.valuestream_end(kSlotFacets); ++it) {
      chunk.emplace_back(it.get_docid(), *it);
      ++n;
      if (chunk.size() == 4096) flush();
    }
    flush();
    docs.begin.shrink_to_fit();
    docs.count.shrink_to_fit();
    docs.entries.shrink_to_fit();
    absl::MutexLock lock(&mu_);
    docs_ = std::move(docs);
    SCR_LOG(INFO) << "facet table of " << name << ": " << n << " documents, "
                  << docs_.entries.size() << " values, " << strings_.size() << " distinct, "
                  << bytes_ << " bytes of them";
  }

  // Sets the bundles of written documents; an empty string (no bundle is
  // empty: it holds the separators) forgets a deleted one, so that a search
  // still on the revision before its deletion reads its value instead.
  void Set(const std::vector<std::pair<Xapian::docid, std::string>>& writes) {
    if (writes.empty()) return;
    absl::MutexLock lock(&mu_);
    for (const auto& [did, bundle] : writes) SetLocked(docs_, did, bundle);
  }

  // Calls f(entry) for each facet value of local docid `did` under the
  // table's lock (f must not call the table); false when the table does not
  // know the document.
  template <typename F>
  bool ForEachValue(Xapian::docid did, const F& f) const {
    absl::ReaderMutexLock lock(&mu_);
    if (did >= docs_.count.size() || docs_.count[did] == kUnknown) return false;
    const uint32_t* e = docs_.entries.data() + docs_.begin[did];
    for (uint8_t i = 0; i < docs_.count[did]; ++i) f(e[i]);
    return true;
  }

  // The string of an entry's value id; valid while the table lives.
  absl::string_view Value(uint32_t entry) const {
    absl::ReaderMutexLock lock(&mu_);
    return strings_[(entry & kValueMask) - 1];
  }

 private:
  static constexpr uint8_t kUnknown = 0xff;  // also: more values than fit
  static constexpr size_t kBlockBytes = 1 << 20;

  struct Docs {
    std::vector<uint32_t> begin;  // by docid, into entries
    std::vector<uint8_t> count;   // by docid; kUnknown: not known
    std::vector<uint32_t> entries;
  };

  void SetLocked(Docs& docs, Xapian::docid did, absl::string_view bundle)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (did >= docs.count.size()) {
      if (bundle.empty()) return;
      const size_t size = std::max<size_t>(did + 1, docs.count.size() * 3 / 2);
      docs.begin.resize(size, 0);
      docs.count.resize(size, kUnknown);
    }
    docs.count[did] = kUnknown;
    if (bundle.empty()) return;
    const size_t begin = docs.entries.size();
    ForEachBundleValue(
        bundle, [&](size_t facet, absl::string_view v) ABSL_NO_THREAD_SAFETY_ANALYSIS {
          docs.entries.push_back((static_cast<uint32_t>(facet) << kValueBits) | InternLocked(v));
        });
    const size_t count = docs.entries.size() - begin;
    if (count >= kUnknown) {
      docs.entries.resize(begin);  // read from the document instead
      return;
    }
    docs.begin[did] = static_cast<uint32_t>(begin);
    docs.count[did] = static_cast<uint8_t>(count);
  }

  uint32_t InternLocked(absl::string_view value) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = interned_.find(value);
    if (it != interned_.end()) return it->second;
    if (blocks_.empty() || block_used_ + value.size() > block_size_) {
      block_size_ = std::max(kBlockBytes, value.size());
      blocks_.push_back(std::make_unique<char[]>(block_size_));
      block_used_ = 0;
    }
    char* at = blocks_.back().get() + block_used_;
    std::memcpy(at, value.data(), value.size());
    block_used_ += value.size();
    bytes_ += value.size();
    const absl::string_view kept(at, value.size());
    strings_.push_back(kept);
    const uint32_t id = static_cast<uint32_t>(strings_.size());
    interned_.emplace(kept, id);
    return id;
  }

  mutable absl::Mutex mu_;
  Docs docs_ ABSL_GUARDED_BY(mu_);
  // Every distinct value string ever seen, by id - 1, in blocks_.
  std::vector<absl::string_view> strings_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<absl::string_view, uint32_t> interned_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<char[]>> blocks_ ABSL_GUARDED_BY(mu_);
  size_t block_size_ ABSL_GUARDED_BY(mu_) = 0;
  size_t block_used_ ABSL_GUARDED_BY(mu_) = 0;
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

// Counts the values of one or more facets (each value one string or a
// kListSeparator list) in every document the match examines, scaled by
// FacetSample::one_in(). A document the facet tables know (a match run
// shard by shard, see set_shard) costs no value read; otherwise, with the
// facet bundle (kSlotFacets) one whatever the number of facets, and
// without it (an index written before the bundle existed) one a facet.
// Glass looks each value up in its B-tree afresh, so reads were most of a
// broad faceted query. One spy serves one thread at a time.
class FacetSpy : public Xapian::MatchSpy {
 public:
  // `facets` are indexes into kFacets.
  // With `tables` (one a shard, in the order of the shards of the database
  // the spy's match runs on; only with `bundled`), a document of the shard
  // set_shard() names that the tables know costs no value read: its values
  // are counted by id, and the ids are turned into strings once, when the
  // counts are taken.
  FacetSpy(std::vector<size_t> facets, bool bundled, const FacetSample& sample,
           absl::Span<const std::unique_ptr<FacetTable>> tables = {})
      : facets_(std::move(facets)),
        bundled_(bundled),
        tables_(bundled ? tables : absl::Span<const std::unique_ptr<FacetTable>>()),
        one_in_(sample.one_in()),
        counts_(facets_.size()) {
    for (size_t f : facets_) wanted_[f] = true;
  }
  void operator()(const Xapian::Document& doc, double) override {
    ++seen_;
    if (!bundled_) {
      for (size_t i = 0; i < facets_.size(); ++i) {
        Count(i, doc.get_value(kFacets[facets_[i]].slot));
      }
      return;
    }
    if (shard_ >= 0) {
      const uint64_t shard = uint64_t{static_cast<uint32_t>(shard_)} << 32;
      const bool known =
          tables_[static_cast<size_t>(shard_)]->ForEachValue(doc.get_docid(), [&](uint32_t entry) {
            if (wanted_[entry >> FacetTable::kValueBits]) ++by_value_[shard | entry];
          });
      if (known) return;
    }
    CountBundle(doc.get_value(kSlotFacets));
  }
  // True when the spy can count by facet table (see set_shard).
  bool uses_tables() const { return !tables_.empty(); }
  // The shard (index into the tables) of every document the spy sees until
  // the next call, or -1 for documents of any shard, whose values are read.
  // Xapian 1.4 gives a spy each document's docid within its own shard.
  void set_shard(int shard) { shard_ = uses_tables() ? shard : -1; }
  // The counts of the i-th facet, moved out: those of the sampled
  // documents, scaled to all matches when the spy sampled (and then
  // estimated() is true).
  absl::flat_hash_map<std::string, int64_t> TakeCounts(size_t i) {
    for (const auto& [key, n] : by_value_) {
      const uint32_t entry = static_cast<uint32_t>(key);
      AddToFacet(entry >> FacetTable::kValueBits, tables_[key >> 32]->Value(entry), n);
    }
    by_value_.clear();
    absl::flat_hash_map<std::string, int64_t> counts = std::move(counts_[i]);
    if (estimated()) {
      for (auto& [value, count] : counts) count *= one_in_;
    }
    return counts;
  }
  bool estimated() const { return one_in_ != 1; }
  // What each sampled document's count is multiplied by: 1 unless estimated().
  int64_t one_in() const { return one_in_; }
  // Documents examined (every match of an unsampled match the spy sat on),
  // scaled like the counts to all matches when the spy sampled.
  int64_t matches() const { return seen_ * one_in_; }

 private:
  // Counts a document with facet bundle `bundle`.
  void CountBundle(absl::string_view bundle) {
    ForEachBundleValue(bundle, [this](size_t facet, absl::string_view v) {
      if (wanted_[facet]) AddToFacet(facet, v, 1);
    });
  }

  // Counts a document's value of the i-th facet (one string or a
  // kListSeparator list).
  void Count(size_t i, absl::string_view value) {
    for (absl::string_view v : absl::StrSplit(value, kListSeparator, absl::SkipEmpty())) {
      Add(i, v, 1);
    }
  }

  // Adds `n` to `value` of kFacets[facet] wherever facets_ holds it.
  void AddToFacet(size_t facet, absl::string_view value, int64_t n) {
    for (size_t i = 0; i < facets_.size(); ++i) {
      if (facets_[i] == facet) Add(i, value, n);
    }
  }

  void Add(size_t i, absl::string_view value, int64_t n) {
    auto it = counts_[i].find(value);
    if (it == counts_[i].end()) {
      counts_[i].emplace(std::string(value), n);
    } else {
      it->second += n;
    }
  }

  const std::vector<size_t> facets_;
  const bool bundled_;
  const absl::Span<const std::unique_ptr<FacetTable>> tables_;
  // By kFacets index: whether facets_ holds it.
  std::array<bool, 1 << (32 - FacetTable::kValueBits)> wanted_{};
  int shard_ = -1;
  // Documents counted by (shard << 32 | table entry), not yet in counts_.
  absl::flat_hash_map<uint64_t, int64_t> by_value_;
  const int64_t one_in_;
  std::vector<absl::flat_hash_map<std::string, int64_t>> counts_;
  int64_t seen_ = 0;
};

// Replaces the entities Xapian's snippet() escapes (&amp; &lt; &gt;) and
// turns the \x01 \x02 markers into ranges.
Highlighted ParseMarkedSnippet(const std::string& marked) {
  Highlighted out;
  int start = -1;
  for (size_t i = 0; i < marked.size(); ++i) {
    char c = marked[i];
    if (c == '\x01') {
      start = static_cast<int>(out.text.size());
      continue;
    }
    if (c == '\x02') {
      if (start >= 0 && static_cast<int>(out.text.size()) > start) {
        out.ranges.emplace_back(start, static_cast<int>(out.text.size()));
      }
      start = -1;
      continue;
    }
    if (c == '&') {
      absl::string_view rest(marked.data() + i, marked.size() - i);
      if (absl::StartsWith(rest, "&amp;")) {
        out.text.push_back('&');
        i += 4;
        continue;
      }
      if (absl::StartsWith(rest, "&lt;")) {
        out.text.push_back('<');
        i += 3;
        continue;
      }
      if (absl::StartsWith(rest, "&gt;")) {
        out.text.push_back('>');
        i += 3;
        continue;
      }
    }
    out.text.push_back(c);
  }
  return out;
}

// Reads a stored post into `post`: without its body from the summary value
// unless `with_body` (documents written before the summary value existed
// fall back to the data). False when the stored bytes do not parse.
bool ReadPost(const Xapian::Document& doc, bool with_body, v1::Post& post) {
  if (!with_body) {
    std::string summary = doc.get_value(kSlotSummary);
    if (!summary.empty()) return post.ParseFromString(summary);
  }
  if (!post.ParseFromString(doc.get_data())) return false;
  if (!with_body) post.clear_body();
  return true;
}

// Runs `fn`, turning Xapian exceptions into statuses.
template <typename Fn>
auto Guard(absl::string_view what, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Xapian::QueryParserError& e) {
    return absl::InvalidArgumentError(absl::StrCat("query: ", e.get_msg()));
  } catch (const Xapian::DatabaseLockError& e) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, ": index is locked by another process: ", e.get_msg()));
  } catch (const Xapian::DatabaseCorruptError& e) {
    return absl::DataLossError(absl::StrCat(what, ": index is corrupt: ", e.get_msg()));
  } catch (const Xapian::DatabaseOpeningError& e) {
    return absl::FailedPreconditionError(absl::StrCat(what, ": cannot open index: ", e.get_msg()));
  } catch (const Xapian::DatabaseError& e) {
    return absl::UnavailableError(absl::StrCat(what, ": ", e.get_description()));
  } catch (const Xapian::Error& e) {
    return absl::InternalError(absl::StrCat(what, ": ", e.get_description()));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(absl::StrCat(what, ": out of memory"));
  }
}

// Stable shard of a post id, so the same id lands in the same shard on
// every machine and every run.
size_t ShardOf(absl::string_view id, size_t shards) {
  return static_cast<size_t>(common::Fnv1a64(id, common::kFnvLegacyBasis) % shards);
}

// Spelling-table increments of a write group: word -> occurrences.
using SpellingCounts = absl::flat_hash_map<std::string, Xapian::termcount>;

// Adds the words of `doc` to `spellings` the way TermGenerator's
// FLAG_SPELLING would add them to the database: every unprefixed term (the
// unstemmed words of title and body; prefixes are upper case, and words are
// lower-cased) once per occurrence, which is its number of positions. The
// writer adds each word once per group instead of once per occurrence
// (TermGenerator calls add_spelling for every word it reads), with the same
// resulting frequencies; that was a quarter of indexing CPU on two shards.
void CountSpellings(const Xapian::Document& doc, SpellingCounts& spellings) {
  // Terms come in byte order: digits, then every prefixed term (A-Z, half
  // of them the Z stems), then lower-case and non-ASCII words, which the
  // iterator jumps to.
  for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end();) {
    const std::string& term = *t;
    if (!term.empty() && absl::ascii_isupper(static_cast<unsigned char>(term[0]))) {
      t.skip_to("[");  // '[' is the byte after 'Z'
      continue;
    }
    spellings[term] += t.positionlist_count();
    ++t;
  }
}

// The SimHashes of one shard's documents by docid, as last written
// (committed or not), so that the near-duplicate lookup compares a band's
// candidates without reading their values; 0 stands for none (a document
// too short to have one, or deleted). 8 bytes a docid. Written by the
// shard's writer thread, read by every shard's. Thread-safe.
class SimHashTable {
 public:
  void Set(Xapian::docid did, uint64_t simhash) {
    absl::MutexLock lock(&mu_);
    if (did >= v_.size()) {
      if (simhash == 0) return;
      v_.resize(std::max<size_t>(did + 1, v_.size() * 3 / 2));
    }
    v_[did] = simhash;
  }

  // Replaces the whole table with the SimHashes stored in `db` (in slot
  // `slot`, as EncodeSimHash writes them). Throws Xapian errors.
  void Load(const Xapian::Database& db, Xapian::valueno slot) {
    std::vector<uint64_t> v;
    for (auto it = db.valuestream_begin(slot); it != db.valuestream_end(slot); ++it) {
      Xapian::docid did = it.get_docid();
      if (did >= v.size()) v.resize(std::max<size_t>(did + 1, v.size() * 3 / 2));
      v[did] = DecodeSimHash(*it);
    }
    absl::MutexLock lock(&mu_);
    v_ = std::move(v);
  }

  // Appends to `out` (docid, SimHash) for each of `dids` (ascending) whose
  // SimHash is within `bits` of `simhash`; `to_local` maps the caller's
  // docid to this shard's.
  template <typename ToLocal>
  void Near(const std::vector<Xapian::docid>& dids, uint64_t simhash, int bits, ToLocal to_local,
            std::vector<std::pair<Xapian::docid, uint64_t>>& out) const {
    absl::ReaderMutexLock lock(&mu_);
    for (Xapian::docid did : dids) {
      Xapian::docid local = to_local(did);
      if (local >= v_.size() || v_[local] == 0) continue;
      if (common::HammingDistance(simhash, v_[local]) <= bits) out.emplace_back(did, v_[local]);
    }
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<uint64_t> v_ ABSL_GUARDED_BY(mu_);
};

// A TermGenerator as every document's text is indexed with: English
// stemmer, STEM_SOME. Not thread-safe; each thread makes its own.
Xapian::TermGenerator MakeTextIndexer() {
  Xapian::TermGenerator indexer;
  indexer.set_stemmer(Xapian::Stem("english"));
  indexer.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
  return indexer;
}

// A new document holding the text terms of `post`: its folded title with
// prefix S, the title again at kTitleWeight and the body, with positions,
// and their word pairs (AddWordPairs).
// `indexer` keeps no reference to the document afterwards, so the document
// can be handed to another thread.
Xapian::Document TextDocument(Xapian::TermGenerator& indexer, const v1::Post& post) {
  Xapian::Document doc;
  indexer.set_document(doc);
  std::string title = common::FoldTypography(post.title());
  std::string body = common::FoldTypography(post.body());
  indexer.index_text(title, 1, "S");
  indexer.increase_termpos();
  indexer.index_text(title, kTitleWeight);
  indexer.increase_termpos();
  indexer.index_text(body);
  indexer.set_document(Xapian::Document());
  AddWordPairs(doc);
  return doc;
}

// A batch of writes for one shard. The pointers are owned by the caller of
// Upsert or Delete, which blocks until `done`.
struct PendingWrite {
  std::vector<const v1::Post*> posts;
  // texts[i], when present, is TextDocument(posts[i]): built by the calling
  // thread before the write is queued, so that term generation overlaps
  // the shard writer's work on earlier writes. The writer moves it out.
  std::vector<Xapian::Document> texts;
  std::vector<const Deletion*> deletions;
  bool is_delete = false;
  absl::StatusOr<std::vector<WriteOutcome>> result;
  bool done = false;
};

// Longest a commit waits for searches that hold commits off.
constexpr absl::Duration kMaxCommitPause = absl::Milliseconds(200);

// Lets a reader that keeps losing its revision to new commits hold them
// off: while any reader holds the pause, shard writers wait before each
// commit, for at most the limit they pass. Thread-safe.
class CommitPause {
 public:
  void Hold() {
    absl::MutexLock lock(&mu_);
    ++holders_;
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    --holders_;
  }
  // Returns once no reader holds the pause, or after `limit`.
  void WaitBeforeCommit(absl::Duration limit) {
    absl::MutexLock lock(&mu_);
    auto free = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return holders_ == 0; };
    mu_.AwaitWithTimeout(absl::Condition(&free), limit);
  }

 private:
  absl::Mutex mu_;
  int holders_ ABSL_GUARDED_BY(mu_) = 0;
};

// One Xapian database of the index, with its own writer thread.
//
// Writes use group commit: callers queue a PendingWrite and block; the
// shard's thread applies everything queued, commits once and answers them
// all. While it commits, new writes queue up and share the next commit, so
// commits batch under load without adding latency when idle.
//
// Thread safety: Enqueue, Wait, Health, last_commit and revision may be
// called from any thread; everything else runs on the shard's writer thread
// (or in Open, before it starts).
class Shard {
 public:
  // The index's other shards, as this one sees them to find
  // near-duplicates across shards: the path (read as of its last commit) and
  // the SimHash table (not owned) its writer keeps.
  struct Peer {
    std::string path;
    const SimHashTable* simhashes;
  };

  // This shard keeps `simhashes` and `facets` (not owned) for its
  // documents, `facets` as of its last commit. `generation`
  // (not owned) is bumped after every commit; every commit first waits on
  // `pause` (not owned). `lexicon` (not owned) is written as synonyms when
  // `keeps_synonyms`.
  Shard(std::string path, SimHashTable* simhashes, FacetTable* facets, std::vector<Peer> peers,
        std::atomic<uint64_t>* generation, CommitPause* pause, const common::Lexicon* lexicon,
        bool keeps_synonyms)
      : path_(std::move(path)),
        simhashes_(simhashes),
        facets_(facets),
        peers_(std::move(peers)),
        generation_(generation),
        pause_(pause),
        lexicon_(lexicon),
        keeps_synonyms_(keeps_synonyms) {}

  ~Shard() {
    {
      absl::MutexLock lock(&queue_mu_);
      stopping_ = true;
    }
    if (thread_.joinable()) thread_.join();
    absl::MutexLock lock(&write_mu_);
    if (writer_) {
      try {
        writer_->close();
      } catch (const Xapian::Error& e) {
        SCR_LOG(ERROR) << "closing index shard " << path_ << ": " << e.get_description();
      }
    }
  }

  const std::string& path() const { return path_; }
  // The shard database's UUID (set by Open; constant after).
  const std::string& uuid() const { return uuid_; }
  // True when every document of the shard has the word pairs of the current
  // list (kWordPairsKey; set by Open, constant after).
  bool word_pairs() const { return word_pairs_; }

  // Opens (or creates) the database and starts the writer thread. Throws
  // Xapian errors.
  void Open() {
    {
      absl::MutexLock lock(&write_mu_);
      OpenWriter();
      // A shard created now (or still empty) holds only documents with word
      // pairs; one that has posts without the key keeps phrase matching
      // without pair filters until it is rebuilt.
      if (writer_->get_doccount() == 0 &&
          writer_->get_metadata(std::string(kWordPairsKey)) != WordPairsVersion()) {
        writer_->set_metadata(std::string(kWordPairsKey), WordPairsVersion());
        writer_->commit();
      }
      word_pairs_ = writer_->get_metadata(std::string(kWordPairsKey)) == WordPairsVersion();
      indexer_ = MakeTextIndexer();
      int64_t micros = 0;
      if (absl::SimpleAtoi(writer_->get_metadata("last_commit"), &micros)) last_commit_ = micros;
      revision_ = writer_->get_revision();
      if (keeps_synonyms_) SyncSynonyms();
      // Check a reader can open what the writer created.
      uuid_ = Xapian::Database(path_).get_uuid();
    }
    thread_ = std::thread([this] { WriterLoop(); });
  }

  // Queues a write; false when the shard is shutting down.
  bool Enqueue(PendingWrite* w) {
    absl::MutexLock lock(&queue_mu_);
    if (stopping_) return false;
    queue_.push_back(w);
    return true;
  }

  // Blocks until the writer thread has answered `w`.
  void Wait(PendingWrite* w) {
    absl::MutexLock lock(&queue_mu_);
    queue_mu_.Await(absl::Condition(&w->done));
  }

  absl::Status Health() {
    absl::MutexLock lock(&queue_mu_);
    return write_health_;
  }

  // Microseconds since the epoch of the last commit (0 when none), and the
  // database revision after it.
  int64_t last_commit() const { return last_commit_.load(); }
  uint64_t revision() const { return revision_.load(); }

 private:
  void WriterLoop() {
    while (true) {
      std::vector<PendingWrite*> group;
      bool unhealthy = false;
      {
        absl::MutexLock lock(&queue_mu_);
        auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(queue_mu_) {
          return stopping_ || !queue_.empty();
        };
        queue_mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Seconds(1));
        if (queue_.empty() && stopping_) return;
        // No group grows past XapianIndex::kMaxCommitDocuments by adding a
        // write; WriteToShards keeps each write within it.
        size_t docs = 0;
        while (!queue_.empty()) {
          PendingWrite* w = queue_.front();
          size_t n = w->is_delete ? w->deletions.size() : w->posts.size();
          if (!group.empty() && docs + n > XapianIndex::kMaxCommitDocuments) break;
          queue_.pop_front();
          docs += n;
          group.push_back(w);
        }
        unhealthy = !write_health_.ok();
      }
      if (group.empty()) {
        if (unhealthy) Probe();
        continue;
      }
      ApplyGroup(group);
      absl::MutexLock lock(&queue_mu_);
      for (PendingWrite* w : group) w->done = true;
    }
  }

  void SetHealth(absl::Status s) {
    absl::MutexLock lock(&queue_mu_);
    if (s.ok() && !write_health_.ok())
      SCR_LOG(INFO) << "index shard " << path_ << " writable again";
    if (!s.ok() && write_health_.ok())
      SCR_LOG(ERROR) << "index shard " << path_ << " not writable: " << s;
    write_health_ = std::move(s);
  }

  void ApplyGroup(const std::vector<PendingWrite*>& group) {
    absl::MutexLock lock(&write_mu_);
    absl::Status s = Guard("write", [&]() -> absl::Status {
      if (!writer_) OpenWriter();
      ClearGroup();
      std::map<std::string, int64_t> versions;
      SpellingCounts spellings;
      for (PendingWrite* w : group) {
        w->result = w->is_delete ? ApplyDeletes(w->deletions, versions)
                                 : ApplyUpserts(*w, versions, spellings);
      }
      for (const auto& [word, count] : spellings) writer_->add_spelling(word, count);
      Commit();
      return absl::OkStatus();
    });
    ClearGroup();
    if (!s.ok()) {
      // Nothing of the group is acknowledged; uncommitted changes are dropped
      // with the writer, and callers retry.
      for (PendingWrite* w : group) w->result = s;
      ResetWriter();
    }
    SetHealth(s);
  }

  // Checks that a commit goes through again (after a full disk, say).
  void Probe() {
    absl::MutexLock lock(&write_mu_);
    absl::Status s = Guard("write probe", [&]() -> absl::Status {
      if (!writer_) OpenWriter();
      writer_->set_metadata("probe", absl::StrCat(absl::ToUnixMicros(absl::Now())));
      Commit();
      return absl::OkStatus();
    });
    if (!s.ok()) ResetWriter();
    SetHealth(s);
  }

  // Also reloads the SimHash table, which may hold the writes of a group
  // that failed, and the facet table.
  void OpenWriter() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) {
    writer_ = std::make_unique<Xapian::WritableDatabase>(
        path_, Xapian::DB_CREATE_OR_OPEN | Xapian::DB_BACKEND_GLASS);
    simhashes_->Load(*writer_, kSlotSimHash);
    facets_->Load(*writer_, path_);
    const std::string prefix = VersionKey("");
    version_keys_ = writer_->metadata_keys_begin(prefix) != writer_->metadata_keys_end(prefix);
  }

  void ResetWriter() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) {
    if (!writer_) return;
    try {
      writer_->close();
    } catch (const Xapian::Error& e) {
      SCR_LOG(WARNING) << "closing the failed writer of " << path_ << ": " << e.get_description();
    }
    writer_.reset();
  }

  void Commit() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) {
    int64_t now = absl::ToUnixMicros(absl::Now());
    writer_->set_metadata("last_commit", absl::StrCat(now));
    pause_->WaitBeforeCommit(kMaxCommitPause);
    writer_->commit();
    // Before readers are told to reopen, so that one on the new revision
    // finds its documents' bundles.
    facets_->Set(group_facets_);
    group_facets_.clear();
    last_commit_ = now;
    revision_ = writer_->get_revision();
    generation_->fetch_add(1);
  }

  // The document stored for `post`; `doc` holds TextDocument(post) and is
  // completed with its boolean terms, values and data.
  static Xapian::Document BuildDocument(const v1::Post& post, Xapian::Document doc) {
    doc.add_boolean_term(IdTerm(post.id()));
    std::vector<std::string> categories, tags, entities;
    for (const std::string& c : post.categories()) {
      doc.add_boolean_term("XC" + BooleanValue(c));
      categories.push_back(c);
    }
    for (const std::string& t : post.tags()) {
      doc.add_boolean_term("K" + BooleanValue(t));
      tags.push_back(t);
    }
    for (const v1::Entity& e : post.entities()) {
      doc.add_boolean_term("XE" + BooleanValue(e.id()));
      doc.add_term("XEW" + BooleanValue(e.id()),
                   static_cast<Xapian::termcount>(std::max(1, e.mentions())));
      entities.push_back(e.id());
    }
    if (!post.site().empty()) doc.add_boolean_term("H" + BooleanValue(post.site()));
    if (!post.author().empty()) doc.add_boolean_term("A" + BooleanValue(post.author()));
    if (!post.language().empty()) doc.add_boolean_term("L" + BooleanValue(post.language()));
    std::string year = YearOf(post);
    if (!year.empty()) {
      doc.add_boolean_term("Y" + year);
      doc.add_value(kSlotPublished,
                    Xapian::sortable_serialise(static_cast<double>(post.published().seconds())));
      doc.add_value(kSlotYear, year);
    }
    doc.add_value(kSlotCluster, post.cluster_key().empty() ? post.id() : post.cluster_key());
    if (IndexedSimHash(post) != 0) {
      doc.add_value(kSlotSimHash, EncodeSimHash(post.simhash()));
      for (int b = 0; b < kSimHashBands; ++b) doc.add_boolean_term(BandTerm(post.simhash(), b));
    }
    auto join = [](const std::vector<std::string>& v) {
      return absl::StrJoin(v, std::string(1, kListSeparator));
    };
    if (!categories.empty()) doc.add_value(kSlotCategories, join(categories));
    if (!tags.empty()) doc.add_value(kSlotTags, join(tags));
    if (!entities.empty()) doc.add_value(kSlotEntities, join(entities));
    if (!post.site().empty()) doc.add_value(kSlotSite, post.site());
    if (!post.author().empty()) doc.add_value(kSlotAuthor, post.author());
    std::string bundle;
    for (const FacetSpec& f : kFacets) {
      if (&f != &kFacets[0]) bundle.push_back(kFacetSeparator);
      bundle += doc.get_value(f.slot);
    }
    doc.add_value(kSlotFacets, bundle);
    doc.set_data(post.SerializeAsString());
    v1::Post summary = post;
    summary.clear_body();
    doc.add_value(kSlotSummary, summary.SerializeAsString());
    return doc;
  }

  // The document stored under `id`, if any (uncommitted changes included):
  // its docid (0 when none) and its post (empty when none, or when its data
  // does not parse). Looks the id up without opening its posting list when
  // it is absent: opening one makes the writer flush its buffered positions.
  struct StoredDoc {
    Xapian::docid did = 0;
    std::optional<v1::Post> post;
  };
  StoredDoc Stored(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) {
    std::string term = IdTerm(id);
    if (!writer_->term_exists(term)) return {};
    Xapian::PostingIterator p = writer_->postlist_begin(term);
    if (p == writer_->postlist_end(term)) return {};
    StoredDoc stored;
    stored.did = *p;
    v1::Post post;
    if (post.ParseFromString(writer_->get_document(stored.did).get_data())) {
      stored.post = std::move(post);
    }
    return stored;
  }

  // Records for the near-duplicate lookup the post now stored under `id` in
  // the current group (`written`; null after a delete). The caller adds the
  // docid the write replaced or deleted to group_replaced_.
  void NoteGroupWrite(const std::string& id, const v1::Post* written)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) {
    auto [at, added] = group_index_.try_emplace(id, group_posts_.size());
    if (added) group_posts_.emplace_back();
    GroupPost& g = group_posts_[at->second];
    g.live = written != nullptr && IndexedSimHash(*written) != 0;
    if (g.live) {
      g.simhash = written->simhash();
      g.cluster = written->cluster_key().empty() ? id : written->cluster_key();
    }
  }

  void ClearGroup() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) {
    group_posts_.clear();
    group_index_.clear();
    group_replaced_.clear();
    group_facets_.clear();
    committed_stale_ = true;
  }

  // The cluster of the nearest stored near-duplicate (at most
  // kNearDuplicateBits apart), or the post's own id. Looks in every shard's
  // last commit (this one first) and in this shard's writes of the current
  // group; ties go to the one found first. Reads no posting list of the
  // writer, whose buffered changes would otherwise be flushed for it. (A
  // post written earlier in the group keeps the cluster it was given then,
  // so it is never looked up again, and would find that cluster if it were.)
  std::string ClusterFor(const v1::Post& post) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) {
    if (IndexedSimHash(post) == 0) return post.id();
    int best = kNearDuplicateBits + 1;
    std::string cluster = post.id();
    auto consider = [&](uint64_t simhash, const std::string& candidate) {
      int d = common::HammingDistance(post.simhash(), simhash);
      if (d < best) {
        best = d;
        cluster = candidate;
      }
    };
    for (const auto& [simhash, candidate] : CommittedCandidates(post)) consider(simhash, candidate);
    for (const GroupPost& g : group_posts_) {
      if (g.live) consider(g.simhash, g.cluster);
    }
    return cluster;
  }

  // (SimHash, cluster) of the documents in the shards' last commits within
  // kNearDuplicateBits of `post` (found through the SimHash bands they
  // share, compared through the shards' SimHash tables), this shard's
  // first, leaving out those the current group replaced or deleted. A
  // shard's trouble must not fail this shard's writes: after a few failed
  // attempts (or any error other than a lost revision) this returns no
  // candidates.
  std::vector<std::pair<uint64_t, std::string>> CommittedCandidates(const v1::Post& post)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) {
    const Xapian::docid shards = static_cast<Xapian::docid>(peers_.size() + 1);
    for (int attempt = 0; attempt < 4; ++attempt) {
      try {
        if (!committed_) {
          committed_ = std::make_unique<Xapian::Database>(path_);
          for (const Peer& p : peers_) committed_->add_database(Xapian::Database(p.path));
          committed_stale_ = false;
        } else if (committed_stale_ || attempt > 0) {
          committed_->reopen();
          committed_stale_ = false;
        }
        // Docids of a combined database interleave its shards: document d
        // of shard k (0 for this one, then the peers in order) is
        // (d - 1) * shards + k + 1.
        std::vector<std::vector<Xapian::docid>> by_shard(shards);
        for (int b = 0; b < kSimHashBands; ++b) {
          std::string term = BandTerm(post.simhash(), b);
          for (auto p = committed_->postlist_begin(term); p != committed_->postlist_end(term);
               ++p) {
            Xapian::docid did = *p;
            Xapian::docid k = (did - 1) % shards;
            if (k != 0 || !group_replaced_.contains((did - 1) / shards + 1)) {
              by_shard[k].push_back(did);
            }
          }
        }
        auto to_local = [shards](Xapian::docid did) { return (did - 1) / shards + 1; };
        std::vector<std::pair<Xapian::docid, uint64_t>> near;
        for (Xapian::docid k = 0; k < shards; ++k) {
          std::vector<Xapian::docid>& dids = by_shard[k];
          std::sort(dids.begin(), dids.end());
          dids.erase(std::unique(dids.begin(), dids.end()), dids.end());
          const SimHashTable& table = k == 0 ? *simhashes_ : *peers_[k - 1].simhashes;
          table.Near(dids, post.simhash(), kNearDuplicateBits, to_local, near);
        }
        std::vector<std::pair<uint64_t, std::string>> found;
        for (const auto& [did, simhash] : near) {
          found.emplace_back(
              simhash,
              committed_->get_document(did, Xapian::DOC_ASSUME_VALID).get_value(kSlotCluster));
        }
        return found;
      } catch (const Xapian::DatabaseModifiedError&) {
        // A commit replaced the revision being read; reopen and retry.
      } catch (const Xapian::Error& e) {
        SCR_LOG(WARNING) << "near-duplicate lookup in " << path_
                         << " and its other shards failed: " << e.get_description();
        committed_.reset();
        return {};
      }
    }
    return {};
  }

  // The newest version recorded for `id`: that of the stored post
  // `existing` when there is one, else that of its delete (0 when none).
  // Called with the versions written earlier in the group in `versions`.
  int64_t StoredVersion(const std::string& id, const std::optional<v1::Post>& existing,
                        const std::map<std::string, int64_t>& versions)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) {
    if (auto seen = versions.find(id); seen != versions.end()) return seen->second;
    if (existing) return existing->version();
    int64_t v = 0;
    if (!version_keys_) return v;
    std::string s = writer_->get_metadata(VersionKey(id));
    if (!s.empty() && !absl::SimpleAtoi(s, &v)) v = 0;
    return v;
  }

  // Writes the lexicon's variants as synonyms of their XEW entity terms when
  // the lexicon differs from the one recorded in the database.
  void SyncSynonyms() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) {
    std::string fingerprint;
    for (const common::LexiconEntry& e : lexicon_->entries()) {
      absl::StrAppend(&fingerprint, e.id, "\t");
      for (const auto& v : e.variants) absl::StrAppend(&fingerprint, v.text, "|");
      absl::StrAppend(&fingerprint, "\n");
    }
    std::string hash =
        absl::StrCat(absl::Hex(std::hash<std::string>()(fingerprint)), ":", fingerprint.size());
    if (writer_->get_metadata("lexicon") == hash) return;
    std::vector<std::string> old_keys;
    for (auto k = writer_->synonym_keys_begin(); k != writer_->synonym_keys_end(); ++k) {
      old_keys.push_back(*k);
    }
    for (const std::string& k : old_keys) writer_->clear_synonyms(k);
    for (const common::LexiconEntry& e : lexicon_->entries()) {
      std::string target = "XEW" + BooleanValue(e.id);
      for (const common::LexiconVariant& v : e.variants) {
        for (const std::string& key : SynonymKeys(v)) writer_->add_synonym(key, target);
      }
    }
    writer_->set_metadata("lexicon", hash);
    Commit();
    SCR_LOG(INFO) << "synonyms rebuilt from a lexicon of " << lexicon_->entries().size()
                  << " entities";
  }

  // Upserts `w`'s posts into the pending changes, using its prebuilt texts
  // where the stored post's text is the incoming one; `versions` carries
  // versions written earlier in the same group; the spelling words of the
  // documents written are added to `spellings`.
  std::vector<WriteOutcome> ApplyUpserts(PendingWrite& w, std::map<std::string, int64_t>& versions,
                                         SpellingCounts& spellings)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) {
    std::vector<WriteOutcome> outcomes;
    outcomes.reserve(w.posts.size());
    for (size_t i = 0; i < w.posts.size(); ++i) {
      const v1::Post& post = *w.posts[i];
      StoredDoc stored = Stored(post.id());
      const std::optional<v1::Post>& existing = stored.post;
      if (StoredVersion(post.id(), existing, versions) >= post.version()) {
        outcomes.push_back(WriteOutcome::kStale);
        continue;
      }
      // The stored document is no near-duplicate of its own replacement.
      if (stored.did != 0) group_replaced_.insert(stored.did);
      v1::Post merged = existing ? common::MergePosts(*existing, post) : post;
      merged.set_cluster_key(existing && !existing->cluster_key().empty() ? existing->cluster_key()
                                                                          : ClusterFor(merged));
      const bool prebuilt =
          i < w.texts.size() && merged.title() == post.title() && merged.body() == post.body();
      Xapian::Document doc =
          BuildDocument(merged, prebuilt ? std::move(w.texts[i]) : TextDocument(indexer_, merged));
      CountSpellings(doc, spellings);
      Xapian::docid did = stored.did;
      if (did != 0) {
        writer_->replace_document(did, doc);
      } else {
        did = writer_->add_document(doc);
      }
      simhashes_->Set(did, IndexedSimHash(merged));
      group_facets_.emplace_back(did, doc.get_value(kSlotFacets));
      NoteGroupWrite(post.id(), &merged);
      versions[post.id()] = post.version();
      outcomes.push_back(existing ? WriteOutcome::kUpdated : WriteOutcome::kCreated);
    }
    return outcomes;
  }

  std::vector<WriteOutcome> ApplyDeletes(const std::vector<const Deletion*>& deletions,
                                         std::map<std::string, int64_t>& versions)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) {
    std::vector<WriteOutcome> outcomes;
    for (const Deletion* del : deletions) {
      const Deletion& d = *del;
      StoredDoc doc = Stored(d.id);
      int64_t stored = StoredVersion(d.id, doc.post, versions);
      if (stored >= d.version && d.version > 0) {
        outcomes.push_back(WriteOutcome::kStale);
        continue;
      }
      bool exists = doc.did != 0;
      if (exists) {
        writer_->delete_document(doc.did);
        simhashes_->Set(doc.did, 0);
        group_facets_.emplace_back(doc.did, std::string());
        group_replaced_.insert(doc.did);
        NoteGroupWrite(d.id, nullptr);
      }
      int64_t version = std::max(d.version, stored + 1);
      writer_->set_metadata(VersionKey(d.id), absl::StrCat(version));
      version_keys_ = true;
      versions[d.id] = version;
      outcomes.push_back(exists ? WriteOutcome::kDeleted : WriteOutcome::kNotFound);
    }
    return outcomes;
  }

  const std::string path_;
  std::string uuid_;         // written by Open, before any reader of it
  bool word_pairs_ = false;  // written by Open, before any reader of it
  SimHashTable* const simhashes_;
  FacetTable* const facets_;
  // The facet bundles the current group wrote, for facets_ once committed.
  std::vector<std::pair<Xapian::docid, std::string>> group_facets_ ABSL_GUARDED_BY(write_mu_);
  const std::vector<Peer> peers_;
  std::atomic<uint64_t>* const generation_;
  CommitPause* const pause_;
  const common::Lexicon* const lexicon_;
  const bool keeps_synonyms_;

  absl::Mutex write_mu_;
  std::unique_ptr<Xapian::WritableDatabase> writer_ ABSL_GUARDED_BY(write_mu_);
  // Has its own Xapian::Stem: stemmers are not thread-safe.
  Xapian::TermGenerator indexer_ ABSL_GUARDED_BY(write_mu_);
  // This shard and the others as of their last commits, for the
  // near-duplicate lookup; reopened lazily once per group.
  std::unique_ptr<Xapian::Database> committed_ ABSL_GUARDED_BY(write_mu_);
  bool committed_stale_ ABSL_GUARDED_BY(write_mu_) = true;
  // This shard's writes in the current group, for the near-duplicate
  // lookup: the posts written by id (in order; a delete leaves its entry not
  // live) and the docids of the last commit they replaced or deleted.
  struct GroupPost {
    bool live = false;
    uint64_t simhash = 0;
    std::string cluster;
  };
  std::vector<GroupPost> group_posts_ ABSL_GUARDED_BY(write_mu_);
  absl::flat_hash_map<std::string, size_t> group_index_ ABSL_GUARDED_BY(write_mu_);
  absl::flat_hash_set<Xapian::docid> group_replaced_ ABSL_GUARDED_BY(write_mu_);
  // Whether any "v:" metadata key (a delete's version) may exist; while
  // none does, a new post's version needs no lookup.
  bool version_keys_ ABSL_GUARDED_BY(write_mu_) = false;
  std::atomic<int64_t> last_commit_{0};
  std::atomic<uint64_t> revision_{0};

  absl::Mutex queue_mu_;
  std::deque<PendingWrite*> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;
  absl::Status write_health_ ABSL_GUARDED_BY(queue_mu_);
  std::thread thread_;
};
}  // namespace

struct XapianIndex::Impl {
  std::string path;
  // Xapian::Stem is not thread-safe, and copies share one implementation:
  // every reading thread gets its own; each shard's TermGenerator has a
  // separate one.
  static const Xapian::Stem& stemmer() {
    thread_local const Xapian::Stem stem("english");
    return stem;
  }
  const common::Lexicon* lexicon = nullptr;

  // The shards, which readers open together, and their SimHash and facet
  // tables (one a shard, in the same order; declared first, so that they
  // outlive the shards' writer threads).
  std::vector<std::unique_ptr<SimHashTable>> simhashes;
  std::vector<std::unique_ptr<FacetTable>> facet_tables;
  std::vector<std::unique_ptr<Shard>> shards;

  // Readers are pooled: each is used by one thread at a time and reopened
  // when a shard committed since it was last refreshed.
  absl::Mutex pool_mu;
  std::vector<std::pair<std::unique_ptr<Xapian::Database>, uint64_t>> free_readers
      ABSL_GUARDED_BY(pool_mu);
  std::atomic<uint64_t> generation{1};
  // Held by a search that lost its revision to commits twice (WithReaders).
  CommitPause commit_pause;
  // Posts whose text terms Upserts hold ready-made (see kMaxPrebuiltTexts).
  Budget prebuilt_texts{XapianIndex::kMaxPrebuiltTexts};

  // Searching one query's shards side by side (SideBySide): how many
  // threads a query may use; the threads beyond the caller's (null when a
  // query uses one); and how many searches are running now.
  int query_threads = 1;
  std::unique_ptr<TaskPool> query_pool;
  std::atomic<int> searches_running{0};
  std::atomic<double> others_at_start{0};  // see MatchGroups
  std::atomic<int64_t> side_by_side_searches{0};

  // A database over every shard. Throws Xapian errors.
  std::unique_ptr<Xapian::Database> OpenAll() const {
    auto db = std::make_unique<Xapian::Database>();
    for (const auto& shard : shards) db->add_database(Xapian::Database(shard->path()));
    return db;
  }

  // A reader checked out of the pool; returns itself on destruction. It is
  // opened or brought up to date by Prepare, inside the retry loop, because
  // opening and reopening can themselves meet a concurrent commit.
  class Reader {
   public:
    Reader(Impl* impl, std::unique_ptr<Xapian::Database> db, uint64_t gen)
        : impl_(impl), db_(std::move(db)), gen_(gen) {}
    ~Reader() {
      if (db_) {
        absl::MutexLock lock(&impl_->pool_mu);
        impl_->free_readers.emplace_back(std::move(db_), gen_);
      }
    }
    Reader(Reader&&) = default;
    Xapian::Database& db() { return *db_; }

    // Opens the database, or reopens it when a commit happened since (or
    // always, with `force`). Throws Xapian errors.
    void Prepare(bool force) {
      uint64_t current = impl_->generation.load();
      if (!db_) {
        db_ = impl_->OpenAll();
      } else if (force || gen_ != current) {
        db_->reopen();
      }
      gen_ = current;
    }

   private:
    Impl* impl_;
    std::unique_ptr<Xapian::Database> db_;
    uint64_t gen_;
  };

  Reader AcquireReader() {
    absl::MutexLock lock(&pool_mu);
    if (free_readers.empty()) return Reader(this, nullptr, 0);
    auto [db, gen] = std::move(free_readers.back());
    free_readers.pop_back();
    return Reader(this, std::move(db), gen);
  }

  // Runs a read on `count` (>= 1) readers, each its own view of every
  // shard, retrying with reopened databases when a commit discarded the
  // revision being read (DatabaseModifiedError). `fn` gets the readers'
  // databases; it may hand them to other threads, one thread per database at
  // a time, until it returns.
  template <typename Fn>
  auto WithReaders(absl::string_view what, int count, Fn&& fn)
      -> decltype(fn(std::declval<absl::Span<Xapian::Database* const>>())) {
    using Result = decltype(fn(std::declval<absl::Span<Xapian::Database* const>>()));
    return Guard(what, [&]() -> Result {
      std::vector<Reader> readers;
      readers.reserve(static_cast<size_t>(count));
      for (int i = 0; i < count; ++i) readers.push_back(AcquireReader());
      std::vector<Xapian::Database*> dbs(readers.size());
      // After two lost revisions the search holds commits off (for at most
      // kMaxCommitPause each), so that a search slower than the interval
      // between commits still finishes.
      struct PauseHold {
        CommitPause* pause = nullptr;
        ~PauseHold() {
          if (pause != nullptr) pause->Release();
        }
      } hold;
      for (int attempt = 0;; ++attempt) {
        try {
          for (size_t i = 0; i < readers.size(); ++i) {
            readers[i].Prepare(/*force=*/attempt > 0);
            dbs[i] = &readers[i].db();
          }
          return fn(absl::MakeConstSpan(dbs));
        } catch (const Xapian::DatabaseModifiedError&) {
          if (attempt >= 5) throw;
          if (attempt >= 1 && hold.pause == nullptr) {
            commit_pause.Hold();
            hold.pause = &commit_pause;
          }
        }
      }
    });
  }

  template <typename Fn>
  auto WithReader(absl::string_view what, Fn&& fn)
      -> decltype(fn(std::declval<Xapian::Database&>())) {
    return WithReaders(what, 1,
                       [&](absl::Span<Xapian::Database* const> dbs) { return fn(*dbs[0]); });
  }

  // Terms to highlight for lexicon entities the query names: the words of
  // their other variants. Words that occur only in multi-word variants go to
  // `phrase_words` too: they count only next to another highlight ("Peter
  // Connelly"), not alone ("Education" from "Office for Standards in
  // Education").
  struct SynonymHighlights {
    std::vector<std::string> terms;
    std::set<std::string> phrase_words;
  };

  SynonymHighlights SynonymHighlightTerms(const std::string& query_text) {
    SynonymHighlights out;
    std::set<std::string> query_words;
    for (const std::string& w : common::Lexicon::Words(query_text)) {
      query_words.insert(common::FoldCase(w));
    }
    // (phrase_words and single hold stems, to match stemmed highlights.)
    std::set<std::string> single;
    for (const v1::Entity& e : lexicon->FindEntities(query_text)) {
      const common::LexiconEntry* entry = lexicon->Find(e.id());
      if (entry == nullptr) continue;
      for (const common::LexiconVariant& v : entry->variants) {
        std::string folded = common::FoldCase(common::FoldTypography(v.text));
        for (const std::string& form : {folded, common::StripAccents(folded)}) {
          std::vector<std::string> words = common::Lexicon::Words(form);
          for (const std::string& w : words) {
            std::string lw = common::FoldCase(w);
            // "in", "for", "of" in a long form would light up every snippet.
            if (IsFunctionWord(lw)) continue;
            out.terms.push_back(lw);
            out.terms.push_back("Z" + stemmer()(lw));
            if (words.size() == 1 || query_words.count(lw)) {
              single.insert(stemmer()(lw));
            } else {
              out.phrase_words.insert(stemmer()(lw));
            }
          }
        }
      }
    }
    for (const std::string& w : single) out.phrase_words.erase(w);
    return out;
  }

  // Drops highlights of phrase-only synonym words (by stem) that stand alone.
  void DropLonePhraseWords(Highlighted& h, const std::set<std::string>& phrase_words) {
    if (phrase_words.empty() || h.ranges.empty()) return;
    auto gap_is_small = [&](int from, int to) {
      if (to < from || to - from > 3) return false;
      for (int i = from; i < to; ++i) {
        unsigned char c = static_cast<unsigned char>(h.text[i]);
        if (absl::ascii_isalnum(c)) return false;
      }
      return true;
    };
    std::vector<std::pair<int, int>> kept;
    for (size_t i = 0; i < h.ranges.size(); ++i) {
      auto [start, end] = h.ranges[i];
      std::vector<std::string> words =
          common::Lexicon::Words(common::FoldCase(h.text.substr(start, end - start)));
      if (words.empty() || !phrase_words.count(stemmer()(words[0]))) {
        kept.push_back(h.ranges[i]);
        continue;
      }
      bool next_to_prev = i > 0 && gap_is_small(h.ranges[i - 1].second, start);
      bool next_to_next = i + 1 < h.ranges.size() && gap_is_small(end, h.ranges[i + 1].first);
      if (next_to_prev || next_to_next) kept.push_back(h.ranges[i]);
    }
    h.ranges = std::move(kept);
  }

  // Drops a spelling correction that would change a known lexicon term.
  std::string GuardCorrection(const std::string& original, const std::string& corrected) {
    if (corrected.empty()) return corrected;
    std::vector<std::string> a = absl::StrSplit(original, ' ', absl::SkipEmpty());
    std::vector<std::string> b = absl::StrSplit(corrected, ' ', absl::SkipEmpty());
    if (a.size() != b.size()) return corrected;
    bool changed = false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (common::FoldCase(a[i]) == common::FoldCase(b[i])) continue;
      if (!lexicon->FindEntities(a[i]).empty()) {
        b[i] = a[i];
      } else {
        changed = true;
      }
    }
    return changed ? absl::StrJoin(b, " ") : "";
  }

  // Distinct unprefixed terms (words and stems), not boolean filter terms.
  // Counting walks the whole term list, so a count is reused for up to a
  // minute (GetStats is called on every page load of the web page).
  int64_t TermCount(Xapian::Database& db, int64_t revision) {
    absl::Time now = absl::Now();
    {
      absl::MutexLock lock(&term_count_mu);
      if (term_count_at.has_value() &&
          (term_count_revision == revision || now - *term_count_at < absl::Minutes(1))) {
        return term_count;
      }
    }
    int64_t terms = 0;
    for (Xapian::TermIterator t = db.allterms_begin(); t != db.allterms_end(); ++t) {
      const std::string& term = *t;
      if (!term.empty() && !absl::ascii_isupper(static_cast<unsigned char>(term[0]))) ++terms;
    }
    absl::MutexLock lock(&term_count_mu);
    term_count = terms;
    term_count_revision = revision;
    term_count_at = now;
    return terms;
  }

  absl::Mutex term_count_mu;
  int64_t term_count ABSL_GUARDED_BY(term_count_mu) = 0;
  int64_t term_count_revision ABSL_GUARDED_BY(term_count_mu) = 0;
  std::optional<absl::Time> term_count_at ABSL_GUARDED_BY(term_count_mu);

  Xapian::QueryParser MakeParser(Xapian::Database& db) {
    Xapian::QueryParser qp;
    qp.set_database(db);
    qp.set_stemmer(stemmer());
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    qp.set_default_op(Xapian::Query::OP_OR);
    qp.add_prefix("title", "S");
    qp.add_boolean_prefix("category", new FoldedBooleanProcessor("XC"));
    qp.add_boolean_prefix("tag", new FoldedBooleanProcessor("K"));
    qp.add_boolean_prefix("site", new FoldedBooleanProcessor("H"));
    qp.add_boolean_prefix("author", new FoldedBooleanProcessor("A"));
    qp.add_boolean_prefix("entity", new FoldedBooleanProcessor("XE"));
    qp.add_boolean_prefix("lang", new FoldedBooleanProcessor("L"));
    qp.add_boolean_prefix("year", "Y");
    qp.add_rangeprocessor(new PublishedRangeProcessor());
    qp.set_max_expansion(100, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
    return qp;
  }

  // The AND of the filter's fields, each an OR of its values; skips the
  // facet named `except` (for multi-select facet counts). Empty query when
  // there is no filter.
  Xapian::Query FilterQuery(const SearchFilter& f, absl::string_view except) {
    std::vector<Xapian::Query> parts;
    auto add = [&](absl::string_view facet, const std::vector<std::string>& values,
                   absl::string_view prefix) {
      if (values.empty() || facet == except) return;
      std::vector<Xapian::Query> terms;
      for (const std::string& v : values) terms.emplace_back(absl::StrCat(prefix, BooleanValue(v)));
      parts.emplace_back(Xapian::Query::OP_OR, terms.begin(), terms.end());
    };
    add("category", f.categories, "XC");
    add("tag", f.tags, "K");
    add("site", f.sites, "H");
    add("author", f.authors, "A");
    add("entity", f.entities, "XE");
    add("language", f.languages, "L");
    if (f.published_after || f.published_before) {
      double lo =
          f.published_after ? static_cast<double>(absl::ToUnixSeconds(*f.published_after)) : -1e18;
      double hi =
          f.published_before ? static_cast<double>(absl::ToUnixSeconds(*f.published_before)) : 1e18;
      parts.emplace_back(Xapian::Query::OP_VALUE_RANGE, kSlotPublished,
                         Xapian::sortable_serialise(lo), Xapian::sortable_serialise(hi));
    }
    if (parts.empty()) return Xapian::Query();
    return Xapian::Query(Xapian::Query::OP_AND, parts.begin(), parts.end());
  }

  static Xapian::Query Combine(const Xapian::Query& text, const Xapian::Query& filter) {
    if (filter.empty()) return text.empty() ? Xapian::Query::MatchAll : text;
    if (text.empty())
      return Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query::MatchAll, filter);
    return Xapian::Query(Xapian::Query::OP_FILTER, text, filter);
  }

  // The best extract of `text` for the mset's query: the window with the
  // most weight of query terms. `exhaustive` scores every window (needed
  // when synonym words may sit far from the first match); otherwise Xapian
  // stops at a good enough one, about twice as fast. No background model
  // (SNIPPET_BACKGROUND_MODEL weighs every word of the text by its term
  // frequency, one lookup per word in every shard): it made a page of ten
  // snippets 2-3x slower on one shard and 3x more on two. Windows are chosen
  // by the weight of the query terms they hold.
  Highlighted MakeSnippet(const Xapian::MSet& mset, const std::string& text, size_t length,
                          bool exhaustive) {
    std::string source = common::TruncateUtf8(text, kMaxSnippetSourceBytes);
    unsigned flags = 0;
    if (exhaustive) flags |= Xapian::MSet::SNIPPET_EXHAUSTIVE;
    std::string marked =
        mset.snippet(source, length, stemmer(), flags, "\x01", "\x02", "\xE2\x80\xA6");
    return ParseMarkedSnippet(marked);
  }

  // The whole title with highlights; the plain title when Xapian would cut it.
  Highlighted MakeTitleHighlight(const Xapian::MSet& mset, const std::string& title) {
    std::string marked =
        mset.snippet(title, title.size() * 2 + 200, stemmer(), 0, "\x01", "\x02", "\xE2\x80\xA6");
    Highlighted h = ParseMarkedSnippet(marked);
    if (h.text != title) return Highlighted{title, {}};
    return h;
  }

  // The `limit` most frequent values. Values that differ only in case or
  // spacing ("Policy", "policy") are one value, as they are for filters,
  // shown in their most frequent spelling.
  std::vector<FacetValueCount> TopValues(const absl::flat_hash_map<std::string, int64_t>& counts,
                                         int limit, const std::vector<std::string>& selected) {
    struct Merged {
      int64_t total = 0;
      int64_t best = -1;
      std::string shown;
    };
    absl::flat_hash_map<std::string, Merged> merged;
    for (const auto& [value, count] : counts) {
      Merged& m = merged[BooleanValue(value)];
      m.total += count;
      if (count > m.best || (count == m.best && value < m.shown)) {
        m.best = count;
        m.shown = value;
      }
    }
    std::vector<FacetValueCount> values;
    for (const auto& [key, m] : merged) values.push_back({m.shown, m.total, false, ""});
    std::sort(values.begin(), values.end(), [](const auto& a, const auto& b) {
      return a.count != b.count ? a.count > b.count : a.value < b.value;
    });
    if (static_cast<int>(values.size()) > limit) values.resize(limit);
    std::set<std::string> chosen;
    for (const std::string& s : selected) chosen.insert(BooleanValue(s));
    for (auto& v : values) v.selected = chosen.count(BooleanValue(v.value)) > 0;
    return values;
  }

  static const std::vector<std::string>* SelectedValues(const SearchFilter& f,
                                                        absl::string_view facet) {
    if (facet == "category") return &f.categories;
    if (facet == "tag") return &f.tags;
    if (facet == "site") return &f.sites;
    if (facet == "entity") return &f.entities;
    if (facet == "author") return &f.authors;
    return nullptr;
  }

  // True when every shard's documents carry word pairs of the current list,
  // so phrases get pair filters (WithWordPairs). Set by Open.
  bool word_pairs = false;

  // Most matches facets are counted over exactly (XapianIndex::Open).
  int64_t max_exact_facet_matches = XapianIndex::kDefaultMaxExactFacetMatches;

  // How many matches facets of `query` are counted over exactly:
  // max_exact_facet_matches, or a kPositionalFacetShare-th of it when the
  // query holds a phrase or NEAR, whose every candidate costs a read of
  // its terms' positions (at 1M posts a common two-word phrase's facet
  // match took as long as its page; PERFORMANCE.md). `query` is as run: a
  // two-word phrase WithWordPairs matches from its pair is no phrase there.
  int64_t FacetBudget(const Xapian::Query& query) const {
    if (!HasPositional(query)) return max_exact_facet_matches;
    return std::max<int64_t>(1, max_exact_facet_matches / XapianIndex::kPositionalFacetShare);
  }

  // True when `query` or a subquery of it is OP_PHRASE or OP_NEAR.
  static bool HasPositional(const Xapian::Query& query) {
    const Xapian::Query::op op = query.get_type();
    if (op == Xapian::Query::OP_PHRASE || op == Xapian::Query::OP_NEAR) return true;
    for (size_t i = 0; i < query.get_num_subqueries(); ++i) {
      if (HasPositional(query.get_subquery(i))) return true;
    }
    return false;
  }

  // How to count facets of `query` so that counting stays near its
  // FacetBudget documents: exactly unless Xapian estimates more matches
  // (from term statistics, without a match run), or a pair-filtered phrase
  // may have more candidates (PairFilteredCandidates); then on the sample level
  // that brings the estimate nearest to the budget (between 0.71 and 1.41
  // times it).
  FacetSample SampleFor(Xapian::Database& db, const Xapian::Query& query) const {
    FacetSample sample;
    const int64_t budget = FacetBudget(query);
    if (static_cast<int64_t>(db.get_doccount()) <= budget) return sample;
    Xapian::Enquire probe(db);
    probe.set_query(query);
    const int64_t estimate = std::max<int64_t>(probe.get_mset(0, 0).get_matches_estimated(),
                                               PairFilteredCandidates(db, query));
    if (estimate <= budget) return sample;
    const double ratio = static_cast<double>(estimate) / static_cast<double>(budget);
    const int r =
        std::clamp(static_cast<int>(std::floor(std::log2(ratio) + 0.5)), 0, kMaxSampleLevel);
    return FacetSample{r};
  }

  // The most candidates any pair-filtered phrase of `query` (WithWordPairs'
  // OP_FILTER(phrase, pairs)) may have its positions read in: its rarest
  // pair's posts; 0 when `query` holds none. Xapian estimates such a filter
  // as if its pairs were independent (90 for 523 matches, ARCHITECTURE.md),
  // but a phrase's pairs mostly come together, so without this bound a
  // common phrase was counted exactly over seven times its budget (17,531
  // matches for "the new year" at 1M posts, PERFORMANCE.md).
  static int64_t PairFilteredCandidates(const Xapian::Database& db, const Xapian::Query& query) {
    int64_t most = 0;
    if (query.get_type() == Xapian::Query::OP_FILTER && query.get_num_subqueries() == 2 &&
        query.get_subquery(0).get_type() == Xapian::Query::OP_PHRASE) {
      const Xapian::Query filter = query.get_subquery(1);
      int64_t rarest = -1;
      for (auto t = filter.get_unique_terms_begin(); t != filter.get_unique_terms_end(); ++t) {
        if (!absl::StartsWith(*t, kWordPairPrefix)) continue;
        const int64_t freq = db.get_termfreq(*t);
        rarest = rarest < 0 ? freq : std::min(rarest, freq);
      }
      most = std::max(most, rarest);
    }
    for (size_t i = 0; i < query.get_num_subqueries(); ++i) {
      most = std::max(most, PairFilteredCandidates(db, query.get_subquery(i)));
    }
    return most;
  }

  // True when every document carries the facet bundle (kSlotFacets).
  static bool HasFacetBundle(const Xapian::Database& db) {
    return db.get_value_freq(kSlotFacets) == db.get_doccount();
  }

  // Runs the facet match of `query` (FacetMatch) on `db`, every shard of
  // the index, for `spy`; with `uuids`, only those shards' documents. A spy
  // that counts by facet table gets one match a shard (each filtered to its
  // shard), so that it knows every document's shard.
  void CountFacets(Xapian::Database& db, const Xapian::Query& query, const FacetSample& sample,
                   FacetSpy& spy, const std::vector<std::string>& uuids = {}) const {
    // The facet match of `query` confined to `chosen` shards (all: empty).
    auto run = [&](std::vector<std::string> chosen) {
      Xapian::Enquire enquire = FacetMatch(
          db,
          chosen.empty()
              ? query
              : Xapian::Query(Xapian::Query::OP_FILTER, query,
                              Xapian::Query((new ShardFilter(std::move(chosen)))->release())),
          sample);
      enquire.add_matchspy(&spy);
      enquire.get_mset(0, 0, db.get_doccount());
    };
    if (!spy.uses_tables()) return run(uuids);
    for (size_t k = 0; k < shards.size(); ++k) {
      const std::string& uuid = shards[k]->uuid();
      if (!uuids.empty() && std::find(uuids.begin(), uuids.end(), uuid) == uuids.end()) continue;
      spy.set_shard(static_cast<int>(k));
      run({uuid});
    }
    spy.set_shard(-1);
  }

  // A match of `query`, filtered to `sample`, for facet spies: unweighted
  // (BoolWeight) and without collapse or sorting.
  static Xapian::Enquire FacetMatch(Xapian::Database& db, const Xapian::Query& query,
                                    const FacetSample& sample) {
    Xapian::Enquire enquire(db);
    enquire.set_query(sample.estimated()
                          ? Xapian::Query(Xapian::Query::OP_FILTER, query, sample.Filter())
                          : query);
    enquire.set_weighting_scheme(Xapian::BoolWeight());
    return enquire;
  }

  // True when a word of the query (an unprefixed term, or its stemmed "Z"
  // form) occurs in no document. Reads the term frequencies the match
  // already gathered, so it costs no database lookups.
  static bool HasUnknownWord(const Xapian::MSet& mset, const Xapian::Query& query) {
    for (auto t = query.get_terms_begin(); t != query.get_terms_end(); ++t) {
      const std::string& term = *t;
      size_t word = term.size() > 1 && term[0] == 'Z' ? 1 : 0;
      if (term.size() <= word || absl::ascii_isupper(static_cast<unsigned char>(term[word]))) {
        continue;
      }
      if (mset.get_termfreq(term) == 0) return true;
    }
    return false;
  }

  // Parses; when stray operator syntax makes the query unparseable ("Ofsted
  // AND"), reads operators as plain words instead. Errors of our own range
  // processor (a malformed date) are not recovered from.
  static Xapian::Query ParseLenient(Xapian::QueryParser& qp, const std::string& text,
                                    unsigned flags) {
    try {
      return qp.parse_query(text, flags);
    } catch (const Xapian::QueryParserError& e) {
      if (absl::StartsWith(e.get_msg(), "published:")) throw;
      return qp.parse_query(
          text, flags & ~(Xapian::QueryParser::FLAG_BOOLEAN | Xapian::QueryParser::FLAG_LOVEHATE |
                          Xapian::QueryParser::FLAG_BOOLEAN_ANY_CASE));
    }
  }

  // Sets the order of `q`'s matches, and their collapsing.
  static void SetOrder(Xapian::Enquire& enquire, const SearchQuery& q) {
    switch (q.sort) {
      case SortOrder::kRelevance:
        enquire.set_sort_by_relevance_then_value(kSlotPublished, true);
        break;
      case SortOrder::kNewestFirst:
        enquire.set_sort_by_value_then_relevance(kSlotPublished, true);
        break;
      case SortOrder::kOldestFirst:
        enquire.set_sort_by_value_then_relevance(kSlotPublished, false);
        break;
    }
    if (q.collapse_duplicates) enquire.set_collapse_key(kSlotCluster);
  }

  // Whether match `a` ranks above match `b` in the order SetOrder gives
  // (Xapian's own: the sort keys, then ascending docids).
  static bool RanksAbove(const Xapian::MSetIterator& a, const Xapian::MSetIterator& b,
                         SortOrder sort) {
    const double wa = a.get_weight(), wb = b.get_weight();
    const std::string ka = a.get_sort_key(), kb = b.get_sort_key();
    switch (sort) {
      case SortOrder::kRelevance:
        if (wa != wb) return wa > wb;
        if (ka != kb) return ka > kb;
        break;
      case SortOrder::kNewestFirst:
        if (ka != kb) return ka > kb;
        if (wa != wb) return wa > wb;
        break;
      case SortOrder::kOldestFirst:
        if (ka != kb) return ka < kb;
        if (wa != wb) return wa > wb;
        break;
    }
    return *a < *b;
  }

  // Called as a search starts, with the number of other searches running
  // then: how many groups of shards to search its shards in, side by side.
  // One per thread the expected load leaves it (query_threads over this
  // search, the others running now and, unless negligible, the recent
  // average of others running as a search starts), at most one per shard.
  // Under a steady load of two or more clients the searches keep the cores
  // busy anyway, and waking threads for parts of a search only costs: the
  // average turns side by side off even in the moments between their
  // searches. A faceted search split by shard gets as many readers again
  // for its facet match as for its page, so that the page and the facets
  // are both split (FacetsBeside). Unsplit, a collapsed, faceted search
  // still gets a second reader for its facet match; an uncollapsed one
  // counts its facets on its page's match or in the same thread.
  int MatchGroups(const SearchQuery& q, int others_running) {
    // An exponential average over about the last 8 searches; racing updates
    // may lose one another, which only delays it.
    const double recent = others_at_start.load(std::memory_order_relaxed);
    others_at_start.store(recent + (others_running - recent) / 8, std::memory_order_relaxed);
    if (query_pool == nullptr) return 1;
    const double load = 1 + others_running + (recent >= 0.1 ? recent : 0);
    const int groups = std::clamp(static_cast<int>(query_threads / load), 1,
                                  std::min(query_threads, static_cast<int>(shards.size())));
    if (q.facets.empty()) return groups;
    // The page's groups (at most two), then as many for the facet match
    // (RunSearch); unsplit and uncollapsed, one reader does both.
    if (groups == 1 && !q.collapse_duplicates) return 1;
    return 2 * std::min(groups, 2);
  }

  // Yields for up to a millisecond while `ready()` is false, then sleeps on
  // `mu` until it holds: for hand-offs between threads expected within
  // microseconds. Whoever makes `ready()` true must do so holding `mu`.
  template <typename Ready>
  static void AwaitHandOff(absl::Mutex& mu, const Ready& ready) {
    const absl::Time give_up = absl::Now() + absl::Milliseconds(1);
    while (!ready() && absl::Now() < give_up) std::this_thread::yield();
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(&ready));
  }

  // A task handed to query_pool that the caller runs itself if no pool
  // thread has started it by the time the caller needs its result (Join), so
  // that a slow wake-up never costs more than running it in line. The task
  // never runs after Join or Abandon has returned, so it may refer to what
  // the caller owns until then. Shared by the caller and the pool's queue.
  class Beside {
   public:
    // `fn` may throw; Join rethrows.
    static std::shared_ptr<Beside> Start(TaskPool& pool, std::function<void()> fn) {
      auto b = std::make_shared<Beside>(std::move(fn));
      pool.Submit([b] {
        if (b->taken_.exchange(true)) return;
        b->Run();
        absl::MutexLock lock(&b->mu_);
        b->done_.store(true);
      });
      return b;
    }
    explicit Beside(std::function<void()> fn) : fn_(std::move(fn)) {}

    // Runs the task here unless a pool thread took it, then waits for it;
    // rethrows what it threw. Call once.
    void Join() {
      if (!taken_.exchange(true)) {
        Run();
      } else {
        AwaitHandOff(mu_, [this] { return done_.load(); });
      }
      joined_ = true;
      if (error_) std::rethrow_exception(error_);
    }

    // Takes the task back if no pool thread has started it: then it never
    // runs, the caller does the work its own way, and the result is true.
    // Otherwise call Join.
    bool TakeBack() {
      joined_ = !taken_.exchange(true);
      return joined_;
    }

    // For a caller leaving without the result (an error elsewhere): makes
    // sure the task is not running and never will. Harmless after Join.
    void Abandon() {
      if (joined_ || !taken_.exchange(true)) return;
      AwaitHandOff(mu_, [this] { return done_.load(); });
    }

   private:
    void Run() {
      try {
        fn_();
      } catch (...) {
        error_ = std::current_exception();
      }
    }

    std::function<void()> fn_;
    std::exception_ptr error_;  // written by whoever runs fn_, before done_
    std::atomic<bool> taken_{false};
    std::atomic<bool> done_{false};
    bool joined_ = false;  // the caller's own
    absl::Mutex mu_;       // held to set done_, so that Await sees it
  };

  // One search of groups of shards side by side: group g holds the shards i
  // with i % groups == g and is searched on its own reader. The searching
  // thread searches group 0; the others are handed to query_pool (Beside)
  // as soon as the search starts, so that pool threads are awake by the time
  // the query is parsed, and wait for it. Every group's search opens every
  // shard, so matches are weighed with the statistics of the whole index, as
  // in one match over all of them. Owned by the searching thread; the
  // destructor releases pool threads still waiting for a query (a parse
  // error) and waits for any group still running.
  class SideBySide {
   public:
    SideBySide(Impl* impl, absl::Span<Xapian::Database* const> dbs, const SearchQuery& q)
        : impl_(impl), dbs_(dbs), q_(q), msets_(dbs.size()) {
      for (size_t g = 1; g < dbs.size(); ++g) {
        groups_.push_back(Beside::Start(*impl->query_pool, [this, g] { SearchOnPool(g); }));
      }
    }
    ~SideBySide() {
      if (state_.load() == kWaiting) {
        absl::MutexLock lock(&mu_);
        state_.store(kCancelled);
      }
      for (const std::shared_ptr<Beside>& g : groups_) g->Abandon();
    }

    // The first `q.offset + q.limit` matches of `query` in each group.
    // Throws Xapian errors. Call once.
    std::vector<Xapian::MSet> Match(const Xapian::Query& query) {
      impl_->side_by_side_searches.fetch_add(1);
      {
        absl::MutexLock lock(&mu_);
        serialised_ = query.serialise();
        state_.store(kReady);
      }
      Search(0, query);
      for (size_t g = 1; g < dbs_.size(); ++g) {
        if (groups_[g - 1]->TakeBack()) {
          Search(g, query);
        } else {
          groups_[g - 1]->Join();
        }
      }
      return std::move(msets_);
    }

   private:
    static constexpr int kWaiting = 0, kReady = 1, kCancelled = 2;

    // Waits for the query, then searches group g with a copy of its own
    // (Xapian's reference counts are not atomic).
    void SearchOnPool(size_t g) {
      AwaitHandOff(mu_, [this] { return state_.load() != kWaiting; });
      if (state_.load() == kCancelled) return;
      Search(g, Xapian::Query::unserialise(serialised_));
    }

    void Search(size_t g, const Xapian::Query& query) {
      std::vector<std::string> uuids = impl_->GroupUuids(g, dbs_.size());
      Xapian::Enquire enquire(*dbs_[g]);
      enquire.set_query(
          Xapian::Query(Xapian::Query::OP_FILTER, query,
                        Xapian::Query((new ShardFilter(std::move(uuids)))->release())));
      SetOrder(enquire, q_);
      msets_[g] = enquire.get_mset(0, static_cast<Xapian::doccount>(q_.offset + q_.limit));
    }

    Impl* const impl_;
    const absl::Span<Xapian::Database* const> dbs_;
    const SearchQuery& q_;
    std::vector<Xapian::MSet> msets_;
    std::vector<std::shared_ptr<Beside>> groups_;  // groups 1..
    absl::Mutex mu_;                               // held to change state_, so that Await sees it
    std::atomic<int> state_{kWaiting};
    std::string serialised_;  // set before state_ becomes kReady
  };

  // Counts facets for `spy` (which must outlive the returned task's Join or
  // Abandon) in a match of `query` on `db`, filtered to `sample`, on a pool
  // thread: the same match FacetMatch gives, run beside the page's match on
  // another reader. The thread gets its own copy of the query (Xapian's
  // reference counts are not atomic).
  // With `uuids`, only those shards' matches are counted (ShardFilter);
  // empty: every shard's.
  std::shared_ptr<Beside> FacetsBeside(Xapian::Database& db, const Xapian::Query& query,
                                       FacetSample sample, FacetSpy* spy,
                                       std::vector<std::string> uuids = {}) {
    side_by_side_searches.fetch_add(1);
    return Beside::Start(*query_pool, [this, &db, serialised = query.serialise(), sample, spy,
                                       uuids = std::move(uuids)] {
      CountFacets(db, Xapian::Query::unserialise(serialised), sample, *spy, uuids);
    });
  }

  // The UUIDs of group g of `groups`: the shards i with i % groups == g.
  std::vector<std::string> GroupUuids(size_t g, size_t groups) const {
    std::vector<std::string> uuids;
    for (size_t i = g; i < shards.size(); i += groups) uuids.push_back(shards[i]->uuid());
    return uuids;
  }

  // For a collapsed search split by shard: each group's page is collapsed
  // within the group, so a key whose documents lie in several groups can
  // appear once per group. Keeps the first (best ranked) hit of each key of
  // `page` (in rank order) and counts the others, with what they had folded,
  // in `collapsed_elsewhere` (one entry per hit, parallel to `page`). Every
  // key of the whole match's collapsed top k has its best document in its
  // group's top k (a key ranking above it within the group ranks above it
  // overall), so the page comes out as one collapsed match's would.
  static void CollapseAcrossGroups(std::vector<Xapian::MSetIterator>& page,
                                   std::vector<int64_t>& collapsed_elsewhere) {
    std::vector<Xapian::MSetIterator> kept;
    std::vector<int64_t> folded;
    absl::flat_hash_map<std::string, size_t> first_of_key;
    for (const Xapian::MSetIterator& it : page) {
      const std::string key = it.get_collapse_key();
      if (!key.empty()) {
        auto [at, inserted] = first_of_key.emplace(key, kept.size());
        if (!inserted) {
          folded[at->second] += 1 + static_cast<int64_t>(it.get_collapse_count());
          continue;
        }
      }
      kept.push_back(it);
      folded.push_back(0);
    }
    page = std::move(kept);
    collapsed_elsewhere = std::move(folded);
  }

  // Runs `q` on `dbs` (one reader, or one per group of shards to search side
  // by side; see MatchGroups).
  SearchResults RunSearch(absl::Span<Xapian::Database* const> dbs, const SearchQuery& q) {
    Xapian::Database& db = *dbs[0];
    // The readers: the page's groups of shards, then those of a facet match
    // beside it (one for an unsplit page, or as many as the page's).
    size_t page_readers = dbs.size();
    absl::Span<Xapian::Database* const> facet_dbs;
    if (!q.facets.empty() && dbs.size() > 1) {
      page_readers = dbs.size() >= 4 ? dbs.size() / 2 : 1;
      facet_dbs = dbs.subspan(page_readers);
    }
    const bool split = page_readers > 1;
    std::optional<SideBySide> side_by_side;
    if (split) side_by_side.emplace(this, dbs.first(page_readers), q);
    SearchResults results;
    Xapian::QueryParser qp = MakeParser(db);
    Xapian::Query text;
    Xapian::Query any;  // the OR reading of the text
    // The text as parsed, when WithWordPairs changed it; empty otherwise.
    Xapian::Query highlight_text;
    std::string folded;
    SynonymHighlights synonyms;
    if (!q.text.empty()) {
      const unsigned flags = kQueryParserFlags;
      folded = common::FoldTypography(q.text);
      // Posts holding every word rank first: the AND reading of the query,
      // weighted up, is added to the OR reading that decides what matches.
      any = ParseLenient(qp, folded, flags);
      qp.set_default_op(Xapian::Query::OP_AND);
      Xapian::Query all = ParseLenient(qp, folded, flags);
      // One reading when both are the same (a single word or phrase); the
      // pair rewrite keeps them the same.
      const bool one_reading = all.get_description() == any.get_description();
      auto readings = [one_reading](const Xapian::Query& and_reading,
                                    const Xapian::Query& or_reading) {
        if (one_reading) return or_reading;
        return Xapian::Query(
            Xapian::Query::OP_OR,
            Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, and_reading, kAllWordsBoost), or_reading);
      };
      text = readings(all, any);
      if (word_pairs) {
        bool changed = false;
        Xapian::Query paired_any = WithWordPairs(any, db, &changed);
        Xapian::Query paired_all = one_reading ? paired_any : WithWordPairs(all, db, &changed);
        if (changed) {
          // Snippets highlight phrases only where they are phrases, so they
          // are made from the text as parsed.
          highlight_text = text;
          any = paired_any;
          text = readings(paired_all, any);
        }
      }
      if (q.snippet_length > 0) synonyms = SynonymHighlightTerms(folded);
    }
    Xapian::Query query = Combine(text, FilterQuery(q.filter, ""));
    if (!q.cluster_key.empty()) {
      query = Xapian::Query(
          Xapian::Query::OP_FILTER, query,
          Xapian::Query(Xapian::Query::OP_VALUE_RANGE, kSlotCluster, q.cluster_key, q.cluster_key));
    }
    results.parsed_query = query.get_description();

    Xapian::Enquire enquire(db);
    enquire.set_query(query);
    SetOrder(enquire, q);

    // Facets whose own filter is empty are counted on the main match when
    // they are counted exactly, the query is not collapsed and its page is
    // not split by shard; otherwise in a match of their own: spies see every
    // match before collapsing (collapsing every match instead of just enough
    // for the page was most of a faceted, collapsed query), and a sampled
    // count walks only the sample. Facets with a selection of their own need
    // a match without it (multi-select), below.
    const FacetSample sample = q.facets.empty() ? FacetSample{} : SampleFor(db, query);
    const bool bundled = !q.facets.empty() && HasFacetBundle(db);
    // The facets counted on this query's matches, and for each requested
    // facet its place among them (-1: counted in a match of its own).
    std::vector<size_t> shared;
    std::vector<int> place(q.facets.size(), -1);
    for (size_t i = 0; i < q.facets.size(); ++i) {
      const FacetSpec* spec = FindFacet(q.facets[i]);
      const std::vector<std::string>* sel = SelectedValues(q.filter, spec->name);
      if (sel != nullptr && !sel->empty()) continue;
      place[i] = static_cast<int>(shared.size());
      shared.push_back(static_cast<size_t>(spec - kFacets));
    }
    // The spies counting `shared`: one, or one per facet group beside.
    std::vector<std::unique_ptr<FacetSpy>> spies;
    // The spy of a facet match of its own after the page's, unsplit.
    FacetSpy* facet_match = nullptr;
    std::vector<std::shared_ptr<Beside>> facets_beside;
    // Declared after `spies`, so that it runs first: a facet match still
    // running beside is waited for (or never started) before its spy goes.
    absl::Cleanup join_facets = [&] {
      for (const std::shared_ptr<Beside>& b : facets_beside) b->Abandon();
    };
    const bool any_spy_on_main =
        !shared.empty() && !split && !q.collapse_duplicates && !sample.estimated();
    if (!shared.empty()) {
      const size_t groups = any_spy_on_main ? 1 : std::max<size_t>(facet_dbs.size(), 1);
      for (size_t g = 0; g < groups; ++g) {
        spies.push_back(std::make_unique<FacetSpy>(shared, bundled, sample, facet_tables));
      }
      if (any_spy_on_main) {
        enquire.add_matchspy(spies[0].get());
      } else if (facet_dbs.empty()) {
        facet_match = spies[0].get();
      } else {
        for (size_t g = 0; g < groups; ++g) {
          facets_beside.push_back(
              FacetsBeside(*facet_dbs[g], query, sample, spies[g].get(),
                           groups > 1 ? GroupUuids(g, groups) : std::vector<std::string>{}));
        }
      }
    }
    // The page, in rank order, and the MSets its matches come from; for a
    // split collapsed search, how many documents of each hit's key the other
    // groups' pages held (see CollapseAcrossGroups).
    std::vector<Xapian::MSet> msets;
    std::vector<Xapian::MSetIterator> page;
    std::vector<int64_t> collapsed_elsewhere;
    if (!split) {
      msets.push_back(enquire.get_mset(q.offset, q.limit, any_spy_on_main ? db.get_doccount() : 0));
      for (Xapian::MSetIterator it = msets[0].begin(); it != msets[0].end(); ++it) {
        page.push_back(it);
      }
    } else {
      msets = side_by_side->Match(query);
      for (const Xapian::MSet& m : msets) {
        for (Xapian::MSetIterator it = m.begin(); it != m.end(); ++it) page.push_back(it);
      }
      std::sort(page.begin(), page.end(),
                [&](const Xapian::MSetIterator& a, const Xapian::MSetIterator& b) {
                  return RanksAbove(a, b, q.sort);
                });
      if (q.collapse_duplicates) {
        CollapseAcrossGroups(page, collapsed_elsewhere);
      } else {
        collapsed_elsewhere.assign(page.size(), 0);
      }
      const size_t skip = std::min(page.size(), static_cast<size_t>(q.offset));
      page.erase(page.begin(), page.begin() + skip);
      collapsed_elsewhere.erase(collapsed_elsewhere.begin(), collapsed_elsewhere.begin() + skip);
      if (page.size() > static_cast<size_t>(q.limit)) {
        page.resize(static_cast<size_t>(q.limit));
        collapsed_elsewhere.resize(static_cast<size_t>(q.limit));
      }
    }
    if (facet_match != nullptr) CountFacets(db, query, sample, *facet_match);
    // The last started first: it is the likeliest not yet taken by a pool
    // thread, and then runs here while the pool works on the others.
    for (auto b = facets_beside.rbegin(); b != facets_beside.rend(); ++b) (*b)->Join();
    const Xapian::MSet& mset = msets[0];
    int64_t lower = 0, upper = 0;
    results.estimated_total = 0;
    for (const Xapian::MSet& m : msets) {
      results.estimated_total += m.get_matches_estimated();
      lower += m.get_matches_lower_bound();
      upper += m.get_matches_upper_bound();
    }
    results.total_is_exact = lower == upper;
    // Uncollapsed, with facets counted exactly beside a split page: their
    // matches are the page's query unsampled, so the spies saw every match.
    // Sampled, they saw about one in sample.one_in() of the query's matches
    // (before collapsing): where Xapian's estimate is lower, as it is for a
    // phrase its pairs filter (PairFilteredCandidates: 400 for 17,531
    // matches), that is the better estimate.
    int64_t spied = 0;
    for (const auto& spy : spies) spied += spy->matches();
    if (split && !q.collapse_duplicates && !facets_beside.empty() && !sample.estimated()) {
      results.estimated_total = spied;
      results.total_is_exact = true;
    } else if (sample.estimated() && !spies.empty() && !results.total_is_exact) {
      results.estimated_total = std::max(results.estimated_total, spied);
    }
    // Spelling suggestions cost about as much as the search itself, so they
    // are looked for only when a query word is not in the index at all.
    if (!any.empty() && HasUnknownWord(mset, any)) {
      Xapian::QueryParser speller = MakeParser(db);
      ParseLenient(speller, folded,
                   kQueryParserFlags | Xapian::QueryParser::FLAG_SPELLING_CORRECTION);
      results.corrected_query = GuardCorrection(folded, speller.get_corrected_query_string());
    }

    for (size_t i = 0; i < q.facets.size(); ++i) {
      const FacetSpec* spec = FindFacet(q.facets[i]);
      const std::vector<std::string>* sel = SelectedValues(q.filter, spec->name);
      absl::flat_hash_map<std::string, int64_t> counts;
      int64_t one_in = 1;
      if (place[i] >= 0) {
        one_in = spies[0]->one_in();
        counts = spies[0]->TakeCounts(static_cast<size_t>(place[i]));
        for (size_t g = 1; g < spies.size(); ++g) {
          for (auto& [value, n] : spies[g]->TakeCounts(static_cast<size_t>(place[i]))) {
            counts[value] += n;
          }
        }
      } else {
        Xapian::Query fq = Combine(text, FilterQuery(q.filter, spec->name));
        const FacetSample own_sample = SampleFor(db, fq);
        FacetSpy own({static_cast<size_t>(spec - kFacets)}, bundled, own_sample, facet_tables);
        CountFacets(db, fq, own_sample, own);
        one_in = own.one_in();
        counts = own.TakeCounts(0);
      }
      static const std::vector<std::string> kNone;
      std::vector<FacetValueCount> values =
          TopValues(counts, q.facet_size, sel != nullptr ? *sel : kNone);
      if (std::string_view(spec->name) == "entity") {
        for (FacetValueCount& v : values) {
          if (const common::LexiconEntry* e = lexicon->Find(v.value)) v.label = e->name;
        }
      }
      results.facets.push_back({spec->name, std::move(values), one_in});
    }

    // Snippets highlight the query's terms and, for lexicon entities the
    // query names, the words of their other variants.
    const Xapian::MSet* snippet_mset = &mset;
    Xapian::MSet highlight_mset;
    const bool rewritten = !highlight_text.empty();
    if ((!synonyms.terms.empty() || rewritten) && q.snippet_length > 0 && !page.empty()) {
      std::vector<Xapian::Query> parts = {rewritten ? highlight_text : text};
      for (const std::string& t : synonyms.terms) parts.emplace_back(t);
      Xapian::Enquire highlight(db);
      highlight.set_query(Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end()));
      // Snippets need the query and its terms' statistics, which an MSet
      // of no documents has, without a match run.
      highlight_mset = highlight.get_mset(0, 0);
      snippet_mset = &highlight_mset;
    }
    for (size_t k = 0; k < page.size(); ++k) {
      const Xapian::MSetIterator& it = page[k];
      SearchHit hit;
      const bool needs_body = q.include_body || q.snippet_length > 0;
      if (!ReadPost(it.get_document(), needs_body, hit.post)) continue;
      hit.score = text.empty() ? 0 : it.get_weight();
      if (q.collapse_duplicates) {
        hit.duplicate_count =
            static_cast<int>(it.get_collapse_count() +
                             (k < collapsed_elsewhere.size() ? collapsed_elsewhere[k] : 0));
      }
      if (q.snippet_length > 0 && !text.empty()) {
        hit.snippet = MakeSnippet(*snippet_mset, hit.post.body(), q.snippet_length,
                                  /*exhaustive=*/!synonyms.terms.empty());
        hit.title = MakeTitleHighlight(*snippet_mset, hit.post.title());
        DropLonePhraseWords(hit.snippet, synonyms.phrase_words);
        DropLonePhraseWords(hit.title, synonyms.phrase_words);
      } else if (q.snippet_length > 0) {
        hit.snippet.text = common::TruncateUtf8(hit.post.body(), q.snippet_length);
        hit.title.text = hit.post.title();
      }
      if (hit.title.text.empty()) hit.title.text = hit.post.title();
      if (!q.include_body) hit.post.clear_body();
      results.hits.push_back(std::move(hit));
    }
    return results;
  }
};

XapianIndex::XapianIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

// Shards stop (finish queued writes, close) before the readers go.
XapianIndex::~XapianIndex() { impl_->shards.clear(); }

namespace {

constexpr char kStubFile[] = "XAPIANDB";

std::string ShardDir(int n) { return absl::StrCat("shard-", n); }

// The shard count recorded in a stub file ("glass shard-N" lines), or 0.
int ShardsInStub(const std::string& stub) {
  std::ifstream in(stub);
  int n = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line == absl::StrCat("glass ", ShardDir(n))) ++n;
  }
  return n;
}

// Writes the stub atomically (temp file, fsync, rename).
absl::Status WriteStub(const std::string& dir, int shards) {
  std::string tmp = dir + "/" + kStubFile + ".tmp";
  std::string text;
  for (int i = 0; i < shards; ++i) absl::StrAppend(&text, "glass ", ShardDir(i), "\n");
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("writing ", tmp, ": ", strerror(errno)));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), (dir + "/" + kStubFile).c_str()) != 0) {
    return absl::UnavailableError(
        absl::StrCat("writing ", dir, "/", kStubFile, ": ", strerror(ok ? errno : err)));
  }
  return absl::OkStatus();
}

// Decides the shard folders of the index at `path` (see XapianIndex::Open).
absl::StatusOr<std::vector<std::string>> ShardLayout(const std::string& path, int wanted) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(path + "/iamglass", ec)) return std::vector<std::string>{path};
  fs::create_directories(path, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create index folder ", path, ": ", ec.message()));
  }
  int shards = ShardsInStub(path + "/" + kStubFile);
  if (shards == 0) {
    // A new index, or one whose creation was interrupted before its stub
    // was written (its shards are then still empty).
    int found = 0;
    while (fs::exists(path + "/" + ShardDir(found), ec)) ++found;
    for (int i = 0; i < found; ++i) {
      bool empty = true;
      try {
        empty = Xapian::Database(path + "/" + ShardDir(i)).get_doccount() == 0;
      } catch (const Xapian::Error&) {
      }
      if (!empty) {
        return absl::FailedPreconditionError(
            absl::StrCat("index folder ", path, " has shard folders with posts but no ", kStubFile,
                         " file listing them; restore it (one line \"glass shard-N\" per shard)"));
      }
    }
    shards = std::max(found, wanted);
    for (int i = 0; i < shards; ++i) {
      Xapian::WritableDatabase(path + "/" + ShardDir(i),
                               Xapian::DB_CREATE_OR_OPEN | Xapian::DB_BACKEND_GLASS)
          .close();
    }
    if (absl::Status s = WriteStub(path, shards); !s.ok()) return s;
  } else if (shards != wanted) {
    SCR_LOG(WARNING) << "index " << path << " has " << shards << " shards; asked for " << wanted
                     << ", which applies only to new indexes";
  }
  std::vector<std::string> paths;
  for (int i = 0; i < shards; ++i) paths.push_back(path + "/" + ShardDir(i));
  return paths;
}

}  // namespace

absl::StatusOr<std::unique_ptr<XapianIndex>> XapianIndex::Open(const std::string& path,
                                                               const common::Lexicon* lexicon,
                                                               int shards,
                                                               int64_t max_exact_facet_matches,
                                                               int query_threads) {
  if (shards < 1 || shards > kMaxShards) {
    return absl::InvalidArgumentError(
        absl::StrCat("index shards: ", shards, " is out of range 1..", kMaxShards));
  }
  if (max_exact_facet_matches < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max exact facet matches: ", max_exact_facet_matches, " must be at least 1"));
  }
  if (query_threads < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("query threads: ", query_threads, " must be 0 (one per core) or more"));
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->max_exact_facet_matches = max_exact_facet_matches;
  impl->lexicon = lexicon != nullptr ? lexicon : &common::Lexicon::Default();
  absl::Status status = Guard("opening index " + path, [&]() -> absl::Status {
    absl::StatusOr<std::vector<std::string>> paths = ShardLayout(path, shards);
    if (!paths.ok()) return paths.status();
    for (size_t i = 0; i < paths->size(); ++i) {
      impl->simhashes.push_back(std::make_unique<SimHashTable>());
      impl->facet_tables.push_back(std::make_unique<FacetTable>());
    }
    for (size_t i = 0; i < paths->size(); ++i) {
      std::vector<Shard::Peer> peers;
      for (size_t j = 0; j < paths->size(); ++j) {
        if (j != i) peers.push_back({(*paths)[j], impl->simhashes[j].get()});
      }
      impl->shards.push_back(std::make_unique<Shard>(
          (*paths)[i], impl->simhashes[i].get(), impl->facet_tables[i].get(), std::move(peers),
          &impl->generation, &impl->commit_pause, impl->lexicon, /*keeps_synonyms=*/i == 0));
      impl->shards.back()->Open();
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  impl->word_pairs = std::all_of(impl->shards.begin(), impl->shards.end(),
                                 [](const std::unique_ptr<Shard>& s) { return s->word_pairs(); });
  if (!impl->word_pairs) {
    SCR_LOG(WARNING) << "index " << path << " has shards written before word pairs ("
                     << kWordPairsKey << " metadata " << WordPairsVersion()
                     << "); phrases of common words are matched without them, slower, until "
                        "the index is rebuilt";
  }
  if (query_threads == 0) query_threads = static_cast<int>(std::thread::hardware_concurrency());
  impl->query_threads = std::clamp(query_threads, 1, static_cast<int>(impl->shards.size()));
  if (impl->query_threads > 1)
    impl->query_pool = std::make_unique<TaskPool>(impl->query_threads - 1);
  return std::unique_ptr<XapianIndex>(new XapianIndex(std::move(impl)));
}

int XapianIndex::shard_count() const { return static_cast<int>(impl_->shards.size()); }

int XapianIndex::query_threads() const { return impl_->query_threads; }

int64_t XapianIndex::side_by_side_searches() const { return impl_->side_by_side_searches.load(); }

namespace {

// Sends each shard its part of a batch, in PendingWrites of near-equal size
// and at most XapianIndex::kMaxCommitDocuments items each (queued in order,
// so each shard commits them one after another), and waits for all of them.
// `id_of(i)` is item i's post id; `add` adds item i to a PendingWrite;
// `prepare` is called on each filled PendingWrite, on the calling thread,
// just before it is queued. Outcomes come back in the batch's order; any
// part's error fails the whole call (a retry is safe: parts already
// committed come back as kStale or kNotFound).
template <typename IdFn, typename AddFn, typename PrepareFn>
absl::StatusOr<std::vector<WriteOutcome>> WriteToShards(
    const std::vector<std::unique_ptr<Shard>>& shards, size_t count, IdFn id_of, AddFn add,
    PrepareFn prepare) {
  std::vector<std::vector<size_t>> by_shard(shards.size());
  for (size_t i = 0; i < count; ++i) by_shard[ShardOf(id_of(i), shards.size())].push_back(i);
  struct Part {
    size_t shard = 0;
    std::vector<size_t> positions;
    PendingWrite write;
    bool queued = false;
  };
  // Filled before anything is queued: the shards hold pointers into it.
  std::vector<Part> parts;
  for (size_t s = 0; s < shards.size(); ++s) {
    const std::vector<size_t>& items = by_shard[s];
    if (items.empty()) continue;
    const size_t pieces =
        (items.size() + XapianIndex::kMaxCommitDocuments - 1) / XapianIndex::kMaxCommitDocuments;
    for (size_t k = 0; k < pieces; ++k) {
      Part& part = parts.emplace_back();
      part.shard = s;
      for (size_t j = items.size() * k / pieces; j < items.size() * (k + 1) / pieces; ++j) {
        add(part.write, items[j]);
        part.positions.push_back(items[j]);
      }
    }
  }
  for (Part& part : parts) {
    prepare(part.write);
    part.queued = shards[part.shard]->Enqueue(&part.write);
    if (!part.queued) part.write.result = absl::UnavailableError("index is shutting down");
  }
  std::vector<WriteOutcome> outcomes(count);
  absl::Status error;
  for (Part& part : parts) {
    if (part.queued) shards[part.shard]->Wait(&part.write);
    if (!part.write.result.ok()) {
      if (error.ok()) error = part.write.result.status();
      continue;
    }
    for (size_t k = 0; k < part.positions.size(); ++k)
      outcomes[part.positions[k]] = (*part.write.result)[k];
  }
  if (!error.ok()) return error;
  return outcomes;
}

}  // namespace

absl::StatusOr<std::vector<WriteOutcome>> XapianIndex::Upsert(absl::Span<const v1::Post> posts) {
  // Held until every part is answered (the writers free the texts as they
  // use them, so this errs on the side of holding too much).
  Budget& budget = impl_->prebuilt_texts;
  size_t granted = 0;
  absl::Cleanup release = [&] { budget.Release(granted); };
  return WriteToShards(
      impl_->shards, posts.size(), [&](size_t i) -> absl::string_view { return posts[i].id(); },
      [&](PendingWrite& w, size_t i) { w.posts.push_back(&posts[i]); },
      [&, indexer = MakeTextIndexer()](PendingWrite& w) mutable {
        // The writer builds what is missing here: past the budget, or after
        // an error.
        const size_t n = budget.Acquire(w.posts.size());
        granted += n;
        try {
          w.texts.reserve(n);
          for (size_t i = 0; i < n; ++i) w.texts.push_back(TextDocument(indexer, *w.posts[i]));
        } catch (const Xapian::Error& e) {
          SCR_LOG(WARNING) << "indexing post text before queueing: " << e.get_description();
          w.texts.clear();
        }
      });
}

size_t XapianIndex::prebuilt_texts_held() const { return impl_->prebuilt_texts.held(); }

absl::StatusOr<std::vector<WriteOutcome>> XapianIndex::Delete(
    absl::Span<const Deletion> deletions) {
  return WriteToShards(
      impl_->shards, deletions.size(),
      [&](size_t i) -> absl::string_view { return deletions[i].id; },
      [&](PendingWrite& w, size_t i) {
        w.is_delete = true;
        w.deletions.push_back(&deletions[i]);
      },
      [](PendingWrite&) {});
}

absl::Status XapianIndex::Health() {
  for (const auto& shard : impl_->shards) {
    if (absl::Status s = shard->Health(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<SearchResults> XapianIndex::Search(const SearchQuery& query) {
  for (const std::string& f : query.facets) {
    if (FindFacet(f) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "facets: unknown facet \"", f, "\"; known: category, tag, site, year, entity, author"));
    }
  }
  // Counts this search among those running while it runs.
  struct Running {
    explicit Running(std::atomic<int>& n) : n(n), others(n.fetch_add(1)) {}
    ~Running() { n.fetch_sub(1); }
    std::atomic<int>& n;
    const int others;
  } running(impl_->searches_running);
  return impl_->WithReaders(
      "search", impl_->MatchGroups(query, running.others),
      [&](absl::Span<Xapian::Database* const> dbs) -> absl::StatusOr<SearchResults> {
        return impl_->RunSearch(dbs, query);
      });
}

absl::StatusOr<SearchResults> XapianIndex::MoreLikeThis(const std::string& id, int limit,
                                                        const SearchFilter& filter) {
  return impl_->WithReader(
      "more like this", [&](Xapian::Database& db) -> absl::StatusOr<SearchResults> {
        Xapian::PostingIterator p = db.postlist_begin(IdTerm(id));
        if (p == db.postlist_end(IdTerm(id))) {
          return absl::NotFoundError(absl::StrCat("post ", id, " not found"));
        }
        Xapian::RSet rset;
        rset.add_document(*p);
        Xapian::Enquire enquire(db);
        enquire.set_query(Xapian::Query(IdTerm(id)));
        // Expand from unprefixed text terms only.
        struct TextTermsOnly : Xapian::ExpandDecider {
          bool operator()(const std::string& term) const override {
            return !term.empty() && (absl::ascii_islower(static_cast<unsigned char>(term[0])) ||
                                     static_cast<unsigned char>(term[0]) >= 0x80 ||
                                     absl::ascii_isdigit(static_cast<unsigned char>(term[0])) ||
                                     (term[0] == 'Z' && term.size() > 1 &&
                                      !absl::ascii_isupper(static_cast<unsigned char>(term[1]))));
          }
        } decider;
        Xapian::ESet eset = enquire.get_eset(24, rset, &decider);
        std::vector<Xapian::Query> terms;
        for (Xapian::ESetIterator t = eset.begin(); t != eset.end(); ++t) terms.emplace_back(*t);
        SearchResults results;
        if (terms.empty()) return results;
        Xapian::Query similar(Xapian::Query::OP_OR, terms.begin(), terms.end());
        similar = Xapian::Query(Xapian::Query::OP_AND_NOT, similar, Xapian::Query(IdTerm(id)));
        Xapian::Query query = impl_->Combine(similar, impl_->FilterQuery(filter, ""));
        results.parsed_query = query.get_description();
        enquire.set_query(query);
        Xapian::MSet mset = enquire.get_mset(0, limit);
        results.estimated_total = mset.get_matches_estimated();
        results.total_is_exact = mset.get_matches_lower_bound() == mset.get_matches_upper_bound();
        for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it) {
          SearchHit hit;
          if (!hit.post.ParseFromString(it.get_document().get_data())) continue;
          hit.score = it.get_weight();
          hit.snippet = impl_->MakeSnippet(mset, hit.post.body(), 300, /*exhaustive=*/false);
          hit.title.text = hit.post.title();
          hit.post.clear_body();
          results.hits.push_back(std::move(hit));
        }
        return results;
      });
}

absl::StatusOr<std::vector<Suggestion>> XapianIndex::Suggest(const std::string& prefix, int limit) {
  return impl_->WithReader(
      "suggest", [&](Xapian::Database& db) -> absl::StatusOr<std::vector<Suggestion>> {
        std::vector<Suggestion> out;
        std::string folded = common::CollapseWhitespace(common::FoldTypography(prefix));
        if (folded.empty()) return out;
        // Entities first: lexicon entries that posts in the index mention, with a
        // name or variant having a word that starts with the typed text, most
        // mentioned first; at most half of the list.
        std::string want = common::FoldCase(common::StripAccents(folded));
        std::vector<std::pair<Xapian::doccount, const common::LexiconEntry*>> entities;
        for (const common::LexiconEntry& e : impl_->lexicon->entries()) {
          bool match = false;
          for (const common::LexiconVariant& v : e.variants) {
            std::string text =
                common::FoldCase(common::StripAccents(common::FoldTypography(v.text)));
            for (size_t pos = 0; !match && pos < text.size(); pos = text.find(' ', pos) + 1) {
              match = absl::StartsWith(absl::string_view(text).substr(pos), want);
              if (text.find(' ', pos) == std::string::npos) break;
            }
            if (match) break;
          }
          if (!match) continue;
          Xapian::doccount n = db.get_termfreq("XE" + BooleanValue(e.id));
          if (n > 0) entities.emplace_back(n, &e);
        }
        std::sort(entities.begin(), entities.end(), [](const auto& a, const auto& b) {
          return a.first != b.first ? a.first > b.first : a.second->name < b.second->name;
        });
        for (const auto& [n, e] : entities) {
          if (static_cast<int>(out.size()) * 2 >= limit && out.size() > 0) break;
          out.push_back({e->name, "entity", ""});
        }
        Xapian::QueryParser qp = impl_->MakeParser(db);
        Xapian::Query q = qp.parse_query(folded, Xapian::QueryParser::FLAG_PARTIAL, "S");
        Xapian::Enquire enquire(db);
        enquire.set_query(q);
        Xapian::MSet mset = enquire.get_mset(0, limit - static_cast<int>(out.size()));
        for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it) {
          v1::Post post;
          if (!ReadPost(it.get_document(), /*with_body=*/false, post)) continue;
          out.push_back({post.title(), "title", post.id()});
        }
        return out;
      });
}

absl::StatusOr<v1::Post> XapianIndex::GetPost(const std::string& id) {
  return impl_->WithReader("get post", [&](Xapian::Database& db) -> absl::StatusOr<v1::Post> {
    std::string term = IdTerm(id);
    Xapian::PostingIterator p = db.postlist_begin(term);
    if (p == db.postlist_end(term)) {
      return absl::NotFoundError(absl::StrCat("post ", id, " not found"));
    }
    v1::Post post;
    if (!post.ParseFromString(db.get_document(*p).get_data())) {
      return absl::DataLossError(absl::StrCat("post ", id, ": stored data does not parse"));
    }
    return post;
  });
}

absl::StatusOr<IndexStats> XapianIndex::Stats() {
  int64_t last_commit = 0;
  int64_t revision = 0;
  for (const auto& shard : impl_->shards) {
    last_commit = std::max(last_commit, shard->last_commit());
    revision += static_cast<int64_t>(shard->revision());
  }
  auto stats = impl_->WithReader("stats", [&](Xapian::Database& db) -> absl::StatusOr<IndexStats> {
    IndexStats s;
    s.document_count = db.get_doccount();
    s.average_length = db.get_avlength();
    s.revision = revision;
    if (last_commit > 0) s.last_commit = absl::FromUnixMicros(last_commit);
    s.term_count = impl_->TermCount(db, revision);
    return s;
  });
  if (!stats.ok()) return stats;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(impl_->path, ec)) {
    if (entry.is_regular_file(ec)) stats->size_bytes += static_cast<int64_t>(entry.file_size(ec));
  }
  return stats;
}

}  // namespace scr::search
