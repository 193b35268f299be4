#include "search-service/word_pairs.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/hash.h"

namespace scr::search {
namespace {

// English's commonest words in news and blog prose: function words and the
// few content words (said, people, year) that are as frequent. Changing the
// list changes WordPairsVersion(), so indexes built with another list fall
// back to plain phrase matching until rebuilt.
constexpr const char* kPairWords[] = {
    "a",      "about", "after",   "against", "all",   "also", "an",    "and",     "another",
    "any",    "are",   "around",  "as",      "at",    "back", "be",    "because", "been",
    "before", "being", "between", "both",    "but",   "by",   "can",   "could",   "did",
    "do",     "does",  "down",    "during",  "each",  "even", "first", "for",     "from",
    "get",    "going", "had",     "has",     "have",  "he",   "her",   "here",    "him",
    "his",    "how",   "i",       "if",      "in",    "into", "is",    "it",      "its",
    "just",   "last",  "like",    "made",    "make",  "many", "may",   "me",      "more",
    "most",   "much",  "my",      "new",     "no",    "not",  "now",   "of",      "off",
    "on",     "one",   "only",    "or",      "other", "our",  "out",   "over",    "people",
    "said",   "says",  "she",     "should",  "since", "so",   "some",  "still",   "such",
    "than",   "that",  "the",     "their",   "them",  "then", "there", "these",   "they",
    "this",   "those", "through", "time",    "to",    "too",  "two",   "under",   "up",
    "us",     "very",  "was",     "way",     "we",    "well", "were",  "what",    "when",
    "where",  "which", "while",   "who",     "why",   "will", "with",  "without", "would",
    "year",   "years", "you",     "your",
};

const absl::flat_hash_set<absl::string_view>& PairWords() {
  static const auto* words =
      new absl::flat_hash_set<absl::string_view>(std::begin(kPairWords), std::end(kPairWords));
  return *words;
}

// The term of a single-term subquery, or empty.
std::string LeafTerm(const Xapian::Query& q) {
  if (q.get_type() != Xapian::Query::LEAF_TERM) return std::string();
  auto t = q.get_terms_begin();
  return t == q.get_terms_end() ? std::string() : *t;
}

// True when the pair of `first` and `second` is rare enough against its
// words to be worth matching from: at most half the posts of the rarer word.
// A pair nearly as common as its words ("in the") is slower to match from
// than the words' conjunction, whose positions Xapian reads only for the
// documents that would make the page.
bool WorthPairing(const Xapian::Database& db, const std::string& first, const std::string& second,
                  const std::string& pair) {
  const Xapian::doccount rarer = std::min(db.get_termfreq(first), db.get_termfreq(second));
  return 2 * static_cast<uint64_t>(db.get_termfreq(pair)) <= rarer;
}

// WithWordPairs of one phrase; `changed` says whether it returned a new query.
Xapian::Query PhraseWithPairs(const Xapian::Query& phrase, const Xapian::Database& db,
                              bool& changed) {
  const size_t n = phrase.get_num_subqueries();
  // QueryParser's phrases have the window of their length; a wider window
  // (a sloppy phrase) does not need the words adjacent.
  if (n < 2 || !absl::StrContains(phrase.get_description(), absl::StrCat(" PHRASE ", n, " "))) {
    return phrase;
  }
  std::vector<Xapian::Query> pairs;
  std::string prev = LeafTerm(phrase.get_subquery(0));
  for (size_t i = 1; i < n; ++i) {
    std::string cur = LeafTerm(phrase.get_subquery(i));
    if (!prev.empty() && !cur.empty() && IsPairWord(prev) && IsPairWord(cur)) {
      std::string pair = WordPairTerm(prev, cur);
      if (WorthPairing(db, prev, cur, pair)) pairs.emplace_back(pair, /*wqf=*/0);
    }
    prev = std::move(cur);
  }
  if (pairs.empty()) return phrase;
  changed = true;
  if (n == 2) {
    // The pair's posts are the phrase's matches: matched from the pair,
    // weighed by the two words (as the phrase is), no positions read, and
    // Xapian's estimate of the matches is the pair's exact term frequency.
    return Xapian::Query(
        Xapian::Query::OP_AND_MAYBE, Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, pairs[0], 0.0),
        Xapian::Query(Xapian::Query::OP_AND, phrase.get_subquery(0), phrase.get_subquery(1)));
  }
  return Xapian::Query(Xapian::Query::OP_FILTER, phrase,
                       pairs.size() == 1
                           ? pairs[0]
                           : Xapian::Query(Xapian::Query::OP_AND, pairs.begin(), pairs.end()));
}

Xapian::Query Rewrite(const Xapian::Query& query, const Xapian::Database& db, bool& changed) {
  switch (query.get_type()) {
    case Xapian::Query::OP_PHRASE:
      return PhraseWithPairs(query, db, changed);
    case Xapian::Query::OP_AND:
    case Xapian::Query::OP_OR:
    case Xapian::Query::OP_AND_NOT:
    case Xapian::Query::OP_XOR:
    case Xapian::Query::OP_AND_MAYBE:
    case Xapian::Query::OP_FILTER:
    case Xapian::Query::OP_MAX: {
      bool any = false;
      std::vector<Xapian::Query> subs;
      subs.reserve(query.get_num_subqueries());
      for (size_t i = 0; i < query.get_num_subqueries(); ++i) {
        subs.push_back(Rewrite(query.get_subquery(i), db, any));
      }
      if (!any) return query;
      changed = true;
      return Xapian::Query(query.get_type(), subs.begin(), subs.end());
    }
    default:
      return query;
  }
}

}  // namespace

const std::string& WordPairsVersion() {
  static const std::string* version = [] {
    const std::string joined = absl::StrJoin(std::begin(kPairWords), std::end(kPairWords), " ");
    return new std::string(absl::StrCat("1:", common::Fnv1a64(joined, common::kFnvOffsetBasis)));
  }();
  return *version;
}

bool IsPairWord(absl::string_view word) { return PairWords().contains(word); }

std::string WordPairTerm(absl::string_view first, absl::string_view second) {
  return absl::StrCat(kWordPairPrefix, first, " ", second);
}

void AddWordPairs(Xapian::Document& doc) {
  // The pair words the document holds, and (position, index into `words`)
  // of each of their positions.
  std::vector<std::string> words;
  std::vector<std::pair<Xapian::termpos, size_t>> at;
  for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
    std::string term = *t;
    if (!IsPairWord(term)) continue;
    for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p) {
      at.emplace_back(*p, words.size());
    }
    words.push_back(std::move(term));
  }
  std::sort(at.begin(), at.end());
  for (size_t i = 1; i < at.size(); ++i) {
    if (at[i].first == at[i - 1].first + 1) {
      doc.add_boolean_term(WordPairTerm(words[at[i - 1].second], words[at[i].second]));
    }
  }
}

Xapian::Query WithWordPairs(const Xapian::Query& query, const Xapian::Database& db, bool* changed) {
  bool rewritten = false;
  Xapian::Query out = Rewrite(query, db, rewritten);
  if (rewritten && changed != nullptr) *changed = true;
  return out;
}

}  // namespace scr::search
