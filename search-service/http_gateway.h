// HttpGateway serves SearchService over HTTP/1.1 with JSON bodies, plus the
// search page (web/, embedded at build time), with cpp-httplib.
//
// It is a thin adapter: every API route converts its query parameters to the
// scr.v1 request message (http_request.h), then calls the same conversion
// functions (convert.h) and SearchCore methods as the gRPC handlers, and
// prints the response with protobuf's JSON mapping using the proto field
// names (snake_case, as `scrctl --json`); int64 fields are JSON strings and
// fields with default values are omitted. docs/WEB.md documents the routes.
//
//   GET /v1/search?q=...            SearchService.Search
//   GET /v1/posts/{id}              SearchService.GetPost
//   GET /v1/posts/{id}:moreLikeThis SearchService.MoreLikeThis
//   GET /v1/suggest?q=...           SearchService.Suggest
//   GET /v1/stats                   SearchService.GetStats
//   GET /healthz                    200 "ok", or 503 once shutdown began
//   GET /  and  GET /static/{file}  the search page
//
// Errors are {"error":{"code":HTTP,"status":"CODE","message":"..."}} with the
// HTTP status mapped from the canonical code (HttpStatusFromCode).
//
// Thread safety: Start and Stop are called from one owning thread (Stop may
// also be called from a shutdown callback on another thread, once Start has
// returned). SetServing may be called from any thread. Requests are served
// concurrently by a fixed pool of `threads` workers; SearchCore is
// thread-safe.
#ifndef SCR_SEARCH_HTTP_GATEWAY_H_
#define SCR_SEARCH_HTTP_GATEWAY_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "search-service/http_request.h"
#include "search-service/search_core.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace scr::search {

struct HttpGatewayOptions {
  // "host:port" to listen on (IPv6 hosts in brackets); port 0 picks a free
  // port. Required.
  std::string listen;
  // When set, the bound port is written here (atomically, via rename) once
  // the socket listens.
  std::string port_file;
  // Origins whose browsers may read the API's responses (CORS); empty: none.
  CorsPolicy cors;
  // Worker threads; each serves one connection at a time.
  int threads = 32;
  // Accepted connections waiting for a worker; beyond this the accept loop
  // waits, so further connections queue in the kernel's listen backlog.
  int max_queued_connections = 256;
  // Longest request target (path and query). Longer: 414. At most 8192,
  // cpp-httplib's own limit.
  size_t max_uri_bytes = 8192;
  // Largest request body. Larger: 413. The API takes no bodies.
  size_t max_body_bytes = 64 * 1024;
  // Socket read and write timeouts.
  absl::Duration read_timeout = absl::Seconds(10);
  absl::Duration write_timeout = absl::Seconds(10);
  // How long an idle keep-alive connection is held, and how many requests
  // one connection may carry.
  absl::Duration keep_alive_timeout = absl::Seconds(2);
  int keep_alive_max_requests = 100;
  // Serve the search page at / and /static/.
  bool serve_page = true;
};

class HttpGateway {
 public:
  // `core` must outlive the gateway.
  HttpGateway(SearchCore* core, HttpGatewayOptions options);
  // Stops the server if it runs.
  ~HttpGateway();
  HttpGateway(const HttpGateway&) = delete;
  HttpGateway& operator=(const HttpGateway&) = delete;

  // Binds, writes the port file, logs "http gateway listening on HOST:PORT"
  // and starts serving on a background thread. Returns INVALID_ARGUMENT for
  // a malformed address or option, UNAVAILABLE when the address cannot be
  // bound. Call at most once.
  absl::Status Start();

  // The bound port. REQUIRES: Start returned OK.
  int port() const { return port_; }

  // While false, /healthz answers 503 (the API keeps answering). Start sets
  // it true; Stop sets it false first.
  void SetServing(bool serving) { serving_.store(serving); }

  // Flips /healthz to 503, stops accepting connections, lets requests in
  // progress finish (bounded by the timeouts) and joins the threads.
  // Idempotent; a no-op before Start.
  void Stop();

 private:
  void RegisterRoutes();

  SearchCore* core_;
  HttpGatewayOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::mutex stop_mu_;
  std::atomic<bool> serving_{false};
  int port_ = 0;
};

// Checks the options (listen address, thread count, limits, timeouts).
// INVALID_ARGUMENT naming the flag or option when one is out of range.
// Start calls it; main may call it first to fail fast on bad flags.
absl::Status ValidateHttpGatewayOptions(const HttpGatewayOptions& options);

}  // namespace scr::search

#endif  // SCR_SEARCH_HTTP_GATEWAY_H_
