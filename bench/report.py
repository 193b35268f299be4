#!/usr/bin/python3
"""Turns a bench/run.sh results folder into the published figures.

  /usr/bin/python3 bench/report.py bench/results/<timestamp>

Merges the run's sizes into bench/results/latest.json (a size measured again
replaces the older entry; every entry keeps the timestamp of its run, and all
ratios are between figures of the same run), renders docs/performance.png with
gnuplot when it is installed, and rewrites the part of docs/PERFORMANCE.md
between the BEGIN/END RESULTS markers. Standard library only (Debian python3).
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LATEST = os.path.join(ROOT, "bench", "results", "latest.json")
DOC = os.path.join(ROOT, "docs", "PERFORMANCE.md")
CHART = os.path.join(ROOT, "docs", "performance.png")
BEGIN, END = "<!-- BEGIN RESULTS (bench/report.py) -->", "<!-- END RESULTS -->"
PLAIN_CLASSES = ["term", "two", "three", "phrase", "boolean"]
ALL_CLASSES = PLAIN_CLASSES + ["facets", "snippets", "collapse", "full"]


def load(path):
    with open(path) as f:
        return json.load(f)


def ratio(a, b):
    return round(a / b, 3) if b else None


def load_figures(l, mode, clients, rq=None):
    """One load-generator run (its JSON line) as a table entry; with the raw
    baseline's query figures `rq`, also its ratios to them."""
    e = {"mode": mode, "clients": clients, "qps": round(l["qps"], 1), "errors": l["errors"],
         "p50_ms": l["latency"]["p50_ms"], "p95_ms": l["latency"]["p95_ms"],
         "p99_ms": l["latency"]["p99_ms"], "plain": l["classes"].get("_plain"),
         # Time inside search-service (took_micros) of the same requests.
         "server_plain": l.get("server_classes", {}).get("_plain"),
         "classes": {k: v for k, v in l["classes"].items() if not k.startswith("_")}}
    if "first_pass" in l:
        # The unmeasured warm-up pass: every query once, as the index first answers it.
        e["first_pass_classes"] = l["first_pass"]["classes"]
    if rq:
        raw_qps = rq["qps"]["1"] if clients == 1 else rq["qps"]["2"]
        e.update({"p50_vs_raw": ratio(l["latency"]["p50_ms"], rq["latency"]["p50_ms"]),
                  "p99_vs_raw": ratio(l["latency"]["p99_ms"], rq["latency"]["p99_ms"]),
                  "qps_vs_raw": ratio(l["qps"], raw_qps),
                  "raw_qps_threads": 1 if clients == 1 else 2})
    return e


def load_runs(run_dir, n, rq=None):
    search = {}
    for mode in ("grpc", "http"):
        for c in (1, 2, 4, 16):
            f = os.path.join(run_dir, "load-%s-%s-%d.json" % (n, mode, c))
            if os.path.exists(f):
                search["%s-%d" % (mode, c)] = load_figures(load(f), mode, c, rq)
    f1 = os.path.join(run_dir, "load1-%s-grpc-1.json" % n)
    if os.path.exists(f1):
        search["grpc-1-oneshard"] = dict(load_figures(load(f1), "grpc", 1, rq), shards=1)
    return search


def grpc_floor(run_dir, n):
    """gRPC's own cost of a unary call on the measured server: the empty
    Health/Check run at 1 client (runs since 2026-12-06), or None."""
    f = os.path.join(run_dir, "load-%s-grpc-health-1.json" % n)
    if not os.path.exists(f):
        return None
    l = load(f)
    return {"p50_ms": l["latency"]["p50_ms"], "p99_ms": l["latency"]["p99_ms"],
            "n": l["latency"]["n"], "errors": l["errors"]}


