// Word-pair terms: a boolean term for each two adjacent positions that hold
// two of the commonest English words, so that a phrase of such words ("he
// has", "in the", "up and we") is matched from the pair's posting list
// instead of from the conjunction of two posting lists that hold most
// documents (Lucene's CommonGrams and Elasticsearch's index_phrases do the
// same). Shared by the index adapter (XapianIndex) and the raw Xapian
// baseline in bench/, so that both index and query the same way. Part of
// the index adapter: it links Xapian.
#ifndef SCR_SEARCH_SERVICE_WORD_PAIRS_H_
#define SCR_SEARCH_SERVICE_WORD_PAIRS_H_

#include <xapian.h>

#include <string>

#include "absl/strings/string_view.h"

namespace scr::search {

// The prefix of pair terms: "XP" + first word + " " + second word (words as
// TermGenerator writes them: lower-case and unstemmed, never holding a
// space).
inline constexpr absl::string_view kWordPairPrefix = "XP";

// The metadata key a shard holds WordPairsVersion() under when every
// document in it was indexed with AddWordPairs of the current word list
// (set when the shard is created; an older shard never gets it).
inline constexpr absl::string_view kWordPairsKey = "word_pairs";

// "1:" and a hash of the word list; a list change gives a new version, and
// shards of the old one are then queried without pair filters.
const std::string& WordPairsVersion();

// True when `word` (an unprefixed term) is one of the pair words.
bool IsPairWord(absl::string_view word);

// The pair term of `first` followed by `second`.
std::string WordPairTerm(absl::string_view first, absl::string_view second);

// Adds to `doc`, whose text TermGenerator has indexed with positions, the
// pair term of every two adjacent positions of unprefixed terms that are
// both pair words. The terms are boolean (wdf 0): document lengths, and so
// every weight, are as without them. Positions one apart only: the gaps
// TermGenerator::increase_termpos leaves between fields make no pairs, and
// the pairs are exactly the places an exact two-word phrase of pair words
// matches. Cost: one pass over the document's terms and the positions of
// its pair words.
void AddWordPairs(Xapian::Document& doc);

// `query` with its exact phrases (OP_PHRASE whose window is its length, as
// QueryParser makes for quotes and hyphenated words) of single terms
// matched from their word pairs where that is faster:
// - two pair words whose pair is in at most half the posts of the rarer
//   word (`db`'s term frequencies; "he has", not "in the"):
//   OP_AND_MAYBE(pair weighted 0, first AND second), which matches the
//   pair's posts, weighs them by the two words as the phrase does, reads no
//   positions, and lets Xapian estimate the matches as the pair's exact
//   term frequency;
// - a longer phrase: OP_FILTER(phrase, the pairs of its adjacent pair words
//   that qualify), so Xapian's AND starts from the short pair posting lists
//   and checks positions only where the pairs are.
// Matches and weights are unchanged. Snippets are not: Xapian highlights a
// phrase only where its words are adjacent, and a two-word phrase is gone
// from the result, so snippets must be made from `query` itself. Descends
// through AND, OR, AND_NOT, XOR, AND_MAYBE, FILTER and MAX only; other
// operators are kept as they are. Use only on databases all of whose shards
// hold kWordPairsKey = WordPairsVersion(): elsewhere pairs would drop
// matches. Sets `*changed` (when given) to true if it rewrote anything, and
// leaves it alone otherwise, so one flag can gather several calls.
Xapian::Query WithWordPairs(const Xapian::Query& query, const Xapian::Database& db,
                            bool* changed = nullptr);

}  // namespace scr::search

#endif  // SCR_SEARCH_SERVICE_WORD_PAIRS_H_
