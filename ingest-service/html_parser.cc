#include "ingest-service/html_parser.h"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/text.h"
#include "ingest-service/text_rules.h"

namespace scr::ingest {
namespace {

struct DocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocFree>;

std::string Name(const xmlNode* n) {
  return n->name != nullptr ? absl::AsciiStrToLower(reinterpret_cast<const char*>(n->name)) : "";
}

std::string Attr(const xmlNode* n, const char* name) {
  xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
  if (v == nullptr) return "";
  std::string out(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return out;
}

std::vector<std::string> Tokens(const std::string& s) {
  return absl::StrSplit(s, absl::ByAnyChar(" \t\n\r\f"), absl::SkipEmpty());
}

bool HasClass(const xmlNode* n, absl::string_view cls) {
  for (const std::string& t : Tokens(Attr(n, "class"))) {
    if (t == cls) return true;
  }
  return false;
}

bool HasAnyClass(const xmlNode* n, std::initializer_list<absl::string_view> classes) {
  std::vector<std::string> tokens = Tokens(Attr(n, "class"));
  for (const std::string& t : tokens) {
    for (absl::string_view c : classes) {
      if (t == c) return true;
    }
  }
  return false;
}

bool IsElement(const xmlNode* n) { return n != nullptr && n->type == XML_ELEMENT_NODE; }

void Walk(xmlNode* n, const std::function<bool(xmlNode*)>& visit) {
  for (xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (!IsElement(c)) continue;
    if (visit(c)) Walk(c, visit);
  }
}

std::vector<xmlNode*> FindAll(xmlNode* root, const std::function<bool(const xmlNode*)>& pred) {
  std::vector<xmlNode*> out;
  Walk(root, [&](xmlNode* n) {
    if (pred(n)) out.push_back(n);
    return true;
  });
  return out;
}

xmlNode* FindFirst(xmlNode* root, const std::function<bool(const xmlNode*)>& pred) {
  xmlNode* found = nullptr;
  Walk(root, [&](xmlNode* n) {
    if (found != nullptr) return false;
    if (pred(n)) {
      found = n;
      return false;
    }
    return true;
  });
  return found;
}

bool Contains(const xmlNode* ancestor, const xmlNode* n) {
  for (const xmlNode* p = n->parent; p != nullptr; p = p->parent) {
    if (p == ancestor) return true;
  }
  return false;
}

int Depth(const xmlNode* n, int depth, int limit) {
  if (depth > limit) return depth;
  int deepest = depth;
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (IsElement(c)) deepest = std::max(deepest, Depth(c, depth + 1, limit));
    if (deepest > limit) break;
  }
  return deepest;
}

bool IsSkippedTag(const std::string& name) {
  static const std::set<std::string> kSkip = {"script", "style",  "noscript", "iframe", "form",
                                              "svg",    "button", "template", "select", "textarea",
                                              "object", "embed",  "canvas",   "head"};
  return kSkip.count(name) > 0;
}

bool IsBlockTag(const std::string& name) {
  static const std::set<std::string> kBlock = {
      "p",       "div",     "h1",     "h2",         "h3",    "h4",   "h5",  "h6",
      "li",      "ul",      "ol",     "dl",         "dt",    "dd",   "pre", "blockquote",
      "section", "article", "figure", "figcaption", "table", "tr",   "td",  "th",
      "hr",      "br",      "header", "footer",     "aside", "main", "nav", "address"};
  return kBlock.count(name) > 0;
}

// Widgets, navigation, comments and ads inside or around posts.
bool IsNoise(const xmlNode* n) {
  std::string name = Name(n);
  if (IsSkippedTag(name) || name == "nav") return true;
  static const std::set<std::string> kNoiseClasses = {"sharedaddy",
                                                      "sd-sharing-enabled",
                                                      "sd-block",
                                                      "sd-like",
                                                      "sharing",
                                                      "share",
                                                      "share-buttons",
                                                      "social",
                                                      "social-share",
                                                      "jp-relatedposts",
                                                      "related",
                                                      "related-posts",
                                                      "wpcnt",
                                                      "wpa",
                                                      "adsbygoogle",
                                                      "advertisement",
                                                      "ad",
                                                      "ads",
                                                      "comments",
                                                      "comments-area",
                                                      "comment-respond",
                                                      "comment-list",
                                                      "commentlist",
                                                      "navigation",
                                                      "nav-links",
                                                      "post-navigation",
                                                      "posts-navigation",
                                                      "paging-navigation",
                                                      "screen-reader-text",
                                                      "skip-link",
                                                      "widget",
                                                      "widget-area",
                                                      "sidebar",
                                                      "breadcrumbs",
                                                      "breadcrumb",
                                                      "jetpack-likes-widget-wrapper",
                                                      "wp-block-comments",
                                                      "wp-block-post-navigation-link",
                                                      "post-likes-widget-placeholder",
                                                      "cookie-notice",
                                                      "newsletter",
                                                      "author-bio",
                                                      "entry-meta",
                                                      "entry-footer",
                                                      "edit-link",
                                                      "wp-block-post-terms",
                                                      "wp-block-post-date",
                                                      "wp-block-post-author",
                                                      "cat-links",
                                                      "tags-links",
                                                      "comments-link",
                                                      "byline",
                                                      "posted-on",
                                                      "entry-utility",
                                                      "postmetadata",
                                                      "wp-block-post-comments-form"};
  for (const std::string& t : Tokens(Attr(n, "class"))) {
    if (kNoiseClasses.count(t) > 0) return true;
  }
  static const std::set<std::string> kNoiseIds = {"comments",  "respond",   "jp-post-flair",
                                                  "secondary", "sidebar",   "jp-relatedposts",
                                                  "nav-below", "nav-above", "colophon"};
  return kNoiseIds.count(Attr(n, "id")) > 0;
}

// Collects text as paragraphs: block elements break paragraphs; noise
// subtrees are skipped when skip_noise is set.
class ParagraphCollector {
 public:
  explicit ParagraphCollector(bool skip_noise) : skip_noise_(skip_noise) {}