def summarize(run_dir):
    machine = load(os.path.join(run_dir, "machine.json"))
    sizes = {}
    for name in sorted(os.listdir(run_dir)):
        if not (name.startswith("corpus-") and name.endswith(".json")):
            continue
        n = name[len("corpus-"):-len(".json")]
        p = lambda kind: os.path.join(run_dir, "%s-%s.json" % (kind, n))
        if not os.path.exists(p("baselines")):
            continue
        corpus, ingest, services, base = load(p("corpus")), load(p("ingest")), load(p("services")), load(p("baselines"))
        ingest1 = load(p("ingest1")) if os.path.exists(p("ingest1")) else None
        if "raw_xapian" not in base or "fts5" not in base:
            sizes[n] = service_only(run_dir, machine, n, corpus, ingest, services, base)
            continue
        raw, fts = base["raw_xapian"], base["fts5"]
        e = {"run": machine["timestamp"], "machine": machine, "corpus": corpus,
             "warmup_passes": machine.get("warmup_passes", 0),
             "ingest_parts": ingest.get("parts"),
             "ingest_cpu": ingest_cpu(ingest, services), "nproc": machine["nproc"]}
        e["ingest"] = {
            "service_posts_per_s": ingest["posts_per_s"],
            "service_item_mb_per_s": ingest["mb_per_s"],
            "service_posts": ingest["posts"],
            "service_documents": ingest["document_count"],
            "service_seconds": ingest["durable_s"],
            "service_streams": ingest["concurrency"],
            "raw_posts_per_s": raw["index"]["posts_per_s"],
            "raw_text_mb_per_s": raw["index"]["mb_per_s"],
            "fts5_posts_per_s": fts["index"]["posts_per_s"],
            "fts5_text_mb_per_s": fts["index"]["mb_per_s"],
            "service_vs_raw": ratio(ingest["posts_per_s"], raw["index"]["posts_per_s"]),
            "service_shards": machine.get("shards", 1),
            "one_writer_posts_per_s": ingest1["posts_per_s"] if ingest1 else None,
            "one_writer_vs_raw": ratio(ingest1["posts_per_s"], raw["index"]["posts_per_s"]) if ingest1 else None,
            "fts5_vs_raw": ratio(fts["index"]["posts_per_s"], raw["index"]["posts_per_s"]),
        }
        e["size"] = {
            "service_bytes": services["index_bytes"],
            "raw_bytes": raw["index"]["size_bytes"],
            "fts5_bytes": fts["index"]["size_bytes"],
            "service_vs_raw": ratio(services["index_bytes"], raw["index"]["size_bytes"]),
            "fts5_vs_raw": ratio(fts["index"]["size_bytes"], raw["index"]["size_bytes"]),
        }
        e["rss_mb"] = {
            "search_service": round(services["search_vmhwm_kb"] / 1024, 1),
            "ingest_service": round(services["ingest_vmhwm_kb"] / 1024, 1),
        }
        rq, fq = raw["query"], fts["query"]
        e["raw_query"] = {"latency": rq["latency"], "plain": rq["classes"].get("_plain"),
                          "qps_1": rq["qps"]["1"], "qps_2": rq["qps"]["2"]}
        e["fts5_query"] = {"latency": fq["latency"], "plain": fq["classes"].get("_plain"),
                           "qps_1": fq["qps"]["1"], "qps_2": fq["qps"]["2"]}
        search = load_runs(run_dir, n, rq)
        e["search"] = search
        e["grpc_floor"] = grpc_floor(run_dir, n)
        aq = base.get("adapter", {}).get("query")
        e["adapter_query"] = {"latency": aq["latency"], "plain": aq["classes"].get("_plain"),
                              "classes": {k: v for k, v in aq["classes"].items() if not k.startswith("_")},
                              "qps_1": aq["qps"]["1"], "qps_2": aq["qps"]["2"]} if aq else None
        classes = {}
        g1 = search.get("grpc-1", {}).get("classes", {})
        for cls in ALL_CLASSES:
            s, r, f = g1.get(cls), rq["classes"].get(cls), fq["classes"].get(cls)
            if not (s and r and f):
                continue
            a = (e["adapter_query"] or {}).get("classes", {}).get(cls) if e.get("adapter_query") else None
            classes[cls] = {"adapter_p50_ms": a["p50_ms"] if a else None,
                            "service_p50_ms": s["p50_ms"], "raw_p50_ms": r["p50_ms"],
                            "fts5_p50_ms": f["p50_ms"], "service_p99_ms": s["p99_ms"],
                            "raw_p99_ms": r["p99_ms"], "fts5_p99_ms": f["p99_ms"],
                            "service_vs_raw": ratio(s["p50_ms"], r["p50_ms"]),
                            "fts5_vs_raw": ratio(f["p50_ms"], r["p50_ms"])}
        e["classes"] = classes
        # Targets, all within this run.
        t = []
        ig = e["ingest"]
        if ig["one_writer_vs_raw"] is not None:
            t.append({"target": "end-to-end ingest, one writer >= 0.8x raw single-thread Xapian indexing",
                      "value": "%.2fx (%.0f vs %.0f posts/s)" % (ig["one_writer_vs_raw"], ig["one_writer_posts_per_s"], ig["raw_posts_per_s"]),
                      "met": ig["one_writer_vs_raw"] >= 0.8})
        t.append({"target": "end-to-end ingest, %d local shards >= 1.5x raw single-thread Xapian indexing" % ig["service_shards"],
                  "value": "%.2fx (%.0f vs %.0f posts/s)" % (ig["service_vs_raw"], ig["service_posts_per_s"], ig["raw_posts_per_s"]),
                  "met": ig["service_vs_raw"] >= 1.5})
        sp = (search.get("grpc-1") or {}).get("plain")
        rp = rq["classes"].get("_plain")
        if sp and rp:
            server = (search.get("grpc-1") or {}).get("server_plain")
            floor = e["grpc_floor"]
            t.append({"target": "gRPC top-10 without facets p50 <= raw p50 + 0.15 ms",
                      "value": "%.3f ms vs %.3f + 0.15 ms%s%s" % (
                          sp["p50_ms"], rp["p50_ms"],
                          " (%.3f ms inside search-service)" % server["p50_ms"] if server else "",
                          "; gRPC's own floor, an empty Health/Check: %.3f ms" % floor["p50_ms"]
                          if floor else ""),
                      "met": sp["p50_ms"] <= rp["p50_ms"] + 0.15})
            sp1 = (search.get("grpc-1-oneshard") or {}).get("plain")
            if sp1:
                t.append({"target": "the same on a one-shard index (no multi-database merge)",
                          "value": "%.3f ms vs %.3f + 0.15 ms" % (sp1["p50_ms"], rp["p50_ms"]),
                          "met": sp1["p50_ms"] <= rp["p50_ms"] + 0.15})
        g2 = search.get("grpc-2")
        if g2:
            t.append({"target": "QPS at 2 gRPC clients >= 0.5x raw Xapian with 2 threads",
                      "value": "%.2fx (%.0f vs %.0f)" % (g2["qps_vs_raw"], g2["qps"], rq["qps"]["2"]),
                      "met": g2["qps_vs_raw"] >= 0.5})
        behind = [c for c, v in classes.items() if v["service_p50_ms"] >= v["fts5_p50_ms"]]
        t.append({"target": "ahead of SQLite FTS5 (p50) on every query class",
                  "value": "behind on: " + ", ".join(behind) if behind else "ahead on all %d classes" % len(classes),
                  "met": not behind})
        full = g1.get("full")
        if full:
            t.append(full_target(search.get("grpc-1", {}), full, n))
        t.append({"target": "search-service RSS <= 1 GiB, ingest-service RSS <= 256 MiB (target at 1M posts)",
                  "value": "%.0f MB, %.0f MB at %s posts" % (e["rss_mb"]["search_service"], e["rss_mb"]["ingest_service"], n),
                  "met": e["rss_mb"]["search_service"] <= 1024 and e["rss_mb"]["ingest_service"] <= 256})
        e["targets"] = t
        sizes[n] = e
    return machine, sizes


