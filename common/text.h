// Unicode text helpers shared by ingest (hashing, cleaning) and search
// (indexing). All functions take and return UTF-8 and never fail: invalid
// sequences become U+FFFD.
#ifndef SCR_COMMON_TEXT_H_
#define SCR_COMMON_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace scr::common {

// Returns the text in Unicode NFC with invalid UTF-8 replaced by U+FFFD.
// This is the display form: typography is kept.
std::string ToNfc(absl::string_view text);

// Returns the indexing form: NFKC (ligatures, compatibility spaces and
// widths folded), curly quotes and primes to ASCII quotes, dashes and minus
// signs to '-', every Unicode space to ' ', soft hyphens and zero-width
// characters removed. Letters, case and accents are kept.
std::string FoldTypography(absl::string_view text);

// Lowercases with Unicode rules (full case folding) and NFC.
std::string FoldCase(absl::string_view text);

// Removes diacritics (Climbié -> Climbie) after NFD; other characters kept.
std::string StripAccents(absl::string_view text);

// Collapses runs of white space (any Unicode space) to one ASCII space and
// trims both ends.
std::string CollapseWhitespace(absl::string_view text);

// Truncates to at most max_bytes without splitting a UTF-8 sequence.
std::string TruncateUtf8(absl::string_view text, size_t max_bytes);

namespace internal {
// The ICU paths of the functions above, applied to the whole text; the
// functions give the same results (tested), doing the work in C++ for the
// stretches where ICU would change nothing but what they map themselves.
std::string ToNfcIcu(absl::string_view text);
std::string FoldTypographyIcu(absl::string_view text);
std::string FoldCaseIcu(absl::string_view text);
std::string StripAccentsIcu(absl::string_view text);
}  // namespace internal

}  // namespace scr::common

#endif  // SCR_COMMON_TEXT_H_
