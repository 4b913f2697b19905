"""Lexical retrieval: BM25 (bm25s, Lucene variant) over weighted fields, across Chinese and English.

Fields: the title and keywords count twice, the abstract once (``FIELD_WEIGHTS``). Two indexes are
built: the documents' own terms, and their translations (a Chinese document's words as English stems,
an English document's phrases as Chinese words, from the lexicon). For a query in language L:

- a document in L scores BM25 of the query's own terms;
- a document in the other language scores, times a gain, BM25 of the own terms (acronyms, names and
  numbers cross over as they are) + ``QUERY_TRANSLATION_WEIGHT`` × BM25 of the query's translations
  + ``DOC_TRANSLATION_WEIGHT`` × BM25 of the own terms against the documents' translations.

The gain depends on how well the best document in L covers the query (the idf-weighted share of its
terms that it contains): a query that its own language answers fully keeps other-language documents
down (``GAIN_WHEN_COVERED``), one that it answers poorly lets them up (``GAIN_WHEN_NOT``), linearly
across ``COVERAGE_BAND``. The constants were chosen on the dev set (``duijie match eval``) so that the
monolingual directions stay at the BM25 baseline; docs/matching.md gives the figures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from duijie.matching.engine import analysis
from duijie.matching.engine.lexicon import Lexicon, cedict

FIELD_WEIGHTS = {"title": 2, "keywords": 2, "abstract": 1}
QUERY_TRANSLATION_WEIGHT = 0.5
DOC_TRANSLATION_WEIGHT = 1.0
GAIN_WHEN_NOT, GAIN_WHEN_COVERED = 1.2, 0.3
COVERAGE_BAND = (0.65, 0.85)
CANDIDATES, KEPT = 8, 3  # dictionary translations looked at, and kept, per source word
SENSE_POWER = 0.5


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
    lang: str = "en"
    coverage: float = 0.0  # how well the best document in the query's language covers it


def _fields(doc: Doc) -> list[tuple[str, int]]:
    return [(" ".join(doc.keywords) if name == "keywords" else getattr(doc, name), weight)
            for name, weight in FIELD_WEIGHTS.items()]


def doc_terms(doc: Doc) -> list[str]:
    out: list[str] = []
    for value, weight in _fields(doc):
        out.extend(analysis.terms(value) * weight)
    return out


def doc_language(doc: Doc) -> str:
    return doc.lang if doc.lang in ("zh", "en") else analysis.language(f"{doc.title} {doc.abstract}")


def translated_terms(doc: Doc, lexicon: Lexicon) -> list[str]:
    """The document's translation into the other language, as index terms, fields weighted."""
    lang = doc_language(doc)
    out: list[str] = []
    for value, weight in _fields(doc):
        out.extend([term for _word, term in lexicon.translate_document(value, lang)] * weight)
    return out


class _Bm25:
    """One bm25s index over pre-analysed documents; scores one term at a time."""

    def __init__(self, corpus: list[list[str]]) -> None:
        import bm25s

        self.size = len(corpus)
        self.retriever = bm25s.BM25(method="lucene", k1=1.5, b=0.75)
        self.vocab: dict[str, int] = {}
        if corpus:  # bm25s cannot index nothing; an empty index finds nothing
            padded = [doc or ["∅"] for doc in corpus]
            self.retriever.index(bm25s.tokenization.Tokenized(*_vocabulary(padded)), show_progress=False)
            self.vocab = self.retriever.vocab_dict

    def term(self, term: str) -> np.ndarray | None:
        if term not in self.vocab:
            return None
        return np.asarray(self.retriever.get_scores([self.vocab[term]]), dtype=np.float32)

    def scores(self, weighted: dict[str, float]) -> np.ndarray:
        total = np.zeros(self.size, dtype=np.float32)
        for term, weight in weighted.items():
            found = self.term(term)
            if found is not None:
                total += weight * found
        return total


