// search-service: owns the Xapian index and serves SearchService and IndexService.
#include <cstdlib>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "common/logging.h"
#include "common/server_runner.h"
#include "search-service/grpc_handlers.h"
#include "search-service/search_core.h"
#include "search-service/xapian_index.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50052", "gRPC address HOST:PORT; port 0 picks one");
ABSL_FLAG(std::string, data_dir, "", "folder holding the index (created if missing); required");
ABSL_FLAG(std::string, port_file, "", "write the bound gRPC port to this file once serving");
ABSL_FLAG(int, shutdown_grace_ms, 10000, "longest wait for in-flight RPCs on SIGTERM");

int main(int argc, char** argv) {
  scr::common::ServerRunner::BlockShutdownSignals();
  scr::common::SetLogProgramName("search-service");
  absl::SetProgramUsageMessage(
      "Serves search over a Xapian index.\n"
      "Usage: search-service --listen=127.0.0.1:50052 --data_dir=DIR");
  absl::ParseCommandLine(argc, argv);

  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  if (auto s = scr::common::EnsureDataDir(data_dir); !s.ok()) {
    SCR_LOG(ERROR) << s.message();
    return 2;
  }
  if (auto s = scr::common::ValidateListenAddress("listen", absl::GetFlag(FLAGS_listen)); !s.ok()) {
    SCR_LOG(ERROR) << s.message();
    return 2;
  }
  auto index = scr::search::XapianIndex::Open(data_dir + "/index");
  if (!index.ok()) {
    SCR_LOG(ERROR) << index.status().message();
    return 1;
  }
  scr::search::SearchCore core(index->get());
  scr::search::SearchServiceHandler search_handler(&core);
  scr::search::IndexServiceHandler index_handler(&core);

  scr::common::ServerOptions options;
  options.name = "search-service";
  options.listen = absl::GetFlag(FLAGS_listen);
  options.port_file = absl::GetFlag(FLAGS_port_file);
  options.shutdown_grace = absl::Milliseconds(absl::GetFlag(FLAGS_shutdown_grace_ms));
  options.max_receive_message_bytes = 40 << 20;
  scr::common::ServerRunner runner(options);
  runner.AddService(&search_handler);
  runner.AddService(&index_handler);
  if (auto s = runner.Start(); !s.ok()) {
    SCR_LOG(ERROR) << s.message();
    return 1;
  }
  runner.WaitForShutdownSignal();
  return 0;
}
