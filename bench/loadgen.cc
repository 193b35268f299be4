// scr_loadgen: a small, bounded load generator for SearchService.Search, over
// gRPC or the HTTP gateway, on loopback only.
//
//   scr_loadgen --target=127.0.0.1:50052 --queries=queries.tsv --concurrency=4 --duration_s=10
//   scr_loadgen --http --target=127.0.0.1:8080 --queries=queries.tsv --count=3000
//
// Each of --concurrency clients (one connection each) sends one request at a
// time, walking the query file (bench/queries.h) from its own offset, until
// --duration_s has passed or --count requests were sent in total. Nothing is
// measured before --warmup_passes passes over the query file (the clients
// share each pass: client i sends its 1/concurrency of the file) have ended
// and --warmup_s seconds have passed. The first warm-up pass is summarised on
// its own ("first_pass": every query once, as a freshly started or freshly
// filled index answers it). With --min_passes=N (duration mode) the measured
// part lasts --duration_s and, beyond it, until N passes' worth of requests
// (N × the query file) have been measured, so that a small class of a slow
// mix still gets enough samples for its p99 (at most 600 s in all). Prints
// p50/p95/p99/max, QPS, the per-class figures and a log2 latency histogram,
// then one JSON line (last line of stdout) for scripts.
//
// Requests disable snippets unless the query's flags say "snippets", over
// gRPC (snippet.disabled) and over HTTP (snippet_disabled=true).
//
//   scr_loadgen --health --target=127.0.0.1:50052 --duration_s=5
//
// measures gRPC's own floor on that server instead: each request is an empty
// grpc.health.v1.Health/Check (no query file; every sample is of class
// "health"), over the same kind of connection, so that a Search latency can
// be split into the search, the work of a Search call around it, and what
// any unary call costs on this machine.
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "bench/queries.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "scr/v1/search.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string target = "127.0.0.1:50052";
  std::string queries;
  int concurrency = 1;
  double duration_s = 0;
  long count = 0;
  double warmup_s = 1;
  int warmup_passes = 0;
  int min_passes = 0;
  bool http = false;
  bool health = false;  // grpc.health.v1.Health/Check instead of Search
  int page_size = 10;
  std::string label;
};

constexpr int kMaxConcurrency = 256;
constexpr double kMaxDurationS = 600;
constexpr long kMaxCount = 10'000'000;
constexpr int kMaxWarmupPasses = 100;
constexpr int kMaxMinPasses = 1000;

bool IsLoopback(const std::string& target) {
  std::string host = target.substr(0, target.rfind(':'));
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host == "::1";
}

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto eq = a.find('=');
    std::string name = a.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : a.substr(eq + 1);
    if (name == "--target") {
      o->target = value;
    } else if (name == "--queries") {
      o->queries = value;
    } else if (name == "--concurrency") {
      o->concurrency = std::stoi(value);
    } else if (name == "--duration_s") {
      o->duration_s = std::stod(value);
    } else if (name == "--count") {
      o->count = std::stol(value);
    } else if (name == "--warmup_s") {
      o->warmup_s = std::stod(value);
    } else if (name == "--warmup_passes") {
      o->warmup_passes = std::stoi(value);
    } else if (name == "--min_passes") {
      o->min_passes = std::stoi(value);
    } else if (name == "--http") {
      o->http = value.empty() || value == "true" || value == "1";
    } else if (name == "--health") {
      o->health = value.empty() || value == "true" || value == "1";
    } else if (name == "--page_size") {
      o->page_size = std::stoi(value);
    } else if (name == "--label") {
      o->label = value;
    } else {
      std::cerr << "scr_loadgen: unknown flag " << a << "\n"
                << "usage: scr_loadgen --target=HOST:PORT --queries=FILE [--concurrency=N]\n"
                   "       (--duration_s=S [--min_passes=0] | --count=N) [--warmup_s=1]\n"
                   "       [--warmup_passes=0]\n"
                   "       [--http | --health] [--page_size=10]\n"
                   "       [--label=TEXT]\n";
      return false;
    }
  }
  if (o->health && o->http) {
    std::cerr << "scr_loadgen: --health is a gRPC call; it cannot be combined with --http\n";
    return false;
  }
  if (o->queries.empty() && !o->health) {
    std::cerr << "scr_loadgen: --queries is required (except with --health)\n";
    return false;
  }
  if (!IsLoopback(o->target)) {
    std::cerr << "scr_loadgen: --target must be on loopback (127.0.0.1, localhost, ::1)\n";
    return false;
  }
  if (o->concurrency < 1 || o->concurrency > kMaxConcurrency) {
    std::cerr << "scr_loadgen: --concurrency must be 1.." << kMaxConcurrency << "\n";
    return false;
  }
  if (o->warmup_passes < 0 || o->warmup_passes > kMaxWarmupPasses) {
    std::cerr << "scr_loadgen: --warmup_passes must be 0.." << kMaxWarmupPasses << "\n";
    return false;
  }
  if (o->min_passes < 0 || o->min_passes > kMaxMinPasses) {
    std::cerr << "scr_loadgen: --min_passes must be 0.." << kMaxMinPasses << "\n";
    return false;
  }
  if (o->min_passes > 0 && (o->count > 0 || o->health)) {
    std::cerr << "scr_loadgen: --min_passes extends a --duration_s run over a query file; it "
                 "cannot be combined with --count or --health\n";
    return false;
  }
  if (o->duration_s <= 0 && o->count <= 0) o->duration_s = 10;
  if (o->duration_s > kMaxDurationS || o->count > kMaxCount) {
    std::cerr << "scr_loadgen: at most " << kMaxDurationS << " s or " << kMaxCount << " requests\n";
    return false;
  }
  return true;
}