class Index:
    def __init__(self, docs: Iterable[Doc], lexicon: Lexicon | None = None) -> None:
        self.docs = list(docs)
        self.ids = [d.id for d in self.docs]
        self.lexicon = lexicon or cedict()
        self.zh = np.array([doc_language(d) == "zh" for d in self.docs], dtype=bool)
        corpus = [doc_terms(d) for d in self.docs]
        self.own = _Bm25(corpus)
        self.df: Counter[str] = Counter(term for terms in corpus for term in set(terms))
        self.translated = _Bm25([translated_terms(d, self.lexicon) for d in self.docs])

    def plan(self, text: str) -> QueryPlan:
        pairs = analysis.terms_with_words(text)
        terms = [term for term, _word in pairs]
        words = {term: word for term, word in pairs}
        candidates: list[tuple[str, str, float]] = []
        zh = analysis.zh_words(text)
        if zh:
            candidates += self.lexicon.zh_to_en(zh, limit=CANDIDATES)
        en = analysis.en_words(text)
        if en:
            candidates += self.lexicon.en_to_zh(en, limit=CANDIDATES)
        own = set(terms)
        translations = self._in_corpus_sense([(s, t, w) for s, t, w in candidates if t not in own])
        return QueryPlan(terms=terms, translations=translations, words=words, lang=analysis.language(text))

    def _in_corpus_sense(self, candidates: list[tuple[str, str, float]]) -> list[tuple[str, str, float]]:
        """Each source word's translations re-weighted by how common they are in the indexed documents
        (数据, not 资料, for "data" in a technical corpus), the best ``KEPT`` kept, the first weighing 1."""
        by_source: dict[str, list[tuple[float, str]]] = {}
        for source, target, weight in candidates:
            by_source.setdefault(source, []).append((weight * self.df.get(target, 0) ** SENSE_POWER, target))
        out: list[tuple[str, str, float]] = []
        for source, scored in by_source.items():
            scored.sort(reverse=True)
            best = scored[0][0]
            out.extend((source, target, score / best) for score, target in scored[:KEPT] if score > 0)
        return out

    def search(self, text: str, k: int = 100) -> tuple[list[Hit], QueryPlan]:
        plan = self.plan(text)
        if not self.ids:
            return [], plan
        counts: dict[str, float] = {}
        for term in plan.terms:
            counts[term] = counts.get(term, 0.0) + 1.0
        per_term = {t: found for t in counts if (found := self.own.term(t)) is not None}
        own = np.zeros(len(self.ids), dtype=np.float32)
        for term, found in per_term.items():
            own += counts[term] * found
        same = self.zh if plan.lang == "zh" else ~self.zh
        plan.coverage = _coverage(per_term, np.where(same, own, -1.0), missing=len(counts) - len(per_term))
        weights: dict[str, float] = {}
        for _source, term, weight in plan.translations:
            weights[term] = max(weights.get(term, 0.0), weight)
        across = (own + QUERY_TRANSLATION_WEIGHT * self.own.scores(weights)
                  + DOC_TRANSLATION_WEIGHT * self.translated.scores(counts))
        scores = np.where(same, own, _gain(plan.coverage) * across)
        top = np.argsort(-scores, kind="stable")[:k]
        return [Hit(self.ids[i], float(scores[i])) for i in top if scores[i] > 0], plan


def _coverage(per_term: dict[str, np.ndarray], same_language_scores: np.ndarray, missing: int = 0) -> float:
    """The idf-weighted share of the query's terms that its best same-language document contains; a
    term no document contains counts as missed, weighing as much as the rarest term found."""
    if not per_term or same_language_scores.max() <= 0:
        return 0.0
    best = int(np.argmax(same_language_scores))
    weight = {term: float(found.max()) for term, found in per_term.items()}
    total = sum(weight.values()) + missing * max(weight.values())
    return sum(w for term, w in weight.items() if per_term[term][best] > 0) / total if total else 0.0


def _gain(coverage: float) -> float:
    low, high = COVERAGE_BAND
    share = min(1.0, max(0.0, (coverage - low) / (high - low)))
    return GAIN_WHEN_NOT + (GAIN_WHEN_COVERED - GAIN_WHEN_NOT) * share


def explain(plan: QueryPlan, doc: Doc, lexicon: Lexicon | None = None) -> Explanation:
    """The query terms and translations that occur in ``doc`` (best-weighted first, each once): the
    query's words translated into the document's, then the document's words whose translation is a
    query word."""
    present = set(doc_terms(doc))
    terms = list(dict.fromkeys(plan.words.get(t, t) for t in plan.terms if t in present))
    seen: set[str] = set()
    translations = []
    # The word as the document writes it (a stem such as "batteri" is not for people).
    written: dict[str, str] = {}
    for value, _weight in _fields(doc):
        for term, word in analysis.terms_with_words(value):
            written.setdefault(term, word)
    for source, target, _tw in sorted(plan.translations, key=lambda row: -row[2]):
        if target in present and target not in seen:
            seen.add(target)
            translations.append((source, written.get(target, target)))
    if doc_language(doc) != plan.lang:
        wanted = set(plan.terms)
        for value, _weight in _fields(doc):
            for doc_word, term in (lexicon or cedict()).translate_document(value, doc_language(doc)):
                pair = (plan.words.get(term, term), doc_word)
                if term in wanted and doc_word not in seen and pair not in translations:
                    seen.add(doc_word)
                    translations.append(pair)
    return Explanation(terms=terms, translations=translations)


def _vocabulary(corpus: list[list[str]]) -> tuple[list[list[int]], dict[str, int]]:
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in corpus]
    return ids, vocab


def docs_from_jsonl(rows: Iterable[dict[str, Any]]) -> list[Doc]:
    return [Doc(id=str(r["id"]), title=r.get("title", ""), abstract=r.get("abstract", r.get("text", "")),
                keywords=list(r.get("keywords") or []), lang=r.get("lang", "")) for r in rows]
