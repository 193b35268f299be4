// Turns parsed posts into normalized scr.v1.Post messages: identity,
// canonical URLs, hashes and fingerprints. Pure functions.
#ifndef SCR_INGEST_POST_BUILDER_H_
#define SCR_INGEST_POST_BUILDER_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/lexicon.h"
#include "ingest-service/parsed_post.h"
#include "scr/v1/post.pb.h"

namespace scr::ingest {

// Where a parsed post came from.
struct ItemContext {
  // Canonical URL of the fetched item; empty for text without a URL.
  std::string source_url;
  // The page's declared canonical URL, already canonicalized; may be empty.
  std::string page_canonical_url;
  std::string language;
  absl::Time fetch_time;
  // Version stamped on every post built (see Post.version).
  int64_t version = 0;
  // Entities are found with this lexicon; none when null. Not owned.
  const common::Lexicon* lexicon = nullptr;
};

// Builds the Post. The id is "u" + 16 hex digits of SHA-256 of the canonical
// permalink, else "f" + 16 hex digits of SHA-256 of the site, the folded
// title and the first 40 folded words of the body (so an excerpt and the full
// text of one post share an id). Entities come from the title and body; the
// language is the declared one, else guessed from the text.
v1::Post BuildPost(const ParsedPost& parsed, const ItemContext& context);

// Lowercase hex SHA-256.
std::string Sha256Hex(absl::string_view data);

// 64-bit SimHash over 3-word shingles of case- and typography-folded text.
uint64_t SimHash(absl::string_view text);

// SimHash of text already split into folded words (as SimHash splits it).
uint64_t SimHashOfWords(absl::Span<const absl::string_view> words);

}  // namespace scr::ingest

#endif  // SCR_INGEST_POST_BUILDER_H_
