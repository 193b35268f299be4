#include "common/server_runner.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"

namespace scr::common {

void ServerRunner::BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A client that goes away must not kill us.
  signal(SIGPIPE, SIG_IGN);
}

void ServerRunner::PrepareProcess() {
  BlockShutdownSignals();
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

ServerRunner::ServerRunner(ServerOptions options) : options_(std::move(options)) {}

ServerRunner::~ServerRunner() {
  {
    absl::MutexLock lock(&health_mu_);
    stop_health_ = true;
  }
  if (health_thread_.joinable()) health_thread_.join();
  if (server_) server_->Shutdown(std::chrono::system_clock::now());
}

void ServerRunner::WatchHealth(std::function<absl::Status()> check, absl::Duration period) {
  health_thread_ = std::thread([this, check = std::move(check), period] {
    bool serving = true;
    while (true) {
      {
        absl::MutexLock lock(&health_mu_);
        auto stop = [this]() ABSL_SHARED_LOCKS_REQUIRED(health_mu_) { return stop_health_; };
        if (health_mu_.AwaitWithTimeout(absl::Condition(&stop), period)) return;
      }
      absl::Status s = check();
      if (s.ok() != serving) {
        serving = s.ok();
        if (serving) {
          SCR_LOG(INFO) << "health: SERVING";
        } else {
          SCR_LOG(WARNING) << "health: NOT_SERVING: " << s;
        }
        SetServing(serving);
      }
    }
  });
}

void ServerRunner::AddService(grpc::Service* service) { services_.push_back(service); }

void ServerRunner::OnShutdown(std::function<void()> callback) {
  shutdown_callbacks_.push_back(std::move(callback));
}

absl::Status ValidateListenAddress(const std::string& flag_name, const std::string& address) {
  size_t colon = address.rfind(':');
  if (address.empty() || colon == std::string::npos || colon == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag_name, "=", address, ": expected HOST:PORT, for example 127.0.0.1:0"));
  }
  std::string host = address.substr(0, colon);
  if (host.front() == '[' && host.back() != ']') {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag_name, "=", address, ": unbalanced brackets in IPv6 host"));
  }
  int port = 0;
  if (!absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag_name, "=", address, ": port must be a number from 0 to 65535"));
  }
  return absl::OkStatus();
}

absl::Status EnsureDataDir(const std::string& path) {
  if (path.empty()) return absl::FailedPreconditionError("--data_dir is required");
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("--data_dir=", path, ": cannot create folder: ", ec.message()));
  }
  if (!std::filesystem::is_directory(path, ec)) {
    return absl::FailedPreconditionError(absl::StrCat("--data_dir=", path, ": not a folder"));
  }
  if (::access(path.c_str(), W_OK | X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("--data_dir=", path, ": not writable: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status ServerRunner::Start() {
  if (auto s = ValidateListenAddress("listen", options_.listen); !s.ok()) return s;
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.listen, grpc::InsecureServerCredentials(), &port_);
  builder.SetMaxReceiveMessageSize(options_.max_receive_message_bytes);
  builder.SetMaxSendMessageSize(64 << 20);
  for (grpc::Service* service : services_) builder.RegisterService(service);
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    server_.reset();
    return absl::UnavailableError(
        absl::StrCat("cannot listen on --listen=", options_.listen,
                     " (address in use, or not an address of this machine?)"));
  }
  std::string host = options_.listen.substr(0, options_.listen.rfind(':'));
  SCR_LOG(INFO) << options_.name << " listening on " << host << ":" << port_;
  if (!options_.port_file.empty()) {
    std::string tmp = options_.port_file + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << port_ << "\n";
      if (!out) {
        return absl::FailedPreconditionError(
            absl::StrCat("--port_file=", options_.port_file, ": cannot write"));
      }
    }
    std::filesystem::rename(tmp, options_.port_file);
  }
  SetServing(true);
  return absl::OkStatus();
}

void ServerRunner::SetServing(bool serving) {
  if (!server_) return;
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  if (health == nullptr) return;
  health->SetServingStatus(serving);
}

void ServerRunner::WaitForShutdownSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal_number = 0;
  while (sigwait(&set, &signal_number) != 0) {
  }
  SCR_LOG(INFO) << "received " << (signal_number == SIGTERM ? "SIGTERM" : "SIGINT")
                << ", shutting down (grace " << absl::FormatDuration(options_.shutdown_grace)
                << ")";
  {
    absl::MutexLock lock(&health_mu_);
    stop_health_ = true;
  }
  if (health_thread_.joinable()) health_thread_.join();
  SetServing(false);
  for (auto& callback : shutdown_callbacks_) callback();
  if (server_) {
    server_->Shutdown(absl::ToChronoTime(absl::Now() + options_.shutdown_grace));
    server_->Wait();
    server_.reset();
  }
  SCR_LOG(INFO) << options_.name << " stopped";
}

}  // namespace scr::common
