"""Lexical retrieval: BM25 (bm25s, Lucene variant) over weighted fields, queried with the demand's
own terms plus their translations into the other language, each translation weighted.

Fields: the title and keywords count twice, the abstract once (``FIELD_WEIGHTS``). A query's score
for a document is BM25(own terms) + ``TRANSLATION_WEIGHT`` × Σ weight(t) · BM25(t) over translated
terms t; the translations used are returned for explanations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from duijie.matching.engine import analysis
from duijie.matching.engine.lexicon import Lexicon, cedict

FIELD_WEIGHTS = {"title": 2, "keywords": 2, "abstract": 1}
TRANSLATION_WEIGHT = 1.0  # chosen on the dev set among 0.4, 0.6, 1.0, 1.5 (1.5 costs the monolingual half)


@dataclass
class Doc:
    id: str
    title: str = ""
    abstract: str = ""
    keywords: list[str] = field(default_factory=list)
    lang: str = ""


@dataclass
class Hit:
    id: str
    score: float


@dataclass
class Explanation:
    """Why a document matched, in words a person can read."""

    terms: list[str]  # query terms found in the document
    translations: list[tuple[str, str]]  # (query word, its translation found in the document)


@dataclass
class QueryPlan:
    terms: list[str]
    translations: list[tuple[str, str, float]]  # (source, target term, weight)
    words: dict[str, str] = field(default_factory=dict)  # term → the query's word, for explanations


def doc_terms(doc: Doc) -> list[str]:
    out: list[str] = []
    for name, weight in FIELD_WEIGHTS.items():
        value = " ".join(doc.keywords) if name == "keywords" else getattr(doc, name)
        out.extend(analysis.terms(value) * weight)
    return out


class Index:
    def __init__(self, docs: Iterable[Doc], lexicon: Lexicon | None = None) -> None:
        import bm25s

        self.docs = list(docs)
        self.ids = [d.id for d in self.docs]
        self.lexicon = lexicon or cedict()
        corpus = [doc_terms(d) or ["∅"] for d in self.docs]
        self.retriever = bm25s.BM25(method="lucene", k1=1.5, b=0.75)
        self.vocab: dict[str, int] = {}
        if corpus:  # bm25s cannot index nothing; an empty index finds nothing
            self.retriever.index(bm25s.tokenization.Tokenized(*_vocabulary(corpus)), show_progress=False)
            self.vocab = self.retriever.vocab_dict

    def plan(self, text: str) -> QueryPlan:
        pairs = analysis.terms_with_words(text)
        terms = [term for term, _word in pairs]
        words = {term: word for term, word in pairs}
        translations: list[tuple[str, str, float]] = []
        zh = analysis.zh_words(text)
        if zh:
            translations += self.lexicon.zh_to_en(zh)
        en = analysis.en_words(text)
        if en:
            translations += [(src, zh_word, w) for src, zh_word, w in self.lexicon.en_to_zh(en)]
        own = set(terms)
        translations = [(s, t, w) for s, t, w in translations if t not in own]
        return QueryPlan(terms=terms, translations=translations, words=words)

    def _scores(self, weighted: dict[str, float]) -> np.ndarray:
        total = np.zeros(len(self.ids), dtype=np.float32)
        for term, weight in weighted.items():
            if term in self.vocab:
                total += weight * self.retriever.get_scores([self.vocab[term]])
        return total

    def search(self, text: str, k: int = 100) -> tuple[list[Hit], QueryPlan]:
        plan = self.plan(text)
        weighted: dict[str, float] = {}
        for term in plan.terms:
            weighted[term] = weighted.get(term, 0.0) + 1.0
        for _source, term, weight in plan.translations:
            weighted[term] = max(weighted.get(term, 0.0), TRANSLATION_WEIGHT * weight)
        if not self.ids:
            return [], plan
        scores = self._scores(weighted)
        top = np.argsort(-scores, kind="stable")[:k]
        return [Hit(self.ids[i], float(scores[i])) for i in top if scores[i] > 0], plan


def explain(plan: QueryPlan, doc: Doc) -> Explanation:
    """The query terms and translations that occur in ``doc`` (best-weighted first, each once)."""
    present = set(doc_terms(doc))
    terms = list(dict.fromkeys(plan.words.get(t, t) for t in plan.terms if t in present))
    seen: set[str] = set()
    translations = []
    # The word as the document writes it (a stem such as "batteri" is not for people).
    written: dict[str, str] = {}
    for name in FIELD_WEIGHTS:
        value = " ".join(doc.keywords) if name == "keywords" else getattr(doc, name)
        for term, word in analysis.terms_with_words(value):
            written.setdefault(term, word)
    for source, target, _weight in sorted(plan.translations, key=lambda row: -row[2]):
        if target in present and target not in seen:
            seen.add(target)
            translations.append((source, written.get(target, target)))
    return Explanation(terms=terms, translations=translations)


def _vocabulary(corpus: list[list[str]]) -> tuple[list[list[int]], dict[str, int]]:
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in corpus]
    return ids, vocab


def docs_from_jsonl(rows: Iterable[dict[str, Any]]) -> list[Doc]:
    return [Doc(id=str(r["id"]), title=r.get("title", ""), abstract=r.get("abstract", r.get("text", "")),
                keywords=list(r.get("keywords") or []), lang=r.get("lang", "")) for r in rows]
