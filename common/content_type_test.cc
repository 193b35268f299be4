#include "common/content_type.h"

#include <gtest/gtest.h>

namespace scr::common {
namespace {

TEST(ContentTypeTest, KnownExtensionsIgnoringCase) {
  EXPECT_EQ(ContentTypeForFileName("notes.md"), "text/plain");
  EXPECT_EQ(ContentTypeForFileName("Page.HTM"), "text/html");
  EXPECT_EQ(ContentTypeForFileName("feed.rss"), "application/rss+xml");
  EXPECT_EQ(ContentTypeForFileName("feed.atom"), "application/atom+xml");
  EXPECT_EQ(ContentTypeForFileName("export.wxr.xml"), "application/xml");
  EXPECT_EQ(ContentTypeForFileName("export.WXR"), "application/xml");
}

TEST(ContentTypeTest, UnknownIsEmptySoTheServiceSniffs) {
  EXPECT_EQ(ContentTypeForFileName("page"), "");
  EXPECT_EQ(ContentTypeForFileName("archive.tar.gz"), "");
}

}  // namespace
}  // namespace scr::common
