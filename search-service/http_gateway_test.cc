#include "search-service/http_gateway.h"

#include <arpa/inet.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "search-service/search_core.h"
#include "search-service/xapian_index.h"
#include "tests/test_util.h"

namespace scr::search {
namespace {

v1::Post MakePost(const std::string& id, const std::string& title, const std::string& body,
                  const std::string& category, int64_t published) {
  v1::Post p;
  p.set_id(id);
  p.set_version(1);
  p.set_title(title);
  p.set_body(body);
  p.set_site("example.org");
  p.set_canonical_url("https://example.org/" + id);
  p.add_source_urls("https://example.org/" + id);
  p.add_source_urls("https://example.org/feed");
  p.add_categories(category);
  p.set_cluster_key(id);
  p.mutable_published()->set_seconds(published);
  return p;
}

template <typename M>
M ParseJson(const std::string& json) {
  M m;
  auto status = google::protobuf::util::JsonStringToMessage(json, &m);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  return m;
}

class HttpGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto index = XapianIndex::Open(dir_.path() + "/index");
    ASSERT_TRUE(index.ok()) << index.status();
    index_ = *std::move(index);
    core_ = std::make_unique<SearchCore>(index_.get());
    std::vector<v1::Post> posts = {
        MakePost("u0000000000000001", "Ofsted inspection of children's services",
                 "Ofsted found that the serious case review was late. The local safeguarding "
                 "children board published it after the inspection.",
                 "inspection", 1262304000),
        MakePost("u0000000000000002", "Lessons from the Edlington review",
                 "The Edlington serious case review named Ofsted among the agencies that missed "
                 "warning signs. Social workers were stretched.",
                 "reviews", 1293840000),
        MakePost("u0000000000000003", "Munro review of child protection",
                 "Professor Munro asked for less compliance and more judgement in social work.",
                 "policy", 1304208000),
    };
    ASSERT_TRUE(core_->Upsert(posts).ok());
  }

  void StartGateway(HttpGatewayOptions options = {}) {
    options.listen = "127.0.0.1:0";
    options.port_file = dir_.path() + "/http.port";
    gateway_ = std::make_unique<HttpGateway>(core_.get(), std::move(options));
    ASSERT_TRUE(gateway_->Start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", gateway_->port());
    client_->set_read_timeout(10, 0);
  }

  httplib::Result Get(const std::string& path, const httplib::Headers& headers = {}) {
    return client_->Get(path.c_str(), headers);
  }

  testing_util::TempDir dir_;
  std::unique_ptr<XapianIndex> index_;
  std::unique_ptr<SearchCore> core_;
  std::unique_ptr<HttpGateway> gateway_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpGatewayTest, WritesThePortFile) {
  StartGateway();
  EXPECT_EQ(testing_util::ReadFile(dir_.path() + "/http.port"),
            absl::StrCat(gateway_->port(), "\n"));
}

TEST_F(HttpGatewayTest, SearchReturnsProtoJsonWithSnakeCaseNames) {
  StartGateway();
  auto res = Get("/v1/search?q=Ofsted&facets=category&sort=relevance");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json; charset=utf-8");
  EXPECT_TRUE(absl::StrContains(res->body, "\"estimated_total_size\"")) << res->body;
  EXPECT_TRUE(absl::StrContains(res->body, "\"title_highlight\"")) << res->body;
  auto response = ParseJson<v1::SearchResponse>(res->body);
  ASSERT_EQ(response.hits_size(), 2);
  EXPECT_GT(response.hits(0).snippet().highlights_size(), 0);
  ASSERT_EQ(response.facets_size(), 1);
  EXPECT_EQ(response.facets(0).name(), "category");
}

TEST_F(HttpGatewayTest, FiltersAndSortMatchTheGrpcSemantics) {
  StartGateway();
  auto filtered = Get("/v1/search?q=Ofsted&category=reviews&facets=category");
  ASSERT_TRUE(filtered);
  auto r = ParseJson<v1::SearchResponse>(filtered->body);
  ASSERT_EQ(r.hits_size(), 1);
  EXPECT_EQ(r.hits(0).post().id(), "u0000000000000002");
  bool selected = false;
  for (const auto& v : r.facets(0).values())
    selected = selected || (v.selected() && v.value() == "reviews");
  EXPECT_TRUE(selected);

  auto oldest = Get("/v1/search?sort=oldest&after=2010-06-01");
  ASSERT_TRUE(oldest);
  auto o = ParseJson<v1::SearchResponse>(oldest->body);
  ASSERT_EQ(o.hits_size(), 2);
  EXPECT_EQ(o.hits(0).post().id(), "u0000000000000002");
  EXPECT_EQ(o.hits(1).post().id(), "u0000000000000003");
}

TEST_F(HttpGatewayTest, PagesWithTokens) {
  StartGateway();
  auto first = Get("/v1/search?page_size=2&sort=newest");
  ASSERT_TRUE(first);
  auto p1 = ParseJson<v1::SearchResponse>(first->body);
  ASSERT_EQ(p1.hits_size(), 2);
  ASSERT_FALSE(p1.next_page_token().empty());
  auto second = Get("/v1/search?page_size=2&sort=newest&page_token=" + p1.next_page_token());
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200) << second->body;
  auto p2 = ParseJson<v1::SearchResponse>(second->body);
  ASSERT_EQ(p2.hits_size(), 1);
  EXPECT_TRUE(p2.next_page_token().empty());
  // A token used with different parameters is refused.
  auto changed = Get("/v1/search?page_size=2&sort=oldest&page_token=" + p1.next_page_token());
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->status, 400);
  EXPECT_TRUE(absl::StrContains(changed->body, "page_token")) << changed->body;
}

