"""``duijie bench match``: the matching engine at N documents, next to raw tantivy and raw bm25s.

For each size N (``--docs 10000,100000``), in a fresh subprocess so that peak memory is its own:

1. the corpus: the dev set's achievements, then synthetic ones made of the dev records' real parts
   (the title of one, the abstract of another, the keywords of a third, drawn at random);
2. the engine's index is built from the texts as the product builds it (analysis and translation on
   every core, into a persisted tantivy store with a shard per language): docs/s;
3. p50/p95 of a top-10 match for short demands (the dev set's keyword demands) and long ones (a dev
   title and abstract);
4. in the same process, raw bm25s (up to 200,000 documents) and raw tantivy over the same
   pre-analysed terms (built untimed by the engine's analysis), each answering the same queries' own
   terms top-10: their build docs/s and latencies, and the engine's latency as a ratio of each.

Past 20,000 documents the build through the whole product path is timed on the first 20,000 only
(analysis costs the same per document at any size); the index of full size is then loaded from rows
composed of the analysed parts of each synthetic document (exactly the rows analysis would give, as a
document's terms are its fields' terms), which times the store's own loading and gives the index to
search.

Prints one JSON object; progress goes to stderr.
"""

from __future__ import annotations

import argparse
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
    out = [{**r, "_parts": (n, n, n)} for n, r in enumerate(real[:size])]
    while len(out) < size:
        ia, ib, ic = rng.randrange(len(real)), rng.randrange(len(real)), rng.randrange(len(real))
        a, b, c = real[ia], real[ib], real[ic]
        ib = ib if b["lang"] == a["lang"] else ia
        ic = ic if c["lang"] == a["lang"] else ia
        # "_parts": which real records gave the title, the abstract and the keywords.
        out.append({"id": f"syn-{len(out)}", "lang": a["lang"], "title": a["title"], "abstract": real[ib]["abstract"],
                    "keywords": real[ic]["keywords"], "_parts": (ia, ib, ic)})
    return out


ANALYSED = 20_000  # documents built through the whole product path; past that, rows are composed
BM25S_MAX = 200_000  # raw bm25s sizes (its input is Python lists)


def _doc(n: int, record: dict[str, Any]) -> Any:
    """The record as the engine reads a JSONL row, numbered as the product's rows are (a persisted store
    takes numeric ids)."""
    from duijie.matching.engine import index

    return index.docs_from_jsonl([{**record, "id": n}])[0]