def full_target(g1, full, n):
    """The full-featured p99 target from the 1-client gRPC run; the warm-up
    pass's figure (each query once, first) is shown beside it."""
    first = (g1.get("first_pass_classes") or {}).get("full")
    return {"target": "full-featured query (3 facets, snippets, collapse) p99 <= 50 ms (target at 1M posts)",
            "value": "%.2f ms at %s posts%s%s" % (
                full["p99_ms"], n,
                " (%d executions)" % full["n"] if full.get("n") else "",
                "; warm-up pass, each query once: max %.2f ms" % first["max_ms"] if first else ""),
            "met": full["p99_ms"] <= 50}


def ingest_cpu(ingest, services):
    """CPU seconds each service spent from its start to the end of the
    end-to-end ingest (bench/run.sh starts them just before it), or None for
    runs that predate the figure."""
    if "search_cpu_s" not in services:
        return None
    wall = ingest["durable_s"]
    posts = max(1, ingest["posts"])
    return {"search_s": services["search_cpu_s"], "ingest_s": services["ingest_cpu_s"],
            "search_ms_per_post": 1000.0 * services["search_cpu_s"] / posts,
            "ingest_ms_per_post": 1000.0 * services["ingest_cpu_s"] / posts,
            "cores_busy": (services["search_cpu_s"] + services["ingest_cpu_s"]) / wall if wall > 0 else None}


