// libFuzzer target: the XML feed parser (ingest::ParseFeed) for RSS 2.0,
// Atom 1.0 and WordPress WXR.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "ingest-service/feed_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  absl::string_view xml(reinterpret_cast<const char*>(data), size);
  auto parsed = scr::ingest::ParseFeed(xml);
  if (parsed.ok()) {
    size_t total = parsed->canonical_url.size() + parsed->language.size();
    for (const auto& post : parsed->posts) {
      total += post.title.size() + post.author.size() + post.permalink.size();
      for (const auto& p : post.paragraphs) total += p.size();
      for (const auto& c : post.categories) total += c.size();
      for (const auto& t : post.tags) total += t.size();
    }
    (void)total;
  }
  return 0;
}
