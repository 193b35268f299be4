// scr_bench_baselines: the in-process baselines the services are compared
// with, run on the same posts and queries:
//
//   raw Xapian  the documents XapianIndex writes (TextDocument and BuildDocument: TermGenerator,
//               English stemmer, STEM_SOME, positions, FLAG_SPELLING; title
//               with prefix S and again unprefixed at weight 4; boolean terms;
//               value slots; the serialized Post as data and, without its
//               body, as the summary value hits are read from; word pairs,
//               search-service/word_pairs.h), replace_document
//               by id term, a commit every --commit_every documents (default
//               2000, XapianIndex::kMaxCommitDocuments: the service's largest
//               commit). Queries go through a QueryParser set up as
//               XapianIndex::MakeParser does, with the same flags, the same
//               "all words boosted OR any word" query, phrases matched from
//               their word pairs, relevance-then-date
//               order, facet match spies, collapse key and snippets. What the
//               raw baseline leaves out is the service's own work: version
//               metadata, merge with a stored copy, near-duplicate lookup,
//               lexicon synonyms, gRPC and protobuf conversion.
//   SQLite FTS5 tokenize='porter unicode61', ranked by bm25() with the title
//               weighted 3, WAL with synchronous=FULL, a transaction per
//               --commit_every posts. Multi-word queries are ORed (as the service matches),
//               boolean operators and phrases are passed through, facets are
//               GROUP BY queries, collapse is GROUP BY cluster, snippets use
//               snippet().
//   adapter     with --service_index=DIR: the service's XapianIndex, in
//               process, on the index a (stopped) search-service built; the
//               step between raw Xapian and the service over gRPC.
//
//   scr_bench_baselines --posts=DIR/posts.rec --queries=queries.tsv --work_dir=TMP
//       [--passes=3] [--qps_duration_s=5] [--skip_fts5]
//
// The raw Xapian index can also be built in timed slices, so that
// bench/run.sh can interleave them with the services' ingest of the same
// slices: --index_part=K/N (K = 0..N-1, in order) indexes the K-th slice of
// the posts into work_dir (K = 0 starts afresh) and records its figures in
// work_dir/raw_parts.txt; a later run with --raw_prebuilt sums them instead
// of indexing, then measures the queries as usual.
//
// Prints one JSON object (last line of stdout).
#include <sqlite3.h>
#include <xapian.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "bench/posts.h"
#include "bench/queries.h"
#include "bench/records.h"
#include "common/text.h"
#include "scr/v1/post.pb.h"
#include "search-service/docid_sample.h"
#include "search-service/word_pairs.h"
#include "search-service/xapian_index.h"

