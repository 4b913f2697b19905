"""``duijie match rank`` and ``duijie match eval``: the matching engine with no database.

    duijie match rank --achievements A.jsonl --demands D.jsonl --top K --out RUN.tsv [--dense MODEL_DIR]
    duijie match eval --data DIR [--dense MODEL_DIR]   # engine and the BM25 baseline (and fused), same run
    duijie match train [--data DIR]     # fit the re-ranking weights from feedback, store a new version
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


def _jsonl(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def engine_rank(achievements: list[dict[str, Any]], demands: list[dict[str, Any]],
                k: int, dense_model: str = "") -> dict[str, list[tuple[str, float]]]:
    """The top ``k`` achievements for each demand; with ``dense_model`` (a local sentence-transformers
    model directory), the lexical hits fused with the dense ones (engine.dense)."""
    from duijie.matching.engine import dense, index

    docs = index.docs_from_jsonl(achievements)
    ix = index.Index(docs)
    if not dense_model:
        return {d["id"]: [(h.id, h.score) for h in ix.search(d["text"], k)[0]] for d in demands}
    try:
        model = dense.load_model(dense_model)
    except dense.DenseUnavailable as exc:
        raise CommandError(str(exc)) from exc
    vectors = dense.build(model, docs)
    queries = model.encode([d["text"] for d in demands])
    depth = max(k, dense.DEPTH)
    runs = {}
    for d, query in zip(demands, queries, strict=True):
        hits, plan = ix.search(d["text"], depth)
        found = dense.evidence_for(model, vectors, d["text"], plan.lang, hits, depth, vector=query)
        runs[d["id"]] = [(h.id, h.score) for h in dense.fuse(hits, found, coverage=plan.coverage, k=k)]
    return runs


class Command(BaseCommand):
    help = "Rank achievements for demands from JSONL files (rank), or score the engine on a dev folder (eval)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rank = sub.add_parser("rank", help="write a run: demand_id, achievement_id, rank, score (TSV)")
        rank.add_argument("--achievements", required=True)
        rank.add_argument("--demands", required=True)
        rank.add_argument("--top", type=int, default=100)
        rank.add_argument("--out", required=True)
        rank.add_argument("--dense", default="", metavar="MODEL_DIR",
                          help="fuse with this local sentence-transformers model (the dense extra)")
        ev = sub.add_parser("eval", help="nDCG@10, MRR@10, R@100 for the engine and the BM25 baseline")
        ev.add_argument("--data", required=True, help="a folder with achievements.jsonl, demands.jsonl, qrels.tsv")
        ev.add_argument("--json", default="", help="also write the figures to this file")
        ev.add_argument("--dense", default="", metavar="MODEL_DIR",
                        help="also score the engine fused with this local sentence-transformers model")
        train = sub.add_parser("train", help="fit re-ranking weights from the recorded verdicts")
        train.add_argument("--data", default="", help="also score the dev folder under the old and new model")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rank":
            achievements, demands = _jsonl(options["achievements"]), _jsonl(options["demands"])
            runs = engine_rank(achievements, demands, max(1, options["top"]), options.get("dense") or "")
            with open(options["out"], "w", encoding="utf-8") as out:
                for demand in demands:
                    for n, (doc, score) in enumerate(runs[demand["id"]], start=1):
                        out.write(f"{demand['id']}\t{doc}\t{n}\t{score:.4f}\n")
            return
        if options["action"] == "train":
            self._train(options.get("data") or "")
            return
        self._eval(Path(options["data"]), options.get("json") or "", options.get("dense") or "")

    def _train(self, data: str) -> None:
        from duijie.core.errors import DomainError
        from duijie.matching import selectors, services

        before = selectors.active_model()
        try:
            result = services.train_model()
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        record = result.model
        self.stdout.write(f"model v{record.version}: {record.rows} verdicts; AUC of the model in use "
                          f"({before.version}) {record.auc_before:.3f}, of the new one (5-fold) {record.auc_after:.3f}")
        self.stdout.write("weights: " + ", ".join(f"{k} {v:+.3f}" for k, v in record.weights.items())
                          + f"; intercept {record.intercept:+.3f}")
        self.stdout.write("now in use" if result.activated else "not in use: it is worse than the model in use")
        if data:
            after = selectors.active_model() if result.activated else None
            self._dev_effect(Path(data), before, after)

    def _dev_effect(self, data: Path, before: Any, after: Any) -> None:
        """nDCG@10 / MRR@10 on the dev folder with the text ranking re-ranked by the old and the new model
        (the dev set declares no fields, TRL or budget: only the text feature takes part)."""
        from duijie.matching.engine import evaluate, index, rerank

        achievements, demands = _jsonl(data / "achievements.jsonl"), _jsonl(data / "demands.jsonl")
        qrels = evaluate.read_qrels((data / "qrels.tsv").read_text(encoding="utf-8").splitlines())
        ix = index.Index(index.docs_from_jsonl(achievements))
        hits = {d["id"]: ix.search(d["text"], 100)[0] for d in demands}
        demand_lang = {d["id"]: d.get("lang", "") for d in demands}
        doc_lang = {a["id"]: a.get("lang", "") for a in achievements}
        for label, model in (("before", before), ("after", after)):
            if model is None:
                continue
            runs = {}
            for key, found in hits.items():
                top = found[0].score if found else 1.0
                head = rerank.rerank([(h.id, h.score, rerank.features(rerank.Profile(), rerank.Profile(),
                                                                      h.score / top)) for h in found[:rerank.RERANK_DEPTH]],
                                     model)
                runs[key] = [k for k, _s in head] + [h.id for h in found[rerank.RERANK_DEPTH:]]
            overall = evaluate.evaluate(runs, qrels, demand_lang, doc_lang)["ALL"]
            self.stdout.write(f"dev {label} ({model.version}): nDCG@10 {overall['nDCG@10']:.3f}, "
                              f"MRR@10 {overall['MRR@10']:.3f}")

    def _eval(self, data: Path, json_out: str, dense_model: str = "") -> None:
        from duijie.matching.engine import baseline, evaluate

        try:
            achievements = _jsonl(data / "achievements.jsonl")
            demands = _jsonl(data / "demands.jsonl")
            qrels = evaluate.read_qrels((data / "qrels.tsv").read_text(encoding="utf-8").splitlines())
        except OSError as exc:
            raise CommandError(f"{data}: {exc}") from exc
        demand_lang = {d["id"]: d.get("lang", "") for d in demands}
        doc_lang = {a["id"]: a.get("lang", "") for a in achievements}
        figures: dict[str, Any] = {}
        rankers = [("baseline BM25 (jieba)", lambda: baseline.rank(achievements, demands, 100)),
                   ("engine", lambda: {d: [i for i, _s in hits] for d, hits in
                                       engine_rank(achievements, demands, 100).items()})]
        if dense_model:
            rankers.append(("fused", lambda: {d: [i for i, _s in hits] for d, hits in
                                              engine_rank(achievements, demands, 100, dense_model).items()}))
        for name, ranker in rankers:
            started = time.perf_counter()
            runs = ranker()
            seconds = time.perf_counter() - started
            figures[name] = {"seconds": round(seconds, 1),
                             "groups": evaluate.evaluate(runs, qrels, demand_lang, doc_lang)}
        order = ["ALL", "zh→zh", "en→en", "en→zh", "zh→en", "mono", "cross"]
        self.stdout.write(f"{'group':<8} {'n':>4}  " + "  ".join(
            f"{name[:8]:>8} {m:>8}" for name in figures for m in evaluate.METRICS))
        for group in order:
            row = [f"{group:<8}", f"{figures['engine']['groups'].get(group, {}).get('n', 0):>4} "]
            for name in figures:
                values = figures[name]["groups"].get(group, {})
                row += [f"{values.get(m, 0):>17.3f}" for m in evaluate.METRICS]
            self.stdout.write(" ".join(row))
        for name, values in figures.items():
            self.stdout.write(f"{name}: {values['seconds']} s (index + {len(demands)} demands)")
        if json_out:
            Path(json_out).write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
