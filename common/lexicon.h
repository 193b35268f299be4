// The domain lexicon (lexicon/entities.tsv, format in docs/LEXICON.md):
// entities with their spelling variants. Ingest finds entity mentions in
// posts; search turns variants into synonyms.
//
// Thread safety: a Lexicon is immutable after construction; const methods
// may be called concurrently.
#ifndef SCR_COMMON_LEXICON_H_
#define SCR_COMMON_LEXICON_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "scr/v1/post.pb.h"

namespace scr::common {

struct LexiconVariant {
  std::string text;                // as written in the file, without a leading '='
  std::vector<std::string> words;  // folded words (accents stripped; lowercase unless exact)
  bool exact_case = false;         // matches only with the written capitals
};

struct LexiconEntry {
  std::string id;
  v1::EntityKind kind = v1::ENTITY_KIND_UNSPECIFIED;
  std::string name;
  std::vector<LexiconVariant> variants;
};

class Lexicon {
 public:
  // Parses the TSV text. INVALID_ARGUMENT names `source` and the line number
  // of the first bad line (wrong field count, bad id or kind, duplicate id).
  static absl::StatusOr<Lexicon> Parse(absl::string_view tsv, absl::string_view source);

  // Reads and parses a file.
  static absl::StatusOr<Lexicon> Load(const std::string& path);

  // For a --lexicon flag: null when `path` is empty (use Default()), the
  // loaded lexicon otherwise.
  static absl::StatusOr<std::unique_ptr<Lexicon>> LoadIfSet(const std::string& path);

  // The copy of lexicon/entities.tsv compiled into the binary.
  static const Lexicon& Default();

  // Entities mentioned in `text`, with mention counts, in order of first
  // mention. Longest variant wins where variants overlap.
  std::vector<v1::Entity> FindEntities(absl::string_view text) const;

  const std::vector<LexiconEntry>& entries() const { return entries_; }

  // The entry with this id, or nullptr.
  const LexiconEntry* Find(absl::string_view id) const;

  // Splits text into the folded words the lexicon matches on: typography
  // folded, accents stripped, split at anything but letters, digits and
  // apostrophes. Case is kept.
  static std::vector<std::string> Words(absl::string_view text);

 private:
  struct Candidate {
    size_t entry;
    size_t variant;
  };
  std::vector<LexiconEntry> entries_;
  // Lowercased first word -> variants starting with it, longest first.
  absl::flat_hash_map<std::string, std::vector<Candidate>> by_first_word_;
};

}  // namespace scr::common

#endif  // SCR_COMMON_LEXICON_H_