namespace {

using Clock = std::chrono::steady_clock;
using scr::bench::BenchQuery;

// ---- Raw Xapian: the service's schema, without the service --------------

constexpr Xapian::valueno kSlotPublished = 0, kSlotCluster = 1, kSlotCategories = 2, kSlotTags = 3,
                          kSlotSite = 4, kSlotYear = 5, kSlotAuthor = 7, kSlotSummary = 9;
constexpr int kTitleWeight = 4;
constexpr double kAllWordsBoost = 4.0;
using scr::bench::kListSeparator;
using scr::bench::ToPost;
using scr::search::DocidSample;

std::string BooleanValue(const std::string& value) {
  return scr::common::TruncateUtf8(scr::common::FoldCase(scr::common::CollapseWhitespace(value)),
                                   200);
}

constexpr Xapian::valueno kSlotFacets = 10;
constexpr char kFacetSeparator = '\x1e';

// The document XapianIndex builds (its TextDocument and BuildDocument; entities and simhash bands
// aside: the synthetic posts carry none), in one thread.
Xapian::Document BuildDocument(Xapian::TermGenerator& indexer, const scr::v1::Post& post) {
  Xapian::Document doc;
  indexer.set_document(doc);
  std::string title = scr::common::FoldTypography(post.title());
  std::string body = scr::common::FoldTypography(post.body());
  indexer.index_text(title, 1, "S");
  indexer.increase_termpos();
  indexer.index_text(title, kTitleWeight);
  indexer.increase_termpos();
  indexer.index_text(body);
  scr::search::AddWordPairs(doc);
  doc.add_boolean_term("Q" + post.id());
  for (const std::string& c : post.categories()) doc.add_boolean_term("XC" + BooleanValue(c));
  for (const std::string& t : post.tags()) doc.add_boolean_term("K" + BooleanValue(t));
  if (!post.site().empty()) doc.add_boolean_term("H" + BooleanValue(post.site()));
  if (!post.author().empty()) doc.add_boolean_term("A" + BooleanValue(post.author()));
  if (!post.language().empty()) doc.add_boolean_term("L" + BooleanValue(post.language()));
  std::string year = absl::FormatTime("%Y", absl::FromUnixSeconds(post.published().seconds()),
                                      absl::UTCTimeZone());
  doc.add_boolean_term("Y" + year);
  doc.add_value(kSlotPublished,
                Xapian::sortable_serialise(static_cast<double>(post.published().seconds())));
  doc.add_value(kSlotYear, year);
  doc.add_value(kSlotCluster, post.cluster_key().empty() ? post.id() : post.cluster_key());
  std::string sep(1, kListSeparator);
  if (post.categories_size() > 0)
    doc.add_value(kSlotCategories, absl::StrJoin(post.categories(), sep));
  if (post.tags_size() > 0) doc.add_value(kSlotTags, absl::StrJoin(post.tags(), sep));
  if (!post.site().empty()) doc.add_value(kSlotSite, post.site());
  if (!post.author().empty()) doc.add_value(kSlotAuthor, post.author());
  // The service's facet bundle: categories, tags, site, year, entities
  // (none here), author.
  doc.add_value(kSlotFacets,
                absl::StrJoin({doc.get_value(kSlotCategories), doc.get_value(kSlotTags),
                               doc.get_value(kSlotSite), doc.get_value(kSlotYear), std::string(),
                               doc.get_value(kSlotAuthor)},
                              std::string(1, kFacetSeparator)));
  doc.set_data(post.SerializeAsString());
  scr::v1::Post summary = post;
  summary.clear_body();
  doc.add_value(kSlotSummary, summary.SerializeAsString());
  return doc;
}

// The service's facet spy (counts are scaled afterwards, not here): one
// spy for all facets, one read of the facet bundle a document. `fields` are
// positions in the bundle.
class FacetSpy : public Xapian::MatchSpy {
 public:
  explicit FacetSpy(std::vector<size_t> fields)
      : fields_(std::move(fields)), counts_(fields_.size()) {}
  void operator()(const Xapian::Document& doc, double) override {
    const std::string bundle = doc.get_value(kSlotFacets);
    std::vector<absl::string_view> parts = absl::StrSplit(bundle, kFacetSeparator);
    for (size_t i = 0; i < fields_.size(); ++i) {
      if (fields_[i] >= parts.size()) continue;
      for (absl::string_view v :
           absl::StrSplit(parts[fields_[i]], kListSeparator, absl::SkipEmpty())) {
        auto it = counts_[i].find(v);
        if (it == counts_[i].end()) {
          counts_[i].emplace(std::string(v), 1);
        } else {
          ++it->second;
        }
      }
    }
  }

