#include "search-service/http_request.h"

#include <cstdint>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "search-service/convert.h"
#include "search-service/index.h"
#include "search-service/search_core.h"

namespace scr::search {
namespace {

// Parameters of each route, after aliases are resolved.
constexpr const char* kFilterParams[] = {"category", "tag",      "site",  "author",
                                         "entity",   "language", "after", "before"};
constexpr const char* kListParams[] = {"category", "tag",      "site",  "author",
                                       "entity",   "language", "facets"};

// Accepted spellings of a parameter: the proto field names, so a request
// written from search.proto works too.
absl::string_view Canonical(absl::string_view name) {
  static const std::pair<const char*, const char*> kAliases[] = {
      {"query", "q"},
      {"categories", "category"},
      {"tags", "tag"},
      {"sites", "site"},
      {"authors", "author"},
      {"entities", "entity"},
      {"languages", "language"},
      {"collapse_duplicates", "collapse"},
      {"facet", "facets"},
  };
  for (const auto& [alias, canonical] : kAliases) {
    if (name == alias) return canonical;
  }
  return name;
}

bool IsListParam(absl::string_view name) {
  for (const char* p : kListParams) {
    if (name == p) return true;
  }
  return false;
}

// Length of the valid UTF-8 sequence at the start of `s`, or 0 when invalid.
size_t Utf8SequenceLength(absl::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  if (n == 0) return 0;
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  size_t len = 0;
  uint32_t cp = 0;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (n < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
    return 0;
  }
  return len;
}

bool IsValidUtf8(absl::string_view s) {
  while (!s.empty()) {
    size_t len = Utf8SequenceLength(s);
    if (len == 0) return false;
    s.remove_prefix(len);
  }
  return true;
}

// The parameters of one request grouped by canonical name.
using Grouped = std::map<std::string, std::vector<std::string>>;

// Groups `params`, rejecting names not in `allowed` and values that are not UTF-8.
absl::StatusOr<Grouped> Group(const QueryParams& params, const std::set<std::string>& allowed) {
  Grouped out;
  for (const auto& [raw_name, value] : params) {
    std::string name(Canonical(raw_name));
    if (!allowed.count(name)) {
      if (!IsValidUtf8(raw_name)) return absl::InvalidArgumentError("unknown parameter");
      return absl::InvalidArgumentError(absl::StrCat(
          raw_name, ": unknown parameter; this route takes ", absl::StrJoin(allowed, ", ")));
    }
    if (!IsValidUtf8(value)) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": not valid UTF-8"));
    }
    out[name].push_back(value);
  }
  for (const auto& [name, values] : out) {
    if (values.size() > 1 && !IsListParam(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": given ", values.size(), " times; give it once"));
    }
  }
  return out;
}

// The single value of `name`, or nullptr when absent.
const std::string* Single(const Grouped& g, const std::string& name) {
  auto it = g.find(name);
  return it == g.end() ? nullptr : &it->second.front();
}

// Splits comma lists across every value of `name`; a double-quoted item may
// hold commas. Items are trimmed; empty items are dropped.
absl::StatusOr<std::vector<std::string>> ListValues(const Grouped& g, const std::string& name) {
  std::vector<std::string> out;
  auto it = g.find(name);
  if (it == g.end()) return out;
  for (const std::string& value : it->second) {
    std::string current;
    bool quoted = false;
    auto flush = [&] {
      std::string item(absl::StripAsciiWhitespace(current));
      if (!item.empty()) out.push_back(std::move(item));
      current.clear();
    };
    for (char c : value) {
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        flush();
      } else {
        current.push_back(c);
      }
    }
    if (quoted) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": unbalanced double quote"));
    }
    flush();
  }
  return out;
}

absl::StatusOr<int32_t> IntParam(const Grouped& g, const std::string& name) {
  const std::string* v = Single(g, name);
  if (v == nullptr) return 0;
  int32_t n = 0;
  if (!absl::SimpleAtoi(*v, &n)) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": ", JsonQuote(*v), " is not an integer"));
  }
  return n;
}

