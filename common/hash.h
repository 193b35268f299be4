// Stable (unseeded) hashes: the same value on every machine and every run,
// for what is stored or compared across processes. absl::Hash is seeded per
// process and must not be used for those.
#ifndef SCR_COMMON_HASH_H_
#define SCR_COMMON_HASH_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace scr::common {

// FNV-1a's published 64-bit offset basis.
inline constexpr uint64_t kFnvOffsetBasis = 14695981039346656037ull;
// The start the project's first hashes used, one digit short of the
// published basis. Shard placement (ShardOf) and stored SimHashes depend on
// it, so it stays; new uses take kFnvOffsetBasis.
inline constexpr uint64_t kFnvLegacyBasis = 1469598103934665603ull;

// 64-bit FNV-1a of `data`, continuing a hash `h` of earlier bytes: hashing
// "ab" equals Fnv1a64("b", Fnv1a64("a", basis)).
inline uint64_t Fnv1a64(absl::string_view data, uint64_t h) {
  for (char c : data) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace scr::common

#endif  // SCR_COMMON_HASH_H_