 private:
  std::vector<size_t> fields_;
  std::vector<absl::flat_hash_map<std::string, int64_t>> counts_;
};

// True when `query` or a subquery of it is a phrase or NEAR.
bool HasPositional(const Xapian::Query& query) {
  if (query.get_type() == Xapian::Query::OP_PHRASE || query.get_type() == Xapian::Query::OP_NEAR) {
    return true;
  }
  for (size_t i = 0; i < query.get_num_subqueries(); ++i) {
    if (HasPositional(query.get_subquery(i))) return true;
  }
  return false;
}

// The service's facet sample (XapianIndex, 20,000 exact matches, 5,000 for
// a query with a phrase or NEAR): the DocidSample level whose 1/2^r share
// of the estimated matches is nearest that budget, as a filter, or an
// empty query to count every match.
Xapian::Query FacetSampleFilter(Xapian::Database& db, const Xapian::Query& query) {
  const int64_t budget = HasPositional(query) ? 20000 / 4 : 20000;
  if (static_cast<int64_t>(db.get_doccount()) <= budget) return Xapian::Query();
  Xapian::Enquire probe(db);
  probe.set_query(query);
  const int64_t estimate = probe.get_mset(0, 0).get_matches_estimated();
  if (estimate <= budget) return Xapian::Query();
  const double ratio = static_cast<double>(estimate) / static_cast<double>(budget);
  const int r = std::clamp(static_cast<int>(std::floor(std::log2(ratio) + 0.5)), 0, 12);
  if (r == 0) return Xapian::Query();
  return Xapian::Query((new DocidSample(r))->release());
}

// One query the way XapianIndex::RunSearch answers it; returns the hit count.
size_t RawXapianSearch(Xapian::Database& db, const Xapian::Stem& stemmer, const BenchQuery& q) {
  Xapian::QueryParser qp;
  qp.set_database(db);
  qp.set_stemmer(stemmer);
  qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  qp.set_default_op(Xapian::Query::OP_OR);
  qp.add_prefix("title", "S");
  qp.add_boolean_prefix("category", "XC");
  qp.add_boolean_prefix("tag", "K");
  qp.add_boolean_prefix("site", "H");
  qp.add_boolean_prefix("author", "A");
  qp.add_boolean_prefix("year", "Y");
  qp.set_max_expansion(100, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
  // No spelling correction: the service asks for one only when a query word
  // is unknown, which the benchmark's queries (drawn from the corpus) never
  // are; the baseline is the bare search.
  unsigned flags = Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_WILDCARD |
                   Xapian::QueryParser::FLAG_AUTO_MULTIWORD_SYNONYMS;
  std::string folded = scr::common::FoldTypography(q.text);
  Xapian::Query any = qp.parse_query(folded, flags);
  qp.set_default_op(Xapian::Query::OP_AND);
  Xapian::Query all = qp.parse_query(folded, flags);
  const bool one_reading = all.get_description() == any.get_description();
  auto readings = [one_reading](const Xapian::Query& and_reading, const Xapian::Query& or_reading) {
    if (one_reading) return or_reading;
    return Xapian::Query(Xapian::Query::OP_OR,
                         Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, and_reading, kAllWordsBoost),
                         or_reading);
  };
  // As the service on an index with word pairs (this one always has them):
  // phrases of common words matched from their pairs, snippets from the
  // text as parsed.
  const Xapian::Query plain = readings(all, any);
  bool changed = false;
  const Xapian::Query paired_any = scr::search::WithWordPairs(any, db, &changed);
  const Xapian::Query paired_all =
      one_reading ? paired_any : scr::search::WithWordPairs(all, db, &changed);
  const Xapian::Query text = changed ? readings(paired_all, paired_any) : plain;
  Xapian::Enquire enquire(db);
  enquire.set_query(text);
  enquire.set_sort_by_relevance_then_value(kSlotPublished, true);
  if (q.collapse) enquire.set_collapse_key(kSlotCluster);
  // As the service: exact counts on the main match, or, with collapse or a
  // sample, on an unweighted match of their own, filtered to the sample.
  FacetSpy spy({0, 3, 2});  // category, year, site
  const Xapian::Query sample = q.facets ? FacetSampleFilter(db, text) : Xapian::Query();
  const bool on_main = q.facets && !q.collapse && sample.empty();
  const bool own_match = q.facets && !on_main;
  Xapian::Enquire facet_match(db);
  facet_match.set_query(sample.empty() ? text
                                       : Xapian::Query(Xapian::Query::OP_FILTER, text, sample));
  facet_match.set_weighting_scheme(Xapian::BoolWeight());
  Xapian::Enquire& spied = own_match ? facet_match : enquire;
  if (q.facets) spied.add_matchspy(&spy);
  Xapian::MSet mset = enquire.get_mset(0, 10, on_main ? db.get_doccount() : 0);
  if (own_match) facet_match.get_mset(0, 0, db.get_doccount());
  const bool rewritten = q.snippets && changed;
  Xapian::MSet highlight;
  if (rewritten) {
    Xapian::Enquire e(db);
    e.set_query(plain);
    highlight = e.get_mset(0, 0);
  }
  const Xapian::MSet& snippets = rewritten ? highlight : mset;
  size_t hits = 0;
  for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it) {
    // As the service: the body-less summary value, or the whole post from
    // the data when snippets need the body.
    scr::v1::Post post;
    Xapian::Document doc = it.get_document();
    if (!post.ParseFromString(q.snippets ? doc.get_data() : doc.get_value(kSlotSummary))) continue;
    if (q.snippets) {
      std::string s =
          // As the service: no background model, and not SNIPPET_EXHAUSTIVE
          // (the service scores every window only for queries naming a
          // lexicon entity, which the generated mix rarely does).
          snippets.snippet(scr::common::TruncateUtf8(post.body(), 64 * 1024), 300, stemmer, 0,
                           "\x01", "\x02", "\xE2\x80\xA6");
      std::string t = snippets.snippet(post.title(), post.title().size() * 2 + 200, stemmer, 0,
                                       "\x01", "\x02", "\xE2\x80\xA6");
      if (s.empty() && t.empty()) continue;
    }
    post.clear_body();
    ++hits;
  }
  return hits;
}

