#include "search-service/docid_sample.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace scr::search {

void DocidSample::init(const Xapian::Database& db) {
  last_ = db.get_lastdocid();
  const uint64_t per_run = (uint64_t{1} << level_) * kMinRuns;
  run_ = static_cast<Xapian::docid>(std::clamp<uint64_t>(last_ / per_run, 1, kMaxRun));
  did_ = 0;
  set_maxweight(0);
}

std::string DocidSample::get_description() const {
  return absl::StrCat("DocidSample(", level_, ")");
}

uint64_t DocidSample::ChosenRun(uint64_t block) const {
  uint64_t z = block + 0x9e3779b97f4a7c15ULL;  // splitmix64
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return (block << level_) + (z & ((uint64_t{1} << level_) - 1));
}

void DocidSample::Advance(uint64_t from) {
  uint64_t d = from;
  while (d <= last_) {
    const uint64_t run = (d - 1) / run_;
    const uint64_t block = run >> level_;
    const uint64_t chosen = ChosenRun(block);
    if (run == chosen) {
      did_ = static_cast<Xapian::docid>(d);
      return;
    }
    d = (run < chosen ? chosen : ChosenRun(block + 1)) * run_ + 1;
  }
  did_ = last_ + 1;
}

}  // namespace scr::search
