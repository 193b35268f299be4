// ingest-service: turns raw crawled items into posts and delivers them to
// the search service.
#include <optional>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "common/lexicon.h"
#include "common/logging.h"
#include "common/server_runner.h"
#include "ingest-service/forwarder.h"
#include "ingest-service/grpc_handlers.h"
#include "ingest-service/ingest_core.h"
#include "ingest-service/outbox.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "gRPC address HOST:PORT; port 0 picks one");
ABSL_FLAG(std::string, search, "127.0.0.1:50052", "search-service gRPC address HOST:PORT");
ABSL_FLAG(std::string, data_dir, "", "folder for the ingest service's state; required");
ABSL_FLAG(std::string, port_file, "", "write the bound gRPC port to this file once serving");
ABSL_FLAG(int, shutdown_grace_ms, 10000, "longest wait for in-flight RPCs on SIGTERM");
ABSL_FLAG(int64_t, outbox_limit, 100000,
          "writes waiting for the search service before Ingest answers RESOURCE_EXHAUSTED");
ABSL_FLAG(int, index_timeout_ms, 30000, "deadline of each IndexService call");
ABSL_FLAG(int, delivery_batch, scr::ingest::ForwarderOptions().batch_size,
          "most writes sent to search-service in one IndexService call (1-5000)");
ABSL_FLAG(int64_t, delivery_batch_mib, scr::ingest::ForwarderOptions().max_batch_bytes >> 20,
          "most MiB of serialized writes in one IndexService call (1-32; search-service "
          "accepts messages up to 40 MiB)");
ABSL_FLAG(int, delivery_in_flight, scr::ingest::ForwarderOptions().max_in_flight,
          "IndexService calls outstanding at once (1-8); two keep search-service's shard "
          "writers busy while a commit finishes");
ABSL_FLAG(std::string, lexicon, "",
          "entity lexicon TSV (docs/LEXICON.md); default: the built-in lexicon/entities.tsv");

int main(int argc, char** argv) {
  scr::common::ServerRunner::PrepareProcess();
  scr::common::SetLogProgramName("ingest-service");
  absl::SetProgramUsageMessage(
      "Normalizes crawled pages into posts and delivers them to search-service.\n"
      "Usage: ingest-service --listen=127.0.0.1:50051 --search=127.0.0.1:50052 --data_dir=DIR");
  absl::ParseCommandLine(argc, argv);

  if (auto s = scr::common::EnsureDataDir(absl::GetFlag(FLAGS_data_dir)); !s.ok()) {
    SCR_LOG(ERROR) << s.message();
    return 2;
  }
  for (const auto& [name, value] :
       {std::pair<std::string, std::string>{"listen", absl::GetFlag(FLAGS_listen)},
        {"search", absl::GetFlag(FLAGS_search)}}) {
    if (auto s = scr::common::ValidateListenAddress(name, value); !s.ok()) {
      SCR_LOG(ERROR) << s.message();
      return 2;
    }
  }
  scr::ingest::ForwarderOptions delivery;
  delivery.batch_size = absl::GetFlag(FLAGS_delivery_batch);
  delivery.max_batch_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_delivery_batch_mib)) << 20;
  if (delivery.batch_size < 1 || delivery.batch_size > 5000) {
    SCR_LOG(ERROR) << "--delivery_batch: " << delivery.batch_size << " is not within 1-5000";
    return 2;
  }
  delivery.max_in_flight = absl::GetFlag(FLAGS_delivery_in_flight);
  if (delivery.max_in_flight < 1 || delivery.max_in_flight > 8) {
    SCR_LOG(ERROR) << "--delivery_in_flight: " << delivery.max_in_flight << " is not within 1-8";
    return 2;
  }
  if (absl::GetFlag(FLAGS_delivery_batch_mib) < 1 || absl::GetFlag(FLAGS_delivery_batch_mib) > 32) {
    SCR_LOG(ERROR) << "--delivery_batch_mib: " << absl::GetFlag(FLAGS_delivery_batch_mib)
                   << " is not within 1-32";
    return 2;
  }
  auto lexicon = scr::common::Lexicon::LoadIfSet(absl::GetFlag(FLAGS_lexicon));
  if (!lexicon.ok()) {
    SCR_LOG(ERROR) << "--lexicon: " << lexicon.status().message();
    return 2;
  }
  auto outbox = scr::ingest::Outbox::Open(absl::GetFlag(FLAGS_data_dir) + "/outbox.db");
  if (!outbox.ok()) {
    SCR_LOG(ERROR) << outbox.status().message();
    return 1;
  }
  if ((*outbox)->size() > 0) {
    SCR_LOG(INFO) << (*outbox)->size() << " writes from before the restart wait for delivery";
  }
  scr::ingest::GrpcIndexWriter writer(absl::GetFlag(FLAGS_search),
                                      absl::Milliseconds(absl::GetFlag(FLAGS_index_timeout_ms)));
  scr::ingest::Forwarder forwarder(outbox->get(), &writer, delivery);
  const int64_t limit = absl::GetFlag(FLAGS_outbox_limit);
  scr::ingest::OutboxSink sink(outbox->get(), &forwarder, limit);
  scr::ingest::IngestCore core(scr::ingest::Normalizer({}, lexicon->get()), &sink);
  scr::ingest::IngestServiceHandler handler(&core, outbox->get(), &forwarder, limit);

  scr::common::ServerOptions options;
  options.name = "ingest-service";
  options.listen = absl::GetFlag(FLAGS_listen);
  options.port_file = absl::GetFlag(FLAGS_port_file);
  options.shutdown_grace = absl::Milliseconds(absl::GetFlag(FLAGS_shutdown_grace_ms));
  scr::common::ServerRunner runner(options);
  runner.AddService(&handler);
  // In-flight requests finish first (they only append to the outbox); the
  // forwarder then stops after its batches in flight: the rest waits on disk.
  if (auto s = runner.Start(); !s.ok()) {
    SCR_LOG(ERROR) << s.message();
    return 1;
  }
  forwarder.Start();
  // NOT_SERVING while the outbox cannot be written (a full disk).
  runner.WatchHealth([&outbox] { return outbox->get()->Probe(); });
  runner.WaitForShutdownSignal();
  forwarder.Stop();
  SCR_LOG(INFO) << outbox->get()->size() << " writes left in the outbox for the next start";
  return 0;
}