// ---- SQLite FTS5 -----------------------------------------------------------

void Check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    std::cerr << "sqlite: " << what << ": " << sqlite3_errmsg(db) << "\n";
    std::exit(1);
  }
}

void Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::cerr << "sqlite: " << sql << ": " << (err ? err : "?") << "\n";
    std::exit(1);
  }
}

// Our query language to FTS5's: words quoted, AND/OR/NOT and parentheses
// kept, phrases kept, juxtaposed words ORed (the service's match semantics).
std::string ToFts5(const std::string& text) {
  std::vector<std::string> tokens;
  bool has_operator = false;
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == ' ') {
      ++i;
    } else if (c == '(' || c == ')') {
      tokens.emplace_back(1, c);
      ++i;
    } else if (c == '"') {
      size_t end = text.find('"', i + 1);
      if (end == std::string::npos) end = text.size();
      tokens.push_back(text.substr(i, end - i) + "\"");
      i = end + 1;
    } else {
      size_t end = text.find_first_of(" ()\"", i);
      if (end == std::string::npos) end = text.size();
      std::string w = text.substr(i, end - i);
      if (w == "AND" || w == "OR" || w == "NOT") {
        has_operator = true;
        tokens.push_back(w);
      } else {
        tokens.push_back("\"" + w + "\"");
      }
      i = end;
    }
  }
  return absl::StrJoin(tokens, has_operator ? " " : " OR ");
}

void BindText(sqlite3_stmt* st, int i, const std::string& s) {
  sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

struct Fts5Conn {
  sqlite3* db = nullptr;
  sqlite3_stmt* top = nullptr;
  sqlite3_stmt* top_snip = nullptr;
  sqlite3_stmt* collapse = nullptr;
  sqlite3_stmt* facet[3] = {nullptr, nullptr, nullptr};
  sqlite3_stmt* data = nullptr;

  explicit Fts5Conn(const std::string& path) {
    Check(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr),
          db, "open");
    // Readers opening a WAL database at the same moment may meet a brief
    // lock (recovering the wal-index); wait instead of failing the run.
    sqlite3_busy_timeout(db, 10000);
    auto prep = [&](const char* sql, sqlite3_stmt** st) {
      Check(sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, nullptr), db, sql);
    };
    prep("SELECT rowid, bm25(fts, 3.0, 1.0) AS r FROM fts WHERE fts MATCH ?1 ORDER BY r LIMIT 10",
         &top);
    prep(
        "SELECT rowid, bm25(fts, 3.0, 1.0) AS r, snippet(fts, 1, char(1), char(2), '...', 40), "
        "highlight(fts, 0, char(1), char(2)) FROM fts WHERE fts MATCH ?1 ORDER BY r LIMIT 10",
        &top_snip);
    prep(
        "SELECT rowid, min(r) AS best, count(*) FROM (SELECT fts.rowid AS rowid, m.cluster AS "
        "cluster, bm25(fts, 3.0, 1.0) AS r FROM fts JOIN meta m ON m.rowid = fts.rowid WHERE fts "
        "MATCH ?1) GROUP BY cluster ORDER BY best LIMIT 10",
        &collapse);
    const char* facets[3] = {"category", "year", "site"};
    for (int i = 0; i < 3; ++i) {
      std::string sql = std::string("SELECT m.") + facets[i] +
                        ", count(*) AS n FROM fts JOIN meta m ON m.rowid = fts.rowid WHERE fts "
                        "MATCH ?1 GROUP BY 1 ORDER BY n DESC LIMIT 10";
      prep(sql.c_str(), &facet[i]);
    }
    prep("SELECT data FROM meta WHERE rowid = ?1", &data);
  }
  ~Fts5Conn() {
    for (sqlite3_stmt* st : {top, top_snip, collapse, facet[0], facet[1], facet[2], data}) {
      sqlite3_finalize(st);
    }
    sqlite3_close(db);
  }

  size_t Search(const BenchQuery& q) {
    std::string match = ToFts5(q.text);
    sqlite3_stmt* st = q.collapse ? collapse : q.snippets ? top_snip : top;
    BindText(st, 1, match);
    std::vector<int64_t> rows;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) rows.push_back(sqlite3_column_int64(st, 0));
    sqlite3_reset(st);
    if (q.collapse && q.snippets) {
      // Snippets of the collapsed top 10 need a second, rowid-restricted pass.
      BindText(top_snip, 1, match);
      while (sqlite3_step(top_snip) == SQLITE_ROW) {
      }
      sqlite3_reset(top_snip);
    }
    if (q.facets) {
      for (sqlite3_stmt* f : facet) {
        BindText(f, 1, match);
        while (sqlite3_step(f) == SQLITE_ROW) {
        }
        sqlite3_reset(f);
      }
    }
    size_t hits = 0;
    for (int64_t row : rows) {
      sqlite3_bind_int64(data, 1, row);
      if (sqlite3_step(data) == SQLITE_ROW) {
        scr::v1::Post post;
        if (post.ParseFromArray(sqlite3_column_blob(data, 0), sqlite3_column_bytes(data, 0)))
          ++hits;
      }
      sqlite3_reset(data);
    }
    return hits;
  }
};

