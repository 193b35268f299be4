// Parser for plain-text renderings of blog pages: archive pages with several
// posts ("Tag Archives: X" followed by posts) and single posts.
#ifndef SCR_INGEST_TEXT_PARSER_H_
#define SCR_INGEST_TEXT_PARSER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ingest-service/parsed_post.h"

namespace scr::ingest {

// Splits `text` (UTF-8) into posts. The rules (docs/NORMALIZATION.md):
//  - blocks are separated by blank lines; lines inside a block are joined;
//  - "Tag Archives: X" / "Category Archives: X" headers label every post;
//  - widget and navigation lines (Advertisements, Share this:, Like this:,
//    Loading..., Related, Older posts, ...) are dropped;
//  - "N Comments" / "Leave a comment" set comment_count;
//  - "Filed under X" / "Posted in X" / "Categories: X" set categories and
//    end the post; "Tagged X, Y" / "Tags: X" set tags;
//  - a post starts with a short title block; after a post's footer the next
//    title-like block starts a new post.
// INVALID_ARGUMENT when no post with a body can be found.
absl::StatusOr<ParsedItem> ParseTextPage(absl::string_view text);

}  // namespace scr::ingest

#endif  // SCR_INGEST_TEXT_PARSER_H_
