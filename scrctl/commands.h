// scrctl's subcommands. Each returns the process exit code: 0 success,
// 1 a request failed, 2 bad usage.
#ifndef SCR_SCRCTL_COMMANDS_H_
#define SCR_SCRCTL_COMMANDS_H_

#include <string>
#include <vector>

namespace scr::scrctl {

struct GlobalOptions {
  std::string ingest_address;  // --ingest or $SCR_INGEST
  std::string search_address;  // --search or $SCR_SEARCH
  bool json = false;           // --json
};

int RunIngest(const GlobalOptions& options, const std::vector<std::string>& paths);
int RunNormalize(const GlobalOptions& options, const std::vector<std::string>& paths);
int RunSearch(const GlobalOptions& options, const std::vector<std::string>& words);
int RunGet(const GlobalOptions& options, const std::vector<std::string>& ids);
int RunStats(const GlobalOptions& options);
int RunDelete(const GlobalOptions& options, const std::vector<std::string>& ids);

// Prints the ingest service's delivery state (outbox backlog, dead letters).
int RunDelivery(const GlobalOptions& options);

// Lists dead letters; with --retry, moves them (all, or the given seqs)
// back into the outbox.
int RunDeadLetters(const GlobalOptions& options, const std::vector<std::string>& seqs);

// Checks grpc.health.v1 of the named services ("ingest", "search"; both when
// empty). Exit 0 only when every one answers SERVING.
int RunHealth(const GlobalOptions& options, const std::vector<std::string>& services);

// Help text for a command ("" for the overview); empty when unknown.
std::string HelpText(const std::string& command);

}  // namespace scr::scrctl

#endif  // SCR_SCRCTL_COMMANDS_H_
