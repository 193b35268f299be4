// scr_corpus_gen: a deterministic, seeded generator of synthetic blog posts
// built from the sentences of the BBC news articles in ../shared (read at run
// time; no text of that corpus lives in this repository).
//
//   scr_corpus_gen --bbc=../shared/data/bbc-news/news --posts=10000 --seed=1 --out=DIR
//
// Writes DIR/items.rec (raw items for the ingest service: plain-text posts,
// HTML posts, multi-post text and HTML archive pages) and DIR/posts.rec (the
// posts inside them, for the in-process baselines); see bench/records.h.
// The same seed and sizes give byte-identical output.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench/records.h"

namespace {

struct Options {
  std::string bbc = "../shared/data/bbc-news/news";
  std::string out = "bench-corpus";
  long posts = 10000;
  uint64_t seed = 1;
  double archive_share = 0.15;    // share of items that are archive pages
  double html_share = 0.30;       // share of items (and archives) in HTML
  double duplicate_share = 0.03;  // share of posts that are near-duplicate reposts
};

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      std::string prefix = std::string("--") + name + "=";
      return a.rfind(prefix, 0) == 0 ? argv[i] + prefix.size() : nullptr;
    };
    if (const char* v = value("bbc")) {
      o->bbc = v;
    } else if (const char* v2 = value("out")) {
      o->out = v2;
    } else if (const char* v3 = value("posts")) {
      o->posts = std::stol(v3);
    } else if (const char* v4 = value("seed")) {
      o->seed = std::stoull(v4);
    } else if (const char* v5 = value("archive_share")) {
      o->archive_share = std::stod(v5);
    } else if (const char* v6 = value("html_share")) {
      o->html_share = std::stod(v6);
    } else if (const char* v7 = value("duplicate_share")) {
      o->duplicate_share = std::stod(v7);
    } else {
      std::cerr << "usage: scr_corpus_gen --bbc=DIR --out=DIR [--posts=N] [--seed=S]\n"
                   "       [--archive_share=0.15] [--html_share=0.30] [--duplicate_share=0.03]\n";
      return false;
    }
  }
  return o->posts > 0;
}

struct Source {
  std::vector<std::string> titles;
  std::vector<std::string> sentences;
  std::vector<std::string> sections;  // BBC section of each title
  std::vector<int> title_section;
};

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Splits a paragraph after ". ", "? " or "! " followed by an upper-case
// letter or a quote.
void SplitSentences(const std::string& para, std::vector<std::string>* out) {
  size_t start = 0;
  for (size_t i = 0; i + 2 < para.size(); ++i) {
    char c = para[i];
    if ((c == '.' || c == '?' || c == '!') && para[i + 1] == ' ' &&
        ((para[i + 2] >= 'A' && para[i + 2] <= 'Z') || para[i + 2] == '"')) {
      std::string s = Trim(para.substr(start, i + 1 - start));
      if (s.size() >= 20 && s.size() <= 400) out->push_back(s);
      start = i + 2;
    }
  }
  std::string s = Trim(para.substr(start));
  if (s.size() >= 20 && s.size() <= 400) out->push_back(s);
}

bool LoadSource(const std::string& dir, Source* src) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    std::cerr << "scr_corpus_gen: " << dir << " is not a folder (the BBC corpus in ../shared)\n";
    return false;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".txt") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());  // deterministic order
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::string line;
    bool first = true;
    std::string section = f.parent_path().filename().string();
    auto it = std::find(src->sections.begin(), src->sections.end(), section);
    int sec = static_cast<int>(it - src->sections.begin());
    if (it == src->sections.end()) src->sections.push_back(section);
    while (std::getline(in, line)) {
      line = Trim(line);
      if (line.empty()) continue;
      if (first) {
        src->titles.push_back(line);
        src->title_section.push_back(sec);
        first = false;
      } else {
        SplitSentences(line, &src->sentences);
      }
    }
  }
  if (src->titles.empty() || src->sentences.size() < 100) {
    std::cerr << "scr_corpus_gen: too little text under " << dir << "\n";
    return false;
  }
  return true;
}

