#include "scrctl/commands.h"

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/content_type.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "scr/v1/ingest.grpc.pb.h"
#include "scr/v1/search.grpc.pb.h"

ABSL_FLAG(bool, wait, false, "ingest: return only when every post is searchable");
ABSL_FLAG(int, wait_timeout_s, 120, "ingest --wait: give up after this many seconds");
ABSL_FLAG(std::string, content_type, "",
          "ingest/normalize: content type for every file "
          "(default: from the extension, else sniffed)");
ABSL_FLAG(std::string, source_url, "", "ingest/normalize: the URL the item was fetched from");
ABSL_FLAG(int, page_size, 10, "search: hits per page (at most 100)");
ABSL_FLAG(std::string, page_token, "", "search: token from a previous page");
ABSL_FLAG(std::string, sort, "relevance", "search: relevance, newest or oldest");
ABSL_FLAG(std::string, category, "", "search: only these categories (comma-separated)");
ABSL_FLAG(std::string, tag, "", "search: only these tags (comma-separated)");
ABSL_FLAG(std::string, site, "", "search: only these sites (comma-separated)");
ABSL_FLAG(std::string, author, "", "search: only these authors (comma-separated)");
ABSL_FLAG(std::string, entity, "", "search: only these entity ids (comma-separated)");
ABSL_FLAG(std::string, after, "", "search: published on or after YYYY-MM-DD");
ABSL_FLAG(std::string, before, "", "search: published on or before YYYY-MM-DD");
ABSL_FLAG(std::string, facets, "", "search: facets to count, e.g. category,tag,year");
ABSL_FLAG(bool, collapse, false, "search: fold near-duplicates into one hit");
ABSL_FLAG(int, timeout_s, 60, "deadline of each RPC in seconds");
ABSL_FLAG(bool, retry, false, "deadletters: move dead letters back into the outbox");
ABSL_FLAG(int, busy_retries, 30,
          "ingest: times to retry an item the service answers RESOURCE_EXHAUSTED (backlog full)");

namespace scr::scrctl {
namespace {

std::chrono::system_clock::time_point Deadline() {
  return std::chrono::system_clock::now() + std::chrono::seconds(absl::GetFlag(FLAGS_timeout_s));
}

std::shared_ptr<grpc::Channel> Channel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(32 << 20);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

std::string CodeName(grpc::StatusCode code) {
  static const char* kNames[] = {"OK",
                                 "CANCELLED",
                                 "UNKNOWN",
                                 "INVALID_ARGUMENT",
                                 "DEADLINE_EXCEEDED",
                                 "NOT_FOUND",
                                 "ALREADY_EXISTS",
                                 "PERMISSION_DENIED",
                                 "RESOURCE_EXHAUSTED",
                                 "FAILED_PRECONDITION",
                                 "ABORTED",
                                 "OUT_OF_RANGE",
                                 "UNIMPLEMENTED",
                                 "INTERNAL",
                                 "UNAVAILABLE",
                                 "DATA_LOSS",
                                 "UNAUTHENTICATED"};
  int c = static_cast<int>(code);
  return c >= 0 && c <= 16 ? kNames[c] : absl::StrCat("CODE_", c);
}

std::string Describe(const grpc::Status& s, const std::string& address) {
  std::string out = absl::StrCat(CodeName(s.error_code()), ": ", s.error_message());
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE) {
    absl::StrAppend(&out, " (is the service running at ", address, "?)");
  }
  return out;
}

std::string ToJson(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.add_whitespace = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(m, &out, options);
  return out;
}

bool IsTerminal() { return isatty(STDERR_FILENO) == 1; }

std::string ContentTypeFor(const std::filesystem::path& path) {
  std::string forced = absl::GetFlag(FLAGS_content_type);
  if (!forced.empty()) return forced;
  return common::ContentTypeForFileName(path.filename().string());  // "": the service sniffs
}

// Expands folders (recursively, sorted) into files. Reports missing paths.
bool CollectFiles(const std::vector<std::string>& paths, std::vector<std::filesystem::path>* out) {
  bool ok = true;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::recursive_directory_iterator(p, ec)) {
        std::string name = entry.path().filename().string();
        // Folders of inputs often carry their own notes; those are not items.
        bool note = absl::StartsWith(name, "README") || absl::StartsWith(name, "LICENSE");
        if (entry.is_regular_file() && name[0] != '.' && !note) {
          files.push_back(entry.path());
        }
      }
      std::sort(files.begin(), files.end());
      out->insert(out->end(), files.begin(), files.end());
    } else if (std::filesystem::is_regular_file(p, ec)) {
      out->push_back(p);
    } else {
      std::cerr << "scrctl: " << p << ": no such file or folder\n";
      ok = false;
    }
  }
  return ok;
}

