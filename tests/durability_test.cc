// Delivery under faults: kill -9 of either service, a stopped search
// service, a full disk and SIGTERM under load. Real binaries on 127.0.0.1,
// bounded loops. Each test prints one summary line such as
//   kill9-search: runs=20 acked=N lost=0 dup=0 check=clean
// SCR_DURABILITY_RUNS raises the number of runs for the documented long run.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "scr/v1/index.grpc.pb.h"
#include "scr/v1/ingest.grpc.pb.h"
#include "scr/v1/search.grpc.pb.h"
#include "tests/test_util.h"

namespace scr {
namespace {

using testing_util::BuiltBinary;
using testing_util::Subprocess;
using testing_util::TempDir;

int Runs(int fallback) {
  const char* env = std::getenv("SCR_DURABILITY_RUNS");
  int n = 0;
  return env != nullptr && absl::SimpleAtoi(env, &n) && n > 0 ? n : fallback;
}

// A free loopback port: services restart on the same one.
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

// "clean" when xapian-check finds no errors in the index at `db`: every
// shard of a sharded index (shard-N folders), or the one database.
std::string XapianCheck(const std::string& db) {
  std::vector<std::string> databases;
  for (int i = 0; std::filesystem::exists(absl::StrCat(db, "/shard-", i)); ++i) {
    databases.push_back(absl::StrCat(db, "/shard-", i));
  }
  if (databases.empty()) databases.push_back(db);
  std::string errors;
  for (const std::string& d : databases) {
    std::string out;
    const int code = testing_util::RunCommand(absl::StrCat("xapian-check ", d, " 2>&1"), &out);
    bool clean = code == 0 && absl::StrContains(out, "No errors found");
    if (!clean) absl::StrAppend(&errors, d, ": ", out);
  }
  return errors.empty() ? "clean" : "ERRORS: " + errors;
}

class Cluster {
 public:
  explicit Cluster(std::string root, int64_t outbox_limit = 100000)
      : root_(std::move(root)),
        search_port_(FreePort()),
        ingest_port_(FreePort()),
        outbox_limit_(outbox_limit) {}

  std::string search_address() const { return absl::StrCat("127.0.0.1:", search_port_); }
  std::string ingest_address() const { return absl::StrCat("127.0.0.1:", ingest_port_); }
  std::string index_path() const { return root_ + "/search/index"; }

  void StartSearch(const std::string& data_dir = "") {
    search_ = Start({BuiltBinary("search-service/search-service"), "--listen=" + search_address(),
                     "--data_dir=" + (data_dir.empty() ? root_ + "/search" : data_dir),
                     "--shutdown_grace_ms=5000"},
                    "search", search_address());
  }

  void StartIngest() {
    ingest_ = Start({BuiltBinary("ingest-service/ingest-service"), "--listen=" + ingest_address(),
                     "--search=" + search_address(), "--data_dir=" + root_ + "/ingest",
                     absl::StrCat("--outbox_limit=", outbox_limit_), "--index_timeout_ms=3000",
                     "--shutdown_grace_ms=5000"},
                    "ingest", ingest_address());
  }

  std::unique_ptr<Subprocess>& search() { return search_; }
  std::unique_ptr<Subprocess>& ingest() { return ingest_; }

  void Kill9(std::unique_ptr<Subprocess>& p) {
    p->Signal(SIGKILL);
    (void)p->Wait(absl::Seconds(10));
    p.reset();
  }

 private:
  std::unique_ptr<Subprocess> Start(const std::vector<std::string>& argv, const std::string& name,
                                    const std::string& address) {
    auto p = Subprocess::Start(argv, absl::StrCat(root_, "/", name, ".log"));
    EXPECT_TRUE(p.ok());

    // A restart may briefly find the old socket still closing: retry.
    absl::Status healthy = testing_util::WaitForHealthy(address, absl::Seconds(30));
    EXPECT_TRUE(healthy.ok()) << healthy << "\n" << testing_util::ReadFile((*p)->log_path());
    return *std::move(p);
  }

