// Pure functions behind the HTTP/JSON gateway (http_gateway.h): query
// parameters to scr.v1 request messages, status codes to HTTP statuses, the
// JSON error body, and the CORS origin check. No I/O, no httplib: every
// function here is deterministic and unit-tested (http_request_test.cc).
//
// Query parameters (docs/WEB.md has the full table):
//   q, category, tag, site, author, entity, language, after, before, sort,
//   page_size, page_token, facets, facet_size, collapse, cluster_key,
//   include_body, snippet_length.
// Filter parameters and `facets` take repeated parameters, comma lists, or
// both (`tag=a&tag=b` equals `tag=a,b`); a value that itself holds a comma is
// written in double quotes (`category="abuse, neglect"`). Every other
// parameter may appear at most once. Unknown parameters are rejected so a
// typo is never silently ignored.
//
// Errors: INVALID_ARGUMENT whose message starts with the parameter name, for
// example "page_size: \"abc\" is not an integer".
//
// Thread safety: all functions are pure and may be called concurrently.
#ifndef SCR_SEARCH_HTTP_REQUEST_H_
#define SCR_SEARCH_HTTP_REQUEST_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "scr/v1/search.pb.h"

namespace scr::search {

// Decoded query parameters, repeated names kept in order (the same type as
// httplib::Params).
using QueryParams = std::multimap<std::string, std::string>;

// GET /v1/search. Sets only what the parameters give; defaults and range
// limits are applied later by SearchQueryFromProto, whose errors name the
// proto field (page_size, facet_size, ...), which matches the parameter.
absl::StatusOr<v1::SearchRequest> SearchRequestFromParams(const QueryParams& params);

// GET /v1/posts/{id}:moreLikeThis. Accepts page_size and the filter
// parameters. Checks page_size with MoreLikeThisQueryFromProto, as gRPC does.
absl::StatusOr<v1::MoreLikeThisRequest> MoreLikeThisRequestFromParams(absl::string_view id,
                                                                      const QueryParams& params);

// GET /v1/suggest. Accepts q (the prefix) and limit, checked with
// SuggestQueryFromProto as gRPC does (errors name "q").
absl::StatusOr<v1::SuggestRequest> SuggestRequestFromParams(const QueryParams& params);

// For routes that take no parameters (GET /v1/stats, GET /v1/posts/{id}):
// INVALID_ARGUMENT naming the first parameter given.
absl::Status CheckNoParams(const QueryParams& params);

// The HTTP status for a canonical code: INVALID_ARGUMENT, FAILED_PRECONDITION
// and OUT_OF_RANGE 400, UNAUTHENTICATED 401, PERMISSION_DENIED 403,
// NOT_FOUND 404, ALREADY_EXISTS and ABORTED 409, RESOURCE_EXHAUSTED 429,
// CANCELLED 499, UNIMPLEMENTED 501, UNAVAILABLE 503, DEADLINE_EXCEEDED 504,
// INTERNAL, UNKNOWN, DATA_LOSS (and anything else) 500; OK 200.
int HttpStatusFromCode(absl::StatusCode code);

// The canonical code name for an HTTP error status the gateway produces
// itself (unknown route, wrong method, request too large): 400
// INVALID_ARGUMENT, 404 NOT_FOUND, 405 UNIMPLEMENTED, 413 and 414
// RESOURCE_EXHAUSTED, 429 RESOURCE_EXHAUSTED, 503 UNAVAILABLE, 504
// DEADLINE_EXCEEDED, other 4xx INVALID_ARGUMENT, other 5xx INTERNAL.
absl::StatusCode CodeFromHttpStatus(int http_status);

// The Google API style error body:
//   {"error":{"code":400,"status":"INVALID_ARGUMENT","message":"..."}}
// `http_status` goes in "code"; invalid UTF-8 in the message is replaced by
// U+FFFD so the body is always valid JSON.
std::string ErrorJson(int http_status, absl::StatusCode code, absl::string_view message);

// `s` as a JSON string literal with quotes. Escapes ", \, control characters
// and < > & (so the text is also safe inside HTML); invalid UTF-8 becomes
// U+FFFD.
std::string JsonQuote(absl::string_view s);

// Which origins may read responses from a browser (CORS).
struct CorsPolicy {
  bool any = false;                  // "*": every origin
  std::vector<std::string> origins;  // exact origins, lowercased, no trailing slash
};

// Parses --cors_origins: empty (no cross-origin access), "*", or a comma list
// of origins such as "https://example.org,http://localhost:3000".
// INVALID_ARGUMENT naming the flag for an entry that is not
// scheme://host[:port].
absl::StatusOr<CorsPolicy> ParseCorsOrigins(absl::string_view flag_value);

// The Access-Control-Allow-Origin value for a request's Origin header, or
// nullopt when the origin may not read the response (or there is none).
// Returns "*" when the policy allows any origin.
std::optional<std::string> CorsAllowOrigin(const CorsPolicy& policy, absl::string_view origin);

}  // namespace scr::search

#endif  // SCR_SEARCH_HTTP_REQUEST_H_
