// URL canonicalization for post identity (uriparser underneath).
#ifndef SCR_INGEST_URL_H_
#define SCR_INGEST_URL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace scr::ingest {

// Resolves `url` against `base` (when relative) and canonicalizes it:
// scheme and host lowercased, default port dropped, dot segments removed,
// fragment dropped, tracking parameters (utm_*, fbclid, gclid, mc_cid,
// mc_eid, ref, share, amp) dropped, remaining parameters kept in order,
// trailing slash of a non-root path dropped, "http" and "https" kept as given.
// INVALID_ARGUMENT when the result is not an absolute http(s) URL.
absl::StatusOr<std::string> CanonicalizeUrl(absl::string_view url, absl::string_view base = "");

// The site of an absolute URL: its lowercased host without "www.".
std::string SiteOfUrl(absl::string_view url);

}  // namespace scr::ingest

#endif  // SCR_INGEST_URL_H_