struct Post {
  std::string id, title, site, author, slug;
  std::vector<std::string> paragraphs, categories, tags;
  int64_t published = 0;
  std::string cluster;
};

std::string HtmlEscape(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string Join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                         "July",    "August",   "September", "October", "November", "December"};

// "24 September 2013" and "2013-09-24T10:00:00+00:00" for a Unix time.
void FormatDate(int64_t t, std::string* human, std::string* iso, int* year, int* month) {
  time_t tt = static_cast<time_t>(t);
  struct tm tm;
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%d %s %d", tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900);
  *human = buf;
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d+00:00", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  *iso = buf;
  *year = tm.tm_year + 1900;
  *month = tm.tm_mon + 1;
}

std::string Slug(const std::string& title, long n) {
  std::string s;
  for (char c : title) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      s.push_back(c);
    } else if (c >= 'A' && c <= 'Z') {
      s.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (!s.empty() && s.back() != '-') {
      s.push_back('-');
    }
    if (s.size() >= 48) break;
  }
  while (!s.empty() && s.back() == '-') s.pop_back();
  return s + "-" + std::to_string(n);
}

std::string PermalinkOf(const Post& p) {
  std::string human, iso;
  int y, m;
  FormatDate(p.published, &human, &iso, &y, &m);
  char buf[32];
  std::snprintf(buf, sizeof buf, "/%04d/%02d/", y, m);
  return "https://" + p.site + buf + p.slug + "/";
}

// One post as plain text, in the shape WordPress themes print.
std::string TextPost(const Post& p) {
  std::string human, iso;
  int y, m;
  FormatDate(p.published, &human, &iso, &y, &m);
  std::string out = p.title + "\n\nPosted on " + human + " by " + p.author + "\n\n";
  for (const std::string& para : p.paragraphs) out += para + "\n\n";
  if (!p.tags.empty()) out += "Tagged " + Join(p.tags, ", ") + "\n\n";
  if (!p.categories.empty()) out += "Filed under " + Join(p.categories, ", ") + "\n\n";
  return out;
}

std::string HtmlArticle(const Post& p, bool archive) {
  std::string human, iso;
  int y, m;
  FormatDate(p.published, &human, &iso, &y, &m);
  std::string url = PermalinkOf(p);
  std::ostringstream o;
  o << "<article class=\"post type-post status-publish hentry\">\n<header class=\"entry-header\">";
  if (archive) {
    o << "<h2 class=\"entry-title\"><a href=\"" << url << "\" rel=\"bookmark\">"
      << HtmlEscape(p.title) << "</a></h2>";
  } else {
    o << "<h1 class=\"entry-title\">" << HtmlEscape(p.title) << "</h1>";
  }
  o << "</header>\n<div class=\"entry-meta\">Posted on <time class=\"entry-date published\" "
       "datetime=\""
    << iso << "\">" << human << "</time> by <span class=\"author vcard\"><a class=\"url fn n\" "
    << "href=\"https://" << p.site << "/author/" << p.author.substr(0, p.author.find(' ')) << "/\">"
    << HtmlEscape(p.author) << "</a></span></div>\n<div class=\"entry-content\">\n";
  for (const std::string& para : p.paragraphs) o << "<p>" << HtmlEscape(para) << "</p>\n";
  o << "<div class=\"sharedaddy\"><h3>Share this:</h3><a>Twitter</a> <a>Facebook</a></div>\n"
       "</div>\n<footer class=\"entry-footer\">";
  if (!p.categories.empty()) {
    o << "<span class=\"cat-links\">";
    for (size_t i = 0; i < p.categories.size(); ++i) {
      o << (i ? ", " : "") << "<a href=\"https://" << p.site << "/category/c" << i
        << "/\" rel=\"category tag\">" << HtmlEscape(p.categories[i]) << "</a>";
    }
    o << "</span>";
  }
  if (!p.tags.empty()) {
    o << "<span class=\"tags-links\">";
    for (size_t i = 0; i < p.tags.size(); ++i) {
      o << (i ? ", " : "") << "<a href=\"https://" << p.site << "/tag/t" << i << "/\" rel=\"tag\">"
        << HtmlEscape(p.tags[i]) << "</a>";
    }
    o << "</span>";
  }
  o << "</footer>\n</article>\n";
  return o.str();
}