  void Collect(const xmlNode* n) {
    for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
      if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
        if (c->content != nullptr) current_ += reinterpret_cast<const char*>(c->content);
        continue;
      }
      if (!IsElement(c)) continue;
      std::string name = Name(c);
      if (IsSkippedTag(name) || (skip_noise_ && IsNoise(c))) continue;
      if (HasClass(c, "more-link")) {
        saw_more_ = true;
        continue;
      }
      bool block = IsBlockTag(name);
      if (block) Flush();
      Collect(c);
      if (block) Flush();
    }
  }

  std::vector<std::string> Take() {
    Flush();
    return std::move(paragraphs_);
  }
  bool saw_more() const { return saw_more_; }

 private:
  void Flush() {
    std::string p = common::ToNfc(common::CollapseWhitespace(current_));
    current_.clear();
    if (!p.empty()) paragraphs_.push_back(std::move(p));
  }

  bool skip_noise_;
  bool saw_more_ = false;
  std::string current_;
  std::vector<std::string> paragraphs_;
};

std::string Text(const xmlNode* n) {
  ParagraphCollector c(false);
  c.Collect(n);
  std::vector<std::string> parts = c.Take();
  std::string out;
  for (const std::string& p : parts) out = out.empty() ? p : absl::StrCat(out, " ", p);
  return out;
}

// Keeps content paragraphs; drops widget lines; notes "Continue reading".
std::vector<std::string> CleanParagraphs(std::vector<std::string> paragraphs, bool* excerpt) {
  std::vector<std::string> out;
  for (std::string& p : paragraphs) {
    LineInfo info = ClassifyLine(p);
    if (info.kind == LineKind::kMore) {
      *excerpt = true;
      continue;
    }
    if (info.kind != LineKind::kContent) continue;
    out.push_back(std::move(p));
  }
  return out;
}

bool IsTitleNode(const xmlNode* n) {
  return HasAnyClass(n, {"entry-title", "post-title", "wp-block-post-title", "article-title"});
}

bool IsContentNode(const xmlNode* n) {
  return HasAnyClass(n, {"entry-content", "post-content", "wp-block-post-content", "entry",
                         "post-entry", "entry-summary", "wp-block-post-excerpt", "article-content",
                         "article-body", "post-body", "storycontent"}) ||
         Attr(n, "itemprop") == "articleBody";
}

bool IsPostContainer(const xmlNode* n) {
  if (Name(n) == "body" || Name(n) == "html") return false;
  return Name(n) == "article" ||
         HasAnyClass(n, {"post", "hentry", "type-post", "wp-block-post", "blog-post"});
}

