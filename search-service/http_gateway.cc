#include "search-service/http_gateway.h"

#include <google/protobuf/util/json_util.h>
#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/hash.h"
#include "common/logging.h"
#include "common/server_runner.h"
#include "search-service/convert.h"
#include "search-service/http_assets.h"

namespace scr::search {
namespace {

constexpr char kJsonType[] = "application/json; charset=utf-8";
constexpr char kAllowedMethods[] = "GET, HEAD, OPTIONS";
constexpr char kMoreLikeThisVerb[] = ":moreLikeThis";

// The search page may load only its own files and call only this origin.
constexpr char kPageSecurityPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

// Connections the kernel queues for the accept loop (capped by
// net.core.somaxconn). Debian's cpp-httplib is a shared library built to
// listen with a backlog of 5: 16 clients connecting at once overflowed it,
// and the connections whose SYN was dropped waited for the kernel's
// retransmission, 1 s later. Linux lets listen() on a listening socket change
// its backlog, so Start calls it again after httplib's bind.
constexpr int kListenBacklog = 1024;

// A fixed pool of workers with a bounded queue of accepted connections. When
// the queue is full, enqueue (called by httplib's accept loop) waits, so
// overload backs up into the kernel's listen backlog (kListenBacklog) instead
// of memory.
class BoundedTaskQueue : public httplib::TaskQueue {
 public:
  BoundedTaskQueue(int threads, int max_queued) : max_queued_(static_cast<size_t>(max_queued)) {
    for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
  }
  ~BoundedTaskQueue() override = default;

  void enqueue(std::function<void()> fn) override {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [&] { return jobs_.size() < max_queued_ || shutdown_; });
    jobs_.push_back(std::move(fn));
    not_empty_.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      shutdown_ = true;
    }
    not_empty_.notify_all();
    not_full_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

 private:
  void Work() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> lock(mu_);
        not_empty_.wait(lock, [&] { return !jobs_.empty() || shutdown_; });
        if (jobs_.empty()) return;  // shutdown_ and nothing left
        fn = std::move(jobs_.front());
        jobs_.pop_front();
        not_full_.notify_one();
      }
      fn();
    }
  }

  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<std::function<void()>> jobs_;
  bool shutdown_ = false;
  std::vector<std::thread> workers_;
};

void SetJsonError(httplib::Response& res, int http_status, absl::StatusCode code,
                  absl::string_view message) {
  res.status = http_status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(ErrorJson(http_status, code, message) + "\n", kJsonType);
}

void SetError(httplib::Response& res, const absl::Status& status) {
  SetJsonError(res, HttpStatusFromCode(status.code()), status.code(), status.message());
}

void SetMessage(httplib::Response& res, const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    SetError(res, absl::InternalError(
                      absl::StrCat("cannot print the response as JSON: ", status.ToString())));
    return;
  }
  res.status = 200;
  res.set_header("Cache-Control", "no-store");
  res.set_content(json + "\n", kJsonType);
}

