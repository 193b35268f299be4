// The search page's files (web/), embedded into the binary at build time by
// cmake/EmbedFiles.cmake, which generates the definition of WebAssets().
// Containers therefore need no files besides the binary.
//
// Thread safety: the data is immutable static storage; call from any thread.
#ifndef SCR_SEARCH_HTTP_ASSETS_H_
#define SCR_SEARCH_HTTP_ASSETS_H_

#include <cstddef>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace scr::search {

struct EmbeddedAsset {
  // Path relative to web/, with forward slashes, for example "app.js".
  absl::string_view path;
  // The file's bytes.
  absl::string_view content;
};

// Every embedded file, sorted by path. The storage is static: the views stay
// valid for the life of the program.
absl::Span<const EmbeddedAsset> WebAssets();

}  // namespace scr::search

#endif  // SCR_SEARCH_HTTP_ASSETS_H_