std::optional<absl::Time> FindDate(xmlNode* scope) {
  for (xmlNode* t : FindAll(scope, [](const xmlNode* n) { return Name(n) == "time"; })) {
    std::string dt = Attr(t, "datetime");
    if (auto d = ParseLooseDate(dt.empty() ? Text(t) : dt)) return d;
  }
  for (xmlNode* n : FindAll(scope, [](const xmlNode* x) {
         return HasAnyClass(x, {"entry-date", "published", "post-date", "date"});
       })) {
    if (auto d = ParseLooseDate(Attr(n, "title"))) return d;
    if (auto d = ParseLooseDate(Text(n))) return d;
  }
  return std::nullopt;
}

std::string FindAuthor(xmlNode* scope) {
  xmlNode* a = FindFirst(scope, [](const xmlNode* n) {
    return Attr(n, "rel") == "author" || HasAnyClass(n, {"fn", "wp-block-post-author-name"}) ||
           Attr(n, "itemprop") == "author";
  });
  if (a == nullptr) {
    a = FindFirst(scope, [](const xmlNode* n) { return HasAnyClass(n, {"author", "byline"}); });
  }
  if (a == nullptr) return "";
  std::string t = Text(a);
  LineInfo info = ClassifyLine(t);
  if (info.kind == LineKind::kMeta && !info.author.empty()) return info.author;
  return t.size() <= 100 ? t : "";
}

// Labels from rel="category tag" / rel="tag" links or the theme's term lists.
void FindTerms(xmlNode* scope, ParsedPost& post) {
  for (xmlNode* a : FindAll(scope, [](const xmlNode* n) { return Name(n) == "a"; })) {
    std::vector<std::string> rel = Tokens(Attr(a, "rel"));
    bool category = std::find(rel.begin(), rel.end(), "category") != rel.end();
    bool tag = std::find(rel.begin(), rel.end(), "tag") != rel.end();
    bool in_cats = false, in_tags = false;
    for (const xmlNode* p = a->parent; p != nullptr && p != scope; p = p->parent) {
      if (HasAnyClass(p, {"cat-links", "taxonomy-category", "post-categories", "categories"}))
        in_cats = true;
      if (HasAnyClass(p, {"tags-links", "taxonomy-post_tag", "post-tags", "tags", "tag-links"}))
        in_tags = true;
    }
    std::string text = Text(a);
    if (category || in_cats) {
      AddUniqueLabel(post.categories, text);
    } else if (tag || in_tags) {
      AddUniqueLabel(post.tags, text);
    }
  }
}

int FindCommentCount(xmlNode* scope) {
  int count = 0;
  for (xmlNode* n : FindAll(scope, [](const xmlNode* x) {
         return HasAnyClass(x, {"comments-link", "comments-title", "comment-count"}) ||
                Attr(x, "id") == "comments-title";
       })) {
    LineInfo info = ClassifyLine(Text(n));
    if (info.kind == LineKind::kComments) count = std::max(count, info.count);
  }
  return count;
}

std::string MetaContent(xmlNode* root, std::initializer_list<absl::string_view> names) {
  for (xmlNode* m : FindAll(root, [](const xmlNode* n) { return Name(n) == "meta"; })) {
    std::string key = absl::AsciiStrToLower(Attr(m, "property"));
    if (key.empty()) key = absl::AsciiStrToLower(Attr(m, "name"));
    for (absl::string_view want : names) {
      if (key == want) return common::CollapseWhitespace(Attr(m, "content"));
    }
  }
  return "";
}

ParsedPost ParseArticle(xmlNode* article) {
  ParsedPost post;
  xmlNode* title = FindFirst(article, IsTitleNode);
  if (title == nullptr) {
    title = FindFirst(article, [](const xmlNode* n) {
      std::string name = Name(n);
      return name == "h1" || name == "h2";
    });
  }
  if (title != nullptr) {
    post.title = Text(title);
    xmlNode* link = Name(title) == "a"
                        ? title
                        : FindFirst(title, [](const xmlNode* n) { return Name(n) == "a"; });
    if (link != nullptr) post.permalink = Attr(link, "href");
  }
  if (post.permalink.empty()) {
    xmlNode* bookmark = FindFirst(article, [](const xmlNode* n) {
      return Name(n) == "a" && absl::StrContains(Attr(n, "rel"), "bookmark");
    });
    if (bookmark != nullptr) post.permalink = Attr(bookmark, "href");
  }
  post.published = FindDate(article);
  post.author = FindAuthor(article);
  FindTerms(article, post);
  post.comment_count = FindCommentCount(article);

  xmlNode* content = FindFirst(article, IsContentNode);
  ParagraphCollector collector(true);
  if (content != nullptr) {
    collector.Collect(content);
    post.excerpt = HasAnyClass(content, {"entry-summary", "wp-block-post-excerpt"});
  } else {
    // No content wrapper: everything in the article except its title.
    for (xmlNode* c = article->children; c != nullptr; c = c->next) {
      if (!IsElement(c) || c == title || (title != nullptr && Contains(c, title))) continue;
      if (IsNoise(c)) continue;
      ParagraphCollector part(true);
      part.Collect(c);
      for (std::string& p : part.Take()) post.paragraphs.push_back(std::move(p));
    }
  }
  if (content != nullptr) post.paragraphs = collector.Take();
  bool more = collector.saw_more();
  post.paragraphs = CleanParagraphs(std::move(post.paragraphs), &more);
  post.excerpt = post.excerpt || more;
  return post;
}

