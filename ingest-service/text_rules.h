// Line classification shared by the text and HTML parsers: the widget,
// navigation and footer lines that blog pages put around posts.
#ifndef SCR_INGEST_TEXT_RULES_H_
#define SCR_INGEST_TEXT_RULES_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace scr::ingest {

enum class LineKind {
  kContent,          // ordinary text
  kNoise,            // widget or navigation text: dropped
  kMore,             // "Continue reading": dropped, marks the body as an excerpt
  kComments,         // "1 Comment", "Leave a comment": sets comment_count
  kCategories,       // "Filed under X", "Posted in X"
  kTags,             // "Tagged X", "Tags: X"
  kMeta,             // "Posted on DATE by AUTHOR", "By AUTHOR"
  kArchiveTag,       // "Tag Archives: X" (page header)
  kArchiveCategory,  // "Category Archives: X" (page header)
};

struct LineInfo {
  LineKind kind = LineKind::kContent;
  // kComments: the count (0 for "Leave a comment").
  int count = 0;
  // kCategories, kTags, kArchive*: the labels.
  std::vector<std::string> labels;
  // kCategories: tags from a compound footer ("Posted in X | Tagged Y").
  std::vector<std::string> tags;
  // kMeta: what could be read.
  std::string author;
  std::optional<absl::Time> published;
};

// Classifies one line of text (already whitespace-collapsed).
LineInfo ClassifyLine(absl::string_view line);

// True for a block that reads as a title: one short line without a final
// full stop, comma or colon.
bool LooksLikeTitle(absl::string_view block);

// Appends a label (a category or tag) unless the list already holds it,
// compared case-insensitively; white space is collapsed and the text put in
// NFC first. Empty labels are ignored.
void AddUniqueLabel(std::vector<std::string>& list, absl::string_view label);

// Parses dates as blogs print them ("April 5, 2010", "5 April 2010",
// "2010-04-05", RFC 3339 and RFC 822 forms). Times without a zone are UTC.
std::optional<absl::Time> ParseLooseDate(absl::string_view text);

}  // namespace scr::ingest

#endif  // SCR_INGEST_TEXT_RULES_H_
