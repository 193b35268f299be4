// Record files shared by the benchmark tools.
//
// A record file is a sequence of records; each record is a header line
// "R <n>\n" followed by n fields, each written as "<name> <bytes>\n" then the
// bytes and "\n". Binary-safe, streamable, trivial to read back.
//
//   items.rec  one record per raw item sent to the ingest service:
//              kind (text|html|archive-text|archive-html), content_type,
//              source_url, posts (how many posts the item holds), content.
//   posts.rec  one record per post inside those items (what the baselines
//              index): id, title, body, site, author, published (Unix
//              seconds), categories and tags ('\x1f'-separated), cluster
//              (the id of the post it is a near-duplicate of, else its own).
#ifndef SCR_BENCH_RECORDS_H_
#define SCR_BENCH_RECORDS_H_

#include <cstddef>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace scr::bench {

using Record = std::map<std::string, std::string>;

inline void WriteRecord(std::ostream& out,
                        const std::vector<std::pair<std::string, std::string>>& fields) {
  out << "R " << fields.size() << "\n";
  for (const auto& [name, value] : fields) {
    out << name << " " << value.size() << "\n";
    out.write(value.data(), static_cast<std::streamsize>(value.size()));
    out << "\n";
  }
}

// Reads the next record; false at the end of the file or on a malformed one.
inline bool ReadRecord(std::istream& in, Record* rec) {
  rec->clear();
  std::string line;
  if (!std::getline(in, line)) return false;
  if (line.size() < 3 || line[0] != 'R') return false;
  int n = std::stoi(line.substr(2));
  for (int i = 0; i < n; ++i) {
    if (!std::getline(in, line)) return false;
    size_t sp = line.rfind(' ');
    if (sp == std::string::npos) return false;
    std::string name = line.substr(0, sp);
    size_t len = std::stoul(line.substr(sp + 1));
    std::string value(len, '\0');
    in.read(value.data(), static_cast<std::streamsize>(len));
    if (static_cast<size_t>(in.gcount()) != len) return false;
    in.get();  // the "\n" after the value
    (*rec)[name] = std::move(value);
  }
  return true;
}

inline std::vector<Record> ReadAll(const std::string& path) {
  std::vector<Record> out;
  std::ifstream in(path, std::ios::binary);
  Record r;
  while (ReadRecord(in, &r)) out.push_back(r);
  return out;
}

// Parses "K/N" (0 <= K < N <= 1000) into part and parts; false if malformed.
inline bool ParsePart(const std::string& text, long* part, long* parts) {
  long k = 0, n = 0;
  char slash = 0, rest = 0;
  if (std::sscanf(text.c_str(), "%ld%c%ld%c", &k, &slash, &n, &rest) != 3 || slash != '/') {
    return false;
  }
  if (n < 1 || n > 1000 || k < 0 || k >= n) return false;
  *part = k;
  *parts = n;
  return true;
}

// First and one-past-last index of the part-th of `parts` equal slices of
// `count` records. The slices of 0..parts-1 cover every record once.
inline std::pair<size_t, size_t> PartRange(size_t count, long part, long parts) {
  const auto at = [&](long k) {
    return static_cast<size_t>(static_cast<unsigned long long>(count) *
                               static_cast<unsigned long long>(k) /
                               static_cast<unsigned long long>(parts));
  };
  return {at(part), at(part + 1)};
}

// Keeps only the part-th of `parts` slices of `records`.
inline void KeepPart(std::vector<Record>& records, long part, long parts) {
  auto [first, last] = PartRange(records.size(), part, parts);
  records.erase(records.begin() + static_cast<std::ptrdiff_t>(last), records.end());
  records.erase(records.begin(), records.begin() + static_cast<std::ptrdiff_t>(first));
}

}  // namespace scr::bench

#endif  // SCR_BENCH_RECORDS_H_
