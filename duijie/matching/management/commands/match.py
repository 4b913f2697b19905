"""``duijie match rank`` and ``duijie match eval``: the matching engine with no database.

    duijie match rank --achievements A.jsonl --demands D.jsonl --top K --out RUN.tsv
    duijie match eval --data DIR        # engine and the BM25 baseline, in the same run
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
                k: int) -> dict[str, list[tuple[str, float]]]:
    from duijie.matching.engine import index

    ix = index.Index(index.docs_from_jsonl(achievements))
    return {d["id"]: [(h.id, h.score) for h in ix.search(d["text"], k)[0]] for d in demands}


class Command(BaseCommand):
    help = "Rank achievements for demands from JSONL files (rank), or score the engine on a dev folder (eval)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rank = sub.add_parser("rank", help="write a run: demand_id, achievement_id, rank, score (TSV)")
        rank.add_argument("--achievements", required=True)
        rank.add_argument("--demands", required=True)
        rank.add_argument("--top", type=int, default=100)
        rank.add_argument("--out", required=True)
        ev = sub.add_parser("eval", help="nDCG@10, MRR@10, R@100 for the engine and the BM25 baseline")
        ev.add_argument("--data", required=True, help="a folder with achievements.jsonl, demands.jsonl, qrels.tsv")
        ev.add_argument("--json", default="", help="also write the figures to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rank":
            achievements, demands = _jsonl(options["achievements"]), _jsonl(options["demands"])
            runs = engine_rank(achievements, demands, max(1, options["top"]))
            with open(options["out"], "w", encoding="utf-8") as out:
                for demand in demands:
                    for n, (doc, score) in enumerate(runs[demand["id"]], start=1):
                        out.write(f"{demand['id']}\t{doc}\t{n}\t{score:.4f}\n")
            return
        self._eval(Path(options["data"]), options.get("json") or "")

    def _eval(self, data: Path, json_out: str) -> None:
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
        for name, ranker in (("baseline BM25 (jieba)", lambda: baseline.rank(achievements, demands, 100)),
                             ("engine", lambda: {d: [i for i, _s in hits] for d, hits in
                                                 engine_rank(achievements, demands, 100).items()})):
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
