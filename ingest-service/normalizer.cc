#include "ingest-service/normalizer.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "ingest-service/charset.h"
#include "ingest-service/feed_parser.h"
#include "ingest-service/html_parser.h"
#include "ingest-service/post_builder.h"
#include "ingest-service/text_parser.h"
#include "ingest-service/url.h"

namespace scr::ingest {
namespace {

std::string MediaType(absl::string_view content_type) {
  return absl::AsciiStrToLower(
      absl::StripAsciiWhitespace(content_type.substr(0, content_type.find(';'))));
}

std::string SniffFormat(absl::string_view content) {
  absl::string_view s = content;
  if (absl::StartsWith(s, "\xEF\xBB\xBF")) s.remove_prefix(3);
  s = absl::StripLeadingAsciiWhitespace(s);
  std::string head = absl::AsciiStrToLower(s.substr(0, 512));
  if (absl::StartsWith(head, "<?xml") || absl::StartsWith(head, "<rss") ||
      absl::StartsWith(head, "<feed") || absl::StartsWith(head, "<rdf")) {
    return absl::StrContains(head, "<html") ? "html" : "xml";
  }
  if (absl::StartsWith(head, "<!doctype html") || absl::StartsWith(head, "<html") ||
      absl::StartsWith(head, "<head") || absl::StartsWith(head, "<body") ||
      absl::StartsWith(head, "<!--") || absl::StartsWith(head, "<div") ||
      absl::StartsWith(head, "<article") || absl::StartsWith(head, "<p")) {
    return "html";
  }
  return "text";
}

}  // namespace

std::string DetectFormat(absl::string_view content_type, absl::string_view content) {
  std::string media = MediaType(content_type);
  if (media.empty() || media == "application/octet-stream") return SniffFormat(content);
  if (media == "text/plain" || media == "text/markdown") return "text";
  if (media == "text/html" || media == "application/xhtml+xml") return "html";
  if (media == "application/rss+xml" || media == "application/atom+xml" ||
      media == "application/xml" || media == "text/xml" || media == "application/rdf+xml") {
    return "xml";
  }
  return "";
}

absl::StatusOr<NormalizedItem> Normalizer::Normalize(const RawItem& item, int64_t version) const {
  if (item.content.size() > limits_.max_item_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat("item.content: ", item.content.size(),
                                                     " bytes is over the limit of ",
                                                     limits_.max_item_bytes, " bytes"));
  }
  if (item.content.empty()) return absl::InvalidArgumentError("item.content: empty");
  std::string source_url;
  if (!item.source_url.empty()) {
    if (item.source_url.size() > limits_.max_url_bytes) {
      return absl::InvalidArgumentError(absl::StrCat("item.source_url: longer than the limit of ",
                                                     limits_.max_url_bytes, " bytes"));
    }
    auto canonical = CanonicalizeUrl(item.source_url);
    if (!canonical.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("item.source_url: ", canonical.status().message()));
    }
    source_url = *canonical;
  }
  std::string format = DetectFormat(item.content_type, item.content);
  if (format.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("item.content_type: \"", item.content_type,
                     "\" is not supported; use text/plain, text/html, application/rss+xml, "
                     "application/atom+xml or application/xml (WXR)"));
  }
  std::string declared = CharsetFromContentType(item.content_type);
  std::string text = DecodeToUtf8(item.content, declared, format != "text");

  absl::StatusOr<ParsedItem> parsed;
  if (format == "text") {
    parsed = ParseTextPage(text);
  } else if (format == "html") {
    HtmlLimits html_limits;
    html_limits.max_depth = limits_.max_html_depth;
    parsed = ParseHtmlPage(text, html_limits);
  } else {
    parsed = ParseFeed(text);
  }
  if (!parsed.ok()) return parsed.status();
  if (static_cast<int>(parsed->posts.size()) > limits_.max_posts_per_item) {
    return absl::ResourceExhaustedError(absl::StrCat("item: ", parsed->posts.size(),
                                                     " posts is over the limit of ",
                                                     limits_.max_posts_per_item, " per item"));
  }

  ItemContext context;
  context.source_url = source_url;
  if (!parsed->canonical_url.empty()) {
    auto c = CanonicalizeUrl(parsed->canonical_url, source_url);
    if (c.ok()) context.page_canonical_url = *c;
  }
  context.language = parsed->language.substr(0, parsed->language.find('-'));
  context.fetch_time = item.fetch_time;
  context.version = version;
  context.lexicon = lexicon_;

  NormalizedItem out;
  out.format = parsed->format;
  for (size_t i = 0; i < parsed->posts.size(); ++i) {
    const ParsedPost& p = parsed->posts[i];
    if (p.title.size() > limits_.max_title_bytes) {
      return absl::InvalidArgumentError(absl::StrCat("post ", i + 1, ": title of ", p.title.size(),
                                                     " bytes is over the limit of ",
                                                     limits_.max_title_bytes, " bytes"));
    }
    v1::Post post = BuildPost(p, context);
    if (post.body().size() > limits_.max_body_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("post ", i + 1, " (\"", post.title(), "\"): body of ", post.body().size(),
                       " bytes is over the limit of ", limits_.max_body_bytes, " bytes"));
    }
    out.posts.push_back(std::move(post));
  }
  return out;
}

}  // namespace scr::ingest
