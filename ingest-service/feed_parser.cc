#include "ingest-service/feed_parser.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <map>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/text.h"
#include "ingest-service/html_parser.h"
#include "ingest-service/text_rules.h"

namespace scr::ingest {
namespace {

struct DocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};

std::string Local(const xmlNode* n) { return reinterpret_cast<const char*>(n->name); }

std::string NsHref(const xmlNode* n) {
  return n->ns != nullptr && n->ns->href != nullptr ? reinterpret_cast<const char*>(n->ns->href)
                                                    : "";
}

bool IsWp(const xmlNode* n) { return absl::StrContains(NsHref(n), "wordpress.org/export"); }
bool IsContentNs(const xmlNode* n) {
  return absl::StrContains(NsHref(n), "rss/1.0/modules/content");
}
bool IsDc(const xmlNode* n) { return absl::StrContains(NsHref(n), "purl.org/dc/elements"); }
bool IsSlash(const xmlNode* n) { return absl::StrContains(NsHref(n), "rss/1.0/modules/slash"); }
bool IsThread(const xmlNode* n) { return absl::StrContains(NsHref(n), "syndication/thread/1.0"); }

std::string Text(const xmlNode* n) {
  xmlChar* c = xmlNodeGetContent(n);
  if (c == nullptr) return "";
  std::string out(reinterpret_cast<const char*>(c));
  xmlFree(c);
  return out;
}

std::string Attr(const xmlNode* n, const char* name) {
  xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
  if (v == nullptr) return "";
  std::string out(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return out;
}

template <typename Fn>
void ForChildren(const xmlNode* n, Fn&& fn) {
  for (xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) fn(c);
  }
}

std::vector<std::string> Paragraphs(const std::string& html_or_text, bool* excerpt) {
  return HtmlFragmentToParagraphs(html_or_text, excerpt);
}

// One RSS <item> (also WXR). Returns false when the item is to be skipped.
bool ParseRssItem(const xmlNode* item, bool wxr, const std::map<std::string, std::string>& authors,
                  ParsedPost* post) {
  std::string description, content, post_type = "post", status = "publish", gmt_date;
  int approved_comments = 0;
  ForChildren(item, [&](xmlNode* c) {
    std::string name = Local(c);
    if (IsWp(c)) {
      if (name == "post_type") post_type = common::CollapseWhitespace(Text(c));
      if (name == "status") status = common::CollapseWhitespace(Text(c));
      if (name == "post_date_gmt") gmt_date = common::CollapseWhitespace(Text(c));
      if (name == "comment") {
        std::string approved = "1", type;
        ForChildren(c, [&](xmlNode* cc) {
          if (Local(cc) == "comment_approved") approved = common::CollapseWhitespace(Text(cc));
          if (Local(cc) == "comment_type") type = common::CollapseWhitespace(Text(cc));
        });
        if (approved == "1" && (type.empty() || type == "comment")) ++approved_comments;
      }
      return;
    }
    if (IsContentNs(c) && name == "encoded") {
      content = Text(c);
    } else if (IsDc(c) && name == "creator") {
      std::string login = common::CollapseWhitespace(Text(c));
      auto it = authors.find(login);
      post->author = it != authors.end() ? it->second : login;
    } else if ((IsSlash(c) && name == "comments") || (IsThread(c) && name == "total")) {
      int n = 0;
      if (absl::SimpleAtoi(common::CollapseWhitespace(Text(c)), &n)) post->comment_count = n;
    } else if (c->ns == nullptr || NsHref(c).empty()) {
      if (name == "title") post->title = common::CollapseWhitespace(Text(c));
      if (name == "link") post->permalink = common::CollapseWhitespace(Text(c));
      if (name == "guid" && post->permalink.empty() && Attr(c, "isPermaLink") != "false") {
        post->permalink = common::CollapseWhitespace(Text(c));
      }
      if (name == "pubDate" && !post->published) post->published = ParseLooseDate(Text(c));
      if (name == "description") description = Text(c);
      if (name == "author" && post->author.empty())
        post->author = common::CollapseWhitespace(Text(c));
      if (name == "category") {
        std::string domain = Attr(c, "domain");
        if (domain == "post_tag") {
          AddUniqueLabel(post->tags, Text(c));
        } else if (domain.empty() || domain == "category") {
          AddUniqueLabel(post->categories, Text(c));
        }
      }
    }
  });
  if (wxr) {
    if (post_type != "post" || status != "publish") return false;
    post->comment_count = approved_comments;
    if (!gmt_date.empty() && gmt_date != "0000-00-00 00:00:00") {
      if (auto d = ParseLooseDate(gmt_date)) post->published = d;
    }
  }
  bool excerpt = false;
  if (!content.empty()) {
    post->paragraphs = Paragraphs(content, &excerpt);
  }
  if (post->paragraphs.empty() && !description.empty()) {
    post->paragraphs = Paragraphs(description, &excerpt);
    excerpt = true;
  }
  post->excerpt = excerpt;
  post->title = common::ToNfc(post->title);
  return true;
}

void ParseAtomEntry(const xmlNode* entry, ParsedPost* post) {
  std::string content, summary;
  ForChildren(entry, [&](xmlNode* c) {
    std::string name = Local(c);
    if (name == "title") post->title = common::ToNfc(common::CollapseWhitespace(Text(c)));
    if (name == "link") {
      std::string rel = Attr(c, "rel");
      if (rel.empty() || rel == "alternate") post->permalink = Attr(c, "href");
    }
    if (name == "published") post->published = ParseLooseDate(Text(c));
    if (name == "updated" && !post->published) post->published = ParseLooseDate(Text(c));
    if (name == "author") {
      ForChildren(c, [&](xmlNode* a) {
        if (Local(a) == "name") post->author = common::CollapseWhitespace(Text(a));
      });
    }
    if (name == "category") {
      std::string label = Attr(c, "label");
      AddUniqueLabel(post->categories, label.empty() ? Attr(c, "term") : label);
    }
    if (name == "content") content = Text(c);
    if (name == "summary") summary = Text(c);
    if ((IsSlash(c) && name == "comments") || (IsThread(c) && name == "total")) {
      int n = 0;
      if (absl::SimpleAtoi(common::CollapseWhitespace(Text(c)), &n)) post->comment_count = n;
    }
  });
  bool excerpt = false;
  if (!content.empty()) post->paragraphs = Paragraphs(content, &excerpt);
  if (post->paragraphs.empty() && !summary.empty()) {
    post->paragraphs = Paragraphs(summary, &excerpt);
    excerpt = true;
  }
  post->excerpt = excerpt;
}

}  // namespace