std::string UrlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

struct Sample {
  int query;
  double ms;
  double server_ms;  // the response's took_micros (time inside SearchCore); -1 over HTTP
};

struct Summary {
  long n = 0;
  double p50 = 0, p95 = 0, p99 = 0, max = 0, mean = 0;
};

Summary Summarize(std::vector<double> v) {
  Summary s;
  s.n = static_cast<long>(v.size());
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.p50 = scr::bench::Percentile(v, 50);
  s.p95 = scr::bench::Percentile(v, 95);
  s.p99 = scr::bench::Percentile(v, 99);
  s.max = v.back();
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size());
  return s;
}

std::string SummaryJson(const Summary& s) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "{\"n\":%ld,\"p50_ms\":%.4f,\"p95_ms\":%.4f,\"p99_ms\":%.4f,\"max_ms\":%.4f,"
                "\"mean_ms\":%.4f}",
                s.n, s.p50, s.p95, s.p99, s.max, s.mean);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  // As in the services (ServerRunner::PrepareProcess): no lock-order graph
  // on every Mutex.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  Options opt;
  if (!ParseArgs(argc, argv, &opt)) return 2;
  std::vector<scr::bench::BenchQuery> queries;
  if (opt.health) {
    scr::bench::BenchQuery check;
    check.cls = "health";
    queries.push_back(check);
  } else {
    queries = scr::bench::LoadQueries(opt.queries);
  }
  if (queries.empty()) {
    std::cerr << "scr_loadgen: no queries in " << opt.queries << "\n";
    return 2;
  }

  std::atomic<long> issued{0};
  std::atomic<long> errors{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> measuring{opt.warmup_s <= 0 || opt.duration_s <= 0};
  std::atomic<long> measured{0};  // samples taken while measuring
  std::mutex mu;
  std::vector<Sample> samples;
  std::vector<Sample> first_pass;  // the first warm-up pass, each query once
  std::string first_error;
  std::latch warmed(opt.concurrency);

  auto worker = [&](int index) {
    std::unique_ptr<scr::v1::SearchService::Stub> stub;
    std::unique_ptr<grpc::health::v1::Health::Stub> health;
    std::unique_ptr<httplib::Client> http;
    if (opt.http) {
      http = std::make_unique<httplib::Client>("http://" + opt.target);
      http->set_keep_alive(true);
      http->set_read_timeout(10, 0);
      http->set_connection_timeout(5, 0);
    } else {
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // one connection per client
      args.SetInt("scr.bench.client", index);
      args.SetMaxReceiveMessageSize(64 << 20);
      auto channel =
          grpc::CreateCustomChannel(opt.target, grpc::InsecureChannelCredentials(), args);
      if (opt.health) {
        health = grpc::health::v1::Health::NewStub(channel);
      } else {
        stub = scr::v1::SearchService::NewStub(channel);
      }
    }
    // Sends one query; returns false (and sets `err`) when it failed.
    auto send = [&](const scr::bench::BenchQuery& q, double* ms, double* server_ms,
                    std::string* err) {
      bool ok = true;
      *server_ms = -1;
      auto t0 = Clock::now();
      if (opt.http) {
        std::string path =
            "/v1/search?q=" + UrlEncode(q.text) + "&page_size=" + std::to_string(opt.page_size);
        if (q.facets) path += "&facets=category,year,site";
        if (q.collapse) path += "&collapse=true";
        if (!q.snippets) path += "&snippet_disabled=true";
        auto res = http->Get(path);
        if (!res) {
          ok = false;
          *err = "http: " + httplib::to_string(res.error());
        } else if (res->status != 200) {
          ok = false;
          *err = "http " + std::to_string(res->status) + ": " + res->body.substr(0, 200);
        }
      } else {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        grpc::Status s;
        if (opt.health) {
          grpc::health::v1::HealthCheckResponse resp;
          s = health->Check(&ctx, grpc::health::v1::HealthCheckRequest(), &resp);
        } else {
          scr::v1::SearchRequest req;
          req.set_query(q.text);
          req.set_page_size(opt.page_size);
          if (!q.snippets) req.mutable_snippet()->set_disabled(true);
          if (q.facets) {
            req.add_facets("category");
            req.add_facets("year");
            req.add_facets("site");
          }
          req.set_collapse_duplicates(q.collapse);
          scr::v1::SearchResponse resp;
          s = stub->Search(&ctx, req, &resp);
          *server_ms = static_cast<double>(resp.took_micros()) / 1000.0;
        }
        if (!s.ok()) {
          ok = false;
          *err = "grpc " + std::to_string(s.error_code()) + ": " + s.error_message();
        }
      }
      *ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (!ok) {
        errors.fetch_add(1);
        std::lock_guard<std::mutex> lock(mu);
        if (first_error.empty()) {
          first_error = *err + (opt.health ? " (Health/Check)" : " (query: " + q.text + ")");
        }
      }
      return ok;
    };

    const size_t first =
        (static_cast<size_t>(index) * queries.size()) / static_cast<size_t>(opt.concurrency);
    const size_t last =
        (static_cast<size_t>(index + 1) * queries.size()) / static_cast<size_t>(opt.concurrency);
    std::vector<Sample> local;
    std::vector<Sample> first_local;
    double ms = 0, server_ms = -1;
    std::string err;
    for (int pass = 0; pass < opt.warmup_passes; ++pass) {
      for (size_t i = first; i < last; ++i) {
        if (send(queries[i], &ms, &server_ms, &err) && pass == 0) {
          first_local.push_back({static_cast<int>(i), ms, server_ms});
        }
      }
    }
    warmed.arrive_and_wait();
    size_t next = first;
    while (!stop.load(std::memory_order_relaxed)) {
      if (opt.count > 0 && issued.fetch_add(1) >= opt.count) break;
      const int qi = static_cast<int>(next);
      next = (next + 1) % queries.size();
      if (!send(queries[qi], &ms, &server_ms, &err)) continue;
      if (measuring.load(std::memory_order_relaxed)) {
        local.push_back({qi, ms, server_ms});
        measured.fetch_add(1, std::memory_order_relaxed);
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    first_pass.insert(first_pass.end(), first_local.begin(), first_local.end());
    samples.insert(samples.end(), local.begin(), local.end());
  };

  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (int i = 0; i < opt.concurrency; ++i) threads.emplace_back(worker, i);
  warmed.wait();
  Clock::time_point measure_start = Clock::now();
  if (opt.duration_s > 0) {
    if (opt.warmup_s > 0) {
      std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                                std::chrono::duration<double>(opt.warmup_s)));
      measure_start = Clock::now();
      measuring = true;
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(opt.duration_s));
    const long wanted = static_cast<long>(opt.min_passes) * static_cast<long>(queries.size());
    const Clock::time_point cap = start + std::chrono::duration_cast<Clock::duration>(
                                              std::chrono::duration<double>(kMaxDurationS));
    while (measured.load(std::memory_order_relaxed) < wanted && Clock::now() < cap) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop = true;
  } else {
    measuring = true;  // count mode measures every request after the warm-up passes
  }
  for (std::thread& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - measure_start).count();

  // Latencies by query class, or (server) the responses' took_micros: the
  // time inside search-service's core; latency minus it is what the RPC
  // itself costs (transport, proto, threads). "_plain" is top-10 without
  // facets, snippets or collapse (none with --health).
  auto by_class_of = [&queries, &opt](const std::vector<Sample>& from, bool server) {
    std::map<std::string, std::vector<double>> out;
    for (const Sample& s : from) {
      const double v = server ? s.server_ms : s.ms;
      if (v < 0) continue;
      const scr::bench::BenchQuery& q = queries[s.query];
      out[q.cls].push_back(v);
      if (!opt.health && !q.facets && !q.snippets && !q.collapse) out["_plain"].push_back(v);
    }
    return out;
  };
  std::vector<double> all;
  for (const Sample& s : samples) all.push_back(s.ms);
  const auto by_class = by_class_of(samples, false);
  const auto server_by_class = by_class_of(samples, true);
  std::vector<double> first_all;
  for (const Sample& s : first_pass) first_all.push_back(s.ms);
  const Summary first_total = Summarize(first_all);
  Summary total = Summarize(all);
  double qps = elapsed > 0 ? static_cast<double>(total.n) / elapsed : 0;

  // Log2 histogram in microseconds.
  std::map<long, long> hist;
  for (double ms : all) {
    long us = std::max(1L, static_cast<long>(ms * 1000));
    long upper = 1;
    while (upper < us) upper <<= 1;
    ++hist[upper];
  }

  const char* mode = opt.http ? "http" : opt.health ? "grpc-health" : "grpc";
  std::printf("%s %s concurrency=%d requests=%ld errors=%ld elapsed=%.2fs qps=%.1f\n",
              opt.http     ? "HTTP"
              : opt.health ? "gRPC Health/Check"
                           : "gRPC",
              opt.target.c_str(), opt.concurrency, total.n, errors.load(), elapsed, qps);
  std::printf("latency ms: p50=%.3f p95=%.3f p99=%.3f max=%.3f mean=%.3f\n", total.p50, total.p95,
              total.p99, total.max, total.mean);
  for (const auto& [cls, v] : by_class) {
    Summary s = Summarize(v);
    std::printf("  %-9s n=%-7ld p50=%.3f p95=%.3f p99=%.3f\n", cls.c_str(), s.n, s.p50, s.p95,
                s.p99);
  }
  std::printf("histogram (us <= bound: count):");
  for (const auto& [upper, n] : hist) std::printf(" %ld:%ld", upper, n);
  std::printf("\n");
  if (opt.warmup_passes > 0) {
    std::printf("first warm-up pass (not in the figures above): n=%ld p50=%.3f p99=%.3f max=%.3f\n",
                first_total.n, first_total.p50, first_total.p99, first_total.max);
  }
  if (!first_error.empty()) std::printf("first error: %s\n", first_error.c_str());

  std::string json =
      "{\"tool\":\"scr_loadgen\",\"label\":\"" + opt.label + "\",\"mode\":\"" + mode +
      "\",\"concurrency\":" + std::to_string(opt.concurrency) +
      ",\"min_passes\":" + std::to_string(opt.min_passes) +
      ",\"errors\":" + std::to_string(errors.load()) + ",\"elapsed_s\":" + std::to_string(elapsed) +
      ",\"qps\":" + std::to_string(qps) + ",\"latency\":" + SummaryJson(total) + ",\"classes\":{";
  auto append_classes = [&json](const std::map<std::string, std::vector<double>>& classes) {
    bool first = true;
    for (const auto& [cls, v] : classes) {
      json += (first ? "\"" : ",\"") + cls + "\":" + SummaryJson(Summarize(v));
      first = false;
    }
  };
  append_classes(by_class);
  json += "},\"server_classes\":{";
  append_classes(server_by_class);
  json += "}";
  if (opt.warmup_passes > 0) {
    json += ",\"first_pass\":{\"latency\":" + SummaryJson(first_total) + ",\"classes\":{";
    append_classes(by_class_of(first_pass, false));
    json += "}}";
  }
  json += ",\"histogram_us\":[";
  bool first = true;
  for (const auto& [upper, n] : hist) {
    json += (first ? "[" : ",[") + std::to_string(upper) + "," + std::to_string(n) + "]";
    first = false;
  }
  json += "]}";
  std::printf("%s\n", json.c_str());
  return errors.load() > 0 && total.n == 0 ? 1 : 0;
}
