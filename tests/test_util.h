// Helpers shared by tests: temporary folders, the shared data folder, and
// real service processes started on 127.0.0.1 with port 0.
#ifndef SCR_TESTS_TEST_UTIL_H_
#define SCR_TESTS_TEST_UTIL_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace scr::testing_util {

// A fresh folder under $TMPDIR (or /tmp), removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Returns the path of `relative` under the shared data folder (../shared),
// or nullopt when it does not exist. Callers GTEST_SKIP with a message then.
std::optional<std::string> SharedPath(const std::string& relative);

// Reads a whole file; empty string when it cannot be read.
std::string ReadFile(const std::string& path);

// Runs `command` with /bin/sh and collects its stdout into `output` (add
// " 2>&1" to the command for stderr too). Returns its exit code, or -1 when
// it could not be run or did not exit normally.
int RunCommand(const std::string& command, std::string* output);

// Path of a binary built by this build tree, for example "search-service/search-service".
std::string BuiltBinary(const std::string& relative);

// A child process. Stdout and stderr go to `log_path`. The destructor sends
// SIGTERM, waits up to 10 s, then SIGKILL, so no test leaves a process behind.
class Subprocess {
 public:
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(const std::vector<std::string>& argv,
                                                           const std::string& log_path);
  ~Subprocess();

  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }

  // Sends a signal.
  void Signal(int signal_number);

  // Waits for exit up to `timeout`; returns the exit status as from waitpid,
  // or DEADLINE_EXCEEDED.
  absl::StatusOr<int> Wait(absl::Duration timeout);

  // True while the process has not exited.
  bool Running();

 private:
  Subprocess(pid_t pid, std::string log_path) : pid_(pid), log_path_(std::move(log_path)) {}
  pid_t pid_;
  std::string log_path_;
  bool reaped_ = false;
};

// Waits until `path` holds a port number written by --port_file.
absl::StatusOr<int> WaitForPortFile(const std::string& path, absl::Duration timeout,
                                    Subprocess* process);

// Waits until grpc.health.v1 Check on `address` answers SERVING.
absl::Status WaitForHealthy(const std::string& address, absl::Duration timeout);

// A search-service and an ingest-service pair running on loopback.
struct ServicePair {
  std::unique_ptr<Subprocess> search;
  std::unique_ptr<Subprocess> ingest;
  std::string search_address;
  std::string ingest_address;
};

// Starts both services with data folders under `root` and waits for health.
absl::StatusOr<ServicePair> StartServices(const std::string& root);

// Starts search-service alone with its data folder under `root`.
absl::StatusOr<std::unique_ptr<Subprocess>> StartSearchService(const std::string& root,
                                                               std::string* address);

}  // namespace scr::testing_util

#endif  // SCR_TESTS_TEST_UTIL_H_