  std::string root_;
  int search_port_;
  int ingest_port_;
  int64_t outbox_limit_;
  std::unique_ptr<Subprocess> search_;
  std::unique_ptr<Subprocess> ingest_;
};

// Sends distinct small posts to IngestService and records which were
// acknowledged, until stopped.
class Crawler {
 public:
  explicit Crawler(const std::string& ingest_address, std::string tag) : tag_(std::move(tag)) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 20);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 20);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 200);
    stub_ = v1::IngestService::NewStub(
        grpc::CreateCustomChannel(ingest_address, grpc::InsecureChannelCredentials(), args));
  }

  // Sends one item; returns the status. Records ids when acknowledged.
  grpc::Status SendOne(std::string* retry_after = nullptr) {
    int n = next_++;
    v1::IngestRequest req;
    req.mutable_item()->set_content_type("text/plain");
    req.mutable_item()->set_content(absl::StrCat("Durability post ", tag_, " number ", n,
                                                 "\n\nBody of post ", n, " in run ", tag_,
                                                 ": Ofsted and the serious case review.\n"));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::IngestResponse resp;
    grpc::Status s = stub_->Ingest(&ctx, req, &resp);
    absl::MutexLock lock(&mu_);
    ++sent_;
    if (s.ok()) {
      for (const auto& r : resp.results()) acked_.insert(r.post_id());
    } else {
      codes_[s.error_code()]++;
      if (retry_after != nullptr) {
        auto trailers = ctx.GetServerTrailingMetadata();
        auto it = trailers.find("retry-after-ms");
        if (it != trailers.end()) *retry_after = std::string(it->second.data(), it->second.size());
      }
    }
    return s;
  }

  void RunFor(absl::Duration d) {
    absl::Time end = absl::Now() + d;
    while (absl::Now() < end) {
      grpc::Status s = SendOne();
      if (!s.ok()) absl::SleepFor(absl::Milliseconds(20));
    }
  }

  std::set<std::string> acked() {
    absl::MutexLock lock(&mu_);
    return acked_;
  }
  std::map<grpc::StatusCode, int> codes() {
    absl::MutexLock lock(&mu_);
    return codes_;
  }

 private:
  std::unique_ptr<v1::IngestService::Stub> stub_;
  std::string tag_;
  std::atomic<int> next_{0};
  absl::Mutex mu_;
  int sent_ = 0;
  std::set<std::string> acked_;
  std::map<grpc::StatusCode, int> codes_;
};

// Waits for the outbox to drain, then counts acknowledged posts missing from
// the index (lost) and posts stored more than once (dup: every post the
// crawler sends has a distinct title, so two documents with one title are a
// duplicate). Posts that were stored but whose acknowledgement never arrived
// (a crash, or a client deadline, between the outbox commit and the reply)
// are counted apart, as `unacked`: they are neither lost nor duplicates.
struct Audit {
  int acked = 0;
  int lost = 0;
  int64_t documents = 0;
  int dup = 0;
  int64_t unacked = 0;
};

