#include "tests/test_util.h"

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace scr::testing_util {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = absl::StrCat(base != nullptr ? base : "/tmp", "/scrtest.XXXXXX");
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) std::abort();
  path_ = buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::optional<std::string> SharedPath(const std::string& relative) {
  std::string path = absl::StrCat(SCR_SHARED_DIR, "/", relative);
  if (!std::filesystem::exists(path)) return std::nullopt;
  return path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int RunCommand(const std::string& command, std::string* output) {
  output->clear();
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) output->append(buf, n);
  int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string BuiltBinary(const std::string& relative) {
  return absl::StrCat(SCR_BINARY_DIR, "/", relative);
}

absl::StatusOr<std::unique_ptr<Subprocess>> Subprocess::Start(const std::vector<std::string>& argv,
                                                              const std::string& log_path) {
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  if (pid == 0) {
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      close(fd);
    }
    // The test runner may block signals; children start with a clean mask.
    sigset_t set;
    sigemptyset(&set);
    sigprocmask(SIG_SETMASK, &set, nullptr);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return std::unique_ptr<Subprocess>(new Subprocess(pid, log_path));
}

Subprocess::~Subprocess() {
  if (reaped_) return;
  Signal(SIGTERM);
  if (!Wait(absl::Seconds(10)).ok()) {
    Signal(SIGKILL);
    (void)Wait(absl::Seconds(10));
  }
}

void Subprocess::Signal(int signal_number) {
  if (!reaped_) kill(pid_, signal_number);
}

bool Subprocess::Running() {
  if (reaped_) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) reaped_ = true;
  return !reaped_;
}

absl::StatusOr<int> Subprocess::Wait(absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      return status;
    }
    if (absl::Now() > deadline) return absl::DeadlineExceededError("process still running");
    absl::SleepFor(absl::Milliseconds(10));
  }
}

absl::StatusOr<int> WaitForPortFile(const std::string& path, absl::Duration timeout,
                                    Subprocess* process) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    std::string text = ReadFile(path);
    int port = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &port) && port > 0) return port;
    if (process != nullptr && !process->Running()) {
      return absl::FailedPreconditionError(
          absl::StrCat("process exited before serving; log:\n", ReadFile(process->log_path())));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::DeadlineExceededError(absl::StrCat("no port in ", path));
}

absl::Status WaitForHealthy(const std::string& address, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    // A fresh channel with its own subchannel per attempt: a shared one
    // would sit out gRPC's reconnect backoff (a second and growing) after
    // the first refused connection.
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
    auto stub = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    grpc::Status s = stub->Check(&ctx, req, &resp);
    if (s.ok() && resp.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(absl::StrCat(address, " did not become healthy"));
}

absl::StatusOr<std::unique_ptr<Subprocess>> StartSearchService(const std::string& root,
                                                               std::string* address) {
  std::string port_file = root + "/search.port";
  auto search =
      Subprocess::Start({BuiltBinary("search-service/search-service"), "--listen=127.0.0.1:0",
                         "--data_dir=" + root + "/search", "--port_file=" + port_file},
                        root + "/search.log");
  if (!search.ok()) return search.status();
  auto port = WaitForPortFile(port_file, absl::Seconds(30), search->get());
  if (!port.ok()) return port.status();
  *address = absl::StrCat("127.0.0.1:", *port);
  if (auto s = WaitForHealthy(*address, absl::Seconds(30)); !s.ok()) return s;
  return search;
}

absl::StatusOr<ServicePair> StartServices(const std::string& root) {
  ServicePair pair;
  auto search = StartSearchService(root, &pair.search_address);
  if (!search.ok()) return search.status();
  pair.search = *std::move(search);
  std::string port_file = root + "/ingest.port";
  auto ingest = Subprocess::Start({BuiltBinary("ingest-service/ingest-service"),
                                   "--listen=127.0.0.1:0", "--search=" + pair.search_address,
                                   "--data_dir=" + root + "/ingest", "--port_file=" + port_file},
                                  root + "/ingest.log");
  if (!ingest.ok()) return ingest.status();
  pair.ingest = *std::move(ingest);
  auto port = WaitForPortFile(port_file, absl::Seconds(30), pair.ingest.get());
  if (!port.ok()) return port.status();
  pair.ingest_address = absl::StrCat("127.0.0.1:", *port);
  if (auto s = WaitForHealthy(pair.ingest_address, absl::Seconds(30)); !s.ok()) return s;
  return pair;
}

}  // namespace scr::testing_util
