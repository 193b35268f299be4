// scrctl: command-line client. Parses flags (anywhere on the line) and runs
// one subcommand from commands.h.
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "scrctl/commands.h"

ABSL_FLAG(std::string, ingest, "",
          "ingest-service address HOST:PORT (default $SCR_INGEST or "
          "127.0.0.1:50051)");
ABSL_FLAG(std::string, search, "",
          "search-service address HOST:PORT (default $SCR_SEARCH or "
          "127.0.0.1:50052)");
ABSL_FLAG(bool, json, false, "print responses as proto3 JSON");

namespace {

std::string FromFlagOrEnv(const std::string& flag, const char* env, const char* fallback) {
  if (!flag.empty()) return flag;
  const char* value = std::getenv(env);
  return value != nullptr && *value != '\0' ? value : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  // Help is ours, not absl's: "scrctl help [CMD]", "scrctl [CMD] --help".
  std::vector<std::string> words;
  bool want_help = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h" || a == "-help" || a == "--helpfull") {
      want_help = true;
    } else if (a.rfind("-", 0) != 0) {
      words.push_back(a);
    }
  }
  if (want_help || words.empty() || words[0] == "help") {
    std::string command =
        want_help ? (words.empty() ? "" : words[0]) : (words.size() > 1 ? words[1] : "");
    std::string text = scr::scrctl::HelpText(command == "help" ? "" : command);
    if (text.empty()) {
      std::cerr << "scrctl: unknown command \"" << command << "\"\n" << scr::scrctl::HelpText("");
      return 2;
    }
    std::cout << text;
    return words.empty() && !want_help ? 2 : 0;
  }

  absl::SetProgramUsageMessage("scrctl COMMAND [args] [flags]; see scrctl help");
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  std::vector<std::string> args(positional.begin() + 1, positional.end());
  if (args.empty()) {
    std::cerr << scr::scrctl::HelpText("");
    return 2;
  }
  std::string command = args[0];
  args.erase(args.begin());

  scr::scrctl::GlobalOptions options;
  options.ingest_address =
      FromFlagOrEnv(absl::GetFlag(FLAGS_ingest), "SCR_INGEST", "127.0.0.1:50051");
  options.search_address =
      FromFlagOrEnv(absl::GetFlag(FLAGS_search), "SCR_SEARCH", "127.0.0.1:50052");
  options.json = absl::GetFlag(FLAGS_json);

  if (command == "ingest") return scr::scrctl::RunIngest(options, args);
  if (command == "normalize") return scr::scrctl::RunNormalize(options, args);
  if (command == "search") return scr::scrctl::RunSearch(options, args);
  if (command == "get") return scr::scrctl::RunGet(options, args);
  if (command == "delete") return scr::scrctl::RunDelete(options, args);
  if (command == "health") return scr::scrctl::RunHealth(options, args);
  if (command == "delivery") return scr::scrctl::RunDelivery(options);
  if (command == "deadletters") return scr::scrctl::RunDeadLetters(options, args);
  if (command == "stats") {
    if (!args.empty()) {
      std::cerr << "scrctl stats: takes no arguments\n";
      return 2;
    }
    return scr::scrctl::RunStats(options);
  }
  std::cerr << "scrctl: unknown command \"" << command << "\"\n\n" << scr::scrctl::HelpText("");
  return 2;
}