std::string HtmlPage(const std::vector<const Post*>& posts, const std::string& site,
                     const std::string& canonical, const std::string& archive_label) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"UTF-8\">\n<title>"
    << HtmlEscape(archive_label.empty() ? posts[0]->title : archive_label) << " | " << site
    << "</title>\n<link rel=\"canonical\" href=\"" << canonical << "\">\n"
    << "<script>var wp = {\"ver\": \"5.5.3\"};</script></head>\n<body class=\""
    << (archive_label.empty() ? "single" : "archive tag") << "\">\n"
    << "<header><h1 class=\"site-title\">" << site
    << "</h1><nav>Home About Contact</nav></header>\n";
  if (!archive_label.empty()) {
    o << "<h1 class=\"page-title\">Tag Archives: <span>" << HtmlEscape(archive_label)
      << "</span></h1>\n";
  }
  for (const Post* p : posts) o << HtmlArticle(*p, !archive_label.empty());
  o << "<div class=\"navigation\">Older posts</div>\n<footer>Proudly powered by WordPress</footer>"
       "\n</body></html>\n";
  return o.str();
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (!ParseArgs(argc, argv, &opt)) return 2;
  Source src;
  if (!LoadSource(opt.bbc, &src)) return 1;

  std::mt19937_64 rng(opt.seed);
  auto uniform = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };

  std::vector<std::string> sites, authors;
  for (int i = 0; i < 40; ++i) sites.push_back("blog" + std::to_string(i) + ".example.org");
  const char* first[] = {"Ruth", "Sunita", "Mark", "Jen",   "Alan", "Priya",
                         "Tom",  "Grace",  "Owen", "Nadia", "Ian",  "Beth"};
  const char* last[] = {"Pennington", "Rao",   "Hollis", "Okonkwo", "Barnes",
                        "Shah",       "Evans", "Murphy", "Clarke",  "Ali"};
  for (const char* f : first) {
    for (const char* l : last) authors.push_back(std::string(f) + " " + l);
  }
  const std::vector<std::string> extra_categories = {"policy",  "practice", "inspection",
                                                     "reviews", "opinion",  "news"};
  const std::vector<std::string> tag_pool = {"Ofsted",
                                             "LSCB",
                                             "Munro review",
                                             "serious case review",
                                             "schools",
                                             "social work",
                                             "health visitors",
                                             "police",
                                             "neglect",
                                             "domestic abuse",
                                             "Working Together",
                                             "Laming",
                                             "Baby P",
                                             "budget",
                                             "courts",
                                             "mental health",
                                             "housing",
                                             "education",
                                             "sport",
                                             "technology"};

  namespace fs = std::filesystem;
  fs::create_directories(opt.out);
  std::ofstream items(fs::path(opt.out) / "items.rec", std::ios::binary);
  std::ofstream posts_out(fs::path(opt.out) / "posts.rec", std::ios::binary);
  if (!items || !posts_out) {
    std::cerr << "scr_corpus_gen: cannot write into " << opt.out << "\n";
    return 1;
  }

  std::vector<Post> recent;  // posts a near-duplicate can copy
  long made = 0, item_count = 0, dups = 0;
  uint64_t item_bytes = 0, text_bytes = 0;
  auto make_post = [&](const std::string& site) {
    Post p;
    p.id = "b" + std::to_string(made);
    p.site = site;
    p.author = authors[uniform(authors.size())];
    p.published = 1104537600 + static_cast<int64_t>(uniform(15ull * 365 * 86400));  // 2005..2019
    if (!recent.empty() && chance(opt.duplicate_share)) {
      // A repost of an earlier post with a footer: a near-duplicate.
      const Post& orig = recent[uniform(recent.size())];
      p.title = orig.title;
      p.paragraphs = orig.paragraphs;
      p.paragraphs.push_back("This post first appeared on " + orig.site + ".");
      p.cluster = orig.cluster;
      p.categories = orig.categories;
      p.tags = orig.tags;
      ++dups;
    } else {
      size_t t = uniform(src.titles.size());
      p.title = src.titles[t];
      p.categories.push_back(src.sections[src.title_section[t]]);
      if (chance(0.5)) p.categories.push_back(extra_categories[uniform(extra_categories.size())]);
      size_t ntags = uniform(4);
      for (size_t i = 0; i < ntags; ++i) {
        const std::string& tag = tag_pool[uniform(tag_pool.size())];
        if (std::find(p.tags.begin(), p.tags.end(), tag) == p.tags.end()) p.tags.push_back(tag);
      }
      size_t paras = 3 + uniform(10);  // 3..12 paragraphs
      for (size_t i = 0; i < paras; ++i) {
        size_t n = 1 + uniform(4);
        std::string para;
        for (size_t k = 0; k < n; ++k) {
          if (k) para += " ";
          para += src.sentences[uniform(src.sentences.size())];
        }
        p.paragraphs.push_back(para);
      }
      p.cluster = p.id;
    }
    p.slug = Slug(p.title, made);
    ++made;
    if (recent.size() < 2000) {
      recent.push_back(p);
    } else {
      recent[uniform(recent.size())] = p;
    }
    return p;
  };
  auto write_post = [&](const Post& p) {
    std::string body = Join(p.paragraphs, "\n\n");
    text_bytes += p.title.size() + body.size();
    scr::bench::WriteRecord(posts_out, {{"id", p.id},
                                        {"title", p.title},
                                        {"body", body},
                                        {"site", p.site},
                                        {"author", p.author},
                                        {"published", std::to_string(p.published)},
                                        {"categories", Join(p.categories, "\x1f")},
                                        {"tags", Join(p.tags, "\x1f")},
                                        {"cluster", p.cluster}});
  };
  auto write_item = [&](const std::string& kind, const std::string& type, const std::string& url,
                        size_t nposts, const std::string& content) {
    item_bytes += content.size();
    ++item_count;
    scr::bench::WriteRecord(items, {{"kind", kind},
                                    {"content_type", type},
                                    {"source_url", url},
                                    {"posts", std::to_string(nposts)},
                                    {"content", content}});
  };

  while (made < opt.posts) {
    const std::string& site = sites[uniform(sites.size())];
    bool html = chance(opt.html_share);
    if (chance(opt.archive_share) && opt.posts - made >= 3) {
      size_t n = std::min<long>(3 + uniform(6), opt.posts - made);  // 3..8 posts
      std::vector<Post> ps;
      for (size_t i = 0; i < n; ++i) ps.push_back(make_post(site));
      std::string label = tag_pool[uniform(tag_pool.size())];
      // The archive's tag applies to every post on it.
      for (Post& p : ps) {
        if (std::find(p.tags.begin(), p.tags.end(), label) == p.tags.end()) p.tags.push_back(label);
        write_post(p);
      }
      std::string url = "https://" + site + "/tag/t" + std::to_string(made) + "/";
      if (html) {
        std::vector<const Post*> ptrs;
        for (const Post& p : ps) ptrs.push_back(&p);
        write_item("archive-html", "text/html; charset=utf-8", url, n,
                   HtmlPage(ptrs, site, url, label));
      } else {
        std::string content = site + "\n\nTag Archives: " + label + "\n\n";
        for (const Post& p : ps) content += TextPost(p);
        write_item("archive-text", "text/plain; charset=utf-8", url, n, content);
      }
    } else {
      Post p = make_post(site);
      write_post(p);
      std::string url = PermalinkOf(p);
      if (html) {
        write_item("html", "text/html; charset=utf-8", url, 1, HtmlPage({&p}, site, url, ""));
      } else {
        write_item("text", "text/plain; charset=utf-8", url, 1, TextPost(p));
      }
    }
  }
  std::cout << "{\"posts\":" << made << ",\"items\":" << item_count
            << ",\"near_duplicates\":" << dups << ",\"item_bytes\":" << item_bytes
            << ",\"text_bytes\":" << text_bytes << ",\"seed\":" << opt.seed
            << ",\"bbc_titles\":" << src.titles.size()
            << ",\"bbc_sentences\":" << src.sentences.size() << "}\n";
  return 0;
}