TEST_F(HttpGatewayTest, BadParametersAre400NamingTheParameter) {
  StartGateway();
  for (const char* path :
       {"/v1/search?page_size=abc", "/v1/search?sort=random", "/v1/search?page_size=1000",
        "/v1/search?facets=colour", "/v1/search?bogus=1", "/v1/search?q=%22unbalanced"}) {
    auto res = Get(path);
    ASSERT_TRUE(res) << path;
    if (absl::EndsWith(path, "unbalanced")) {
      // The query language may accept it; it must never be a server error.
      EXPECT_LT(res->status, 500) << path << " " << res->body;
      continue;
    }
    EXPECT_EQ(res->status, 400) << path << " " << res->body;
    EXPECT_TRUE(absl::StartsWith(res->body, R"({"error":{"code":400,"status":"INVALID_ARGUMENT",)"))
        << res->body;
  }
  auto res = Get("/v1/search?page_size=abc");
  EXPECT_TRUE(absl::StrContains(res->body, R"("message":"page_size: \"abc\" is not an integer")"))
      << res->body;
}

TEST_F(HttpGatewayTest, GetsPostsAndSimilarPosts) {
  StartGateway();
  auto post = Get("/v1/posts/u0000000000000002");
  ASSERT_TRUE(post);
  ASSERT_EQ(post->status, 200) << post->body;
  auto p = ParseJson<v1::Post>(post->body);
  EXPECT_EQ(p.title(), "Lessons from the Edlington review");
  EXPECT_EQ(p.source_urls_size(), 2);
  EXPECT_FALSE(p.body().empty());

  auto missing = Get("/v1/posts/u00000000000000ff");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_TRUE(absl::StartsWith(missing->body, R"({"error":{"code":404,"status":"NOT_FOUND",)"))
      << missing->body;

  auto similar = Get("/v1/posts/u0000000000000002:moreLikeThis?page_size=5");
  ASSERT_TRUE(similar);
  EXPECT_EQ(similar->status, 200) << similar->body;
  auto s = ParseJson<v1::SearchResponse>(similar->body);
  for (const auto& hit : s.hits()) EXPECT_NE(hit.post().id(), "u0000000000000002");

  auto similar_missing = Get("/v1/posts/u00000000000000ff:moreLikeThis");
  ASSERT_TRUE(similar_missing);
  EXPECT_EQ(similar_missing->status, 404);
  auto bad_verb = Get("/v1/posts/u0000000000000002:delete");
  ASSERT_TRUE(bad_verb);
  EXPECT_EQ(bad_verb->status, 404);
  auto bad_size = Get("/v1/posts/u0000000000000002:moreLikeThis?page_size=x");
  ASSERT_TRUE(bad_size);
  EXPECT_EQ(bad_size->status, 400);
}

TEST_F(HttpGatewayTest, SuggestAndStats) {
  StartGateway();
  auto suggest = Get("/v1/suggest?q=edl&limit=5");
  ASSERT_TRUE(suggest);
  EXPECT_EQ(suggest->status, 200) << suggest->body;
  ParseJson<v1::SuggestResponse>(suggest->body);
  auto bad = Get("/v1/suggest?q=edl&limit=500");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);

  auto stats = Get("/v1/stats");
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->status, 200) << stats->body;
  EXPECT_EQ(ParseJson<v1::Stats>(stats->body).document_count(), 3);
  EXPECT_TRUE(absl::StrContains(stats->body, "\"document_count\":\"3\"")) << stats->body;
}

TEST_F(HttpGatewayTest, HttpLevelErrorsUseTheSameBody) {
  StartGateway();
  auto unknown = Get("/v2/nothing");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_TRUE(absl::StartsWith(unknown->body, R"({"error":{"code":404,"status":"NOT_FOUND",)"))
      << unknown->body;

  auto post = client_->Post("/v1/search", "{}", "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD, OPTIONS");

  auto head = client_->Head("/v1/stats");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());

  auto bare_flag = Get("/v1/search?collapse");
  ASSERT_TRUE(bare_flag);
  EXPECT_EQ(bare_flag->status, 200) << bare_flag->body;

  auto long_uri = Get("/v1/search?q=" + std::string(8300, 'a'));
  ASSERT_TRUE(long_uri);
  EXPECT_EQ(long_uri->status, 414);
  EXPECT_TRUE(absl::StrContains(long_uri->body, "\"code\":414")) << long_uri->body;
}