absl::StatusOr<bool> BoolParam(const Grouped& g, const std::string& name) {
  const std::string* v = Single(g, name);
  if (v == nullptr) return false;
  std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(*v));
  if (lower.empty() || lower == "true" || lower == "1" || lower == "yes" || lower == "on") {
    return true;
  }
  if (lower == "false" || lower == "0" || lower == "no" || lower == "off") return false;
  return absl::InvalidArgumentError(
      absl::StrCat(name, ": ", JsonQuote(*v), " is not a boolean (use true or false)"));
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  google::protobuf::Timestamp ts;
  int64_t seconds = absl::ToUnixSeconds(t);
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
  return ts;
}

// Parses YYYY, YYYY-MM, YYYY-MM-DD (UTC) or an RFC 3339 timestamp. For a
// date, `end` picks the last nanosecond of the period instead of the first,
// so both bounds are inclusive whole periods.
absl::StatusOr<google::protobuf::Timestamp> DateParam(const std::string& name,
                                                      const std::string& value, bool end) {
  auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": ", JsonQuote(value),
                     " is not a date (YYYY-MM-DD, YYYY-MM, YYYY or an RFC 3339 timestamp)"));
  };
  std::string s(absl::StripAsciiWhitespace(value));
  absl::Time start;
  absl::Time next;
  absl::CivilDay day;
  absl::CivilMonth month;
  absl::CivilYear year;
  if (s.size() == 10 && absl::ParseCivilTime(s, &day)) {
    start = absl::FromCivil(day, absl::UTCTimeZone());
    next = absl::FromCivil(day + 1, absl::UTCTimeZone());
  } else if (s.size() == 7 && absl::ParseCivilTime(s, &month)) {
    start = absl::FromCivil(month, absl::UTCTimeZone());
    next = absl::FromCivil(month + 1, absl::UTCTimeZone());
  } else if (s.size() == 4 && absl::ParseCivilTime(s, &year)) {
    start = absl::FromCivil(year, absl::UTCTimeZone());
    next = absl::FromCivil(year + 1, absl::UTCTimeZone());
  } else {
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, s, &start, &error)) return bad();
    next = start + absl::Nanoseconds(1);
  }
  absl::Time t = end ? next - absl::Nanoseconds(1) : start;
  if (t < absl::FromCivil(absl::CivilYear(1), absl::UTCTimeZone()) ||
      t >= absl::FromCivil(absl::CivilYear(10000), absl::UTCTimeZone())) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": ", JsonQuote(value), " is outside years 0001 to 9999"));
  }
  return ToTimestamp(t);
}

absl::Status FillFilter(const Grouped& g, v1::Filter* filter) {
  auto add = [&](const std::string& name,
                 google::protobuf::RepeatedPtrField<std::string>* out) -> absl::Status {
    auto values = ListValues(g, name);
    if (!values.ok()) return values.status();
    for (std::string& v : *values) out->Add(std::move(v));
    return absl::OkStatus();
  };
  if (auto s = add("category", filter->mutable_categories()); !s.ok()) return s;
  if (auto s = add("tag", filter->mutable_tags()); !s.ok()) return s;
  if (auto s = add("site", filter->mutable_sites()); !s.ok()) return s;
  if (auto s = add("author", filter->mutable_authors()); !s.ok()) return s;
  if (auto s = add("entity", filter->mutable_entities()); !s.ok()) return s;
  if (auto s = add("language", filter->mutable_languages()); !s.ok()) return s;
  if (const std::string* v = Single(g, "after")) {
    auto ts = DateParam("after", *v, /*end=*/false);
    if (!ts.ok()) return ts.status();
    *filter->mutable_published_after() = *ts;
  }
  if (const std::string* v = Single(g, "before")) {
    auto ts = DateParam("before", *v, /*end=*/true);
    if (!ts.ok()) return ts.status();
    *filter->mutable_published_before() = *ts;
  }
  if (filter->has_published_after() && filter->has_published_before()) {
    const auto& a = filter->published_after();
    const auto& b = filter->published_before();
    if (a.seconds() > b.seconds() || (a.seconds() == b.seconds() && a.nanos() > b.nanos())) {
      return absl::InvalidArgumentError("after: later than before");
    }
  }
  return absl::OkStatus();
}

std::set<std::string> WithFilterParams(std::set<std::string> names) {
  for (const char* p : kFilterParams) names.insert(p);
  return names;
}

}  // namespace