Audit AuditIndex(Cluster& cluster, const std::set<std::string>& acked) {
  auto ingest = v1::IngestService::NewStub(
      grpc::CreateChannel(cluster.ingest_address(), grpc::InsecureChannelCredentials()));
  absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline) {
    grpc::ClientContext ctx;
    v1::DeliveryStatus st;
    if (ingest->GetDeliveryStatus(&ctx, v1::GetDeliveryStatusRequest(), &st).ok() &&
        st.pending() == 0) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  auto search = v1::SearchService::NewStub(
      grpc::CreateChannel(cluster.search_address(), grpc::InsecureChannelCredentials()));
  Audit a;
  a.acked = static_cast<int>(acked.size());
  for (const std::string& id : acked) {
    grpc::ClientContext ctx;
    v1::GetPostRequest req;
    req.set_id(id);
    v1::Post post;
    if (!search->GetPost(&ctx, req, &post).ok()) ++a.lost;
  }
  // Every stored document, paged by date (an empty query matches all).
  std::map<std::string, int> titles;
  std::string token;
  do {
    grpc::ClientContext ctx;
    v1::SearchRequest req;
    req.set_page_size(100);
    req.set_page_token(token);
    req.mutable_snippet()->set_disabled(true);
    v1::SearchResponse resp;
    grpc::Status s = search->Search(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (!s.ok()) break;
    for (const v1::Hit& h : resp.hits()) {
      ++titles[h.post().title()];
      ++a.documents;
      if (!acked.count(h.post().id())) ++a.unacked;
    }
    token = resp.next_page_token();
  } while (!token.empty());
  for (const auto& [title, n] : titles) a.dup += n - 1;
  return a;
}

TEST(DurabilityTest, Kill9SearchDuringIngest) {
  TempDir dir;
  Cluster cluster(dir.path());
  cluster.StartSearch();
  cluster.StartIngest();
  Crawler crawler(cluster.ingest_address(), "ks");
  std::mt19937 rng(12345);
  const int runs = Runs(20);
  std::string checks = "clean";
  for (int run = 0; run < runs; ++run) {
    std::thread load([&] { crawler.RunFor(absl::Milliseconds(300)); });
    absl::SleepFor(absl::Milliseconds(std::uniform_int_distribution<int>(20, 280)(rng)));
    cluster.Kill9(cluster.search());
    load.join();
    std::string check = XapianCheck(cluster.index_path());
    if (check != "clean") checks = check;
    cluster.StartSearch();
  }
  Audit a = AuditIndex(cluster, crawler.acked());
  printf("kill9-search: runs=%d acked=%d lost=%d dup=%d unacked_stored=%lld check=%s\n", runs,
         a.acked, a.lost, a.dup, static_cast<long long>(a.unacked), checks.c_str());
  EXPECT_GT(a.acked, 0);
  EXPECT_EQ(a.lost, 0);
  EXPECT_EQ(a.dup, 0);
  EXPECT_EQ(checks, "clean");
}

TEST(DurabilityTest, Kill9IngestDuringIngest) {
  TempDir dir;
  Cluster cluster(dir.path());
  cluster.StartSearch();
  cluster.StartIngest();
  Crawler crawler(cluster.ingest_address(), "ki");
  std::mt19937 rng(54321);
  const int runs = Runs(20);
  for (int run = 0; run < runs; ++run) {
    std::thread load([&] { crawler.RunFor(absl::Milliseconds(300)); });
    absl::SleepFor(absl::Milliseconds(std::uniform_int_distribution<int>(20, 280)(rng)));
    cluster.Kill9(cluster.ingest());
    load.join();
    cluster.StartIngest();
  }
  // A post may be durable but unacknowledged when the kill lands between the
  // outbox commit and the reply: counted as unacked, not as a duplicate.
  Audit a = AuditIndex(cluster, crawler.acked());
  cluster.search()->Signal(SIGTERM);
  (void)cluster.search()->Wait(absl::Seconds(20));
  std::string check = XapianCheck(cluster.index_path());
  printf("kill9-ingest: runs=%d acked=%d lost=%d dup=%d unacked_stored=%lld check=%s\n", runs,
         a.acked, a.lost, a.dup, static_cast<long long>(a.unacked), check.c_str());
  EXPECT_GT(a.acked, 0);
  EXPECT_EQ(a.lost, 0);
  EXPECT_EQ(a.dup, 0);
  EXPECT_EQ(check, "clean");
}

TEST(DurabilityTest, StoppedSearchBacksUpThenDrains) {
  TempDir dir;
  Cluster cluster(dir.path(), /*outbox_limit=*/40);
  cluster.StartSearch();
  cluster.StartIngest();
  Crawler crawler(cluster.ingest_address(), "st");
  crawler.RunFor(absl::Milliseconds(200));
  cluster.search()->Signal(SIGSTOP);
  // Fill the outbox until backpressure answers, bounded in count.
  std::string retry_after;
  grpc::Status last;
  for (int i = 0; i < 500; ++i) {
    last = crawler.SendOne(&retry_after);
    if (last.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) break;
  }
  EXPECT_EQ(last.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << last.error_message();
  EXPECT_FALSE(retry_after.empty()) << "RESOURCE_EXHAUSTED carries a retry-after-ms trailer";
  // Health and reads of the ingest service stay responsive meanwhile.
  EXPECT_TRUE(testing_util::WaitForHealthy(cluster.ingest_address(), absl::Seconds(2)).ok());
  cluster.search()->Signal(SIGKILL);
  (void)cluster.search()->Wait(absl::Seconds(10));
  cluster.search().reset();
  cluster.StartSearch();
  Audit a = AuditIndex(cluster, crawler.acked());
  printf("stopped-search: acked=%d lost=%d dup=%d backpressure=%s retry_after_ms=%s\n", a.acked,
         a.lost, a.dup, last.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ? "yes" : "no",
         retry_after.c_str());
  EXPECT_EQ(a.lost, 0);
  EXPECT_EQ(a.dup, 0);
}

TEST(DurabilityTest, SigtermUnderLoadGivesNoUnknownOrInternal) {
  TempDir dir;
  Cluster cluster(dir.path());
  cluster.StartSearch();
  cluster.StartIngest();
  std::vector<std::unique_ptr<Crawler>> crawlers;
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    crawlers.push_back(std::make_unique<Crawler>(cluster.ingest_address(), absl::StrCat("t", i)));
    threads.emplace_back([c = crawlers.back().get()] { c->RunFor(absl::Seconds(1)); });
  }
  absl::SleepFor(absl::Milliseconds(400));
  absl::Time start = absl::Now();
  cluster.ingest()->Signal(SIGTERM);
  auto status = cluster.ingest()->Wait(absl::Seconds(20));
  absl::Duration took = absl::Now() - start;
  for (auto& t : threads) t.join();
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  int bad = 0, acked = 0;
  for (auto& c : crawlers) {
    for (const auto& [code, n] : c->codes()) {
      if (code == grpc::StatusCode::UNKNOWN || code == grpc::StatusCode::INTERNAL) bad += n;
    }
    acked += static_cast<int>(c->acked().size());
  }
  // Restart and check nothing acknowledged was lost in the drain.
  cluster.ingest().reset();
  cluster.StartIngest();
  std::set<std::string> all;
  for (auto& c : crawlers) {
    auto a = c->acked();
    all.insert(a.begin(), a.end());
  }
  Audit a = AuditIndex(cluster, all);
  printf("sigterm-ingest: acked=%d unknown_or_internal=%d exit_s=%.2f lost=%d\n", acked, bad,
         absl::ToDoubleSeconds(took), a.lost);
  EXPECT_EQ(bad, 0);
  EXPECT_LT(took, absl::Seconds(10)) << "exit within the documented bound";
  EXPECT_EQ(a.lost, 0);
}

TEST(DurabilityTest, SigtermSearchUnderLoadGivesNoUnknownOrInternal) {
  TempDir dir;
  Cluster cluster(dir.path());
  cluster.StartSearch();
  cluster.StartIngest();
  Crawler crawler(cluster.ingest_address(), "ss");
  crawler.RunFor(absl::Milliseconds(200));
  std::atomic<bool> stop{false};
  std::atomic<int> searches{0}, bad{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      auto stub = v1::SearchService::NewStub(
          grpc::CreateChannel(cluster.search_address(), grpc::InsecureChannelCredentials()));
      while (!stop) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        v1::SearchRequest req;
        req.set_query("Ofsted serious case review");
        req.add_facets("category");
        v1::SearchResponse resp;
        grpc::Status s = stub->Search(&ctx, req, &resp);
        ++searches;
        if (s.error_code() == grpc::StatusCode::UNKNOWN ||
            s.error_code() == grpc::StatusCode::INTERNAL) {
          ++bad;
        }
        if (!s.ok()) absl::SleepFor(absl::Milliseconds(10));
      }
    });
  }
  std::thread writes([&] { crawler.RunFor(absl::Milliseconds(600)); });
  absl::SleepFor(absl::Milliseconds(300));
  absl::Time start = absl::Now();
  cluster.search()->Signal(SIGTERM);
  auto status = cluster.search()->Wait(absl::Seconds(20));
  absl::Duration took = absl::Now() - start;
  writes.join();
  stop = true;
  for (auto& t : readers) t.join();
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  cluster.search().reset();
  cluster.StartSearch();
  Audit a = AuditIndex(cluster, crawler.acked());
  printf("sigterm-search: searches=%d unknown_or_internal=%d exit_s=%.2f acked=%d lost=%d\n",
         searches.load(), bad.load(), absl::ToDoubleSeconds(took), a.acked, a.lost);
  EXPECT_EQ(bad.load(), 0);
  EXPECT_LT(took, absl::Seconds(10));
  EXPECT_EQ(a.lost, 0);
  EXPECT_EQ(XapianCheck(cluster.index_path()), "clean");
}

