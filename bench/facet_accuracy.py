#!/usr/bin/env python3
"""How far sampled facet counts are from exact ones, on an existing index.

    bench/facet_accuracy.py --data_dir=DIR --texts=FILE [--budgets=20000,80000]
        [--search_binary=build-bench/search-service/search-service] [--out=DIR]
        [--min_count=100]

DIR is a search-service data folder (DIR/index), for example one built by
`scr_bench_adapter --dir=DIR/index`; FILE holds one query text a line (lines
starting with # are skipped), or is a query mix (bench/queries.h: CLASS TAB
FLAGS TAB TEXT), whose texts are all taken. For each configuration, exact
(--max_exact_facet_matches=1000000000) and each budget, it starts
search-service on 127.0.0.1 (port 0) with the HTTP gateway, asks every text
for its category, year and site facets (100 values each, one hit), and stops
it. Then, for every query a budget sampled (counts_are_estimates) and every
value whose exact count is --min_count (100) or more, it takes the relative error
|estimate - exact| / exact and z = |estimate - exact| / sqrt(x (1 - p) / p),
the error over the binomial standard deviation of a sample of share p = 1/2^r
(2^r as the response gives it, each facet's sampled_one_in). An unbiased sample
of independent posts gives a median |z| near 0.67 and a p90 near 1.64.

Prints one line per budget, query kind (a text with a double quote is a
phrase) and exact-count band, and writes the responses (DIR_OUT/LABEL.jsonl)
and the summary (DIR_OUT/summary.json). Loopback only; the queries are sent
one at a time. Debian python3, standard library only.
"""

import argparse
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXACT = 1000000000
BANDS = [(1000, 10000, "1k-9.9k"), (10000, None, "10k+")]


def read_texts(path):
    texts = []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        texts.append(parts[2] if len(parts) >= 3 else line)
    return list(dict.fromkeys(texts))


def wait_file(path, proc, what):
    for _ in range(600):
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return open(path).read().strip()
        if proc.poll() is not None:
            sys.exit("facet_accuracy: search-service exited (%s) before writing its %s port"
                     % (proc.returncode, what))
        time.sleep(0.1)
    sys.exit("facet_accuracy: no %s port file %s after 60 s" % (what, path))


def run_config(binary, data_dir, budget, texts, work, out_path):
    """Asks every text once of a search-service counting exactly up to `budget`."""
    grpc_port = os.path.join(work, "grpc.port")
    http_port = os.path.join(work, "http.port")
    for p in (grpc_port, http_port):
        if os.path.exists(p):
            os.remove(p)
    log = open(os.path.join(work, "search-%d.log" % budget), "w")
    proc = subprocess.Popen([binary, "--listen=127.0.0.1:0", "--port_file=" + grpc_port,
                             "--http_listen=127.0.0.1:0", "--http_port_file=" + http_port,
                             "--data_dir=" + data_dir,
                             "--max_exact_facet_matches=%d" % budget],
                            stdout=subprocess.DEVNULL, stderr=log)
    try:
        wait_file(grpc_port, proc, "gRPC")
        port = wait_file(http_port, proc, "HTTP")
        with open(out_path, "w") as out:
            for text in texts:
                query = urllib.parse.urlencode({"q": text, "facets": "category,year,site",
                                                "facet_size": "100", "page_size": "1",
                                                "snippet_disabled": "true"})
                url = "http://127.0.0.1:%s/v1/search?%s" % (port, query)
                start = time.monotonic()
                try:
                    with urllib.request.urlopen(url, timeout=120) as r:
                        response = json.load(r)
                except urllib.error.HTTPError as e:
                    sys.exit("facet_accuracy: %r: HTTP %d: %s" % (text, e.code, e.read()[:300]))
                response["_ms"] = (time.monotonic() - start) * 1000
                response["_q"] = text
                out.write(json.dumps(response) + "\n")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        log.close()


def load(path):
    return {j["_q"]: j for j in map(json.loads, open(path))}


def sampled(response):
    return any(f.get("counts_are_estimates") for f in response.get("facets", []))


def quantile(values, f):
    return values[min(len(values) - 1, int(f * len(values)))]


