// What a parser extracts from one raw item, before identity and enrichment.
#ifndef SCR_INGEST_PARSED_POST_H_
#define SCR_INGEST_PARSED_POST_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace scr::ingest {

// One post as found on a page or in a feed. Text fields are UTF-8 display
// text (NFC, typography kept, whitespace collapsed inside paragraphs).
struct ParsedPost {
  std::string title;
  std::vector<std::string> paragraphs;
  std::string author;
  std::optional<absl::Time> published;
  std::vector<std::string> categories;
  std::vector<std::string> tags;
  int comment_count = 0;
  // The post's own URL when the source gives one (absolute, or relative to
  // the item's URL).
  std::string permalink;
  // The body is a summary or a cut ("Continue reading"), not the full text.
  bool excerpt = false;
};

// Everything one raw item yields.
struct ParsedItem {
  // "text", "html", "rss", "atom" or "wxr".
  std::string format;
  std::vector<ParsedPost> posts;
  // The page's own canonical URL (<link rel=canonical>), if any.
  std::string canonical_url;
  // Language declared by the source (html lang, feed language), if any.
  std::string language;
};

}  // namespace scr::ingest

#endif  // SCR_INGEST_PARSED_POST_H_