def cpu_line(w, e):
    c = e.get("ingest_cpu")
    if not c:
        return
    w("\nCPU during the end-to-end ingest: search-service %.1f s (%.2f ms a post), ingest-service "
      "%.1f s (%.2f ms a post); %.2f of %s cores busy with the two services alone.\n" % (
          c["search_s"], c["search_ms_per_post"], c["ingest_s"], c["ingest_ms_per_post"],
          c["cores_busy"] or 0, e.get("nproc", "?")))


def service_only(run_dir, machine, n, corpus, ingest, services, base):
    """A size measured with bench/run.sh --service_only: no baselines, so no
    ratios; the absolute targets only."""
    e = {"run": machine["timestamp"], "machine": machine, "corpus": corpus, "service_only": True,
         "warmup_passes": machine.get("warmup_passes", 0),
         "ingest_cpu": ingest_cpu(ingest, services), "nproc": machine["nproc"]}
    e["ingest"] = {"service_posts_per_s": ingest["posts_per_s"],
                   "service_item_mb_per_s": ingest["mb_per_s"],
                   "service_documents": ingest["document_count"],
                   "service_seconds": ingest["durable_s"],
                   "service_streams": ingest["concurrency"],
                   "service_shards": machine.get("shards", 1)}
    e["size"] = {"service_bytes": services["index_bytes"]}
    e["rss_mb"] = {"search_service": round(services["search_vmhwm_kb"] / 1024, 1),
                   "ingest_service": round(services["ingest_vmhwm_kb"] / 1024, 1)}
    search = load_runs(run_dir, n)
    e["search"] = search
    e["grpc_floor"] = grpc_floor(run_dir, n)
    aq = base.get("adapter", {}).get("query")
    e["adapter_query"] = {"latency": aq["latency"], "plain": aq["classes"].get("_plain"),
                          "classes": {k: v for k, v in aq["classes"].items() if not k.startswith("_")},
                          "qps_1": aq["qps"]["1"], "qps_2": aq["qps"]["2"]} if aq else None
    t = []
    full = search.get("grpc-1", {}).get("classes", {}).get("full")
    if full:
        t.append(full_target(search.get("grpc-1", {}), full, n))
    t.append({"target": "search-service RSS <= 1 GiB, ingest-service RSS <= 256 MiB (target at 1M posts)",
              "value": "%.0f MB, %.0f MB at %s posts" % (e["rss_mb"]["search_service"], e["rss_mb"]["ingest_service"], n),
              "met": e["rss_mb"]["search_service"] <= 1024 and e["rss_mb"]["ingest_service"] <= 256})
    e["targets"] = t
    return e