// The element whose direct paragraphs hold the most text: the main content
// of a page without post markup.
xmlNode* BestContentNode(xmlNode* root) {
  xmlNode* best = nullptr;
  size_t best_score = 0;
  Walk(root, [&](xmlNode* n) {
    if (IsNoise(n) || Name(n) == "header" || Name(n) == "footer") return false;
    size_t score = 0;
    for (xmlNode* c = n->children; c != nullptr; c = c->next) {
      if (IsElement(c) && (Name(c) == "p" || Name(c) == "blockquote" || Name(c) == "pre")) {
        size_t len = Text(c).size();
        if (len > 25) score += len;
      }
    }
    if (score > best_score) {
      best_score = score;
      best = n;
    }
    return true;
  });
  return best;
}

std::string StripSiteSuffix(const std::string& title) {
  for (absl::string_view sep : {" | ", " \xE2\x80\x93 ", " \xE2\x80\x94 ", " - ", " :: "}) {
    size_t pos = title.rfind(std::string(sep));
    if (pos != std::string::npos && pos > 10) return title.substr(0, pos);
  }
  return title;
}

}  // namespace

// WordPress stores classic-editor posts without <p> tags: blank lines
// separate paragraphs (its wpautop adds the tags on display). Does the same
// for fragments with no block markup of their own.
std::string AutoParagraphs(absl::string_view html) {
  std::string lower = absl::AsciiStrToLower(html.substr(0, 65536));
  if (absl::StrContains(lower, "<p") || absl::StrContains(lower, "<div") ||
      !absl::StrContains(html, "\n")) {
    return std::string(html);
  }
  std::string out = "<p>";
  int newlines = 0;
  for (char c : html) {
    if (c == '\n') {
      ++newlines;
      continue;
    }
    if (newlines >= 2 || (newlines == 1 && c == '\r')) {
      out += "</p><p>";
    } else if (newlines == 1) {
      out += "<br>";
    }
    newlines = 0;
    if (c != '\r') out.push_back(c);
  }
  out += "</p>";
  return out;
}

std::vector<std::string> HtmlFragmentToParagraphs(absl::string_view html, bool* excerpt) {
  std::string wrapped =
      absl::StrCat("<html><body><div>", AutoParagraphs(html), "</div></body></html>");
  int options = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                HTML_PARSE_COMPACT;
  DocPtr doc(
      htmlReadMemory(wrapped.data(), static_cast<int>(wrapped.size()), nullptr, "UTF-8", options));
  if (!doc) return {};
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr) return {};
  ParagraphCollector collector(true);
  collector.Collect(root);
  bool more = collector.saw_more();
  std::vector<std::string> out = CleanParagraphs(collector.Take(), &more);
  if (excerpt != nullptr) *excerpt = *excerpt || more;
  return out;
}

