// The benchmark query file: one query per line, "CLASS<TAB>FLAGS<TAB>QUERY".
// FLAGS is "-" or a comma list of "facets" (count category, year and site),
// "snippets" (compute snippets; off otherwise) and "collapse" (fold
// near-duplicates). A line with no tab is a plain query of class "plain".
// Blank lines and lines starting with '#' are skipped.
#ifndef SCR_BENCH_QUERIES_H_
#define SCR_BENCH_QUERIES_H_

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

namespace scr::bench {

struct BenchQuery {
  std::string cls = "plain";
  std::string text;
  bool facets = false;
  bool snippets = false;
  bool collapse = false;
};

inline std::vector<BenchQuery> LoadQueries(const std::string& path) {
  std::vector<BenchQuery> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    BenchQuery q;
    size_t t1 = line.find('\t');
    size_t t2 = t1 == std::string::npos ? std::string::npos : line.find('\t', t1 + 1);
    if (t2 == std::string::npos) {
      q.text = line;
    } else {
      q.cls = line.substr(0, t1);
      std::string flags = line.substr(t1 + 1, t2 - t1 - 1);
      q.text = line.substr(t2 + 1);
      q.facets = flags.find("facets") != std::string::npos;
      q.snippets = flags.find("snippets") != std::string::npos;
      q.collapse = flags.find("collapse") != std::string::npos;
    }
    out.push_back(q);
  }
  return out;
}

// Percentile (0..100) of sorted samples, nearest rank.
inline double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

}  // namespace scr::bench

#endif  // SCR_BENCH_QUERIES_H_
