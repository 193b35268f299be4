// scr_query_gen: a fixed, seeded mix of benchmark queries drawn from the
// term statistics of a generated corpus (posts.rec).
//
//   scr_query_gen --posts=DIR/posts.rec --seed=1 --count=300 > queries.tsv
//
// Output: one query per line, "CLASS<TAB>FLAGS<TAB>QUERY", where FLAGS is "-"
// or a comma list of: facets (count category, year and site), snippets
// (compute snippets; otherwise they are disabled), collapse (fold
// near-duplicates). Lines starting with '#' are comments. Classes and their
// share of the mix:
//   term      20%  one term, Zipf-distributed over document frequency rank
//   two       13%  two Zipf terms
//   three     13%  three Zipf terms
//   phrase    13%  "two or three consecutive words" from a random body
//   boolean   14%  a AND b, a OR b, a NOT b, (a OR b) AND c
//   facets    10%  any of the above with facets
//   snippets  10%  any of the above with snippets
//   collapse   4%  any of the above with collapse (and snippets)
//   full       3%  any of the above with facets, snippets and collapse (the
//                  issue's "full-featured query")
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/records.h"

namespace {

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> out;
  std::string w;
  for (char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      w.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
    } else {
      if (!w.empty()) out.push_back(w);
      w.clear();
    }
  }
  if (!w.empty()) out.push_back(w);
  return out;
}

const std::set<std::string>& StopWords() {
  static const auto* kWords = new std::set<std::string>{
      "the",    "and",   "for",   "that",  "with",  "was",   "are",  "has",     "have",  "its",
      "but",    "not",   "his",   "her",   "they",  "this",  "from", "had",     "which", "been",
      "were",   "will",  "would", "said",  "also",  "their", "who",  "she",     "him",   "than",
      "there",  "into",  "out",   "more",  "about", "after", "over", "one",     "two",   "all",
      "can",    "could", "our",   "you",   "what",  "when",  "new",  "some",    "any",   "may",
      "other",  "them",  "these", "those", "year",  "years", "just", "being",   "such",  "then",
      "only",   "most",  "like",  "did",   "does",  "now",   "off",  "because", "while", "where",
      "should", "very",  "much",  "many",  "last",  "first"};
  return *kWords;
}

}  // namespace

int main(int argc, char** argv) {
  std::string posts_path;
  uint64_t seed = 1;
  int count = 300;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--posts=", 0) == 0) {
      posts_path = a.substr(8);
    } else if (a.rfind("--seed=", 0) == 0) {
      seed = std::stoull(a.substr(7));
    } else if (a.rfind("--count=", 0) == 0) {
      count = std::stoi(a.substr(8));
    } else {
      std::cerr << "usage: scr_query_gen --posts=posts.rec [--seed=1] [--count=300]\n";
      return 2;
    }
  }
  std::vector<scr::bench::Record> posts = scr::bench::ReadAll(posts_path);
  if (posts.empty()) {
    std::cerr << "scr_query_gen: no posts in " << posts_path << "\n";
    return 1;
  }
  // Document frequencies over a sample (at most 20000 posts) for speed.
  std::unordered_map<std::string, int> df;
  size_t step = std::max<size_t>(1, posts.size() / 20000);
  for (size_t i = 0; i < posts.size(); i += step) {
    std::vector<std::string> ws = Words(posts[i]["title"] + " " + posts[i]["body"]);
    std::sort(ws.begin(), ws.end());
    ws.erase(std::unique(ws.begin(), ws.end()), ws.end());
    for (const std::string& w : ws) {
      if (w.size() >= 3 && !StopWords().count(w)) ++df[w];
    }
  }
  std::vector<std::pair<int, std::string>> ranked;
  for (const auto& [w, n] : df) ranked.emplace_back(-n, w);
  std::sort(ranked.begin(), ranked.end());
  size_t vocab = std::min<size_t>(ranked.size(), 5000);

  std::mt19937_64 rng(seed);
  // Zipf (s = 1) over the first `vocab` ranks.
  std::vector<double> cdf(vocab);
  double sum = 0;
  for (size_t r = 0; r < vocab; ++r) cdf[r] = (sum += 1.0 / static_cast<double>(r + 1));
  auto zipf = [&]() -> const std::string& {
    double u = std::uniform_real_distribution<double>(0, sum)(rng);
    size_t r = static_cast<size_t>(std::lower_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
    return ranked[std::min(r, vocab - 1)].second;
  };
  auto uniform = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  auto phrase = [&]() {
    for (;;) {
      const scr::bench::Record& p = posts[uniform(posts.size())];
      std::vector<std::string> ws = Words(p.at("body"));
      if (ws.size() < 10) continue;
      size_t len = 2 + uniform(2);
      size_t at = uniform(ws.size() - len);
      std::string q = "\"";
      for (size_t k = 0; k < len; ++k) q += (k ? " " : "") + ws[at + k];
      return q + "\"";
    }
  };
  auto boolean = [&]() {
    switch (uniform(4)) {
      case 0:
        return zipf() + " AND " + zipf();
      case 1:
        return zipf() + " OR " + zipf();
      case 2:
        return zipf() + " NOT " + zipf();
      default:
        return "(" + zipf() + " OR " + zipf() + ") AND " + zipf();
    }
  };
  auto base = [&](const std::string& cls) -> std::string {
    if (cls == "term") return zipf();
    if (cls == "two") return zipf() + " " + zipf();
    if (cls == "three") return zipf() + " " + zipf() + " " + zipf();
    if (cls == "phrase") return phrase();
    return boolean();
  };
  const std::vector<std::pair<std::string, double>> mix = {
      {"term", 0.20},   {"two", 0.13},      {"three", 0.13},    {"phrase", 0.13}, {"boolean", 0.14},
      {"facets", 0.10}, {"snippets", 0.10}, {"collapse", 0.04}, {"full", 0.03}};
  const std::vector<std::string> plain = {"term", "two", "three", "phrase", "boolean"};
  std::cout << "# scr_query_gen seed=" << seed << " count=" << count << " posts=" << posts.size()
            << "\n# CLASS\tFLAGS\tQUERY\n";
  std::vector<std::string> lines;
  int made = 0;
  for (size_t c = 0; c < mix.size(); ++c) {
    int n =
        c + 1 == mix.size() ? count - made : static_cast<int>(std::lround(mix[c].second * count));
    const std::string& cls = mix[c].first;
    for (int i = 0; i < n; ++i) {
      std::string flags = "-";
      std::string q;
      if (cls == "facets") {
        flags = "facets";
        q = base(plain[uniform(plain.size())]);
      } else if (cls == "snippets") {
        flags = "snippets";
        q = base(plain[uniform(plain.size())]);
      } else if (cls == "collapse") {
        flags = "collapse,snippets";
        q = base(plain[uniform(plain.size())]);
      } else if (cls == "full") {
        flags = "facets,snippets,collapse";
        q = base(plain[uniform(plain.size())]);
      } else {
        q = base(cls);
      }
      lines.push_back(cls + "\t" + flags + "\t" + q);
    }
    made += n;
  }
  // A fixed interleaving, so that any prefix of the file is a fair mix.
  std::shuffle(lines.begin(), lines.end(), rng);
  for (const std::string& l : lines) std::cout << l << "\n";
  return 0;
}