bool ReadWhole(const std::filesystem::path& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

v1::RawItem MakeItem(const std::filesystem::path& path, std::string content) {
  v1::RawItem item;
  item.set_content(std::move(content));
  item.set_content_type(ContentTypeFor(path));
  item.set_source_url(absl::GetFlag(FLAGS_source_url));
  return item;
}

std::vector<std::string> ListFlag(const std::string& value) {
  return absl::StrSplit(value, ',', absl::SkipWhitespace());
}

bool ParseDay(const std::string& flag, const std::string& value, google::protobuf::Timestamp* ts,
              bool end_of_day) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime("%Y-%m-%d", value, absl::UTCTimeZone(), &t, &err)) {
    std::cerr << "scrctl: --" << flag << "=" << value << ": expected YYYY-MM-DD\n";
    return false;
  }
  if (end_of_day) t += absl::Hours(24) - absl::Seconds(1);
  ts->set_seconds(absl::ToUnixSeconds(t));
  return true;
}

std::string FormatDate(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime("%Y-%m-%d", absl::FromUnixSeconds(ts.seconds()), absl::UTCTimeZone());
}

// Renders highlight ranges: bold on a terminal, [brackets] otherwise.
std::string Highlight(const v1::Snippet& s, bool tty) {
  std::string out;
  size_t pos = 0;
  const std::string& text = s.text();
  for (const v1::Range& r : s.highlights()) {
    size_t start = std::min<size_t>(r.start(), text.size());
    size_t end = std::min<size_t>(r.end(), text.size());
    if (start < pos || end < start) continue;
    out += text.substr(pos, start - pos);
    out += tty ? "\033[1m" : "[";
    out += text.substr(start, end - start);
    out += tty ? "\033[0m" : "]";
    pos = end;
  }
  out += text.substr(pos);
  return out;
}

void PrintPostSummary(const v1::Post& p) {
  std::cout << p.title() << "\n";
  std::vector<std::string> meta;
  meta.push_back("id " + p.id());
  if (!p.site().empty()) meta.push_back(p.site());
  if (p.has_published()) meta.push_back(FormatDate(p.published()));
  if (!p.author().empty()) meta.push_back("by " + p.author());
  std::cout << "  " << absl::StrJoin(meta, " · ") << "\n";
  if (p.categories_size() > 0) {
    std::cout << "  categories: " << absl::StrJoin(p.categories(), ", ") << "\n";
  }
  if (p.tags_size() > 0) std::cout << "  tags: " << absl::StrJoin(p.tags(), ", ") << "\n";
  if (p.entities_size() > 0) {
    std::vector<std::string> names;
    for (const auto& e : p.entities()) names.push_back(e.name());
    std::cout << "  entities: " << absl::StrJoin(names, ", ") << "\n";
  }
  if (p.comment_count() > 0) std::cout << "  comments: " << p.comment_count() << "\n";
  for (const std::string& u : p.source_urls()) std::cout << "  seen at: " << u << "\n";
}

// Polls GetPost until each id holds at least its version.
bool WaitSearchable(const GlobalOptions& options, std::map<std::string, int64_t> pending) {
  auto stub = v1::SearchService::NewStub(Channel(options.search_address));
  absl::Time deadline = absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_wait_timeout_s));
  absl::Duration delay = absl::Milliseconds(20);
  while (!pending.empty()) {
    for (auto it = pending.begin(); it != pending.end();) {
      grpc::ClientContext ctx;
      ctx.set_deadline(Deadline());
      v1::GetPostRequest req;
      req.set_id(it->first);
      v1::Post post;
      grpc::Status s = stub->GetPost(&ctx, req, &post);
      if (s.ok() && post.version() >= it->second) {
        it = pending.erase(it);
      } else {
        ++it;
      }
    }
    if (pending.empty()) break;
    if (absl::Now() > deadline) {
      std::cerr << "scrctl: --wait: " << pending.size() << " posts not searchable after "
                << absl::GetFlag(FLAGS_wait_timeout_s) << " s (search at " << options.search_address
                << "), for example " << pending.begin()->first << "\n";
      return false;
    }
    absl::SleepFor(delay);
    delay = std::min(delay * 2, absl::Milliseconds(500));
  }
  return true;
}

}  // namespace

