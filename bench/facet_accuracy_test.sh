#!/usr/bin/env bash
# facet_accuracy_test.sh BUILD_DIR: bench/facet_accuracy.py end to end on a
# small seeded index (2,000 posts built by scr_bench_adapter from the BBC
# corpus in ../shared): it must run every configuration against a real
# search-service, find sampled queries, and report errors of the size
# sampling gives. Exits 77 (skipped) when ../shared is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
b=$1
bbc=$root/../shared/data/bbc-news/news
if [ ! -d "$bbc" ]; then
  echo "SKIP: the BBC corpus is missing at $bbc (../shared relative to the repo)"
  exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/facet-accuracy-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$b/bench/scr_corpus_gen" --bbc="$bbc" --posts=2000 --seed=3 --out="$work/corpus" >/dev/null
"$b/bench/scr_query_gen" --posts="$work/corpus/posts.rec" --seed=3 --count=300 >"$work/queries.tsv"
"$b/bench/scr_bench_adapter" --posts="$work/corpus/posts.rec" --dir="$work/data/index" \
  --shards=2 >/dev/null 2>&1
python3 "$root/bench/facet_accuracy.py" --data_dir="$work/data" --texts="$work/queries.tsv" \
  --budgets=100 --min_count=20 --out="$work/out" \
  --search_binary="$b/search-service/search-service" | tee "$work/report.txt"
python3 - "$work/out/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
b = s["budgets"]["100"]
sampled = sum(b["sampled_queries"].values())
assert sampled >= 20, "only %d queries were sampled on a budget of 100" % sampled
rows = b["errors"]
words = rows.get("words all")
assert words and words["values"] >= 100, "too few word-query values compared: %r" % words
# The errors must be of the size sampling alone gives (median |z| about 0.67
# for independent posts); at this size a few percent of bias would not show,
# which DocidSampleTest checks exactly instead.
assert words["z_median"] < 1.5, "median |z| %.2f: the sample looks biased" % words["z_median"]
assert 0 <= words["rel_err_median"] < 0.5, words
print("ok: %d sampled queries, words median |z| %.2f" % (sampled, words["z_median"]))
PY
