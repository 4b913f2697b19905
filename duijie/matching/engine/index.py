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
across ``COVERAGE_BAND``. The fusion constants were chosen by cross-validation on the dev set
(``duijie match eval``) so that the monolingual directions stay at the BM25 baseline; docs/decisions.md
("Cross-lingual quality") gives the figures.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from duijie.matching.engine import analysis
from duijie.matching.engine.lexicon import Lexicon, cedict
from duijie.matching.engine.store import FIELDS, LANGS, Clause, Row, Store

FIELD_WEIGHTS = {"title": 2, "keywords": 2, "abstract": 1}
QUERY_TRANSLATION_WEIGHT = 0.75
DOC_TRANSLATION_WEIGHT = 1.3
GAIN_WHEN_NOT, GAIN_WHEN_COVERED = 1.0, 0.3
COVERAGE_BAND = (0.5, 0.8)
_FREE_KEYS = 1 << 62  # keys of ids that are not numbers (runs built in memory)
CANDIDATES, KEPT = 8, 3  # dictionary translations looked at, and kept, per source word
SENSE_POWER = 0.5
GLUED_LENGTH = 8  # an unknown English word this long or longer may be two words glued together


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
    meaning: float = 0.0  # how far a dense model found it close in meaning (0: not, or no model)


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