int RunIngest(const GlobalOptions& options, const std::vector<std::string>& paths) {
  if (paths.empty()) {
    std::cerr << "scrctl ingest: give at least one file or folder (see scrctl ingest --help)\n";
    return 2;
  }
  std::vector<std::filesystem::path> files;
  bool all_found = CollectFiles(paths, &files);
  auto stub = v1::IngestService::NewStub(Channel(options.ingest_address));
  bool tty = IsTerminal() && !options.json;
  int failed = all_found ? 0 : 1;
  int posts = 0;
  std::map<std::string, int64_t> pending;
  for (size_t i = 0; i < files.size(); ++i) {
    const auto& path = files[i];
    if (tty) {
      std::cerr << "\r\033[K[" << (i + 1) << "/" << files.size() << "] " << path.string()
                << std::flush;
    }
    std::string content;
    if (!ReadWhole(path, &content)) {
      if (tty) std::cerr << "\n";
      std::cerr << "scrctl: FAILED " << path.string() << ": cannot read the file\n";
      ++failed;
      continue;
    }
    v1::IngestRequest request;
    *request.mutable_item() = MakeItem(path, std::move(content));
    request.set_request_id(path.string().substr(0, 128));
    v1::IngestResponse response;
    grpc::Status s;
    // A full backlog is temporary: wait as the service suggests, then resend.
    for (int attempt = 0;; ++attempt) {
      grpc::ClientContext ctx;
      ctx.set_deadline(Deadline());
      s = stub->Ingest(&ctx, request, &response);
      if (s.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED ||
          attempt >= absl::GetFlag(FLAGS_busy_retries)) {
        break;
      }
      int wait_ms = 1000;
      auto trailers = ctx.GetServerTrailingMetadata();
      if (auto it = trailers.find("retry-after-ms"); it != trailers.end()) {
        (void)absl::SimpleAtoi(absl::string_view(it->second.data(), it->second.size()), &wait_ms);
      }
      if (tty) std::cerr << " (backlog full, retrying in " << wait_ms << " ms)" << std::flush;
      absl::SleepFor(absl::Milliseconds(std::clamp(wait_ms, 10, 60000)));
    }
    if (!s.ok()) {
      if (tty) std::cerr << "\n";
      std::cerr << "scrctl: FAILED " << path.string() << ": " << Describe(s, options.ingest_address)
                << "\n";
      ++failed;
      if (s.error_code() == grpc::StatusCode::UNAVAILABLE) break;
      continue;
    }
    for (const v1::PostResult& r : response.results()) pending[r.post_id()] = r.version();
    posts += response.results_size();
    if (options.json) {
      std::cout << ToJson(response) << "\n";
    } else if (!tty) {
      std::cout << path.string() << ": " << response.results_size() << " posts\n";
      for (const v1::PostResult& r : response.results()) {
        std::cout << "  " << r.post_id() << "  " << r.title() << "\n";
      }
    }
  }
  if (tty) std::cerr << "\r\033[K";
  if (!options.json) {
    std::cerr << "ingested " << (files.size() - failed) << " of " << files.size()
              << " items: " << posts << " posts (" << pending.size() << " distinct)"
              << (failed > 0 ? absl::StrCat(", ", failed, " failed") : "") << "\n";
  }
  if (absl::GetFlag(FLAGS_wait) && !pending.empty()) {
    if (!WaitSearchable(options, pending)) return 1;
    if (!options.json) std::cerr << "all " << pending.size() << " posts are searchable\n";
  }
  return failed > 0 ? 1 : 0;
}