absl::StatusOr<ParsedItem> ParseFeed(absl::string_view xml) {
  if (xml.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return absl::ResourceExhaustedError("content: XML larger than 2 GiB");
  }
  // No XML_PARSE_NOENT (entities stay unexpanded), no DTD loading, no network.
  int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
                XML_PARSE_COMPACT;
  xmlResetLastError();
  std::unique_ptr<xmlDoc, DocFree> doc(
      xmlReadMemory(xml.data(), static_cast<int>(xml.size()), nullptr, "UTF-8", options));
  if (!doc) {
    const xmlError* err = xmlGetLastError();
    std::string where = err != nullptr ? absl::StrCat(" at line ", err->line) : "";
    std::string what = err != nullptr && err->message != nullptr
                           ? std::string(absl::StripAsciiWhitespace(err->message))
                           : "not well-formed";
    return absl::InvalidArgumentError(absl::StrCat("content: XML", where, ": ", what));
  }
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr) return absl::InvalidArgumentError("content: XML has no root element");
  ParsedItem item;
  std::string root_name = Local(root);
  if (root_name == "rss" || root_name == "RDF") {
    item.format = "rss";
    ForChildren(root, [&](xmlNode* channel) {
      if (Local(channel) != "channel") return;
      std::map<std::string, std::string> authors;
      bool wxr = false;
      ForChildren(channel, [&](xmlNode* c) {
        if (IsWp(c)) wxr = true;
        if (Local(c) == "language" && !IsWp(c)) {
          item.language = absl::AsciiStrToLower(common::CollapseWhitespace(Text(c)));
        }
        if (IsWp(c) && Local(c) == "author") {
          std::string login, display;
          ForChildren(c, [&](xmlNode* a) {
            if (Local(a) == "author_login") login = common::CollapseWhitespace(Text(a));
            if (Local(a) == "author_display_name") display = common::CollapseWhitespace(Text(a));
          });
          if (!login.empty() && !display.empty()) authors[login] = display;
        }
      });
      if (wxr) item.format = "wxr";
      ForChildren(channel, [&](xmlNode* c) {
        if (Local(c) != "item") return;
        ParsedPost post;
        if (!ParseRssItem(c, wxr, authors, &post)) return;
        if (post.paragraphs.empty() && post.title.empty()) return;
        item.posts.push_back(std::move(post));
      });
    });
    if (root_name == "RDF") {
      ForChildren(root, [&](xmlNode* c) {
        if (Local(c) != "item") return;
        ParsedPost post;
        if (ParseRssItem(c, false, {}, &post) && !post.paragraphs.empty()) {
          item.posts.push_back(std::move(post));
        }
      });
    }
  } else if (root_name == "feed") {
    item.format = "atom";
    item.language = absl::AsciiStrToLower(Attr(root, "lang"));
    ForChildren(root, [&](xmlNode* c) {
      if (Local(c) != "entry") return;
      ParsedPost post;
      ParseAtomEntry(c, &post);
      if (!post.paragraphs.empty() || !post.title.empty()) item.posts.push_back(std::move(post));
    });
  } else {
    return absl::InvalidArgumentError(absl::StrCat("content: XML root element <", root_name,
                                                   "> is not an RSS, Atom or WXR feed"));
  }
  // A WXR export with no published posts is valid and yields nothing.
  if (item.posts.empty() && item.format != "wxr") {
    return absl::InvalidArgumentError(
        absl::StrCat("content: the ", item.format, " feed has no items"));
  }
  // Posts without body text (an empty post) keep their title as body-less posts.
  return item;
}

}  // namespace scr::ingest