class _DocFreq:
    """How many documents (either language) contain a term in their own text, read from the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, term: str, default: int = 0) -> int:
        return sum(self.store.doc_freq(lang, "own", term) for lang in LANGS) or default


class Index:
    """The engine's index: documents analysed into a ``store`` (tantivy, in memory unless given one),
    ranked for a query in either language (``search``).

    An index built in memory from ``docs`` keeps them (``docs``), for explanations; a persisted one
    (the product's) does not, and its callers build a ``Doc`` from their own rows to explain a hit.
    Document ids are strings; a store knows integer keys: an id made of digits is its own key (the
    only kind a persisted store takes), any other id gets the next free key of this index.
    """

    def __init__(self, docs: Iterable[Doc] = (), lexicon: Lexicon | None = None, store: Store | None = None,
                 keep_docs: bool = True) -> None:
        from duijie.matching.engine.store import TantivyStore

        self.lexicon = lexicon or cedict()
        self.store: Store = store if store is not None else TantivyStore()
        self.keep_docs = keep_docs
        self.docs: dict[str, Doc] = {}
        self._keys: dict[str, int] = {}
        self._ids: dict[int, str] = {}
        self.df = _DocFreq(self.store)
        docs = list(docs)
        if docs:
            self.store.bulk_load(self.rows(docs))

    @property
    def size(self) -> int:
        return sum(self.store.num_docs(lang) for lang in LANGS)

    def key(self, doc_id: str) -> int:
        if doc_id.isdigit():
            return int(doc_id)
        found = self._keys.get(doc_id)
        if found is None:
            if self.store.persistent:
                raise ValueError(f"a persisted index takes numeric ids only, not {doc_id!r}")
            found = self._keys[doc_id] = _FREE_KEYS + len(self._keys)
            self._ids[found] = doc_id
        return found

    def _id(self, key: int) -> str:
        return self._ids.get(key, str(key))

    def row(self, doc: Doc) -> Row:
        """The analysed form of one document: its own terms and its translation."""
        if self.keep_docs:
            self.docs[doc.id] = doc
        return Row(key=self.key(doc.id), lang=doc_language(doc), own=doc_terms(doc),
                   trans=translated_terms(doc, self.lexicon))

    def rows(self, docs: Iterable[Doc]) -> Iterator[Row]:
        return (self.row(doc) for doc in docs)

    def upsert(self, docs: Iterable[Doc]) -> None:
        """Add documents, or replace those with the same ids: visible to the next search."""
        self.store.write(list(self.rows(docs)))

    def remove(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        keys = [self.key(i) for i in ids]
        for doc_id in ids:
            self.docs.pop(doc_id, None)
        self.store.write([], keys)

    def plan(self, text: str) -> QueryPlan:
        pairs = [pair for term, word in analysis.terms_with_words(text) for pair in self._unglued(term, word)]
        terms = [term for term, _word in pairs]
        words = {term: word for term, word in pairs}
        candidates: list[tuple[str, str, float]] = []
        zh = self.lexicon.zh_units(text)
        if zh:
            candidates += self.lexicon.zh_to_en(zh, limit=CANDIDATES)
        en = [word for _term, word in pairs if not analysis._HAN.match(word)]
        if en:
            candidates += self.lexicon.en_to_zh(en, limit=CANDIDATES)
        own = set(terms)
        translations = self._in_corpus_sense([(s, t, w) for s, t, w in candidates if t not in own])
        return QueryPlan(terms=terms, translations=translations, words=words, lang=analysis.language(text))

    def _unglued(self, term: str, word: str) -> list[tuple[str, str]]:
        """An English word that no document and no dictionary entry has, split into the two words it
        is glued from when both are known (PDF extraction loses spaces: "nitrogenrate" → nitrogen,
        rate; a stop word on one side drops: "credibilityof" → credibility); else the word itself."""
        if len(word) < GLUED_LENGTH or not word.isalpha() or term in self.lexicon.en_zh or self.df.get(term, 0):
            return [(term, word)]
        splits = []
        for cut in range(2, len(word) - 1):
            parts = [part for part in (word[:cut], word[cut:]) if part not in analysis.EN_STOP]
            if len(parts) == 1 or min(map(len, parts)) >= 3:
                splits.append((parts, analysis.stem(parts)))
        df = self._doc_freqs([stem for _parts, stems in splits for stem in stems])
        best: tuple[int, list[str], list[str]] | None = None
        for parts, stems in splits:
            frequency = min(df[stem] for stem in stems)
            if frequency and (best is None or frequency > best[0]):
                best = (frequency, parts, stems)
        return list(zip(best[2], best[1], strict=True)) if best else [(term, word)]

    def _doc_freqs(self, terms: list[str]) -> dict[str, int]:
        """Documents (either language) holding each term in their own text, asked of the store at once."""
        found = {term: 0 for term in terms}
        for lang in LANGS:
            for term, n in self.store.doc_freqs(lang, "own", list(found)).items():
                found[term] += n
        return found

    def _in_corpus_sense(self, candidates: list[tuple[str, str, float]]) -> list[tuple[str, str, float]]:
        """Each source word's translations re-weighted by how common they are in the indexed documents
        (数据, not 资料, for "data" in a technical corpus), the best ``KEPT`` kept, the first weighing 1."""
        df = self._doc_freqs([part for _source, target, _weight in candidates
                              for part in self.lexicon.index_terms(target)])
        by_source: dict[str, list[tuple[float, str]]] = {}
        for source, target, weight in candidates:
            frequency = min((df[part] for part in self.lexicon.index_terms(target)), default=0)
            by_source.setdefault(source, []).append((weight * frequency ** SENSE_POWER, target))
        out: list[tuple[str, str, float]] = []
        for source, scored in by_source.items():
            scored.sort(reverse=True)
            best = scored[0][0]
            # A headword that the index writes as several words (深度学习 → 深度, 学习) counts as those.
            out.extend((source, part, score / best) for score, target in scored[:KEPT] if score > 0
                       for part in self.lexicon.index_terms(target))
        return out

    def search(self, text: str, k: int = 100) -> tuple[list[Hit], QueryPlan]:
        """The ``k`` best documents for ``text`` and the plan that found them (for explanations).

        Same-language documents score Σ count × BM25 of the query's own terms. Other-language documents
        score gain(coverage) × (the same + ``QUERY_TRANSLATION_WEIGHT`` × BM25 of the query's weighted
        translations + ``DOC_TRANSLATION_WEIGHT`` × BM25 of the query's terms in their translations)."""
        self.store.refresh()
        plan = self.plan(text)
        counts = Counter(plan.terms)
        if not counts and not plan.translations:
            return [], plan
        same = "zh" if plan.lang == "zh" else "en"
        other = "en" if same == "zh" else "zh"
        own = [("own", term, float(n)) for term, n in counts.items()]
        same_hits = self.store.search(same, self._collection_idf(same, own), k)
        plan.coverage = self._coverage(same, counts, same_hits[0][0] if same_hits else None)
        weights: dict[str, float] = {}
        for _source, term, weight in plan.translations:
            weights[term] = max(weights.get(term, 0.0), weight)
        across = (own + [("own", term, QUERY_TRANSLATION_WEIGHT * w) for term, w in weights.items()]
                  + [("trans", term, DOC_TRANSLATION_WEIGHT * float(n)) for term, n in counts.items()])
        gain = _gain(plan.coverage)
        other_hits = [(key, gain * score) for key, score in self.store.search(other, self._collection_idf(other, across), k)]
        ranked = sorted(same_hits + other_hits, key=lambda ks: (-ks[1], ks[0]))[:k]
        return [Hit(self._id(key), score) for key, score in ranked if score > 0], plan

    def _collection_idf(self, lang: str, clauses: list[Clause]) -> list[Clause]:
        """The clauses re-weighted so that each term's BM25 uses its idf over the whole collection (both
        languages' shards), as one index holding every document would: a language's shard alone is
        smaller, and its scores would not compare with the other language's."""
        total = self.size
        size = self.store.num_docs(lang)
        out: list[Clause] = []
        df = {(lang_, name): self.store.doc_freqs(lang_, name, [t for n, t, _w in clauses if n == name])
              for lang_ in LANGS for name in FIELDS}
        for name, term, weight in clauses:
            here = df[(lang, name)].get(term, 0)
            if not here:
                continue
            # tantivy counts a deleted (or replaced) document in a term's frequency until its segment
            # is merged, not in the document count: clamp, so that a frequency never passes the count.
            here = min(here, size)
            everywhere = min(sum(df[(other, name)].get(term, 0) for other in LANGS), total)
            out.append((name, term, weight * _idf(everywhere, total) / _idf(here, size)))
        return out

    def _coverage(self, lang: str, counts: Counter[str], best: int | None) -> float:
        """The idf-weighted share of the query's terms that its best same-language document contains;
        a term no document of that language contains counts as missed, weighing as much as the rarest
        term found."""
        if best is None:
            return 0.0
        n = self.store.num_docs(lang)
        weight: dict[str, float] = {}
        found = self.store.doc_freqs(lang, "own", list(counts))
        for term in counts:
            df = found.get(term, 0)
            if df:
                weight[term] = _idf(df, n)
        if not weight:
            return 0.0
        missing = len(counts) - len(weight)
        total = sum(weight.values()) + missing * max(weight.values())
        present = self.store.own_terms(lang, best)
        return sum(w for term, w in weight.items() if term in present) / total if total else 0.0


def _idf(df: int, n: int) -> float:
    """BM25's idf, as Lucene and tantivy compute it (``df`` at most ``n``: always above zero)."""
    return math.log(1 + (max(n - df, 0) + 0.5) / (min(df, n) + 0.5))


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


def docs_from_jsonl(rows: Iterable[dict[str, Any]]) -> list[Doc]:
    return [Doc(id=str(r["id"]), title=r.get("title", ""), abstract=r.get("abstract", r.get("text", "")),
                keywords=list(r.get("keywords") or []), lang=r.get("lang", "")) for r in rows]