def compare(exact, estimated, min_count):
    """Errors of `estimated` against `exact`, by (kind, band), for values of
    at least `min_count` posts."""
    errors = {}
    queries = {}
    for text, got in estimated.items():
        if not sampled(got) or text not in exact:
            continue
        kind = "phrase" if '"' in text else "words"
        queries.setdefault(kind, []).append(
            max(int(f.get("sampled_one_in", 0)) for f in got["facets"]))
        for f, ef in zip(got["facets"], exact[text]["facets"]):
            p = 1.0 / max(1, int(f.get("sampled_one_in", 0)))
            got_values = {v["value"]: int(v["count"]) for v in f.get("values", [])}
            for v in ef.get("values", []):
                x = int(v["count"])
                if x < min_count:
                    continue
                band = next((name for lo, hi, name in BANDS if x >= lo and (hi is None or x < hi)),
                            "%d-999" % min_count)
                diff = abs(got_values.get(v["value"], 0) - x)
                z = diff / math.sqrt(x * (1 - p) / p) if p < 1 else 0.0
                for key in ((kind, band), (kind, "all")):
                    errors.setdefault(key, []).append((diff / x, z))
    return errors, queries


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data_dir", required=True)
    ap.add_argument("--texts", required=True)
    ap.add_argument("--budgets", default="20000,80000")
    ap.add_argument("--search_binary",
                    default=os.path.join(ROOT, "build-bench/search-service/search-service"))
    ap.add_argument("--out", default="")
    ap.add_argument("--min_count", type=int, default=100)
    args = ap.parse_args()
    if not os.path.isdir(os.path.join(args.data_dir, "index")):
        sys.exit("facet_accuracy: %s has no index folder" % args.data_dir)
    if not os.access(args.search_binary, os.X_OK):
        sys.exit("facet_accuracy: no search-service binary at %s" % args.search_binary)
    texts = read_texts(args.texts)
    if not texts:
        sys.exit("facet_accuracy: no query texts in %s" % args.texts)
    budgets = [int(b) for b in args.budgets.split(",") if b]
    out = args.out or tempfile.mkdtemp(prefix="facet-accuracy.")
    os.makedirs(out, exist_ok=True)

    run_config(args.search_binary, args.data_dir, EXACT, texts, out, os.path.join(out, "exact.jsonl"))
    exact = load(os.path.join(out, "exact.jsonl"))
    summary = {"texts": len(texts), "data_dir": args.data_dir, "budgets": {}}
    for budget in budgets:
        path = os.path.join(out, "budget-%d.jsonl" % budget)
        run_config(args.search_binary, args.data_dir, budget, texts, out, path)
        errors, queries = compare(exact, load(path), args.min_count)
        rows = {}
        for (kind, band), pairs in sorted(errors.items()):
            rel = sorted(r for r, _ in pairs)
            zs = sorted(z for _, z in pairs)
            rows["%s %s" % (kind, band)] = {
                "values": len(pairs), "rel_err_median": round(quantile(rel, 0.5), 4),
                "rel_err_p90": round(quantile(rel, 0.9), 4), "rel_err_max": round(rel[-1], 4),
                "z_median": round(quantile(zs, 0.5), 3), "z_p90": round(quantile(zs, 0.9), 3)}
            print("budget %-7d %-6s %-8s values %5d  |rel err| median %.3f p90 %.3f max %.3f"
                  "  |z| median %.2f p90 %.2f" % (
                      budget, kind, band, len(pairs), quantile(rel, 0.5), quantile(rel, 0.9),
                      rel[-1], quantile(zs, 0.5), quantile(zs, 0.9)))
        summary["budgets"][str(budget)] = {
            "sampled_queries": {k: len(v) for k, v in queries.items()},
            "scales": {k: sorted(set(v)) for k, v in queries.items()},
            "errors": rows}
        if not queries:
            print("budget %d: no query was sampled (every text matched at most the budget)"
                  % budget)
    json.dump(summary, open(os.path.join(out, "summary.json"), "w"), indent=1)
    print("responses and summary.json in", out)


if __name__ == "__main__":
    main()