// ---- Measurement -------------------------------------------------------------

struct IndexFigures {
  long posts = 0;
  double seconds = 0;
  uint64_t text_bytes = 0;
  uint64_t size_bytes = 0;
};

uint64_t DirSize(const std::string& path) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(path, ec)) {
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  }
  return total;
}

std::string Fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string LatencyJson(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  return "{\"n\":" + std::to_string(v.size()) +
         ",\"p50_ms\":" + Fmt("%.4f", scr::bench::Percentile(v, 50)) +
         ",\"p95_ms\":" + Fmt("%.4f", scr::bench::Percentile(v, 95)) +
         ",\"p99_ms\":" + Fmt("%.4f", scr::bench::Percentile(v, 99)) +
         ",\"max_ms\":" + Fmt("%.4f", v.empty() ? 0 : v.back()) +
         ",\"mean_ms\":" + Fmt("%.4f", v.empty() ? 0 : sum / static_cast<double>(v.size())) + "}";
}

// Latency per class over `passes` sequential passes (after one warm-up pass),
// then QPS with 1 and 2 threads over `duration_s` each. `make` returns a
// per-thread search function.
template <typename MakeSearcher>
std::string MeasureQueries(const std::vector<BenchQuery>& queries, int passes, double duration_s,
                           MakeSearcher make) {
  std::string json = "{";
  {
    auto search = make();
    for (const BenchQuery& q : queries) search(q);  // warm-up
    std::vector<double> all;
    std::map<std::string, std::vector<double>> by_class;
    for (int p = 0; p < passes; ++p) {
      for (const BenchQuery& q : queries) {
        auto t0 = Clock::now();
        search(q);
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        all.push_back(ms);
        by_class[q.cls].push_back(ms);
        if (!q.facets && !q.snippets && !q.collapse) by_class["_plain"].push_back(ms);
      }
    }
    json += "\"latency\":" + LatencyJson(all) + ",\"classes\":{";
    bool first = true;
    for (auto& [cls, v] : by_class) {
      json += (first ? "\"" : ",\"") + cls + "\":" + LatencyJson(v);
      first = false;
    }
    json += "}";
  }
  json += ",\"qps\":{";
  for (int threads : {1, 2}) {
    std::atomic<bool> stop{false};
    std::atomic<long> done{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        auto search = make();
        size_t i = (static_cast<size_t>(t) * queries.size()) / static_cast<size_t>(threads);
        long local = 0;
        while (!stop.load(std::memory_order_relaxed)) {
          search(queries[i]);
          i = (i + 1) % queries.size();
          ++local;
        }
        done.fetch_add(local);
      });
    }
    auto t0 = Clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(duration_s));
    stop = true;
    for (std::thread& th : pool) th.join();
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    json += std::string(threads == 1 ? "" : ",") + "\"" + std::to_string(threads) +
            "\":" + Fmt("%.1f", static_cast<double>(done.load()) / secs);
  }
  return json + "}}";
}