def service_only_tables(w, e):
    i = e["ingest"]
    w("\nService only (`bench/run.sh --service_only`): no baselines at this size, so no ratios.\n")
    w("| end-to-end ingest, %d shards | %.0f posts/s (%.2f MB/s) in %.0f s; %d documents |" % (
        i["service_shards"], i["service_posts_per_s"], i["service_item_mb_per_s"], i["service_seconds"],
        i["service_documents"]))
    w("|---|---|")
    w("| index size | %s |" % fmt_bytes(e["size"]["service_bytes"]))
    w("| peak RSS | search %.0f MB, ingest %.0f MB |" % (e["rss_mb"]["search_service"], e["rss_mb"]["ingest_service"]))
    cpu_line(w, e)
    w("\n| | clients | p50 ms | p95 ms | p99 ms | QPS |")
    w("|---|---:|---:|---:|---:|---:|")
    aq = e.get("adapter_query")
    if aq:
        w("| service index adapter, in process | 1 | %.3f | %.3f | %.3f | %.0f |" % (
            aq["latency"]["p50_ms"], aq["latency"]["p95_ms"], aq["latency"]["p99_ms"], aq["qps_1"]))
    for key in sorted(e["search"], key=lambda k: (e["search"][k]["mode"], e["search"][k]["clients"])):
        s = e["search"][key]
        w("| service %s | %d | %.3f | %.3f | %.3f | %.0f |%s" % (
            "gRPC" if s["mode"] == "grpc" else "HTTP", s["clients"], s["p50_ms"], s["p95_ms"],
            s["p99_ms"], s["qps"], " %d errors" % s["errors"] if s["errors"] else ""))
    floor = e.get("grpc_floor")
    if floor:
        w("| gRPC's own floor: empty Health/Check | 1 | %.3f | | %.3f | |" % (floor["p50_ms"], floor["p99_ms"]))
    g1 = e["search"].get("grpc-1", {}).get("classes", {})
    if g1:
        w("\n| class (gRPC, 1 client) | p50 ms | p99 ms |")
        w("|---|---:|---:|")
        for cls in ALL_CLASSES:
            if cls in g1:
                w("| %s | %.3f | %.3f |" % (cls, g1[cls]["p50_ms"], g1[cls]["p99_ms"]))


def fmt_bytes(b):
    return "%.1f MB" % (b / 1e6)


def machine_of(summary, e):
    """The machine a size was measured on (entries from before 2026-12-06
    carry none and are taken as the latest run's)."""
    return e.get("machine") or summary["machine"]