absl::StatusOr<v1::SearchRequest> SearchRequestFromParams(const QueryParams& params) {
  static const std::set<std::string> kAllowed =
      WithFilterParams({"q", "sort", "page_size", "page_token", "facets", "facet_size", "collapse",
                        "cluster_key", "include_body", "snippet_length", "snippet_disabled"});
  auto grouped = Group(params, kAllowed);
  if (!grouped.ok()) return grouped.status();
  const Grouped& g = *grouped;

  v1::SearchRequest request;
  if (const std::string* q = Single(g, "q")) request.set_query(*q);
  if (auto s = FillFilter(g, request.mutable_filter()); !s.ok()) return s;
  if (request.filter().ByteSizeLong() == 0) request.clear_filter();

  auto facets = ListValues(g, "facets");
  if (!facets.ok()) return facets.status();
  for (std::string& f : *facets) {
    bool known = false;
    for (const char* name : kFacetNames) known = known || f == name;
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat(
          "facets: unknown facet ", JsonQuote(f),
          "; known: ", absl::StrJoin(std::begin(kFacetNames), std::end(kFacetNames), ", ")));
    }
    request.add_facets(std::move(f));
  }
  auto facet_size = IntParam(g, "facet_size");
  if (!facet_size.ok()) return facet_size.status();
  request.set_facet_size(*facet_size);

  if (const std::string* sort = Single(g, "sort")) {
    std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(*sort));
    v1::SortOrder order = v1::SORT_ORDER_UNSPECIFIED;
    if (lower.empty() || lower == "relevance") {
      order = v1::SORT_ORDER_RELEVANCE;
    } else if (lower == "newest") {
      order = v1::SORT_ORDER_PUBLISHED_DESC;
    } else if (lower == "oldest") {
      order = v1::SORT_ORDER_PUBLISHED_ASC;
    } else if (!v1::SortOrder_Parse(*sort, &order)) {
      return absl::InvalidArgumentError(absl::StrCat("sort: unknown value ", JsonQuote(*sort),
                                                     "; use relevance, newest or oldest"));
    }
    request.set_sort(order);
  }

  auto page_size = IntParam(g, "page_size");
  if (!page_size.ok()) return page_size.status();
  request.set_page_size(*page_size);
  if (const std::string* token = Single(g, "page_token")) request.set_page_token(*token);

  auto collapse = BoolParam(g, "collapse");
  if (!collapse.ok()) return collapse.status();
  request.set_collapse_duplicates(*collapse);
  if (const std::string* key = Single(g, "cluster_key")) request.set_cluster_key(*key);
  auto include_body = BoolParam(g, "include_body");
  if (!include_body.ok()) return include_body.status();
  request.set_include_body(*include_body);

  auto snippet_length = IntParam(g, "snippet_length");
  if (!snippet_length.ok()) return snippet_length.status();
  if (*snippet_length < 0 || *snippet_length > SearchLimits::kMaxSnippetBytes) {
    return absl::InvalidArgumentError(absl::StrCat("snippet_length: ", *snippet_length,
                                                   " is out of range (0 to ",
                                                   SearchLimits::kMaxSnippetBytes, ")"));
  }
  if (*snippet_length > 0) request.mutable_snippet()->set_max_length(*snippet_length);
  auto snippet_disabled = BoolParam(g, "snippet_disabled");
  if (!snippet_disabled.ok()) return snippet_disabled.status();
  if (*snippet_disabled) request.mutable_snippet()->set_disabled(true);
  return request;
}

absl::StatusOr<v1::MoreLikeThisRequest> MoreLikeThisRequestFromParams(absl::string_view id,
                                                                      const QueryParams& params) {
  static const std::set<std::string> kAllowed = WithFilterParams({"page_size"});
  auto grouped = Group(params, kAllowed);
  if (!grouped.ok()) return grouped.status();
  v1::MoreLikeThisRequest request;
  request.set_id(std::string(id));
  auto page_size = IntParam(*grouped, "page_size");
  if (!page_size.ok()) return page_size.status();
  request.set_page_size(*page_size);
  if (auto s = FillFilter(*grouped, request.mutable_filter()); !s.ok()) return s;
  if (request.filter().ByteSizeLong() == 0) request.clear_filter();
  // The same limits as the gRPC path.
  if (auto q = MoreLikeThisQueryFromProto(request); !q.ok()) return q.status();
  return request;
}

