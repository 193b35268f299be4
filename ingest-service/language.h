// A small stop-word language guesser for post text.
#ifndef SCR_INGEST_LANGUAGE_H_
#define SCR_INGEST_LANGUAGE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace scr::ingest {

// Returns a BCP 47 primary language code ("en", "cy", "fr", "de", "es",
// "it", "nl", "pt") when the text's first few hundred words clearly favour
// one language's common words, else "".
std::string GuessLanguage(absl::string_view text);

}  // namespace scr::ingest

#endif  // SCR_INGEST_LANGUAGE_H_
