// Charset detection and conversion to UTF-8 (ICU underneath).
#ifndef SCR_INGEST_CHARSET_H_
#define SCR_INGEST_CHARSET_H_

#include <string>

#include "absl/strings/string_view.h"

namespace scr::ingest {

// Returns the charset parameter of a Content-Type value, lowercased, or "".
std::string CharsetFromContentType(absl::string_view content_type);

// Decodes `bytes` to UTF-8. Precedence: a byte-order mark, then
// `declared` (the HTTP hint), then a charset declared in the document
// (<meta charset>, <meta http-equiv>, <?xml encoding?>) when `sniff_markup`,
// then UTF-8. Unknown charsets fall back to UTF-8 (then windows-1252 when
// the bytes are not valid UTF-8). Undecodable bytes become U+FFFD; never fails.
std::string DecodeToUtf8(absl::string_view bytes, absl::string_view declared, bool sniff_markup);

}  // namespace scr::ingest

#endif  // SCR_INGEST_CHARSET_H_
