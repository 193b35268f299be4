// libFuzzer target: the whole normalization of one raw item
// (ingest::Normalizer::Normalize): format detection, charset decoding, every
// parser, URL identity, post building (hashes, SimHash, entities, language).
//
// Input layout: byte 0 picks the content type (low 4 bits, from
// kContentTypes) and whether the item has a source URL (bit 7); the rest is
// the content. Version and fetch time are fixed, so runs are deterministic.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "ingest-service/normalizer.h"

namespace {

constexpr const char* kContentTypes[] = {
    "",
    "text/plain",
    "text/html",
    "application/rss+xml",
    "application/atom+xml",
    "application/xml",
    "text/xml",
    "text/html; charset=windows-1252",
    "text/html; charset=utf-8",
    "text/plain; charset=iso-8859-1",
    "application/xhtml+xml",
    "text/markdown",
    "application/octet-stream",
    "text/html; charset=shift_jis",
    "application/rss+xml; charset=utf-16le",
    "image/png",  // unsupported: INVALID_ARGUMENT
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 64 * 1024) return 0;
  static const scr::ingest::Normalizer* normalizer = new scr::ingest::Normalizer();
  scr::ingest::RawItem item;
  item.content_type = kContentTypes[data[0] & 0x0F];
  if ((data[0] & 0x80) != 0) item.source_url = "https://blog.example.org/2012/03/archive/";
  item.content.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  item.fetch_time = absl::FromUnixSeconds(1700000000);
  auto result = normalizer->Normalize(item, /*version=*/7);
  if (result.ok()) {
    size_t total = result->format.size();
    for (const auto& post : result->posts) total += post.ByteSizeLong();
    (void)total;
  }
  return 0;
}
