// libFuzzer target: URL canonicalization (ingest::CanonicalizeUrl,
// ingest::SiteOfUrl).
//
// Input layout: the URL, then a NUL or newline, then the base URL (may be
// empty or absent). Checks the documented contract: a result is an absolute
// http(s) URL, and canonicalizing it again gives it back unchanged (post ids
// are hashes of canonical URLs, so a second pass must not move them).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "ingest-service/url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  size_t split = input.find_first_of(absl::string_view("\0\n", 2));
  absl::string_view url = input.substr(0, split);
  absl::string_view base = split == absl::string_view::npos ? "" : input.substr(split + 1);

  auto canonical = scr::ingest::CanonicalizeUrl(url, base);
  if (canonical.ok()) {
    if (!absl::StartsWith(*canonical, "http://") && !absl::StartsWith(*canonical, "https://")) {
      std::fprintf(stderr, "not an absolute http(s) URL: \"%s\"\n", canonical->c_str());
      std::abort();
    }
    auto again = scr::ingest::CanonicalizeUrl(*canonical);
    if (!again.ok() || *again != *canonical) {
      std::fprintf(stderr, "not idempotent: \"%s\" -> \"%s\"\n", canonical->c_str(),
                   again.ok() ? again->c_str() : std::string(again.status().message()).c_str());
      std::abort();
    }
    (void)scr::ingest::SiteOfUrl(*canonical);
  }
  (void)scr::ingest::SiteOfUrl(url);
  return 0;
}
