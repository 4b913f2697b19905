"""The dev set's reference baseline, reproduced: bm25s (Lucene, k1 1.5, b 0.75) over title + abstract +
keywords, lower-cased, Chinese runs cut by jieba (precise mode), other text as [a-z0-9]+ tokens, no
stop words, no stemming."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

_CJK = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+")


def tokens(text: str) -> list[str]:
    import jieba

    out: list[str] = []
    for run in _CJK.findall(text.lower()):
        if "\u3400" <= run[0] <= "\u9fff":
            out.extend(w for w in jieba.lcut(run) if w.strip())
        else:
            out.append(run)
    return out


def rank(achievements: list[dict[str, Any]], demands: list[dict[str, Any]], k: int) -> dict[str, list[str]]:
    import bm25s
    import jieba

    jieba.setLogLevel(60)
    corpus = [tokens(" ".join([a.get("title", ""), a.get("abstract", ""), " ".join(a.get("keywords") or [])]))
              for a in achievements]
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in doc] or [vocab.setdefault("∅", len(vocab))] for doc in corpus]
    retriever = bm25s.BM25(method="lucene", k1=1.5, b=0.75)
    retriever.index(bm25s.tokenization.Tokenized(ids, vocab), show_progress=False)
    names = [a["id"] for a in achievements]
    runs: dict[str, list[str]] = {}
    for demand in demands:
        query = [vocab[t] for t in tokens(demand["text"]) if t in vocab]
        if not query:
            runs[demand["id"]] = []
            continue
        scores = retriever.get_scores(query)
        top = np.argsort(-scores, kind="stable")[:k]
        runs[demand["id"]] = [names[i] for i in top if scores[i] > 0]
    return runs
