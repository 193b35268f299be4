// libFuzzer target: the plain-text page parser (ingest::ParseTextPage).
// The input is the page text as is (any bytes; the service decodes to UTF-8
// first, so invalid UTF-8 here is a robustness check).
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "ingest-service/text_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = scr::ingest::ParseTextPage(text);
  if (parsed.ok()) {
    // Touch every field so the sanitizers see any bad string.
    size_t total = 0;
    for (const auto& post : parsed->posts) {
      total += post.title.size() + post.author.size() + post.permalink.size();
      for (const auto& p : post.paragraphs) total += p.size();
    }
    (void)total;
  }
  return 0;
}
