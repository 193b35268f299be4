// libFuzzer target: the HTML page parser (ingest::ParseHtmlPage) and the
// fragment cleaner feeds use for content:encoded (HtmlFragmentToParagraphs).
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "ingest-service/html_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  absl::string_view html(reinterpret_cast<const char*>(data), size);
  scr::ingest::HtmlLimits limits;
  limits.max_depth = 256;
  auto parsed = scr::ingest::ParseHtmlPage(html, limits);
  size_t total = 0;
  if (parsed.ok()) {
    for (const auto& post : parsed->posts) {
      total += post.title.size() + post.author.size() + post.permalink.size();
      for (const auto& p : post.paragraphs) total += p.size();
    }
  }
  bool excerpt = false;
  for (const auto& p : scr::ingest::HtmlFragmentToParagraphs(html, &excerpt)) total += p.size();
  (void)total;
  return 0;
}
