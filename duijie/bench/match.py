"""``duijie bench match``: the matching engine at N documents, next to raw tantivy and raw bm25s.

For each size N (``--docs 10000,100000``), in a fresh subprocess so that peak memory is its own:

1. the corpus: the dev set's achievements, then synthetic ones made of the dev records' real parts
   (the title of one, the abstract of another, the keywords of a third, drawn at random);
2. the engine's index is built from the texts as the product builds it (analysis and translation on
   every core, into a persisted tantivy store with a shard per language): docs/s;
3. p50/p95 of a top-10 match for short demands (the dev set's keyword demands) and long ones (a dev
   title and abstract);
4. in the same process, raw bm25s and raw tantivy over the same pre-analysed terms (built untimed by
   the engine's analysis), each answering the same queries' own terms top-10: their build docs/s and
   latencies, and the engine's latency as a ratio of each.

Prints one JSON object; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from duijie.bench import runtime

HELP = "matching engine build speed, memory and top-10 latency at N documents, next to raw tantivy and bm25s"
GOAL = "p50 < 30 ms at 1,000,000 achievements; build >= 10,000 docs/s; < 4 GB; overhead over raw < 3x"
DEV = Path(__file__).resolve().parents[3] / "shared" / "data" / "matching-dev"
QUERIES = 200


def add_arguments(parser: Any) -> None:
    parser.add_argument("--docs", default="10000,100000", help="comma-separated corpus sizes")
    parser.add_argument("--data", default=str(DEV), help="a folder shaped like shared/data/matching-dev")
    parser.add_argument("--one", type=int, default=0, help=argparse.SUPPRESS)  # one size, in this process


def run(options: dict[str, Any], log: runtime.Log) -> dict[str, Any]:
    if options.get("one"):
        return _measure(options["one"], Path(options["data"]), log)
    results = []
    for size in [int(x) for x in str(options["docs"]).split(",") if x.strip()]:
        log(f"match: {size} documents")
        done = subprocess.run([sys.executable, "-m", "duijie.cli", "bench", "match", "--one", str(size),
                               "--data", options["data"]], capture_output=True, text=True)
        if done.returncode != 0:
            results.append({"docs": size, "error": done.stderr[-2000:]})
            continue
        results.append(json.loads(done.stdout))
    return {"benchmark": "match", "goal": GOAL, "machine": runtime.machine(), "results": results}


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def corpus(data: Path, size: int, seed: int = 7) -> list[dict[str, Any]]:
    real = _jsonl(data / "achievements.jsonl")
    rng = random.Random(seed)
    out = real[:size]
    while len(out) < size:
        a, b, c = rng.choice(real), rng.choice(real), rng.choice(real)
        out.append({"id": f"syn-{len(out)}", "lang": a["lang"], "title": a["title"], "abstract": b["abstract"]
                    if b["lang"] == a["lang"] else a["abstract"], "keywords": c["keywords"] if c["lang"] == a["lang"]
                    else a["keywords"]})
    return out


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 2)}


def _time(fn: Any, queries: list[Any]) -> dict[str, float]:
    for q in queries[:5]:
        fn(q)
    samples = []
    for q in queries:
        started = time.perf_counter()
        fn(q)
        samples.append(time.perf_counter() - started)
    return _percentiles(samples)


def _measure(size: int, data: Path, log: runtime.Log) -> dict[str, Any]:
    import bm25s
    import numpy as np
    import tantivy

    from duijie.matching.engine import analysis, index, lexicon, parallel
    from duijie.matching.engine.store import TantivyStore

    # Numbered as the product's rows are (a persisted store takes numeric ids).
    docs = [dataclasses.replace(doc, id=str(n)) for n, doc in enumerate(index.docs_from_jsonl(corpus(data, size)))]
    demands = _jsonl(data / "demands.jsonl")
    short = [d["text"] for d in demands if "-kw-" in d["type"]][:QUERIES]
    real = _jsonl(data / "achievements.jsonl")
    long = [f"{a['title']} {a['abstract']}" for a in real[:QUERIES]]
    lexicon.cedict()  # the dictionary loads once per process, not per index
    analysis.terms("预热 warm-up")
    workers = os.cpu_count() or 1
    log(f"  engine build over {size} ({workers} analysis workers, persisted tantivy store)")
    folder = tempfile.mkdtemp(prefix="duijie-bench-match-")
    started = time.perf_counter()
    ix = index.Index(store=TantivyStore(folder, heap_mb=256, threads=workers), keep_docs=False)
    parallel.build(ix, docs, workers)
    engine_build = time.perf_counter() - started
    result: dict[str, Any] = {"docs": size, "engine": {"build_docs_per_s": round(size / engine_build),
                                                       "analysis_workers": workers}}
    result["engine"]["short"] = _time(lambda q: ix.search(q, 10), short)
    result["engine"]["long"] = _time(lambda q: ix.search(q, 10), long)
    shutil.rmtree(folder, ignore_errors=True)
    # The peak so far: the corpus, the engine's build (its analysis workers are processes of their own)
    # and its searches; the raw baselines below hold every document's terms at once and add to it.
    result["engine"]["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    result["engine"]["workers_peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)

    log("  raw bm25s and tantivy over the same terms")
    terms = [index.doc_terms(d) or ["∅"] for d in docs]
    started = time.perf_counter()
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in terms]
    raw = bm25s.BM25(method="lucene", k1=1.5, b=0.75)
    raw.index(bm25s.tokenization.Tokenized(ids, vocab), show_progress=False)
    bm25s_build = time.perf_counter() - started

    def bm25s_top(text: str) -> Any:
        query = [vocab[t] for t in analysis.terms(text) if t in vocab]
        if not query:
            return []
        scores = raw.get_scores(query)
        return np.argpartition(-scores, 10)[:10]

    schema = tantivy.SchemaBuilder().add_text_field("body", stored=False).add_integer_field(
        "n", stored=True, indexed=False).build()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        tix = tantivy.Index(schema, path=folder)
        writer = tix.writer(heap_size=256_000_000, num_threads=2)
        for n, doc in enumerate(terms):
            writer.add_document(tantivy.Document(body=" ".join(doc), n=n))
        writer.commit()
        writer.wait_merging_threads()
        tix.reload()
        tantivy_build = time.perf_counter() - started
        searcher = tix.searcher()

        def tantivy_top(text: str) -> Any:
            words = [t for t in analysis.terms(text) if t.isalnum()]
            if not words:
                return []
            query = tantivy.Query.boolean_query([(tantivy.Occur.Should, tantivy.Query.term_query(schema, "body", w))
                                                 for w in words])
            return searcher.search(query, 10).hits

        for name, fn, build in (("bm25s", bm25s_top, bm25s_build), ("tantivy", tantivy_top, tantivy_build)):
            result[name] = {"build_docs_per_s": round(size / build), "short": _time(fn, short),
                            "long": _time(fn, long)}
    for name in ("bm25s", "tantivy"):
        result[f"engine_over_{name}"] = {
            kind: round(result["engine"][kind]["p50_ms"] / max(result[name][kind]["p50_ms"], 1e-3), 1)
            for kind in ("short", "long")}
    result["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return result