def _part_rows(ix: Any, real: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each real record's fields analysed alone: {"title": Row, "abstract": Row, "keywords": Row}."""
    from duijie.matching.engine import index

    out = []
    for r in real:
        lang = r.get("lang", "")
        out.append({"title": ix.row(index.Doc(id="0", title=r.get("title", ""), lang=lang)),
                    "abstract": ix.row(index.Doc(id="0", abstract=r.get("abstract", ""), lang=lang)),
                    "keywords": ix.row(index.Doc(id="0", keywords=list(r.get("keywords") or []), lang=lang))})
    return out


def _composed(records: list[dict[str, Any]], parts: list[dict[str, Any]]) -> Any:
    from duijie.matching.engine.store import Row

    for n, record in enumerate(records):
        ia, ib, ic = record["_parts"]
        title, abstract, keywords = parts[ia]["title"], parts[ib]["abstract"], parts[ic]["keywords"]
        yield Row(key=n, lang=title.lang, own=title.own + keywords.own + abstract.own,
                  trans=title.trans + keywords.trans + abstract.trans)


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

    records = corpus(data, size)
    demands = _jsonl(data / "demands.jsonl")
    short = [d["text"] for d in demands if "-kw-" in d["type"]][:QUERIES]
    real = _jsonl(data / "achievements.jsonl")
    long = [f"{a['title']} {a['abstract']}" for a in real[:QUERIES]]
    lexicon.cedict()  # the dictionary loads once per process, not per index
    analysis.terms("预热 warm-up")
    workers = os.cpu_count() or 1
    result: dict[str, Any] = {"docs": size, "engine": {"analysis_workers": workers}}

    # 1. The product's whole path (analysis and translation on every core, into a persisted store) over
    #    the first ANALYSED documents: the build rate.
    analysed = min(size, ANALYSED)
    parts: list[dict[str, Any]] = []
    log(f"  engine build over {analysed} ({workers} analysis workers, persisted tantivy store)")
    folder = tempfile.mkdtemp(prefix="duijie-bench-match-")
    started = time.perf_counter()
    ix = index.Index(store=TantivyStore(folder, heap_mb=256, threads=workers), keep_docs=False)
    parallel.build(ix, [_doc(n, r) for n, r in enumerate(records[:analysed])], workers)
    result["engine"]["build_docs_per_s"] = round(analysed / (time.perf_counter() - started))
    result["engine"]["build_measured_on"] = analysed
    if size > analysed:
        # 2. Past that, every document's row is composed from its parts' analyses (a document's terms
        #    are the concatenation of its fields' terms, so the row is the one analysis would give),
        #    and the store is loaded with all of them: the store's own rate, and an index of full size
        #    to search.
        shutil.rmtree(folder, ignore_errors=True)
        folder = tempfile.mkdtemp(prefix="duijie-bench-match-")
        ix = index.Index(store=TantivyStore(folder, heap_mb=256, threads=workers), keep_docs=False)
        parts = _part_rows(ix, real)
        log(f"  store load over {size} (rows composed from the analysed parts)")
        started = time.perf_counter()
        ix.store.bulk_load(_composed(records, parts))
        store_seconds = time.perf_counter() - started
        result["engine"]["store_load_docs_per_s"] = round(size / store_seconds)
    result["engine"]["short"] = _time(lambda q: ix.search(q, 10), short)
    result["engine"]["long"] = _time(lambda q: ix.search(q, 10), long)
    result["engine"]["index_mb"] = round(sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file()) / 1e6)
    shutil.rmtree(folder, ignore_errors=True)
    # The peak so far: the corpus, the engine's build (its analysis workers are processes of their own)
    # and its searches; the raw baselines below hold every document's terms at once and add to it.
    result["engine"]["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    result["engine"]["workers_peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)

    log("  raw bm25s and tantivy over the same terms")
    # The documents' own terms, as the engine indexed them (composed from the parts, as above).
    def terms() -> Any:
        if parts:
            return (row.own or ["∅"] for row in _composed(records, parts))
        return (index.doc_terms(_doc(n, r)) or ["∅"] for n, r in enumerate(records))

    raw_names = ["tantivy"]
    if size <= BM25S_MAX:
        raw_names.insert(0, "bm25s")
        started = time.perf_counter()
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in terms()]
        raw = bm25s.BM25(method="lucene", k1=1.5, b=0.75)
        raw.index(bm25s.tokenization.Tokenized(ids, vocab), show_progress=False)
        bm25s_build = time.perf_counter() - started
        del ids

        def bm25s_top(text: str) -> Any:
            query = [vocab[t] for t in analysis.terms(text) if t in vocab]
            if not query:
                return []
            scores = raw.get_scores(query)
            return np.argpartition(-scores, 10)[:10]

        result["bm25s"] = {"build_docs_per_s": round(size / bm25s_build), "short": _time(bm25s_top, short),
                           "long": _time(bm25s_top, long)}
    else:
        # bm25s takes its corpus as Python lists of token ids: past this size those alone outgrow memory.
        result["bm25s"] = {"skipped": f"over {BM25S_MAX} documents"}

    schema = tantivy.SchemaBuilder().add_text_field("body", stored=False, tokenizer_name="whitespace",
                                                    index_option="freq").build()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        tix = tantivy.Index(schema, path=folder)
        writer = tix.writer(heap_size=256_000_000, num_threads=workers)
        for doc in terms():
            writer.add_document(tantivy.Document(body=" ".join(doc)))
        writer.commit()
        writer.wait_merging_threads()
        tix.reload()
        tantivy_build = time.perf_counter() - started
        searcher = tix.searcher()

        def tantivy_top(text: str) -> Any:
            words = analysis.terms(text)
            if not words:
                return []
            query = tantivy.Query.boolean_query([(tantivy.Occur.Should, tantivy.Query.term_query(schema, "body", w))
                                                 for w in dict.fromkeys(words)])
            return searcher.search(query, 10, count=False).hits

        result["tantivy"] = {"build_docs_per_s": round(size / tantivy_build), "short": _time(tantivy_top, short),
                             "long": _time(tantivy_top, long)}
    result["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    for name in raw_names:
        result[f"engine_over_{name}"] = {
            kind: round(result["engine"][kind]["p50_ms"] / max(result[name][kind]["p50_ms"], 1e-3), 1)
            for kind in ("short", "long")}
    return result
