"""Scoring runs against graded judgments: nDCG@10 (gains 2^rel − 1), MRR@10 of the relevance-2
item, R@100 (the relevance-2 item in the top 100) and R@100>=1 (the share of judged items in the top
100), overall, per direction (zh→zh, en→en, en→zh, zh→en) and monolingual / cross-lingual — the
definitions of ``shared/data/matching-dev/README.md``."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

METRICS = ("nDCG@10", "MRR@10", "R@100", "R@100>=1")


def read_qrels(lines: Iterable[str]) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for line in lines:
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 3 or parts[0] == "demand_id":
            continue
        qrels[parts[0]][parts[1]] = int(parts[2])
    return qrels


def scores(ranking: list[str], judged: dict[str, int]) -> dict[str, float]:
    gains = [2 ** judged.get(a, 0) - 1 for a in ranking[:10]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted((2 ** r - 1 for r in judged.values()), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    exact = [a for a, r in judged.items() if r == 2]
    mrr = next((1 / (i + 1) for i, a in enumerate(ranking[:10]) if a in exact), 0.0)
    top = set(ranking[:100])
    return {
        "nDCG@10": dcg / idcg if idcg else 0.0,
        "MRR@10": mrr,
        "R@100": 1.0 if any(a in top for a in exact) else 0.0,
        "R@100>=1": sum(1 for a in judged if a in top) / len(judged) if judged else 0.0,
    }


def evaluate(runs: dict[str, list[str]], qrels: dict[str, dict[str, int]], demand_lang: dict[str, str],
             doc_lang: dict[str, str]) -> dict[str, dict[str, float]]:
    """Mean metrics per group: ALL, each direction, mono and cross."""
    groups: dict[str, list[dict[str, float]]] = defaultdict(list)
    for demand, judged in qrels.items():
        exact = next((a for a, r in judged.items() if r == 2), None)
        target = doc_lang.get(exact or "", "")
        direction = f"{demand_lang.get(demand, '?')}→{target}"
        result = scores(runs.get(demand, []), judged)
        groups["ALL"].append(result)
        groups[direction].append(result)
        groups["mono" if direction in ("zh→zh", "en→en") else "cross"].append(result)
    return {name: {m: round(sum(r[m] for r in rows) / len(rows), 3) for m in METRICS} | {"n": len(rows)}
            for name, rows in groups.items()}
