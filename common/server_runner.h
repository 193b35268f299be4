// ServerRunner holds the gRPC server boilerplate shared by both services:
// binding (port 0 allowed), health checking (grpc.health.v1), server
// reflection, SIGTERM/SIGINT handling and graceful shutdown.
//
// Usage from main():
//   ServerRunner::PrepareProcess();         // first, before any thread starts
//   ServerRunner runner(options);
//   runner.AddService(&my_service);
//   if (auto s = runner.Start(); !s.ok()) { ...exit 1... }
//   runner.WaitForShutdownSignal();          // returns after a clean shutdown
//
// Thread safety: SetServing may be called from any thread after Start; the
// other methods from the owning thread only.
#ifndef SCR_COMMON_SERVER_RUNNER_H_
#define SCR_COMMON_SERVER_RUNNER_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace scr::common {

struct ServerOptions {
  // "host:port" to listen on; port 0 picks a free port. Required.
  std::string listen;
  // Name for logs, for example "search-service".
  std::string name;
  // When set, the bound port is written to this file (atomically, via rename)
  // after the server starts; tests and scripts read it instead of parsing logs.
  std::string port_file;
  // Longest time in-flight RPCs get to finish after a shutdown signal.
  // Default: 10 seconds.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Largest request message accepted. Default: 20 MiB.
  int max_receive_message_bytes = 20 << 20;
};

class ServerRunner {
 public:
  // Blocks SIGTERM and SIGINT in the calling thread and so in every thread it
  // starts later; WaitForShutdownSignal then receives them synchronously.
  static void BlockShutdownSignals();

  // A service's process set-up, first thing in main(): BlockShutdownSignals,
  // and Abseil's mutex deadlock detection off. Debian builds Abseil without
  // NDEBUG, so by default every absl::Mutex (gRPC's per-call ones included)
  // feeds a process-wide lock-order graph under a global lock; unit tests,
  // which do not call this, keep the detection.
  static void PrepareProcess();

  explicit ServerRunner(ServerOptions options);
  ~ServerRunner();
  ServerRunner(const ServerRunner&) = delete;
  ServerRunner& operator=(const ServerRunner&) = delete;

  // Registers a service. The service must outlive the runner. REQUIRES: before Start.
  void AddService(grpc::Service* service);

  // Registers a callback run when shutdown begins (after health flips to
  // NOT_SERVING, before in-flight RPCs are drained), for example to stop
  // background work. Called at most once.
  void OnShutdown(std::function<void()> callback);

  // Binds and starts serving. Returns INVALID_ARGUMENT for a malformed
  // address and UNAVAILABLE when the address cannot be bound. Logs
  // "listening on HOST:PORT" with the bound port.
  absl::Status Start();

  // The bound port. REQUIRES: Start returned OK.
  int port() const { return port_; }

  // Sets the overall health status ("" service) and that of every registered service.
  void SetServing(bool serving);

  // After Start, polls `check` every `period` and sets health to SERVING
  // when it returns OK, NOT_SERVING otherwise, logging each change. Stops
  // when shutdown begins. Call at most once, before WaitForShutdownSignal.
  void WatchHealth(std::function<absl::Status()> check,
                   absl::Duration period = absl::Milliseconds(500));

  // Blocks until SIGTERM or SIGINT, then flips health to NOT_SERVING, runs
  // the shutdown callbacks and shuts the server down, cancelling RPCs still
  // running after the grace period.
  void WaitForShutdownSignal();

 private:
  ServerOptions options_;
  std::vector<grpc::Service*> services_;
  std::vector<std::string> service_names_;
  std::vector<std::function<void()>> shutdown_callbacks_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::thread health_thread_;
  absl::Mutex health_mu_;
  bool stop_health_ ABSL_GUARDED_BY(health_mu_) = false;
};

// Parses "host:port" (IPv6 hosts in brackets). Returns INVALID_ARGUMENT
// naming the flag when it is malformed or the port is out of range.
absl::Status ValidateListenAddress(const std::string& flag_name, const std::string& address);

// Creates the folder if needed and checks that it is a writable directory.
// Returns FAILED_PRECONDITION saying why when it is not.
absl::Status EnsureDataDir(const std::string& path);

}  // namespace scr::common

#endif  // SCR_COMMON_SERVER_RUNNER_H_