const char* ContentTypeFor(absl::string_view path) {
  if (absl::EndsWith(path, ".html")) return "text/html; charset=utf-8";
  if (absl::EndsWith(path, ".js") || absl::EndsWith(path, ".mjs")) {
    return "text/javascript; charset=utf-8";
  }
  if (absl::EndsWith(path, ".css")) return "text/css; charset=utf-8";
  if (absl::EndsWith(path, ".svg")) return "image/svg+xml";
  if (absl::EndsWith(path, ".png")) return "image/png";
  if (absl::EndsWith(path, ".ico")) return "image/x-icon";
  if (absl::EndsWith(path, ".json")) return "application/json; charset=utf-8";
  if (absl::EndsWith(path, ".txt")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

// A stable ETag across restarts (FNV-1a; absl::Hash is seeded per process).
std::string ETagFor(absl::string_view content) {
  return absl::StrCat(
      "\"", absl::Hex(common::Fnv1a64(content, common::kFnvOffsetBasis), absl::kZeroPad16), "\"");
}

const EmbeddedAsset* FindAsset(absl::string_view path) {
  for (const EmbeddedAsset& a : WebAssets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

void ServeAsset(const httplib::Request& req, httplib::Response& res, const EmbeddedAsset& asset) {
  std::string etag = ETagFor(asset.content);
  res.set_header("ETag", etag);
  // Revalidate every time: the files are small and change with the binary.
  res.set_header("Cache-Control", "no-cache");
  if (absl::EndsWith(asset.path, ".html")) {
    res.set_header("Content-Security-Policy", kPageSecurityPolicy);
    res.set_header("X-Frame-Options", "DENY");
  }
  if (req.get_header_value("If-None-Match") == etag) {
    res.status = 304;
    return;
  }
  res.status = 200;
  res.set_content(std::string(asset.content), ContentTypeFor(asset.path));
}

bool IsApiPath(absl::string_view path) {
  return absl::StartsWith(path, "/v1/") || path == "/healthz";
}

// Writes `port` to `path` via a temporary file and rename, like ServerRunner.
absl::Status WritePortFile(const std::string& path, int port) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out.good()) {
      return absl::FailedPreconditionError(
          absl::StrCat("--http_port_file=", path, ": cannot write"));
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("--http_port_file=", path, ": cannot rename: ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateHttpGatewayOptions(const HttpGatewayOptions& options) {
  if (auto s = common::ValidateListenAddress("http_listen", options.listen); !s.ok()) return s;
  if (options.threads < 1 || options.threads > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http_threads=", options.threads, ": must be 1 to 1024"));
  }
  if (options.max_queued_connections < 1) {
    return absl::InvalidArgumentError("http gateway: max_queued_connections must be positive");
  }
  if (options.max_uri_bytes < 16 || options.max_uri_bytes > 8192) {
    return absl::InvalidArgumentError("http gateway: max_uri_bytes must be 16 to 8192");
  }
  if (options.read_timeout <= absl::ZeroDuration() ||
      options.write_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("http gateway: timeouts must be positive");
  }
  return absl::OkStatus();
}

HttpGateway::HttpGateway(SearchCore* core, HttpGatewayOptions options)
    : core_(core), options_(std::move(options)) {}

HttpGateway::~HttpGateway() { Stop(); }

void HttpGateway::RegisterRoutes() {
  httplib::Server& s = *server_;

  s.Get("/v1/search", [this](const httplib::Request& req, httplib::Response& res) {
    auto request = SearchRequestFromParams(req.params);
    if (!request.ok()) return SetError(res, request.status());
    auto query = SearchQueryFromProto(*request);
    if (!query.ok()) return SetError(res, query.status());
    auto results = core_->Search(*query);
    if (!results.ok()) return SetError(res, results.status());
    SetMessage(res, SearchResponseToProto(*std::move(results), *query, *request));
  });

  // One route for GET /v1/posts/{id} and GET /v1/posts/{id}:moreLikeThis.
  s.Get(R"(/v1/posts/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    std::string id = req.matches[1].str();
    if (absl::EndsWith(id, kMoreLikeThisVerb)) {
      id.resize(id.size() - (sizeof(kMoreLikeThisVerb) - 1));
      auto request = MoreLikeThisRequestFromParams(id, req.params);
      if (!request.ok()) return SetError(res, request.status());
      auto query = MoreLikeThisQueryFromProto(*request);
      if (!query.ok()) return SetError(res, query.status());
      auto results = core_->MoreLikeThis(query->id, query->limit, query->filter);
      if (!results.ok()) return SetError(res, results.status());
      return SetMessage(res, SearchResponseToProto(*std::move(results)));
    }
    if (size_t colon = id.find(':'); colon != std::string::npos) {
      return SetJsonError(
          res, 404, absl::StatusCode::kNotFound,
          absl::StrCat("unknown method ", id.substr(colon), "; posts have :moreLikeThis"));
    }
    if (auto st = CheckNoParams(req.params); !st.ok()) return SetError(res, st);
    auto post = core_->GetPost(id);
    if (!post.ok()) return SetError(res, post.status());
    SetMessage(res, *post);
  });

  s.Get("/v1/suggest", [this](const httplib::Request& req, httplib::Response& res) {
    auto request = SuggestRequestFromParams(req.params);
    if (!request.ok()) return SetError(res, request.status());
    auto query = SuggestQueryFromProto(*request);
    if (!query.ok()) return SetError(res, query.status());
    auto suggestions = core_->Suggest(query->prefix, query->limit);
    if (!suggestions.ok()) return SetError(res, suggestions.status());
    SetMessage(res, SuggestResponseToProto(*suggestions));
  });

  s.Get("/v1/stats", [this](const httplib::Request& req, httplib::Response& res) {
    if (auto st = CheckNoParams(req.params); !st.ok()) return SetError(res, st);
    auto stats = core_->Stats();
    if (!stats.ok()) return SetError(res, stats.status());
    SetMessage(res, StatsToProto(*stats));
  });

  s.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    if (serving_.load()) {
      res.status = 200;
      res.set_content("ok\n", "text/plain; charset=utf-8");
    } else {
      SetJsonError(res, 503, absl::StatusCode::kUnavailable, "shutting down");
    }
  });

  if (options_.serve_page) {
    s.Get("/", [](const httplib::Request& req, httplib::Response& res) {
      const EmbeddedAsset* asset = FindAsset("index.html");
      if (asset == nullptr) {
        return SetJsonError(res, 404, absl::StatusCode::kNotFound, "the page is not built in");
      }
      ServeAsset(req, res, *asset);
    });
    s.Get(R"(/static/(.+))", [](const httplib::Request& req, httplib::Response& res) {
      const EmbeddedAsset* asset = FindAsset(req.matches[1].str());
      if (asset == nullptr) {
        return SetJsonError(res, 404, absl::StatusCode::kNotFound,
                            absl::StrCat("no file ", req.path));
      }
      ServeAsset(req, res, *asset);
    });
  }
}

absl::Status HttpGateway::Start() {
  if (server_) return absl::FailedPreconditionError("http gateway: Start called twice");
  if (auto s = ValidateHttpGatewayOptions(options_); !s.ok()) return s;
  const std::string& listen = options_.listen;
  size_t colon = listen.rfind(':');
  std::string host = listen.substr(0, colon);
  int port = 0;
  if (!absl::SimpleAtoi(listen.substr(colon + 1), &port)) {
    return absl::InvalidArgumentError(absl::StrCat("--http_listen=", listen, ": bad port"));
  }
  std::string bind_host = host;
  if (bind_host.size() >= 2 && bind_host.front() == '[' && bind_host.back() == ']') {
    bind_host = bind_host.substr(1, bind_host.size() - 2);
  }

  server_ = std::make_unique<httplib::Server>();
  httplib::Server& s = *server_;
  const int threads = options_.threads;
  const int max_queued = options_.max_queued_connections;
  s.new_task_queue = [threads, max_queued] { return new BoundedTaskQueue(threads, max_queued); };
  s.set_tcp_nodelay(true);
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let a
  // second process bind the same port silently.
  s.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  s.set_payload_max_length(options_.max_body_bytes);
  s.set_read_timeout(absl::ToChronoMicroseconds(options_.read_timeout));
  s.set_write_timeout(absl::ToChronoMicroseconds(options_.write_timeout));
  s.set_keep_alive_timeout(
      std::max<time_t>(1, static_cast<time_t>(absl::ToInt64Seconds(options_.keep_alive_timeout))));
  s.set_keep_alive_max_count(static_cast<size_t>(std::max(1, options_.keep_alive_max_requests)));
  s.set_default_headers(
      {{"X-Content-Type-Options", "nosniff"}, {"Referrer-Policy", "same-origin"}});

  // Limits, CORS and methods, before any route runs.
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.target.size() > options_.max_uri_bytes) {
      SetJsonError(res, 414, absl::StatusCode::kResourceExhausted,
                   absl::StrCat("request URI of ", req.target.size(),
                                " bytes is over the limit of ", options_.max_uri_bytes));
      return httplib::Server::HandlerResponse::Handled;
    }
    const bool api = IsApiPath(req.path);
    std::optional<std::string> allow_origin;
    if (api) {
      allow_origin = CorsAllowOrigin(options_.cors, req.get_header_value("Origin"));
      if (allow_origin) {
        res.set_header("Access-Control-Allow-Origin", *allow_origin);
        if (*allow_origin != "*") res.set_header("Vary", "Origin");
      }
    }
    if (req.method == "GET" || req.method == "HEAD") {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    if (req.method == "OPTIONS") {
      // A preflight (or a plain OPTIONS): no content, the allowed methods,
      // and the CORS grants when the origin may call us.
      res.status = 204;
      res.set_header("Allow", kAllowedMethods);
      if (allow_origin) {
        res.set_header("Access-Control-Allow-Methods", kAllowedMethods);
        res.set_header("Access-Control-Allow-Headers", "Accept, Content-Type, If-None-Match");
        res.set_header("Access-Control-Max-Age", "600");
      }
      return httplib::Server::HandlerResponse::Handled;
    }
    res.set_header("Allow", kAllowedMethods);
    SetJsonError(res, 405, absl::StatusCode::kUnimplemented,
                 absl::StrCat("method ", req.method, " is not allowed; use GET"));
    return httplib::Server::HandlerResponse::Handled;
  });

  // Errors httplib produces itself (unknown route, 413, 414, 400) get the
  // same JSON body as ours; responses that already have a body are kept.
  s.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string message;
        switch (res.status) {
          case 404:
            message = absl::StrCat("no route for ", req.method, " ", req.path);
            break;
          case 413:
            message = "request body too large";
            break;
          case 414:
            message = "request URI too long";
            break;
          case 405:
            message = "method not allowed";
            break;
          default:
            message = absl::StrCat("HTTP status ", res.status);
        }
        SetJsonError(res, res.status, CodeFromHttpStatus(res.status), message);
        return httplib::Server::HandlerResponse::Handled;
      }));

  s.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        SCR_LOG(ERROR) << "http gateway: " << req.method << " " << req.path << ": " << what;
        SetJsonError(res, 500, absl::StatusCode::kInternal, "internal error");
      });

  s.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    if (res.status >= 500 && req.path != "/healthz") {
      SCR_LOG(WARNING) << "http gateway: " << req.method << " " << req.path << " -> " << res.status;
    }
  });

  RegisterRoutes();

  // httplib creates the listening socket inside bind: note which it is.
  auto listen_fd = std::make_shared<int>(-1);
  // SO_REUSEADDR only (a restart binds despite TIME_WAIT); never SO_REUSEPORT,
  // which the header's default_socket_options sets and which would let a
  // second process bind the same port and take half the connections.
  s.set_socket_options([listen_fd](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    *listen_fd = sock;
  });
  if (port == 0) {
    port = s.bind_to_any_port(bind_host);
    if (port < 0) port = 0;
  } else if (!s.bind_to_port(bind_host, port)) {
    port = 0;
  }
  if (port == 0) {
    server_.reset();
    return absl::UnavailableError(
        absl::StrCat("cannot listen on --http_listen=", listen,
                     " (address in use, or not an address of this machine?)"));
  }
  if (*listen_fd >= 0 && ::listen(*listen_fd, kListenBacklog) != 0) {
    SCR_LOG(WARNING) << "http gateway: cannot raise the listen backlog to " << kListenBacklog
                     << ": " << std::strerror(errno);
  }
  port_ = port;
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() is a no-op until the accept loop runs: wait for it, so Stop never
  // misses. The socket already listens, so no connection is lost meanwhile.
  for (int i = 0; i < 5000 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  SCR_LOG(INFO) << "http gateway listening on " << host << ":" << port_;
  if (!options_.port_file.empty()) {
    if (auto st = WritePortFile(options_.port_file, port_); !st.ok()) {
      Stop();
      return st;
    }
  }
  serving_.store(true);
  return absl::OkStatus();
}

void HttpGateway::Stop() {
  std::lock_guard<std::mutex> lock(stop_mu_);
  serving_.store(false);
  if (!server_) return;
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
    SCR_LOG(INFO) << "http gateway stopped";
  }
}

}  // namespace scr::search