int RunNormalize(const GlobalOptions& options, const std::vector<std::string>& paths) {
  if (paths.empty()) {
    std::cerr << "scrctl normalize: give a file (see scrctl normalize --help)\n";
    return 2;
  }
  std::vector<std::filesystem::path> files;
  if (!CollectFiles(paths, &files)) return 1;
  auto stub = v1::IngestService::NewStub(Channel(options.ingest_address));
  int failed = 0;
  for (const auto& path : files) {
    std::string content;
    if (!ReadWhole(path, &content)) {
      std::cerr << "scrctl: " << path.string() << ": cannot read the file\n";
      ++failed;
      continue;
    }
    v1::NormalizeRequest request;
    *request.mutable_item() = MakeItem(path, std::move(content));
    v1::NormalizeResponse response;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::Status s = stub->Normalize(&ctx, request, &response);
    if (!s.ok()) {
      std::cerr << "scrctl: FAILED " << path.string() << ": " << Describe(s, options.ingest_address)
                << "\n";
      ++failed;
      continue;
    }
    if (options.json) {
      std::cout << ToJson(response) << "\n";
      continue;
    }
    std::cout << path.string() << ": " << response.posts_size() << " posts ("
              << response.detected_format() << ")\n\n";
    for (const v1::Post& p : response.posts()) {
      PrintPostSummary(p);
      std::string body = p.body().substr(0, 240);
      std::replace(body.begin(), body.end(), '\n', ' ');
      std::cout << "  body: " << body << (p.body().size() > 240 ? "…" : "") << "\n\n";
    }
  }
  return failed > 0 ? 1 : 0;
}

int RunSearch(const GlobalOptions& options, const std::vector<std::string>& words) {
  v1::SearchRequest request;
  request.set_query(absl::StrJoin(words, " "));
  request.set_page_size(absl::GetFlag(FLAGS_page_size));
  request.set_page_token(absl::GetFlag(FLAGS_page_token));
  std::string sort = absl::GetFlag(FLAGS_sort);
  if (sort == "relevance") {
    request.set_sort(v1::SORT_ORDER_RELEVANCE);
  } else if (sort == "newest") {
    request.set_sort(v1::SORT_ORDER_PUBLISHED_DESC);
  } else if (sort == "oldest") {
    request.set_sort(v1::SORT_ORDER_PUBLISHED_ASC);
  } else {
    std::cerr << "scrctl: --sort=" << sort << ": expected relevance, newest or oldest\n";
    return 2;
  }
  v1::Filter* f = request.mutable_filter();
  for (const auto& v : ListFlag(absl::GetFlag(FLAGS_category))) f->add_categories(v);
  for (const auto& v : ListFlag(absl::GetFlag(FLAGS_tag))) f->add_tags(v);
  for (const auto& v : ListFlag(absl::GetFlag(FLAGS_site))) f->add_sites(v);
  for (const auto& v : ListFlag(absl::GetFlag(FLAGS_author))) f->add_authors(v);
  for (const auto& v : ListFlag(absl::GetFlag(FLAGS_entity))) f->add_entities(v);
  if (!absl::GetFlag(FLAGS_after).empty() &&
      !ParseDay("after", absl::GetFlag(FLAGS_after), f->mutable_published_after(), false)) {
    return 2;
  }
  if (!absl::GetFlag(FLAGS_before).empty() &&
      !ParseDay("before", absl::GetFlag(FLAGS_before), f->mutable_published_before(), true)) {
    return 2;
  }
  for (const auto& v : ListFlag(absl::GetFlag(FLAGS_facets))) request.add_facets(v);
  request.set_collapse_duplicates(absl::GetFlag(FLAGS_collapse));

  auto stub = v1::SearchService::NewStub(Channel(options.search_address));
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  v1::SearchResponse response;
  grpc::Status s = stub->Search(&ctx, request, &response);
  if (!s.ok()) {
    std::cerr << "scrctl: search failed: " << Describe(s, options.search_address) << "\n";
    return 1;
  }
  if (options.json) {
    std::cout << ToJson(response) << "\n";
    return 0;
  }
  bool tty = isatty(STDOUT_FILENO) == 1;
  std::cout << response.estimated_total_size() << (response.total_is_exact() ? "" : "+")
            << " hits for \"" << request.query() << "\" in "
            << absl::StrFormat("%.1f", response.took_micros() / 1000.0) << " ms\n";
  if (!response.corrected_query().empty()) {
    std::cout << "Did you mean: " << response.corrected_query() << "\n";
  }
  int rank = 0;
  for (const v1::Hit& hit : response.hits()) {
    const v1::Post& p = hit.post();
    std::cout << "\n" << ++rank << ". " << Highlight(hit.title_highlight(), tty) << "\n";
    std::vector<std::string> meta;
    if (!p.site().empty()) meta.push_back(p.site());
    if (p.has_published()) meta.push_back(FormatDate(p.published()));
    if (p.categories_size() > 0) meta.push_back(absl::StrJoin(p.categories(), ", "));
    if (hit.duplicate_count() > 0)
      meta.push_back(absl::StrCat("+", hit.duplicate_count(), " similar"));
    meta.push_back("id " + p.id());
    std::cout << "   " << absl::StrJoin(meta, " · ") << "\n";
    std::string snippet = Highlight(hit.snippet(), tty);
    std::replace(snippet.begin(), snippet.end(), '\n', ' ');
    if (!snippet.empty()) std::cout << "   " << snippet << "\n";
  }
  for (const v1::Facet& facet : response.facets()) {
    std::cout << "\n" << facet.name() << ":";
    for (const v1::FacetValue& v : facet.values()) {
      std::cout << "  " << (v.selected() ? "*" : "") << (v.label().empty() ? v.value() : v.label())
                << " (" << v.count() << ")";
    }
    std::cout << "\n";
  }
  if (!response.next_page_token().empty()) {
    std::cout << "\nmore: --page_token=" << response.next_page_token() << "\n";
  }
  return 0;
}

