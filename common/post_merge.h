// How two sightings of the same post (same id) become one document.
#ifndef SCR_COMMON_POST_MERGE_H_
#define SCR_COMMON_POST_MERGE_H_

#include <cstdint>

#include "scr/v1/post.pb.h"

namespace scr::common {

// Merges `incoming` (a newer sighting) into `existing` and returns the post
// to store. Rules (docs/NORMALIZATION.md, "Identity and merging"):
//  - a full text beats an excerpt: title, body, content hash, simhash and
//    entities come from `incoming` unless it is an excerpt and `existing` is
//    not; between two texts of the same kind the newer wins;
//  - source URLs, categories and tags are united (case-insensitively, first
//    spelling kept, order of first sighting); a label that is a tag in either
//    sighting is dropped from the categories (RSS lists tags as categories);
//  - author, published time, language and canonical URL are kept from
//    `existing` when `incoming` lacks them;
//  - comment_count is the larger; version and fetched are the incoming ones.
v1::Post MergePosts(const v1::Post& existing, const v1::Post& incoming);

// Number of differing bits between two SimHash fingerprints.
int HammingDistance(uint64_t a, uint64_t b);

}  // namespace scr::common

#endif  // SCR_COMMON_POST_MERGE_H_
