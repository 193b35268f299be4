// Parser for XML feeds and exports: RSS 2.0, Atom 1.0 and WordPress WXR.
// libxml2 with network access off and no entity substitution, so external
// entities are never fetched and entity bombs are not expanded.
#ifndef SCR_INGEST_FEED_PARSER_H_
#define SCR_INGEST_FEED_PARSER_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ingest-service/parsed_post.h"

namespace scr::ingest {

// Parses a UTF-8 XML document. Format is "wxr" for a WordPress export
// (only published items of type post; pages, attachments, drafts and
// revisions skipped; categories and tags by the domain attribute; approved
// comments counted), "rss" or "atom" otherwise. INVALID_ARGUMENT when the XML
// is not well-formed (with line number) or is not a known feed format.
absl::StatusOr<ParsedItem> ParseFeed(absl::string_view xml);

}  // namespace scr::ingest

#endif  // SCR_INGEST_FEED_PARSER_H_