def render_chart(summary):
    points = sorted(((int(n), e) for n, e in summary["sizes"].items()), key=lambda x: x[0])
    if not points:
        return False
    try:
        subprocess.run(["gnuplot", "--version"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        print("report.py: gnuplot not installed (apt-get install gnuplot-nox); chart not redrawn")
        return False
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data.tsv")
        with open(data, "w") as f:
            for n, e in points:
                g1 = e["search"].get("grpc-1", {})
                h1 = e["search"].get("http-1", {})
                nan = float("nan")
                base = not e.get("service_only")
                f.write("%d\t%f\t%f\t%f\t%f\t%f\t%f\t%f\n" % (
                    n, e["ingest"]["service_posts_per_s"],
                    e["ingest"]["raw_posts_per_s"] if base else nan,
                    e["ingest"]["fts5_posts_per_s"] if base else nan, g1.get("p99_ms", nan), h1.get("p99_ms", nan),
                    e["raw_query"]["latency"]["p99_ms"] if base else nan,
                    e["fts5_query"]["latency"]["p99_ms"] if base else nan))
        script = """
set terminal pngcairo size 1100,440 font ",10"
set output '%(out)s'
set multiplot layout 1,2 title "SCR search benchmark (%(cpu)s, %(nproc)s cores; bench/run.sh)"
set logscale x
set xlabel "corpus size (posts)"
set grid
set key top right
set format x "%%.0s%%c"
set title "ingest throughput (posts/s, higher is better)"
set logscale y
plot '%(data)s' using 1:2 with linespoints lw 2 pt 7 title "end-to-end service (2 shards, 1 stream)", \
     '' using 1:3 with linespoints lw 2 pt 5 title "raw Xapian, 1 thread", \
     '' using 1:4 with linespoints lw 2 pt 9 title "SQLite FTS5"
set title "search p99 latency, 1 client, 300-query mix (ms, lower is better)"
plot '%(data)s' using 1:5 with linespoints lw 2 pt 7 title "service via gRPC", \
     '' using 1:6 with linespoints lw 2 pt 13 title "service via HTTP", \
     '' using 1:7 with linespoints lw 2 pt 5 title "raw Xapian", \
     '' using 1:8 with linespoints lw 2 pt 9 title "SQLite FTS5"
unset multiplot
""" % {"out": CHART, "data": data, "cpu": " / ".join(sorted({machine_of(summary, e)["cpu"] for _, e in points})),
       "nproc": summary["machine"]["nproc"]}
        r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
        if r.returncode != 0:
            print("report.py: gnuplot failed:", r.stderr)
            return False
    return True


# The fields of machine.json that tell machines apart (not per-run state).
MACHINE_KEYS = ("nproc", "cpu", "mem_gb", "kernel", "xapian", "sqlite", "build_type")


def tables(summary):
    out = []
    w = out.append
    w("Generated by `bench/report.py` from `bench/results/latest.json`; do not edit by hand.\n")
    # Sizes kept from earlier runs may come from another machine: one line
    # per machine, naming its runs.
    machines = {}
    for e in summary["sizes"].values():
        m = machine_of(summary, e)
        key = tuple(m.get(k) for k in MACHINE_KEYS)
        runs = machines.setdefault(key, (m, {}))[1]
        # A machine's load average belongs to the run it was read in.
        runs[e["run"]] = m.get("loadavg_at_start") if m.get("timestamp") == e["run"] else None
    for m, runs in machines.values():
        loads = ["%s at %s" % (runs[r], r) for r in sorted(runs) if runs[r]]
        w("**Machine** (run %s): %s cores, %s, %s GB RAM, disk %s, kernel %s, Xapian %s, SQLite %s, "
          "build %s%s. Measured seconds per load run: %s.\n" % (
              ", ".join(sorted(runs)), m["nproc"], m["cpu"], m["mem_gb"], m["disk"], m["kernel"],
              m["xapian"], m.get("sqlite") or "(library)", m["build_type"],
              ", load average at start " + "; ".join(loads) if loads else "", m["duration_s"]))
    w("The machines are shared with other work, so absolute figures are noisy; compare the ratios, "
      "which are always between figures of the same run.\n")
    for n, e in sorted(summary["sizes"].items(), key=lambda x: int(x[0])):
        c = e["corpus"]
        w("\n### %s posts (run %s)\n" % (format(int(n), ","), e["run"]))
        w("Corpus: %d posts in %d items (%.1f MB of raw pages, %.1f MB of title and body text), "
          "%d near-duplicate reposts, seed %d.\n" % (
              c["posts"], c["items"], c["item_bytes"] / 1e6, c["text_bytes"] / 1e6,
              c["near_duplicates"], c["seed"]))
        parts = e.get("ingest_parts")
        steps = ("raw Xapian indexing, one-shard and sharded ingest"
                 if (e.get("ingest") or {}).get("one_writer_posts_per_s")
                 else "raw Xapian indexing and sharded ingest (no one-shard pass)")
        w("Each load run measured after %s.%s\n" % (
            "a warm-up pass (every query of the mix once, unmeasured, as the baselines' warm-up pass) "
            "and 1 s more" if e.get("warmup_passes") else "1 s of warm-up",
            "" if not parts or e.get("service_only") else
            " Ingest timed in %d slices: each slice's %s run back to back, so they share the same "
            "minutes of the machine." % (parts, steps)
            if parts > 1 else
            " Ingest: %s run back to back." % steps))
        w("\n**Targets**\n")
        w("| target | measured | |\n|---|---|---|")
        for t in e["targets"]:
            w("| %s | %s | %s |" % (t["target"], t["value"], "met" if t["met"] else "**missed**"))
        if e.get("service_only"):
            service_only_tables(w, e)
            continue
        i = e["ingest"]
        w("\n**Ingest and index** (MB/s: raw pages for the service, title and body text for the baselines)\n")
        w("| | posts/s | MB/s | × raw | index size | × raw | peak RSS |")
        w("|---|---:|---:|---:|---:|---:|---:|")
        if i.get("one_writer_posts_per_s"):
            w("| end-to-end service, 1 shard (one writer) | %.0f | | %.2f | | | |" % (
                i["one_writer_posts_per_s"], i["one_writer_vs_raw"]))
        w("| end-to-end service, %d shards (%d stream) | %.0f | %.2f | %.2f | %s | %.2f | search %.0f MB, ingest %.0f MB |" % (
            i.get("service_shards", 1), i["service_streams"], i["service_posts_per_s"], i["service_item_mb_per_s"], i["service_vs_raw"],
            fmt_bytes(e["size"]["service_bytes"]), e["size"]["service_vs_raw"],
            e["rss_mb"]["search_service"], e["rss_mb"]["ingest_service"]))
        w("| raw Xapian, 1 thread | %.0f | %.2f | 1.00 | %s | 1.00 | (in process) |" % (
            i["raw_posts_per_s"], i["raw_text_mb_per_s"], fmt_bytes(e["size"]["raw_bytes"])))
        w("| SQLite FTS5 | %.0f | %.2f | %.2f | %s | %.2f | (in process) |" % (
            i["fts5_posts_per_s"], i["fts5_text_mb_per_s"], i["fts5_vs_raw"],
            fmt_bytes(e["size"]["fts5_bytes"]), e["size"]["fts5_vs_raw"]))
        cpu_line(w, e)
        rq, fq = e["raw_query"], e["fts5_query"]
        w("\n**Search, whole 300-query mix** (× raw: latency ratio to raw Xapian's sequential run; "
          "QPS ratio to raw Xapian with 1 thread for 1 client, 2 threads otherwise)\n")
        w("| | clients | p50 ms | p95 ms | p99 ms | QPS | p50 × raw | p99 × raw | QPS × raw |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        w("| raw Xapian | 1 | %.3f | %.3f | %.3f | %.0f | 1.00 | 1.00 | 1.00 |" % (
            rq["latency"]["p50_ms"], rq["latency"]["p95_ms"], rq["latency"]["p99_ms"], rq["qps_1"]))
        w("| raw Xapian | 2 threads | | | | %.0f | | | 1.00 |" % rq["qps_2"])
        w("| SQLite FTS5 | 1 | %.3f | %.3f | %.3f | %.0f | %.2f | %.2f | %.2f |" % (
            fq["latency"]["p50_ms"], fq["latency"]["p95_ms"], fq["latency"]["p99_ms"], fq["qps_1"],
            fq["latency"]["p50_ms"] / rq["latency"]["p50_ms"], fq["latency"]["p99_ms"] / rq["latency"]["p99_ms"],
            fq["qps_1"] / rq["qps_1"]))
        w("| SQLite FTS5 | 2 threads | | | | %.0f | | | %.2f |" % (fq["qps_2"], fq["qps_2"] / rq["qps_2"]))
        aq = e.get("adapter_query")
        if aq:
            w("| service index adapter, in process | 1 | %.3f | %.3f | %.3f | %.0f | %.2f | %.2f | %.2f |" % (
                aq["latency"]["p50_ms"], aq["latency"]["p95_ms"], aq["latency"]["p99_ms"], aq["qps_1"],
                aq["latency"]["p50_ms"] / rq["latency"]["p50_ms"], aq["latency"]["p99_ms"] / rq["latency"]["p99_ms"],
                aq["qps_1"] / rq["qps_1"]))
            w("| service index adapter, in process | 2 threads | | | | %.0f | | | %.2f |" % (aq["qps_2"], aq["qps_2"] / rq["qps_2"]))
        for key in sorted(e["search"], key=lambda k: (e["search"][k]["mode"], e["search"][k]["clients"], k)):
            s = e["search"][key]
            w("| service %s%s | %d | %.3f | %.3f | %.3f | %.0f | %.2f | %.2f | %.2f |%s" % (
                "gRPC" if s["mode"] == "grpc" else "HTTP", ", 1 shard" if s.get("shards") == 1 else "",
                s["clients"], s["p50_ms"], s["p95_ms"],
                s["p99_ms"], s["qps"], s["p50_vs_raw"], s["p99_vs_raw"], s["qps_vs_raw"],
                " %d errors" % s["errors"] if s["errors"] else ""))
        floor = e.get("grpc_floor")
        if floor:
            w("\ngRPC's own floor on the same server: an empty `grpc.health.v1.Health/Check` at 1 client "
              "(`scr_loadgen --health`) took %.3f ms p50, %.3f ms p99 (%d calls%s). Every gRPC figure "
              "above includes it; the top-10 target allows raw Xapian's p50 + 0.15 ms.\n" % (
                  floor["p50_ms"], floor["p99_ms"], floor["n"],
                  ", %d errors" % floor["errors"] if floor["errors"] else ""))
        w("\n**Per query class, 1 client** (p50 / p99 ms; service over gRPC)\n")
        w("| class | service | adapter p50, in process | raw Xapian | SQLite FTS5 | service × raw (p50) | FTS5 × raw (p50) |")
        w("|---|---:|---:|---:|---:|---:|---:|")
        for cls in ALL_CLASSES:
            v = e["classes"].get(cls)
            if not v:
                continue
            w("| %s | %.3f / %.3f | %s | %.3f / %.3f | %.3f / %.3f | %.2f | %.2f |" % (
                cls, v["service_p50_ms"], v["service_p99_ms"],
                "%.3f" % v["adapter_p50_ms"] if v.get("adapter_p50_ms") is not None else "",
                v["raw_p50_ms"], v["raw_p99_ms"],
                v["fts5_p50_ms"], v["fts5_p99_ms"], v["service_vs_raw"], v["fts5_vs_raw"]))
    w("\n![ingest throughput and p99 latency against corpus size](performance.png)\n")
    return "\n".join(out)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    machine, sizes = summarize(sys.argv[1])
    summary = {"machine": machine, "sizes": {}}
    if os.path.exists(LATEST):
        try:
            old = load(LATEST)
            summary["sizes"] = old.get("sizes", {})
        except (OSError, ValueError):
            pass
    summary["sizes"].update(sizes)
    summary["machine"] = machine
    with open(LATEST, "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)
        f.write("\n")
    with open(os.path.join(sys.argv[1], "summary.json"), "w") as f:
        json.dump({"machine": machine, "sizes": sizes}, f, indent=1, sort_keys=True)
    render_chart(summary)
    text = tables(summary)
    if os.path.exists(DOC):
        doc = open(DOC).read()
        if BEGIN in doc and END in doc:
            head, rest = doc.split(BEGIN, 1)
            _, tail = rest.split(END, 1)
            doc = head + BEGIN + "\n" + text + "\n" + END + tail
        else:
            doc += "\n" + BEGIN + "\n" + text + "\n" + END + "\n"
    else:
        doc = "# Performance\n\n" + BEGIN + "\n" + text + "\n" + END + "\n"
    with open(DOC, "w") as f:
        f.write(doc)
    print("report.py: wrote %s, %s and %s" % (LATEST, DOC, CHART))
    for n, e in sorted(sizes.items(), key=lambda x: int(x[0])):
        for t in e["targets"]:
            print("  %s posts: %-75s %-35s %s" % (n, t["target"], t["value"], "met" if t["met"] else "MISSED"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
