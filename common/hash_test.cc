#include "common/hash.h"

#include <gtest/gtest.h>

namespace scr::common {
namespace {

TEST(HashTest, Fnv1a64MatchesThePublishedVector) {
  EXPECT_EQ(Fnv1a64("", kFnvOffsetBasis), kFnvOffsetBasis);
  EXPECT_EQ(Fnv1a64("a", kFnvOffsetBasis), 0xaf63dc4c8601ec8cull);
}

TEST(HashTest, Fnv1a64ContinuesAnEarlierHash) {
  EXPECT_EQ(Fnv1a64("b", Fnv1a64("a", kFnvLegacyBasis)), Fnv1a64("ab", kFnvLegacyBasis));
}

// Shard placement and stored SimHashes are made with the legacy basis:
// these values must never change.
TEST(HashTest, LegacyBasisValuesAreFixed) {
  EXPECT_EQ(Fnv1a64("a", kFnvLegacyBasis), 0x44bd8ad473cd9906ull);
  EXPECT_EQ(Fnv1a64("post-123", kFnvLegacyBasis), 0x8d75b313761b2e98ull);
}

}  // namespace
}  // namespace scr::common
