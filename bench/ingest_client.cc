// scr_bench_ingest: end-to-end ingest throughput. Streams the raw items of
// items.rec to IngestService.IngestStream over --concurrency streams, then
// waits until the ingest service's outbox is empty, that is until every post
// has been committed by the search service (client -> ingest-service ->
// outbox -> search-service -> durable Xapian commit).
//
//   scr_bench_ingest --ingest=127.0.0.1:50051 --search=127.0.0.1:50052
//       --items=DIR/items.rec --concurrency=1
//
// Each stream keeps up to --window items in flight (the server answers in
// order). Items refused with RESOURCE_EXHAUSTED (outbox full) are sent
// again after a pause. Prints one JSON line with the figures.
//
// --part=K/N sends only the K-th of N equal slices of the items (0-based), so
// that bench/run.sh can interleave the services' ingest with the raw
// baseline's indexing, slice by slice, on the same minutes of the machine.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <iostream>
#include <mutex>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "bench/records.h"
#include "scr/v1/ingest.grpc.pb.h"
#include "scr/v1/search.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

std::shared_ptr<grpc::Channel> Channel(const std::string& address, int index) {
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(32 << 20);
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt("scr.bench.client", index);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

}  // namespace

int main(int argc, char** argv) {
  // As in the services (ServerRunner::PrepareProcess): no lock-order graph
  // on every Mutex.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::string ingest = "127.0.0.1:50051", search = "127.0.0.1:50052", items_path;
  int concurrency = 1;
  int window = 16;
  double timeout_s = 3600;
  long part = 0, parts = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto eq = a.find('=');
    std::string name = a.substr(0, eq), value = eq == std::string::npos ? "" : a.substr(eq + 1);
    if (name == "--ingest") {
      ingest = value;
    } else if (name == "--search") {
      search = value;
    } else if (name == "--items") {
      items_path = value;
    } else if (name == "--concurrency") {
      concurrency = std::clamp(std::stoi(value), 1, 64);
    } else if (name == "--window") {
      window = std::clamp(std::stoi(value), 1, 256);
    } else if (name == "--timeout_s") {
      timeout_s = std::stod(value);
    } else if (name == "--part") {
      if (!scr::bench::ParsePart(value, &part, &parts)) {
        std::cerr << "scr_bench_ingest: --part=" << value << ": expected K/N, 0 <= K < N <= 1000\n";
        return 2;
      }
    } else {
      std::cerr
          << "usage: scr_bench_ingest --items=items.rec [--ingest=HOST:PORT]\n"
             "       [--search=HOST:PORT] [--concurrency=1] [--window=16] [--timeout_s=3600]\n"
             "       [--part=K/N]\n";
      return 2;
    }
  }
  std::vector<scr::bench::Record> records = scr::bench::ReadAll(items_path);
  scr::bench::KeepPart(records, part, parts);
  if (records.empty()) {
    std::cerr << "scr_bench_ingest: no items in " << items_path << "\n";
    return 1;
  }
  std::vector<scr::v1::IngestRequest> requests(records.size());
  uint64_t bytes = 0;
  long expected_posts = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    scr::v1::RawItem* item = requests[i].mutable_item();
    item->set_content(records[i]["content"]);
    item->set_content_type(records[i]["content_type"]);
    item->set_source_url(records[i]["source_url"]);
    requests[i].set_request_id(std::to_string(i));
    bytes += records[i]["content"].size();
    expected_posts += std::stol(records[i]["posts"]);
  }
  records.clear();

  const long total = static_cast<long>(requests.size());
  std::atomic<long> next{0}, acked{0}, posts{0}, failed{0}, retries{0};
  std::mutex retry_mu;
  std::deque<long> retry_queue;
  std::string first_error;

  auto take = [&]() -> long {
    {
      std::lock_guard<std::mutex> lock(retry_mu);
      if (!retry_queue.empty()) {
        long i = retry_queue.front();
        retry_queue.pop_front();
        return i;
      }
    }
    long i = next.fetch_add(1);
    return i < total ? i : -1;
  };

  auto start = Clock::now();
  auto stream_worker = [&](int index) {
    auto stub = scr::v1::IngestService::NewStub(Channel(ingest, index));
    grpc::ClientContext ctx;
    auto stream = stub->IngestStream(&ctx);
    std::counting_semaphore<256> slots(window);
    std::thread writer([&] {
      while (acked.load() + failed.load() < total) {
        long i = take();
        if (i < 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
          continue;
        }
        slots.acquire();
        if (!stream->Write(requests[i])) break;
      }
      stream->WritesDone();
    });
    scr::v1::IngestResponse resp;
    while (stream->Read(&resp)) {
      slots.release();
      long i = std::stol(resp.request_id());
      if (resp.status().code() == 0) {
        posts.fetch_add(resp.results_size());
        acked.fetch_add(1);
      } else if (resp.status().code() == static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED) ||
                 resp.status().code() == static_cast<int>(grpc::StatusCode::UNAVAILABLE)) {
        retries.fetch_add(1);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        std::lock_guard<std::mutex> lock(retry_mu);
        retry_queue.push_back(i);
      } else {
        failed.fetch_add(1);
        std::lock_guard<std::mutex> lock(retry_mu);
        if (first_error.empty()) first_error = resp.status().message();
      }
    }
    writer.join();
    grpc::Status s = stream->Finish();
    if (!s.ok()) {
      std::lock_guard<std::mutex> lock(retry_mu);
      if (first_error.empty()) first_error = "stream: " + s.error_message();
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < concurrency; ++i) threads.emplace_back(stream_worker, i);
  for (std::thread& t : threads) t.join();
  double accept_s = std::chrono::duration<double>(Clock::now() - start).count();

  // Wait until the outbox is drained: every accepted post committed.
  auto ingest_stub = scr::v1::IngestService::NewStub(Channel(ingest, 100));
  scr::v1::DeliveryStatus status;
  for (;;) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    grpc::Status s =
        ingest_stub->GetDeliveryStatus(&ctx, scr::v1::GetDeliveryStatusRequest(), &status);
    if (s.ok() && status.pending() == 0) break;
    if (std::chrono::duration<double>(Clock::now() - start).count() > timeout_s) {
      std::cerr << "scr_bench_ingest: outbox not drained after " << timeout_s << " s\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  double durable_s = std::chrono::duration<double>(Clock::now() - start).count();

  auto search_stub = scr::v1::SearchService::NewStub(Channel(search, 101));
  scr::v1::Stats stats;
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    search_stub->GetStats(&ctx, scr::v1::GetStatsRequest(), &stats);
  }
  double mb = static_cast<double>(bytes) / 1e6;
  std::printf(
      "{\"tool\":\"scr_bench_ingest\",\"concurrency\":%d,\"items\":%ld,\"expected_posts\":%ld,"
      "\"posts\":%ld,\"failed_items\":%ld,\"retries\":%ld,\"item_mb\":%.3f,\"accept_s\":%.3f,"
      "\"durable_s\":%.3f,\"posts_per_s\":%.1f,\"mb_per_s\":%.3f,\"dead_letters\":%ld,"
      "\"document_count\":%ld,\"index_size_bytes\":%ld,\"first_error\":\"%s\"}\n",
      concurrency, total, expected_posts, posts.load(), failed.load(), retries.load(), mb, accept_s,
      durable_s, static_cast<double>(posts.load()) / durable_s, mb / durable_s,
      static_cast<long>(status.dead_letters()), static_cast<long>(stats.document_count()),
      static_cast<long>(stats.index_size_bytes()), first_error.empty() ? "" : "see stderr");
  if (!first_error.empty()) std::cerr << "first error: " << first_error << "\n";
  return failed.load() > 0 ? 1 : 0;
}