absl::StatusOr<v1::SuggestRequest> SuggestRequestFromParams(const QueryParams& params) {
  static const std::set<std::string> kAllowed = {"q", "limit"};
  auto grouped = Group(params, kAllowed);
  if (!grouped.ok()) return grouped.status();
  v1::SuggestRequest request;
  if (const std::string* q = Single(*grouped, "q")) request.set_query(*q);
  auto limit = IntParam(*grouped, "limit");
  if (!limit.ok()) return limit.status();
  request.set_limit(*limit);
  // The same limits as the gRPC path, naming the HTTP parameter.
  if (auto q = SuggestQueryFromProto(request, "q"); !q.ok()) return q.status();
  return request;
}

absl::Status CheckNoParams(const QueryParams& params) {
  if (params.empty()) return absl::OkStatus();
  const std::string& name = params.begin()->first;
  if (!IsValidUtf8(name)) return absl::InvalidArgumentError("unknown parameter");
  return absl::InvalidArgumentError(
      absl::StrCat(name, ": unknown parameter; this route takes none"));
}

int HttpStatusFromCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

absl::StatusCode CodeFromHttpStatus(int http_status) {
  switch (http_status) {
    case 400:
      return absl::StatusCode::kInvalidArgument;
    case 404:
      return absl::StatusCode::kNotFound;
    case 405:
      return absl::StatusCode::kUnimplemented;
    case 413:
    case 414:
    case 429:
      return absl::StatusCode::kResourceExhausted;
    case 501:
      return absl::StatusCode::kUnimplemented;
    case 503:
      return absl::StatusCode::kUnavailable;
    case 504:
      return absl::StatusCode::kDeadlineExceeded;
    default:
      return http_status < 500 ? absl::StatusCode::kInvalidArgument : absl::StatusCode::kInternal;
  }
}

std::string JsonQuote(absl::string_view s) {
  std::string out = "\"";
  while (!s.empty()) {
    size_t len = Utf8SequenceLength(s);
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      s.remove_prefix(1);
      continue;
    }
    if (len > 1) {
      out.append(s.data(), len);
      s.remove_prefix(len);
      continue;
    }
    char c = s.front();
    s.remove_prefix(1);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '<':
      case '>':
      case '&':
        absl::StrAppend(&out, "\\u00", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          absl::StrAppend(&out, "\\u00", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
        } else {
          out.push_back(c);
        }
    }
  }
  out += "\"";
  return out;
}

std::string ErrorJson(int http_status, absl::StatusCode code, absl::string_view message) {
  return absl::StrCat("{\"error\":{\"code\":", http_status,
                      ",\"status\":", JsonQuote(absl::StatusCodeToString(code)),
                      ",\"message\":", JsonQuote(message), "}}");
}

absl::StatusOr<CorsPolicy> ParseCorsOrigins(absl::string_view flag_value) {
  CorsPolicy policy;
  for (absl::string_view raw : absl::StrSplit(flag_value, ',', absl::SkipWhitespace())) {
    std::string entry = absl::AsciiStrToLower(absl::StripAsciiWhitespace(raw));
    if (entry == "*") {
      policy.any = true;
      continue;
    }
    absl::string_view rest = entry;
    while (absl::ConsumeSuffix(&rest, "/")) {
    }
    absl::string_view host = rest;
    if (!(absl::ConsumePrefix(&host, "http://") || absl::ConsumePrefix(&host, "https://")) ||
        host.empty() || absl::StrContains(host, '/') || absl::StrContains(host, '?') ||
        absl::StrContains(host, '#') || absl::StrContains(host, '@')) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--cors_origins: ", JsonQuote(raw),
          " is not an origin (scheme://host[:port], for example https://example.org) or *"));
    }
    policy.origins.emplace_back(rest);
  }
  return policy;
}

std::optional<std::string> CorsAllowOrigin(const CorsPolicy& policy, absl::string_view origin) {
  if (origin.empty()) return std::nullopt;
  if (policy.any) return std::string("*");
  std::string lower = absl::AsciiStrToLower(origin);
  for (const std::string& allowed : policy.origins) {
    if (allowed == lower) return std::string(origin);
  }
  return std::nullopt;
}

}  // namespace scr::search
