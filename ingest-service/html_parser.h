// Parser for HTML pages: WordPress post and archive pages (classic and block
// themes) by their markup, and a readable-content fallback for other pages.
// Uses libxml2's HTML parser with network access off.
#ifndef SCR_INGEST_HTML_PARSER_H_
#define SCR_INGEST_HTML_PARSER_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ingest-service/parsed_post.h"

namespace scr::ingest {

struct HtmlLimits {
  // Deepest element nesting accepted; deeper pages are RESOURCE_EXHAUSTED.
  int max_depth = 256;
};

// Parses a UTF-8 HTML document. Posts come from `article` / `.post` /
// `.hentry` elements with an entry title and content; a page without them
// yields one post from its main readable content. INVALID_ARGUMENT when no
// post text can be found.
absl::StatusOr<ParsedItem> ParseHtmlPage(absl::string_view html, const HtmlLimits& limits = {});

// Converts an HTML fragment (a feed's content:encoded, say) into clean
// paragraphs, dropping widgets and noise lines. Sets *excerpt when the
// fragment ends in a "Continue reading" / more link. Never fails; returns no
// paragraphs when there is no text.
std::vector<std::string> HtmlFragmentToParagraphs(absl::string_view html, bool* excerpt);

}  // namespace scr::ingest

#endif  // SCR_INGEST_HTML_PARSER_H_
