#include "common/post_merge.h"

#include <set>
#include <string>

#include "common/text.h"

namespace scr::common {
namespace {

template <typename Field>
void Unite(const Field& first, const Field& second, Field* out) {
  std::set<std::string> seen;
  Field merged;
  for (const Field* f : {&first, &second}) {
    for (const std::string& v : *f) {
      if (seen.insert(FoldCase(v)).second) *merged.Add() = v;
    }
  }
  *out = std::move(merged);
}

}  // namespace

int HammingDistance(uint64_t a, uint64_t b) { return __builtin_popcountll(a ^ b); }

v1::Post MergePosts(const v1::Post& existing, const v1::Post& incoming) {
  bool keep_existing_text =
      incoming.body_is_excerpt() && !existing.body_is_excerpt() && !existing.body().empty();
  v1::Post out = keep_existing_text ? existing : incoming;
  if (keep_existing_text) {
    // Text fields stay; everything else follows the incoming sighting below.
    out.set_version(incoming.version());
    if (incoming.has_fetched()) *out.mutable_fetched() = incoming.fetched();
  }
  out.set_id(existing.id());
  // Source URLs: the existing order first, then new ones.
  out.clear_source_urls();
  {
    std::set<std::string> seen;
    for (const v1::Post* p : {&existing, &incoming}) {
      for (const std::string& u : p->source_urls()) {
        if (seen.insert(u).second) out.add_source_urls(u);
      }
    }
  }
  Unite(existing.categories(), incoming.categories(), out.mutable_categories());
  Unite(existing.tags(), incoming.tags(), out.mutable_tags());
  // RSS cannot tell tags from categories and lists both as <category>: a
  // label that is a tag in any sighting is not also a category.
  {
    std::set<std::string> tags;
    for (const std::string& t : out.tags()) tags.insert(FoldCase(t));
    google::protobuf::RepeatedPtrField<std::string> kept;
    for (const std::string& c : out.categories()) {
      if (!tags.count(FoldCase(c))) *kept.Add() = c;
    }
    *out.mutable_categories() = std::move(kept);
  }
  auto fill = [](const std::string& a, const std::string& b) { return a.empty() ? b : a; };
  out.set_canonical_url(fill(incoming.canonical_url(), existing.canonical_url()));
  out.set_author(fill(incoming.author(), existing.author()));
  out.set_language(fill(incoming.language(), existing.language()));
  out.set_site(fill(incoming.site(), existing.site()));
  if (!incoming.has_published() && existing.has_published()) {
    *out.mutable_published() = existing.published();
  }
  out.set_comment_count(std::max(existing.comment_count(), incoming.comment_count()));
  if (out.cluster_key().empty()) out.set_cluster_key(existing.cluster_key());
  return out;
}

}  // namespace scr::common
