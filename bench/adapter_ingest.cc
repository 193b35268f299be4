// scr_bench_adapter: indexes a corpus's posts through the search service's
// XapianIndex in process, as search-service's Upsert handler would, without
// gRPC or ingest-service; the step between raw Xapian (scr_bench_baselines)
// and the pipeline for ingest. For A/B runs of the index's write path:
//
//   scr_bench_adapter --posts=DIR/posts.rec --dir=EMPTY_DIR [--shards=2]
//       [--batch=4000] [--clients=2] [--limit=N]
//
// Each post gets the SimHash ingest-service would give it and no cluster
// key (the index finds its cluster). `clients` threads each send batches
// of `batch` posts, in corpus order, as the forwarder's batches in flight
// do. Prints one JSON object: posts, wall seconds, process CPU seconds,
// and both per post.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "bench/posts.h"
#include "bench/records.h"
#include "ingest-service/post_builder.h"
#include "search-service/xapian_index.h"

namespace {

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  std::string posts_path, dir;
  int shards = 2, clients = 2;
  size_t batch = 4000, limit = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto eq = a.find('=');
    std::string name = a.substr(0, eq), value = eq == std::string::npos ? "" : a.substr(eq + 1);
    if (name == "--posts") {
      posts_path = value;
    } else if (name == "--dir") {
      dir = value;
    } else if (name == "--shards") {
      shards = std::stoi(value);
    } else if (name == "--clients") {
      clients = std::max(1, std::stoi(value));
    } else if (name == "--batch") {
      batch = std::max<size_t>(1, std::stoul(value));
    } else if (name == "--limit") {
      limit = std::stoul(value);
    } else {
      std::cerr << "unknown flag " << a << "\n";
      return 2;
    }
  }
  if (posts_path.empty() || dir.empty()) {
    std::cerr << "usage: scr_bench_adapter --posts=posts.rec --dir=EMPTY_DIR [--shards=2]"
                 " [--batch=4000] [--clients=2] [--limit=N]\n";
    return 2;
  }
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_empty(dir, ec)) {
    std::cerr << dir << " is not empty\n";
    return 2;
  }
  std::ifstream in(posts_path, std::ios::binary);
  if (!in) {
    std::cerr << "cannot read " << posts_path << "\n";
    return 1;
  }
  std::vector<scr::v1::Post> posts;
  scr::bench::Record r;
  while ((limit == 0 || posts.size() < limit) && scr::bench::ReadRecord(in, &r)) {
    scr::v1::Post p = scr::bench::ToPost(r);
    p.clear_cluster_key();
    p.set_simhash(scr::ingest::SimHash(p.body()));
    posts.push_back(std::move(p));
  }
  auto index = scr::search::XapianIndex::Open(dir, nullptr, shards);
  if (!index.ok()) {
    std::cerr << index.status() << "\n";
    return 1;
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  double cpu0 = CpuSeconds();
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> senders;
  for (int c = 0; c < clients; ++c) {
    senders.emplace_back([&] {
      while (!failed.load()) {
        size_t from = next.fetch_add(batch);
        if (from >= posts.size()) return;
        size_t n = std::min(batch, posts.size() - from);
        auto outcome = (*index)->Upsert(absl::MakeConstSpan(posts).subspan(from, n));
        if (!outcome.ok()) {
          std::cerr << outcome.status() << "\n";
          failed = true;
        }
      }
    });
  }
  for (std::thread& t : senders) t.join();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double cpu = CpuSeconds() - cpu0;
  if (failed) return 1;
  double n = static_cast<double>(posts.size());
  std::printf(
      "{\"posts\":%zu,\"shards\":%d,\"batch\":%zu,\"clients\":%d,\"wall_s\":%.3f,\"cpu_s\":%.3f,"
      "\"posts_per_s\":%.1f,\"cpu_ms_per_post\":%.4f}\n",
      posts.size(), shards, batch, clients, wall, cpu, n / wall, cpu / n * 1e3);
  return 0;
}