std::string IndexJson(const IndexFigures& f) {
  return "{\"posts\":" + std::to_string(f.posts) + ",\"seconds\":" + Fmt("%.3f", f.seconds) +
         ",\"posts_per_s\":" + Fmt("%.1f", static_cast<double>(f.posts) / f.seconds) +
         ",\"text_mb\":" + Fmt("%.3f", static_cast<double>(f.text_bytes) / 1e6) +
         ",\"mb_per_s\":" + Fmt("%.3f", static_cast<double>(f.text_bytes) / 1e6 / f.seconds) +
         ",\"size_bytes\":" + std::to_string(f.size_bytes) + "}";
}

// Indexes `posts` into the raw Xapian database at `path` (created if
// missing) as BuildDocument does, committing after every `commit_every`-th
// post counted from the corpus's start (`first` is the index of posts[0] in
// the corpus) and once at the end. Times it all, close included.
IndexFigures IndexRawXapian(const std::string& path, const std::vector<scr::v1::Post>& posts,
                            size_t first, long commit_every) {
  IndexFigures f;
  Xapian::Stem stemmer("english");
  auto t0 = Clock::now();
  {
    Xapian::WritableDatabase db(path, Xapian::DB_CREATE_OR_OPEN | Xapian::DB_BACKEND_GLASS);
    Xapian::TermGenerator indexer;
    indexer.set_stemmer(stemmer);
    indexer.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
    indexer.set_database(db);
    indexer.set_flags(Xapian::TermGenerator::FLAG_SPELLING);
    size_t at = first;
    for (const scr::v1::Post& p : posts) {
      db.replace_document("Q" + p.id(), BuildDocument(indexer, p));
      f.text_bytes += p.title().size() + p.body().size();
      ++f.posts;
      if (++at % static_cast<size_t>(commit_every) == 0) db.commit();
    }
    db.commit();
    db.close();
  }
  f.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return f;
}

constexpr char kRawPartsFile[] = "raw_parts.txt";
constexpr char kFts5File[] = "fts5.sqlite";

