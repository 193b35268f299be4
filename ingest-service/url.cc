#include "ingest-service/url.h"

#include <uriparser/Uri.h>

#include <memory>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace scr::ingest {
namespace {

std::string Range(const UriTextRangeA& r) {
  if (r.first == nullptr || r.afterLast == nullptr) return "";
  return std::string(r.first, r.afterLast);
}

struct UriHolder {
  UriUriA uri{};
  bool parsed = false;
  ~UriHolder() {
    if (parsed) uriFreeUriMembersA(&uri);
  }
};

absl::Status Parse(const std::string& text, UriHolder& holder) {
  const char* error_pos = nullptr;
  if (uriParseSingleUriA(&holder.uri, text.c_str(), &error_pos) != URI_SUCCESS) {
    size_t at = error_pos != nullptr ? static_cast<size_t>(error_pos - text.c_str()) : 0;
    return absl::InvalidArgumentError(
        absl::StrCat("URL \"", text, "\" is malformed at character ", at + 1));
  }
  holder.parsed = true;
  return absl::OkStatus();
}

bool IsTrackingParameter(absl::string_view key) {
  std::string k = absl::AsciiStrToLower(key);
  return absl::StartsWith(k, "utm_") || k == "fbclid" || k == "gclid" || k == "dclid" ||
         k == "mc_cid" || k == "mc_eid" || k == "ref" || k == "share" || k == "amp" ||
         k == "msclkid" || k == "igshid" || k == "_ga" || k == "yclid" || k == "replytocom";
}

}  // namespace

absl::StatusOr<std::string> CanonicalizeUrl(absl::string_view url, absl::string_view base) {
  std::string text(absl::StripAsciiWhitespace(url));
  if (text.empty()) return absl::InvalidArgumentError("URL is empty");
  if (text.size() > 4096) return absl::InvalidArgumentError("URL is longer than 4096 bytes");
  UriHolder rel;
  if (auto s = Parse(text, rel); !s.ok()) return s;
  // Text ranges point into the parsed strings: they outlive every use below.
  std::string base_text(absl::StripAsciiWhitespace(base));
  UriHolder base_holder;
  UriHolder resolved;
  UriUriA* uri = &rel.uri;
  if (rel.uri.scheme.first == nullptr) {
    if (base_text.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("URL \"", text, "\" is relative and no base URL is known"));
    }
    if (auto s = Parse(base_text, base_holder); !s.ok()) return s;
    if (uriAddBaseUriA(&resolved.uri, &rel.uri, &base_holder.uri) != URI_SUCCESS) {
      return absl::InvalidArgumentError(
          absl::StrCat("URL \"", text, "\" cannot be resolved against ", base));
    }
    resolved.parsed = true;
    uri = &resolved.uri;
  }
  uriNormalizeSyntaxA(uri);

  std::string scheme = absl::AsciiStrToLower(Range(uri->scheme));
  if (scheme != "http" && scheme != "https") {
    return absl::InvalidArgumentError(absl::StrCat("URL \"", text, "\" is not http or https"));
  }
  std::string host = absl::AsciiStrToLower(Range(uri->hostText));
  if (host.empty())
    return absl::InvalidArgumentError(absl::StrCat("URL \"", text, "\" has no host"));
  if (uri->hostData.ip6 != nullptr) host = absl::StrCat("[", host, "]");
  std::string port = Range(uri->portText);
  if ((scheme == "http" && port == "80") || (scheme == "https" && port == "443")) port.clear();

  std::vector<std::string> segments;
  for (UriPathSegmentA* seg = uri->pathHead; seg != nullptr; seg = seg->next) {
    segments.push_back(Range(seg->text));
  }
  while (!segments.empty() && segments.back().empty()) segments.pop_back();
  std::string path = absl::StrCat("/", absl::StrJoin(segments, "/"));

  std::vector<std::string> kept;
  std::string query = Range(uri->query);
  for (absl::string_view param : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    absl::string_view key = param.substr(0, param.find('='));
    if (!IsTrackingParameter(key)) kept.emplace_back(param);
  }
  std::string out = absl::StrCat(scheme, "://", host, port.empty() ? "" : ":", port, path);
  if (!kept.empty()) absl::StrAppend(&out, "?", absl::StrJoin(kept, "&"));
  return out;
}

std::string SiteOfUrl(absl::string_view url) {
  auto canonical = CanonicalizeUrl(url);
  if (!canonical.ok()) return "";
  absl::string_view rest = *canonical;
  rest.remove_prefix(rest.find("://") + 3);
  std::string host(rest.substr(0, rest.find_first_of("/:?")));
  return std::string(absl::StripPrefix(host, "www."));
}

}  // namespace scr::ingest