int RunGet(const GlobalOptions& options, const std::vector<std::string>& ids) {
  if (ids.empty()) {
    std::cerr << "scrctl get: give a post id (see scrctl get --help)\n";
    return 2;
  }
  auto stub = v1::SearchService::NewStub(Channel(options.search_address));
  int failed = 0;
  for (const std::string& id : ids) {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    v1::GetPostRequest req;
    req.set_id(id);
    v1::Post post;
    grpc::Status s = stub->GetPost(&ctx, req, &post);
    if (!s.ok()) {
      std::cerr << "scrctl: get " << id << ": " << Describe(s, options.search_address) << "\n";
      ++failed;
      continue;
    }
    if (options.json) {
      std::cout << ToJson(post) << "\n";
      continue;
    }
    PrintPostSummary(post);
    std::cout << "\n" << post.body() << "\n\n";
  }
  return failed > 0 ? 1 : 0;
}

int RunStats(const GlobalOptions& options) {
  auto stub = v1::SearchService::NewStub(Channel(options.search_address));
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  v1::Stats stats;
  grpc::Status s = stub->GetStats(&ctx, v1::GetStatsRequest(), &stats);
  if (!s.ok()) {
    std::cerr << "scrctl: stats: " << Describe(s, options.search_address) << "\n";
    return 1;
  }
  if (options.json) {
    std::cout << ToJson(stats) << "\n";
    return 0;
  }
  std::cout << "posts:        " << stats.document_count() << "\n"
            << "terms:        " << stats.term_count() << "\n"
            << "avg length:   " << absl::StrFormat("%.1f", stats.average_length()) << " terms\n"
            << "index size:   " << absl::StrFormat("%.1f", stats.index_size_bytes() / 1048576.0)
            << " MiB\n"
            << "revision:     " << stats.revision() << "\n"
            << "last commit:  "
            << (stats.has_last_commit()
                    ? absl::FormatTime("%Y-%m-%d %H:%M:%S UTC",
                                       absl::FromUnixSeconds(stats.last_commit().seconds()),
                                       absl::UTCTimeZone())
                    : "never")
            << "\n";
  return 0;
}

int RunDelete(const GlobalOptions& options, const std::vector<std::string>& ids) {
  if (ids.empty()) {
    std::cerr << "scrctl delete: give a post id or URL (see scrctl delete --help)\n";
    return 2;
  }
  auto stub = v1::IngestService::NewStub(Channel(options.ingest_address));
  int failed = 0;
  for (const std::string& id : ids) {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    v1::DeletePostRequest req;
    if (absl::StartsWith(id, "http://") || absl::StartsWith(id, "https://")) {
      req.set_canonical_url(id);
    } else {
      req.set_id(id);
    }
    v1::DeletePostResponse resp;
    grpc::Status s = stub->Delete(&ctx, req, &resp);
    if (!s.ok()) {
      std::cerr << "scrctl: delete " << id << ": " << Describe(s, options.ingest_address) << "\n";
      ++failed;
      continue;
    }
    if (options.json) {
      std::cout << ToJson(resp) << "\n";
    } else {
      std::cout << "deleted " << resp.id() << "\n";
    }
  }
  return failed > 0 ? 1 : 0;
}

