// search-service: owns the Xapian index and serves SearchService and IndexService.
#include <cstdlib>
#include <iostream>
#include <optional>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "common/lexicon.h"
#include "common/logging.h"
#include "common/server_runner.h"
#include "search-service/grpc_handlers.h"
#include "search-service/http_gateway.h"
#include "search-service/http_request.h"
#include "search-service/search_core.h"
#include "search-service/xapian_index.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50052", "gRPC address HOST:PORT; port 0 picks one");
ABSL_FLAG(std::string, data_dir, "", "folder holding the index (created if missing); required");
ABSL_FLAG(std::string, port_file, "", "write the bound gRPC port to this file once serving");
ABSL_FLAG(int, shutdown_grace_ms, 10000, "longest wait for in-flight RPCs on SIGTERM");
ABSL_FLAG(std::string, http_listen, "",
          "HTTP/JSON gateway and search page address HOST:PORT (port 0 picks one); empty: off");
ABSL_FLAG(std::string, http_port_file, "", "write the bound HTTP port to this file once serving");
ABSL_FLAG(std::string, cors_origins, "",
          "origins allowed to call the HTTP API from a browser: comma list of "
          "scheme://host[:port], or *; empty: none");
ABSL_FLAG(int, http_threads, 32, "HTTP gateway worker threads (each holds one connection)");
ABSL_FLAG(int, index_shards, 2,
          "shards of a new index, each with its own writer thread (1..64; about one per core "
          "for indexing); an existing index keeps its count");
ABSL_FLAG(int64_t, max_exact_facet_matches, scr::search::XapianIndex::kDefaultMaxExactFacetMatches,
          "facets are counted exactly over this many matches; broader queries get estimated "
          "counts (flagged counts_are_estimates)");
ABSL_FLAG(int, query_threads, 0,
          "threads one search may use, while no other search is running, to search groups of "
          "shards side by side or count facets beside the page (0: one per core; never more "
          "than the shards; 1: off); results are the same either way");
ABSL_FLAG(std::string, lexicon, "",
          "entity lexicon TSV for synonyms (docs/LEXICON.md); default: the built-in "
          "lexicon/entities.tsv");

int main(int argc, char** argv) {
  scr::common::ServerRunner::PrepareProcess();
  scr::common::SetLogProgramName("search-service");
  absl::SetProgramUsageMessage(
      "Serves search over a Xapian index.\n"
      "Usage: search-service --listen=127.0.0.1:50052 --data_dir=DIR "
      "[--http_listen=127.0.0.1:8080]");
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
  auto lexicon = scr::common::Lexicon::LoadIfSet(absl::GetFlag(FLAGS_lexicon));
  if (!lexicon.ok()) {
    SCR_LOG(ERROR) << "--lexicon: " << lexicon.status().message();
    return 2;
  }
  const int shards = absl::GetFlag(FLAGS_index_shards);
  if (shards < 1 || shards > scr::search::XapianIndex::kMaxShards) {
    SCR_LOG(ERROR) << "--index_shards: " << shards << " is out of range 1.."
                   << scr::search::XapianIndex::kMaxShards;
    return 2;
  }
  const int64_t facet_matches = absl::GetFlag(FLAGS_max_exact_facet_matches);
  if (facet_matches < 1) {
    SCR_LOG(ERROR) << "--max_exact_facet_matches: " << facet_matches << " must be at least 1";
    return 2;
  }
  const int query_threads = absl::GetFlag(FLAGS_query_threads);
  if (query_threads < 0) {
    SCR_LOG(ERROR) << "--query_threads: " << query_threads << " must be 0 (one per core) or more";
    return 2;
  }
  auto index = scr::search::XapianIndex::Open(data_dir + "/index", lexicon->get(), shards,
                                              facet_matches, query_threads);
  if (!index.ok()) {
    SCR_LOG(ERROR) << index.status().message();
    return 1;
  }
  SCR_LOG(INFO) << "index " << data_dir << "/index: " << (*index)->shard_count()
                << " shard(s); a search uses up to " << (*index)->query_threads() << " thread(s)";
  scr::search::SearchCore core(index->get());
  scr::search::SearchServiceHandler search_handler(&core);
  scr::search::IndexServiceHandler index_handler(&core);

  scr::search::HttpGatewayOptions http_options;
  http_options.listen = absl::GetFlag(FLAGS_http_listen);
  http_options.port_file = absl::GetFlag(FLAGS_http_port_file);
  http_options.threads = absl::GetFlag(FLAGS_http_threads);
  if (!http_options.listen.empty()) {
    auto cors = scr::search::ParseCorsOrigins(absl::GetFlag(FLAGS_cors_origins));
    if (!cors.ok()) {
      SCR_LOG(ERROR) << cors.status().message();
      return 2;
    }
    http_options.cors = *std::move(cors);
    if (auto s = scr::search::ValidateHttpGatewayOptions(http_options); !s.ok()) {
      SCR_LOG(ERROR) << s.message();
      return 2;
    }
  }

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
  // The gateway calls the same core; it starts once gRPC serves and stops
  // when shutdown begins (/healthz answers 503 from then on).
  scr::search::HttpGateway gateway(&core, http_options);
  if (!http_options.listen.empty()) {
    if (auto s = gateway.Start(); !s.ok()) {
      SCR_LOG(ERROR) << s.message();
      return 1;
    }
    runner.OnShutdown([&gateway] { gateway.Stop(); });
  }
  // Health follows the index's ability to commit (a full disk flips it).
  runner.WatchHealth([&core] { return core.Health(); });
  runner.WaitForShutdownSignal();
  return 0;
}