TEST_F(HttpGatewayTest, ConfigurableUriLimit) {
  HttpGatewayOptions options;
  options.max_uri_bytes = 100;
  StartGateway(options);
  auto res = Get("/v1/search?q=" + std::string(200, 'a'));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 414);
  EXPECT_TRUE(absl::StrContains(res->body, "over the limit of 100")) << res->body;
}

TEST_F(HttpGatewayTest, CorsAllowsOnlyConfiguredOrigins) {
  HttpGatewayOptions options;
  auto cors = ParseCorsOrigins("https://research.example");
  ASSERT_TRUE(cors.ok());
  options.cors = *cors;
  StartGateway(options);

  auto allowed = Get("/v1/stats", {{"Origin", "https://research.example"}});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->get_header_value("Access-Control-Allow-Origin"), "https://research.example");
  EXPECT_EQ(allowed->get_header_value("Vary"), "Origin");

  auto other = Get("/v1/stats", {{"Origin", "https://elsewhere.example"}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
  EXPECT_FALSE(other->has_header("Access-Control-Allow-Origin"));

  auto preflight = client_->Options("/v1/search", {{"Origin", "https://research.example"},
                                                   {"Access-Control-Request-Method", "GET"}});
  ASSERT_TRUE(preflight);
  EXPECT_EQ(preflight->status, 204);
  EXPECT_EQ(preflight->get_header_value("Access-Control-Allow-Origin"), "https://research.example");
  EXPECT_EQ(preflight->get_header_value("Access-Control-Allow-Methods"), "GET, HEAD, OPTIONS");
}

TEST_F(HttpGatewayTest, NoCorsHeadersByDefault) {
  StartGateway();
  auto res = Get("/v1/stats", {{"Origin", "https://research.example"}});
  ASSERT_TRUE(res);
  EXPECT_FALSE(res->has_header("Access-Control-Allow-Origin"));
}

TEST_F(HttpGatewayTest, ServesThePageWithCachingAndPolicy) {
  StartGateway();
  auto page = Get("/");
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_TRUE(absl::StrContains(page->body, "<!doctype html>")) << page->body.substr(0, 200);
  EXPECT_TRUE(
      absl::StrContains(page->get_header_value("Content-Security-Policy"), "script-src 'self'"));
  std::string etag = page->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());
  auto again = Get("/", {{"If-None-Match", etag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);

  auto js = Get("/static/app.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  auto css = Get("/static/style.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->get_header_value("Content-Type"), "text/css; charset=utf-8");
  auto missing = Get("/static/nope.js");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  auto traversal = Get("/static/../CMakeLists.txt");
  ASSERT_TRUE(traversal);
  EXPECT_EQ(traversal->status, 404);
}

TEST_F(HttpGatewayTest, HealthFlipsDuringShutdownAndStopIsIdempotent) {
  StartGateway();
  auto ok = Get("/healthz");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "ok\n");
  gateway_->SetServing(false);
  auto draining = Get("/healthz");
  ASSERT_TRUE(draining);
  EXPECT_EQ(draining->status, 503);
  gateway_->Stop();
  gateway_->Stop();
  httplib::Client fresh("127.0.0.1", gateway_->port());
  fresh.set_connection_timeout(1, 0);
  EXPECT_FALSE(fresh.Get("/healthz"));
}

// A burst of new connections is queued by the kernel, not dropped: a dropped
// SYN shows as a connect that completes only on the kernel's retransmission,
// 1 s later (cpp-httplib's own backlog of 5 dropped them; http_gateway.cc).
TEST_F(HttpGatewayTest, ABurstOfConnectionsIsQueuedNotDropped) {
  StartGateway();
  constexpr int kConnections = 200;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(gateway_->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::vector<pollfd> fds;
  for (int i = 0; i < kConnections; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    ASSERT_TRUE(rc == 0 || errno == EINPROGRESS) << std::strerror(errno);
    fds.push_back({fd, POLLOUT, 0});
  }
  // Every connect completes well before a retransmitted SYN could (1 s).
  const absl::Time deadline = absl::Now() + absl::Milliseconds(700);
  int connected = 0;
  for (pollfd& p : fds) {
    const int wait_ms =
        static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now())));
    if (::poll(&p, 1, wait_ms) == 1 && (p.revents & POLLOUT)) {
      int error = 0;
      socklen_t len = sizeof error;
      ::getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &error, &len);
      if (error == 0) ++connected;
    }
  }
  for (const pollfd& p : fds) ::close(p.fd);
  EXPECT_EQ(connected, kConnections);
  auto ok = Get("/healthz");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(HttpGatewayTest, StartFailsOnABadOrBusyAddress) {
  StartGateway();
  HttpGatewayOptions busy;
  busy.listen = absl::StrCat("127.0.0.1:", gateway_->port());
  HttpGateway second(core_.get(), busy);
  EXPECT_EQ(second.Start().code(), absl::StatusCode::kUnavailable);
  HttpGatewayOptions bad;
  bad.listen = "nonsense";
  HttpGateway third(core_.get(), bad);
  EXPECT_EQ(third.Start().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace scr::search
