// Normalizer turns one raw fetched item into normalized posts: format
// detection, charset decoding, parsing, identity and limits. Pure: no I/O.
//
// Thread safety: const methods may be called concurrently.
#ifndef SCR_INGEST_NORMALIZER_H_
#define SCR_INGEST_NORMALIZER_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/lexicon.h"
#include "scr/v1/post.pb.h"

namespace scr::ingest {

// A raw item as a crawler sent it.
struct RawItem {
  std::string content;       // raw bytes, any charset
  std::string content_type;  // "text/html; charset=...", "" to sniff
  std::string source_url;    // absolute http(s) URL or ""
  absl::Time fetch_time = absl::InfinitePast();
};

// Limits; each violation names the limit in its error.
struct NormalizeLimits {
  size_t max_item_bytes = 16 << 20;  // RESOURCE_EXHAUSTED above
  int max_posts_per_item = 1000;     // RESOURCE_EXHAUSTED above
  size_t max_title_bytes = 2048;     // INVALID_ARGUMENT above
  size_t max_body_bytes = 4 << 20;   // RESOURCE_EXHAUSTED above
  int max_html_depth = 256;          // RESOURCE_EXHAUSTED above
  size_t max_url_bytes = 4096;       // INVALID_ARGUMENT above
};

struct NormalizedItem {
  std::string format;  // "text", "html", "rss", "atom", "wxr"
  std::vector<v1::Post> posts;
};

class Normalizer {
 public:
  // `lexicon` (not owned, must outlive the normalizer) tags entities;
  // defaults to the built-in lexicon.
  explicit Normalizer(NormalizeLimits limits = {}, const common::Lexicon* lexicon = nullptr)
      : limits_(limits), lexicon_(lexicon != nullptr ? lexicon : &common::Lexicon::Default()) {}

  // Parses and normalizes. Every post gets `version`. Errors:
  // INVALID_ARGUMENT (malformed URL, unsupported content type, no post found,
  // field over a limit) and RESOURCE_EXHAUSTED (size limits), each naming
  // the field or the limit.
  absl::StatusOr<NormalizedItem> Normalize(const RawItem& item, int64_t version) const;

 private:
  NormalizeLimits limits_;
  const common::Lexicon* lexicon_;
};

// The format a content type names, or sniffed from the bytes when the type is
// empty or generic: "text", "html", "xml", or "" when unsupported.
std::string DetectFormat(absl::string_view content_type, absl::string_view content);

}  // namespace scr::ingest

#endif  // SCR_INGEST_NORMALIZER_H_