TEST(DurabilityTest, FullDiskFailsClearlyAndRecovers) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs";
  TempDir dir;
  std::string mnt = dir.path() + "/small";
  std::filesystem::create_directories(mnt);
  if (mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=6m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here (" << strerror(errno) << ")";
  }
  struct Unmount {
    std::string path;
    ~Unmount() { umount2(path.c_str(), MNT_DETACH); }
  } unmount{mnt};
  // Ballast to delete later, to give the space back.
  {
    std::ofstream ballast(mnt + "/ballast", std::ios::binary);
    std::string mb(1 << 20, 'x');
    for (int i = 0; i < 3; ++i) ballast << mb;
  }
  Cluster cluster(dir.path());
  cluster.StartSearch(mnt + "/search");
  auto index = v1::IndexService::NewStub(
      grpc::CreateChannel(cluster.search_address(), grpc::InsecureChannelCredentials()));
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(cluster.search_address(), grpc::InsecureChannelCredentials()));
  auto serving = [&] {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckResponse resp;
    return health->Check(&ctx, grpc::health::v1::HealthCheckRequest(), &resp).ok() &&
           resp.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  };
  std::string body;
  for (int i = 0; i < 2000; ++i) absl::StrAppend(&body, "word", i % 997, " filler text ");
  int64_t version = 1;
  auto upsert = [&](int n) {
    v1::UpsertPostsRequest req;
    for (int i = 0; i < n; ++i) {
      v1::Post* p = req.add_posts();
      p->set_id(absl::StrCat("u", version));
      p->set_title(absl::StrCat("Post ", version));
      p->set_body(absl::StrCat(body, version));
      p->set_version(version++);
    }
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::UpsertPostsResponse resp;
    return index->Upsert(&ctx, req, &resp);
  };
  grpc::Status failed;
  int batches = 0;
  for (; batches < 200; ++batches) {
    failed = upsert(10);
    if (!failed.ok()) break;
  }
  ASSERT_FALSE(failed.ok()) << "the disk never filled";
  EXPECT_EQ(failed.error_code(), grpc::StatusCode::UNAVAILABLE) << failed.error_message();
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (serving() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(50));
  bool flipped = !serving();
  std::string check_full = XapianCheck(mnt + "/search/index");
  std::filesystem::remove(mnt + "/ballast");
  deadline = absl::Now() + absl::Seconds(15);
  while (!serving() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(50));
  bool recovered = serving();
  grpc::Status after = upsert(2);
  printf(
      "disk-full: batches_before_full=%d error=\"%s\" not_serving=%s check=%s recovered=%s "
      "write_after=%s\n",
      batches, failed.error_message().substr(0, 80).c_str(), flipped ? "yes" : "no",
      check_full.c_str(), recovered ? "yes" : "no", after.ok() ? "ok" : "failed");
  EXPECT_TRUE(absl::StrContains(failed.error_message(), "space") ||
              absl::StrContains(failed.error_message(), "No space"))
      << failed.error_message();
  EXPECT_TRUE(flipped);
  EXPECT_EQ(check_full, "clean");
  EXPECT_TRUE(recovered);
  EXPECT_TRUE(after.ok()) << after.error_message();
  cluster.search()->Signal(SIGTERM);
  (void)cluster.search()->Wait(absl::Seconds(20));
  EXPECT_EQ(XapianCheck(mnt + "/search/index"), "clean");
}

}  // namespace
}  // namespace scr