absl::StatusOr<ParsedItem> ParseHtmlPage(absl::string_view html, const HtmlLimits& limits) {
  if (html.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return absl::ResourceExhaustedError("content: HTML larger than 2 GiB");
  }
  int options = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                HTML_PARSE_COMPACT;
  DocPtr doc(htmlReadMemory(html.data(), static_cast<int>(html.size()), nullptr, "UTF-8", options));
  if (!doc) return absl::InvalidArgumentError("content: the HTML could not be parsed");
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr) return absl::InvalidArgumentError("content: the HTML has no elements");
  if (Depth(root, 1, limits.max_depth) > limits.max_depth) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "content: HTML nesting deeper than the limit of ", limits.max_depth, " elements"));
  }

  ParsedItem item;
  item.format = "html";
  item.language = absl::AsciiStrToLower(Attr(root, "lang"));
  if (xmlNode* canonical = FindFirst(root, [](const xmlNode* n) {
        return Name(n) == "link" && absl::AsciiStrToLower(Attr(n, "rel")) == "canonical";
      })) {
    item.canonical_url = Attr(canonical, "href");
  }
  if (item.canonical_url.empty()) item.canonical_url = MetaContent(root, {"og:url"});

  // Archive headers ("Tag Archives: X") label every post on the page.
  std::vector<std::string> page_tags, page_categories;
  for (xmlNode* h : FindAll(root, [](const xmlNode* n) {
         return HasAnyClass(n, {"page-title", "archive-title", "wp-block-query-title"});
       })) {
    LineInfo info = ClassifyLine(Text(h));
    if (info.kind == LineKind::kArchiveTag) {
      for (const auto& l : info.labels) AddUniqueLabel(page_tags, l);
    } else if (info.kind == LineKind::kArchiveCategory) {
      for (const auto& l : info.labels) AddUniqueLabel(page_categories, l);
    }
  }

  std::vector<xmlNode*> containers = FindAll(root, [](const xmlNode* n) {
    return IsPostContainer(n) && !IsNoise(n) &&
           FindFirst(const_cast<xmlNode*>(n), IsContentNode) != nullptr;
  });
  // Keep the innermost containers: a wrapper holding several posts is not a post.
  std::vector<xmlNode*> posts_nodes;
  for (xmlNode* c : containers) {
    bool has_inner = std::any_of(containers.begin(), containers.end(),
                                 [&](xmlNode* o) { return o != c && Contains(c, o); });
    if (!has_inner) posts_nodes.push_back(c);
  }

  for (xmlNode* n : posts_nodes) {
    ParsedPost post = ParseArticle(n);
    if (post.paragraphs.empty()) continue;
    item.posts.push_back(std::move(post));
  }

  if (item.posts.empty()) {
    // Readable-content fallback for pages without post markup.
    ParsedPost post;
    post.title = MetaContent(root, {"og:title", "twitter:title"});
    if (post.title.empty()) {
      if (xmlNode* h1 = FindFirst(root, [](const xmlNode* n) { return Name(n) == "h1"; })) {
        post.title = Text(h1);
      }
    }
    if (post.title.empty()) {
      if (xmlNode* t = FindFirst(root, [](const xmlNode* n) { return Name(n) == "title"; })) {
        post.title = StripSiteSuffix(Text(t));
      }
    }
    if (auto d = ParseLooseDate(
            MetaContent(root, {"article:published_time", "date", "dc.date", "dcterms.created"}))) {
      post.published = d;
    } else {
      post.published = FindDate(root);
    }
    post.author = MetaContent(root, {"author", "article:author"});
    if (post.author.empty() || absl::StartsWith(post.author, "http"))
      post.author = FindAuthor(root);
    std::string keywords = MetaContent(root, {"keywords"});
    for (absl::string_view t : absl::StrSplit(keywords, ',', absl::SkipWhitespace())) {
      AddUniqueLabel(post.tags, common::CollapseWhitespace(t));
    }
    xmlNode* body = BestContentNode(root);
    if (body != nullptr) {
      ParagraphCollector collector(true);
      collector.Collect(body);
      bool more = collector.saw_more();
      post.paragraphs = CleanParagraphs(collector.Take(), &more);
      post.excerpt = more;
      // The headline often sits inside the content container.
      if (!post.paragraphs.empty() && post.paragraphs.front() == post.title) {
        post.paragraphs.erase(post.paragraphs.begin());
      }
    }
    post.permalink = item.canonical_url;
    if (!post.paragraphs.empty()) item.posts.push_back(std::move(post));
  }

  if (item.posts.empty()) {
    return absl::InvalidArgumentError("content: no post text found in the HTML");
  }
  // A page with one post: the page's canonical URL is the post's permalink,
  // and a comments section after the article ("2 thoughts on ...") counts.
  if (item.posts.size() == 1) {
    if (item.posts[0].permalink.empty()) item.posts[0].permalink = item.canonical_url;
    item.posts[0].comment_count = std::max(item.posts[0].comment_count, FindCommentCount(root));
  }
  for (ParsedPost& p : item.posts) {
    p.title = common::ToNfc(common::CollapseWhitespace(p.title));
    for (const auto& t : page_tags) AddUniqueLabel(p.tags, t);
    for (const auto& c : page_categories) AddUniqueLabel(p.categories, c);
  }
  return item;
}

}  // namespace scr::ingest
