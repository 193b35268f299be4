// The content type a file's name implies, for tools that ingest files
// (scrctl, the tests that load samples/).
#ifndef SCR_COMMON_CONTENT_TYPE_H_
#define SCR_COMMON_CONTENT_TYPE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace scr::common {

// text/plain for .txt .text .md, text/html for .html .htm .xhtml,
// application/rss+xml for .rss, application/atom+xml for .atom,
// application/xml for .xml and .wxr (extension case ignored); "" otherwise,
// which lets the ingest service sniff the format.
std::string ContentTypeForFileName(absl::string_view file_name);

}  // namespace scr::common

#endif  // SCR_COMMON_CONTENT_TYPE_H_