int RunDelivery(const GlobalOptions& options) {
  auto stub = v1::IngestService::NewStub(Channel(options.ingest_address));
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  v1::DeliveryStatus status;
  grpc::Status s = stub->GetDeliveryStatus(&ctx, v1::GetDeliveryStatusRequest(), &status);
  if (!s.ok()) {
    std::cerr << "scrctl: delivery: " << Describe(s, options.ingest_address) << "\n";
    return 1;
  }
  if (options.json) {
    std::cout << ToJson(status) << "\n";
    return 0;
  }
  std::cout << "pending:       " << status.pending() << " of " << status.pending_limit() << "\n"
            << "dead letters:  " << status.dead_letters() << "\n"
            << "failures:      " << status.consecutive_failures() << " in a row\n";
  if (!status.last_error().empty()) std::cout << "last error:    " << status.last_error() << "\n";
  return 0;
}

int RunDeadLetters(const GlobalOptions& options, const std::vector<std::string>& seqs) {
  auto stub = v1::IngestService::NewStub(Channel(options.ingest_address));
  if (absl::GetFlag(FLAGS_retry)) {
    v1::RetryDeadLettersRequest req;
    for (const std::string& seq : seqs) {
      int64_t n = 0;
      if (!absl::SimpleAtoi(seq, &n)) {
        std::cerr << "scrctl deadletters: \"" << seq << "\" is not a sequence number\n";
        return 2;
      }
      req.add_seqs(n);
    }
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    v1::RetryDeadLettersResponse resp;
    grpc::Status s = stub->RetryDeadLetters(&ctx, req, &resp);
    if (!s.ok()) {
      std::cerr << "scrctl: deadletters --retry: " << Describe(s, options.ingest_address) << "\n";
      return 1;
    }
    if (options.json) {
      std::cout << ToJson(resp) << "\n";
    } else {
      std::cout << resp.requeued() << " dead letters moved back to the outbox\n";
    }
    return 0;
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  v1::ListDeadLettersRequest req;
  req.set_page_size(1000);
  v1::ListDeadLettersResponse resp;
  grpc::Status s = stub->ListDeadLetters(&ctx, req, &resp);
  if (!s.ok()) {
    std::cerr << "scrctl: deadletters: " << Describe(s, options.ingest_address) << "\n";
    return 1;
  }
  if (options.json) {
    std::cout << ToJson(resp) << "\n";
    return 0;
  }
  if (resp.entries().empty()) std::cout << "no dead letters\n";
  for (const v1::DeadLetterEntry& e : resp.entries()) {
    std::cout << e.seq() << "  " << (e.is_delete() ? "delete " : "upsert ") << e.post_id() << "  "
              << absl::FormatTime("%Y-%m-%d %H:%M:%S",
                                  absl::FromUnixSeconds(e.failed_at().seconds()),
                                  absl::UTCTimeZone())
              << "\n    " << e.error() << "\n";
  }
  return 0;
}

int RunHealth(const GlobalOptions& options, const std::vector<std::string>& services) {
  std::vector<std::string> names = services;
  if (names.empty()) names = {"ingest", "search"};
  int failed = 0;
  for (const std::string& name : names) {
    std::string address;
    if (name == "ingest") {
      address = options.ingest_address;
    } else if (name == "search") {
      address = options.search_address;
    } else {
      std::cerr << "scrctl health: unknown service \"" << name << "\" (ingest or search)\n";
      return 2;
    }
    auto stub = grpc::health::v1::Health::NewStub(Channel(address));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    grpc::Status s = stub->Check(&ctx, req, &resp);
    std::string state =
        s.ok() ? grpc::health::v1::HealthCheckResponse::ServingStatus_Name(resp.status())
               : Describe(s, address);
    bool serving = s.ok() && resp.status() == grpc::health::v1::HealthCheckResponse::SERVING;
    if (!serving) ++failed;
    if (options.json) {
      std::cout << "{\"service\": \"" << name << "\", \"address\": \"" << address
                << "\", \"serving\": " << (serving ? "true" : "false") << "}\n";
    } else {
      std::cout << name << " (" << address << "): " << state << "\n";
    }
  }
  return failed > 0 ? 1 : 0;
}

std::string HelpText(const std::string& command) {
  static const char kCommon[] =
      "\nServers: --ingest=HOST:PORT (or $SCR_INGEST, default 127.0.0.1:50051)\n"
      "         --search=HOST:PORT (or $SCR_SEARCH, default 127.0.0.1:50052)\n"
      "Output:  --json prints the response in proto3 JSON (snake_case field names)\n"
      "Flags may come before or after the command.\n";
  if (command.empty()) {
    return absl::StrCat(
        "scrctl: command-line client for the SCR commentary search services.\n\n"
        "Usage: scrctl [flags] COMMAND [args] [flags]\n\n"
        "Commands:\n"
        "  ingest PATH...     send files or folders to the ingest service\n"
        "  normalize PATH...  show the posts files would yield (nothing is stored)\n"
        "  search QUERY...    search the index\n"
        "  get ID...          show posts by id\n"
        "  delete ID|URL...   delete posts\n"
        "  stats              index statistics\n"
        "  health [SERVICE]   health of ingest and/or search (exit 0 when serving)\n"
        "  delivery           the ingest outbox: writes waiting for search, dead letters\n"
        "  deadletters        list writes the index rejected; --retry [SEQ...] requeues\n"
        "  help [COMMAND]     this text, or a command's\n",
        kCommon);
  }
  if (command == "ingest") {
    return absl::StrCat(
        "Usage: scrctl ingest PATH... [--wait] [--content_type=T] [--source_url=URL]\n\n"
        "Sends each file (folders recursively, skipping hidden, README* and LICENSE* files)\n"
        "as one raw item. The content type comes from\n"
        "the extension (.txt .html .htm .xml .rss .atom) or is sniffed by the service.\n"
        "  --wait               return only when every post is searchable\n"
        "  --wait_timeout_s=N   give up waiting after N seconds (default 120)\n"
        "  --content_type=T     content type for every file\n"
        "  --source_url=URL     the URL the item was fetched from\n"
        "  --busy_retries=N     resend an item up to N times while the backlog is full\n"
        "Exits 1 if any item failed, naming each with the reason.\n",
        kCommon);
  }
  if (command == "normalize") {
    return absl::StrCat(
        "Usage: scrctl normalize PATH... [--content_type=T] [--source_url=URL]\n\n"
        "Shows the posts each file would yield, fully normalized; stores nothing.\n",
        kCommon);
  }
  if (command == "search") {
    return absl::StrCat(
        "Usage: scrctl search QUERY... [flags]\n\n"
        "The query language: words, \"phrases\", AND OR NOT, +word -word, NEAR, wildcards\n"
        "(revi*), and fields title: category: tag: site: author: entity: year:.\n"
        "  --page_size=N --page_token=T         paging\n"
        "  --sort=relevance|newest|oldest       order\n"
        "  --category= --tag= --site= --author= --entity=   filters (comma-separated)\n"
        "  --after=YYYY-MM-DD --before=YYYY-MM-DD           date range\n"
        "  --facets=category,tag,site,year,entity,author   facet counts\n"
        "  --collapse                           fold near-duplicates\n",
        kCommon);
  }
  if (command == "get") {
    return absl::StrCat("Usage: scrctl get ID...\n\nPrints each post with its full body.\n",
                        kCommon);
  }
  if (command == "delete") {
    return absl::StrCat("Usage: scrctl delete ID|URL...\n\nDeletes posts by id or by permalink.\n",
                        kCommon);
  }
  if (command == "stats") {
    return absl::StrCat("Usage: scrctl stats\n\nPrints index statistics.\n", kCommon);
  }
  if (command == "delivery") {
    return absl::StrCat(
        "Usage: scrctl delivery\n\nShows writes accepted by the ingest service but not yet\n"
        "committed by the search service, dead letters and the last delivery error.\n",
        kCommon);
  }
  if (command == "deadletters") {
    return absl::StrCat(
        "Usage: scrctl deadletters [--retry [SEQ...]]\n\nLists writes the search service rejected\n"
        "permanently, with the reason. --retry moves them (all, or the given sequence\n"
        "numbers) back into the outbox for another attempt.\n",
        kCommon);
  }
  if (command == "health") {
    return absl::StrCat(
        "Usage: scrctl health [ingest|search]\n\nChecks grpc.health.v1 of the services; exits 0\n"
        "only when each answers SERVING. Used by container health checks.\n",
        kCommon);
  }
  return "";
}

}  // namespace scr::scrctl