// The figures of the --index_part runs, summed: one line each in
// work_dir/raw_parts.txt, "posts seconds text_bytes".
absl::StatusOr<IndexFigures> ReadRawParts(const std::string& work_dir) {
  std::ifstream in(work_dir + "/" + kRawPartsFile);
  if (!in) return absl::NotFoundError(absl::StrCat("no ", work_dir, "/", kRawPartsFile));
  IndexFigures total;
  long posts = 0;
  double seconds = 0;
  uint64_t text_bytes = 0;
  while (in >> posts >> seconds >> text_bytes) {
    total.posts += posts;
    total.seconds += seconds;
    total.text_bytes += text_bytes;
  }
  if (total.posts == 0) return absl::DataLossError(absl::StrCat(kRawPartsFile, " has no parts"));
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  std::string posts_path, queries_path, work_dir = "/tmp/scr-bench-baselines", service_index;
  int passes = 3;
  double qps_duration_s = 5;
  bool skip_fts5 = false, skip_xapian = false, raw_prebuilt = false;
  long commit_every = static_cast<long>(scr::search::XapianIndex::kMaxCommitDocuments);
  long part = -1, parts = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto eq = a.find('=');
    std::string name = a.substr(0, eq), value = eq == std::string::npos ? "" : a.substr(eq + 1);
    if (name == "--posts") {
      posts_path = value;
    } else if (name == "--queries") {
      queries_path = value;
    } else if (name == "--work_dir") {
      work_dir = value;
    } else if (name == "--passes") {
      passes = std::max(1, std::stoi(value));
    } else if (name == "--qps_duration_s") {
      qps_duration_s = std::stod(value);
    } else if (name == "--commit_every") {
      commit_every = std::max(1L, std::stol(value));
    } else if (name == "--skip_fts5") {
      skip_fts5 = true;
    } else if (name == "--skip_xapian") {
      skip_xapian = true;
    } else if (name == "--service_index") {
      service_index = value;
    } else if (name == "--index_part") {
      if (!scr::bench::ParsePart(value, &part, &parts)) {
        std::cerr << "scr_bench_baselines: --index_part=" << value
                  << ": expected K/N, 0 <= K < N <= 1000\n";
        return 2;
      }
    } else if (name == "--raw_prebuilt") {
      raw_prebuilt = true;
    } else {
      std::cerr << "usage: scr_bench_baselines --posts=posts.rec --queries=queries.tsv\n"
                   "       --work_dir=DIR [--passes=3] [--qps_duration_s=5] [--skip_fts5]\n"
                   "       [--commit_every=2000]\n"
                   "       [--skip_xapian] [--service_index=DIR] [--raw_prebuilt]\n"
                   "   or: scr_bench_baselines --posts=posts.rec --work_dir=DIR --index_part=K/N\n";
      return 2;
    }
  }
  std::vector<scr::bench::Record> records = scr::bench::ReadAll(posts_path);
  if (part >= 0) {
    // One slice of the raw Xapian indexing, timed, added to work_dir's index.
    if (records.empty()) {
      std::cerr << "scr_bench_baselines: no posts in " << posts_path << "\n";
      return 1;
    }
    const size_t first = scr::bench::PartRange(records.size(), part, parts).first;
    scr::bench::KeepPart(records, part, parts);
    std::vector<scr::v1::Post> slice;
    slice.reserve(records.size());
    for (auto& r : records) slice.push_back(ToPost(r));
    if (part == 0) {
      std::filesystem::remove_all(work_dir);
      std::filesystem::create_directories(work_dir);
    }
    IndexFigures f = IndexRawXapian(work_dir + "/xapian", slice, first, commit_every);
    std::ofstream(work_dir + "/" + kRawPartsFile, std::ios::app)
        << f.posts << " " << Fmt("%.6f", f.seconds) << " " << f.text_bytes << "\n";
    std::printf("{\"tool\":\"scr_bench_baselines\",\"part\":\"%ld/%ld\",\"raw_xapian_index\":%s}\n",
                part, parts, IndexJson(f).c_str());
    return 0;
  }
  std::vector<BenchQuery> queries = scr::bench::LoadQueries(queries_path);
  if (records.empty() || queries.empty()) {
    std::cerr << "scr_bench_baselines: no posts in " << posts_path << " or no queries in "
              << queries_path << "\n";
    return 1;
  }
  std::vector<scr::v1::Post> posts;
  posts.reserve(records.size());
  for (auto& r : records) posts.push_back(ToPost(r));
  records.clear();
  records.shrink_to_fit();
  if (raw_prebuilt) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(absl::StrCat(work_dir, "/", kFts5File, suffix));
    }
  } else {
    std::filesystem::remove_all(work_dir);
    std::filesystem::create_directories(work_dir);
  }
  std::string json = "{\"tool\":\"scr_bench_baselines\",\"posts\":" + std::to_string(posts.size()) +
                     ",\"queries\":" + std::to_string(queries.size());

  if (!skip_xapian) {
    std::string path = work_dir + "/xapian";
    IndexFigures f;
    if (raw_prebuilt) {
      auto built = ReadRawParts(work_dir);
      if (!built.ok()) {
        std::cerr << "scr_bench_baselines: --raw_prebuilt: " << built.status() << "\n";
        return 1;
      }
      f = *built;
      if (f.posts != static_cast<long>(posts.size())) {
        std::cerr << "scr_bench_baselines: --raw_prebuilt: the parts indexed " << f.posts
                  << " posts, not " << posts.size() << "\n";
        return 1;
      }
    } else {
      f = IndexRawXapian(path, posts, 0, commit_every);
    }
    f.size_bytes = DirSize(path);
    std::cerr << "raw xapian: indexed " << f.posts << " posts in " << f.seconds << " s\n";
    std::string q = MeasureQueries(queries, passes, qps_duration_s, [&]() {
      // Xapian::Stem (and its reference count) must not be shared between
      // threads: each searcher gets its own.
      auto db = std::make_shared<Xapian::Database>(path);
      auto stem = std::make_shared<Xapian::Stem>("english");
      return [db, stem](const BenchQuery& bq) { return RawXapianSearch(*db, *stem, bq); };
    });
    std::cerr << "raw xapian: queries done\n";
    json += ",\"raw_xapian\":{\"index\":" + IndexJson(f) + ",\"query\":" + q + "}";
  }

  if (!skip_fts5) {
    std::string path = absl::StrCat(work_dir, "/", kFts5File);
    IndexFigures f;
    auto t0 = Clock::now();
    {
      sqlite3* db = nullptr;
      Check(sqlite3_open(path.c_str(), &db), db, "open");
      Exec(db, "PRAGMA journal_mode=WAL");
      Exec(db, "PRAGMA synchronous=FULL");
      Exec(db, "CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize='porter unicode61')");
      Exec(db,
           "CREATE TABLE meta(rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, site TEXT, "
           "year TEXT, category TEXT, cluster TEXT, data BLOB)");
      sqlite3_stmt *ins_fts = nullptr, *ins_meta = nullptr;
      Check(sqlite3_prepare_v2(db, "INSERT INTO fts(rowid, title, body) VALUES(?1, ?2, ?3)", -1,
                               &ins_fts, nullptr),
            db, "prepare");
      Check(sqlite3_prepare_v2(db, "INSERT INTO meta VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1,
                               &ins_meta, nullptr),
            db, "prepare");
      Exec(db, "BEGIN");
      int64_t row = 0;
      for (const scr::v1::Post& p : posts) {
        ++row;
        sqlite3_bind_int64(ins_fts, 1, row);
        BindText(ins_fts, 2, p.title());
        BindText(ins_fts, 3, p.body());
        Check(sqlite3_step(ins_fts), db, "insert fts");
        sqlite3_reset(ins_fts);
        std::string data = p.SerializeAsString();
        sqlite3_bind_int64(ins_meta, 1, row);
        BindText(ins_meta, 2, p.id());
        BindText(ins_meta, 3, p.site());
        BindText(ins_meta, 4,
                 absl::FormatTime("%Y", absl::FromUnixSeconds(p.published().seconds()),
                                  absl::UTCTimeZone()));
        BindText(ins_meta, 5, p.categories_size() > 0 ? p.categories(0) : "");
        BindText(ins_meta, 6, p.cluster_key());
        sqlite3_bind_blob(ins_meta, 7, data.data(), static_cast<int>(data.size()),
                          SQLITE_TRANSIENT);
        Check(sqlite3_step(ins_meta), db, "insert meta");
        sqlite3_reset(ins_meta);
        f.text_bytes += p.title().size() + p.body().size();
        if (++f.posts % commit_every == 0) {
          Exec(db, "COMMIT");
          Exec(db, "BEGIN");
        }
      }
      Exec(db, "COMMIT");
      sqlite3_finalize(ins_fts);
      sqlite3_finalize(ins_meta);
      Exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
      sqlite3_close(db);
    }
    f.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    f.size_bytes = DirSize(work_dir) - (skip_xapian ? 0 : DirSize(work_dir + "/xapian"));
    std::cerr << "fts5: indexed " << f.posts << " posts in " << f.seconds << " s\n";
    std::string q = MeasureQueries(queries, passes, qps_duration_s, [&]() {
      auto conn = std::make_shared<Fts5Conn>(path);
      return [conn](const BenchQuery& bq) { return conn->Search(bq); };
    });
    std::cerr << "fts5: queries done\n";
    json += ",\"fts5\":{\"index\":" + IndexJson(f) + ",\"query\":" + q + "}";
  }
  if (!service_index.empty()) {
    // The service's own index adapter, in process, on the index the service
    // built (the service must be stopped): raw Xapian -> adapter -> gRPC
    // splits the service's latency into its parts.
    auto index = scr::search::XapianIndex::Open(service_index);
    if (!index.ok()) {
      std::cerr << "scr_bench_baselines: --service_index: " << index.status() << "\n";
      return 1;
    }
    std::string q = MeasureQueries(queries, passes, qps_duration_s, [&]() {
      scr::search::XapianIndex* idx = index->get();
      return [idx](const BenchQuery& bq) {
        scr::search::SearchQuery sq;
        sq.text = bq.text;
        sq.limit = 10;
        if (bq.facets) sq.facets = {"category", "year", "site"};
        sq.snippet_length = bq.snippets ? 300 : 0;
        sq.collapse_duplicates = bq.collapse;
        auto r = idx->Search(sq);
        return r.ok() ? r->hits.size() : 0;
      };
    });
    std::cerr << "service index adapter: queries done\n";
    json += ",\"adapter\":{\"query\":" + q + "}";
  }
  std::cout << json << "}\n";
  return 0;
}
