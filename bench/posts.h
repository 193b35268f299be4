// The posts of a posts.rec record file (records.h) as the services' Post.
#ifndef SCR_BENCH_POSTS_H_
#define SCR_BENCH_POSTS_H_

#include <string>

#include "absl/strings/str_split.h"
#include "bench/records.h"
#include "scr/v1/post.pb.h"

namespace scr::bench {

// Separator of the categories and tags fields of posts.rec.
inline constexpr char kListSeparator = '\x1f';

// The post of a posts.rec record, in English, at version 1, with the
// corpus's cluster as its cluster key.
inline v1::Post ToPost(Record& r) {
  v1::Post p;
  p.set_id(r["id"]);
  p.set_title(r["title"]);
  p.set_body(r["body"]);
  p.set_site(r["site"]);
  p.set_author(r["author"]);
  p.set_language("en");
  p.mutable_published()->set_seconds(std::stoll(r["published"]));
  for (absl::string_view c : absl::StrSplit(r["categories"], kListSeparator, absl::SkipEmpty())) {
    p.add_categories(std::string(c));
  }
  for (absl::string_view t : absl::StrSplit(r["tags"], kListSeparator, absl::SkipEmpty())) {
    p.add_tags(std::string(t));
  }
  p.set_cluster_key(r["cluster"]);
  p.set_version(1);
  return p;
}

}  // namespace scr::bench

#endif  // SCR_BENCH_POSTS_H_
