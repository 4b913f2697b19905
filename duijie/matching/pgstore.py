"""The engine's store in PostgreSQL (``DUIJIE_MATCHING_BACKEND=postgresql``): one index shared by every
web server of a deployment, behind the same interface as the tantivy store (``engine.store.Store``).

Each document is a row of ``matching_indexeddoc``: its generation, key and language, its own terms and
its translation as ``tsvector`` columns (pre-analysed by the engine: the lexemes are the engine's terms,
each with as many positions as it occurs, so a lexeme's positions count its frequency) with GIN
indexes, their lengths, and its distinct own terms. ``matching_indexstat`` keeps each generation's and
language's document count and total lengths, ``matching_indexterm`` each term's document frequency, both
adjusted in the same transaction as every write.

A search finds the candidates through the GIN indexes (``@@`` an OR of the query's lexemes) and
scores them in SQL with BM25 as tantivy does (k1 1.2, b 0.75, Lucene's idf), the clause weights
applied, so that both backends rank alike (``tests/matching/test_pgstore.py``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction

from duijie.matching.engine.store import LANGS, Clause, Row

K1, B = 1.2, 0.75
MAX_TF = 255  # positions a tsvector keeps per lexeme
DF_CACHE_SECONDS = 2.0
BATCH = 1_000
PROBE_TERMS = 3  # the most selective clauses whose documents give the first top k (max-score pruning)


def _lexeme(term: str) -> str:
    """A term as a quoted tsvector/tsquery lexeme (no normalisation: the engine analysed it)."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector(terms: Sequence[str]) -> str:
    """The tsvector literal of an analysed term list: each term with positions 1..tf."""
    counts: dict[str, int] = {}
    for term in terms:
        if term:
            counts[term] = counts.get(term, 0) + 1
    return " ".join(f"{_lexeme(t)}:{','.join(str(p) for p in range(1, min(n, MAX_TF) + 1))}"
                    for t, n in counts.items())


def _tsquery(terms: Iterable[str]) -> str:
    return " | ".join(_lexeme(t) for t in terms)


class PgStore:
    """A generation of an index in PostgreSQL (``generation``: e.g. "achievements:3")."""

    persistent = True

    def __init__(self, generation: str) -> None:
        self.generation = generation
        self._df: dict[tuple[str, str, str], tuple[float, int]] = {}
        self._stats: tuple[float, dict[str, tuple[int, float, float]]] | None = None

    # -- reading ---------------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> None:
        if force:
            self._df.clear()
            self._stats = None

    def _stat(self, lang: str) -> tuple[int, float, float]:
        """(documents, average own length, average translation length) of a language."""
        now = time.monotonic()
        if self._stats is None or now - self._stats[0] > DF_CACHE_SECONDS:
            with connection.cursor() as cursor:
                cursor.execute("SELECT lang, docs, own_len, trans_len FROM matching_indexstat WHERE generation = %s",
                               [self.generation])
                rows = {lang: (int(docs), own / docs if docs else 0.0, trans / docs if docs else 0.0)
                        for lang, docs, own, trans in cursor.fetchall()}
            self._stats = (now, rows)
        return self._stats[1].get(lang, (0, 0.0, 0.0))

    def num_docs(self, lang: str) -> int:
        return self._stat(lang)[0]

    def doc_freqs(self, lang: str, field: str, terms: Sequence[str]) -> dict[str, int]:
        """How many documents of ``lang`` hold each term in ``field`` (cached a moment)."""
        if field not in ("own", "trans"):
            raise ValueError(field)
        now = time.monotonic()
        out: dict[str, int] = {}
        missing = []
        for term in dict.fromkeys(terms):
            cached = self._df.get((lang, field, term))
            if cached is not None and now - cached[0] <= DF_CACHE_SECONDS:
                out[term] = cached[1]
            else:
                missing.append(term)
        if missing:
            with connection.cursor() as cursor:
                cursor.execute("SELECT term, df FROM matching_indexterm WHERE generation = %s AND lang = %s "
                               "AND field = %s AND term = ANY(%s)", [self.generation, lang, field, missing])
                found = dict(cursor.fetchall())
            for term in missing:
                out[term] = int(found.get(term, 0))
                self._df[(lang, field, term)] = (now, out[term])
        return out

    def doc_freq(self, lang: str, field: str, term: str) -> int:
        return self.doc_freqs(lang, field, [term]).get(term, 0)

    def search(self, lang: str, clauses: Sequence[Clause], k: int) -> list[tuple[int, float]]:
        merged: dict[tuple[str, str], float] = {}
        for field, term, weight in clauses:
            if weight > 0 and term:
                merged[(field, term)] = merged.get((field, term), 0.0) + weight
        docs, avg_own, avg_trans = self._stat(lang)
        if not merged or not docs:
            return []
        fields: list[str] = []
        terms: list[str] = []
        weights: list[float] = []
        for name in ("own", "trans"):
            wanted = [(t, w) for (f, t), w in merged.items() if f == name]
            df = self.doc_freqs(lang, name, [t for t, _w in wanted])
            for term, weight in wanted:
                if df.get(term):
                    fields.append(name)
                    terms.append(term)
                    weights.append(weight * math.log(1 + (docs - df[term] + 0.5) / (df[term] + 0.5)))
        if not terms:
            return []
        scored = (fields, terms, weights, lang, avg_own, avg_trans, k)
        # Max-score pruning, exact: a clause adds at most weight × (k1 + 1). First score the documents
        # holding one of the most selective terms; the k-th score found bounds the true k-th from below
        # (θ). The least weighty clauses whose bounds add up to less than θ cannot lift a document that
        # holds none of the others into the top k: only documents holding one of the others are scored.
        ranked = sorted(zip(weights, fields, terms, strict=True))
        first = self._score(*scored, [(f, t) for _w, f, t in ranked[-PROBE_TERMS:]])
        if len(first) < k or len(ranked) <= PROBE_TERMS:
            return first if len(ranked) <= PROBE_TERMS else self._score(*scored, [(f, t) for _w, f, t in ranked])
        threshold = first[k - 1][1]
        bound, essential = 0.0, 0
        for weight, _f, _t in ranked:
            if bound + weight * (K1 + 1) >= threshold:
                break
            bound += weight * (K1 + 1)
            essential += 1
        if essential >= len(ranked):  # cannot be (the first top k reach θ), but never search nothing
            return first
        return self._score(*scored, [(f, t) for _w, f, t in ranked[essential:]])

    def _score(self, fields: list[str], terms: list[str], weights: list[float], lang: str, avg_own: float,
               avg_trans: float, k: int, candidates: list[tuple[str, str]]) -> list[tuple[int, float]]:
        """The top ``k`` of the documents holding one of the ``candidates`` (field, term), scored on
        every clause."""
        own_terms = [t for f, t in zip(fields, terms, strict=True) if f == "own"]
        trans_terms = [t for f, t in zip(fields, terms, strict=True) if f == "trans"]
        own_query = _tsquery(t for f, t in candidates if f == "own") or None
        trans_query = _tsquery(t for f, t in candidates if f == "trans") or None
        with connection.cursor() as cursor:
            cursor.execute(
                """
                WITH q(field, term, weight) AS (SELECT * FROM unnest(%s::text[], %s::text[], %s::float8[])),
                candidates AS (
                    SELECT key, own, trans, own_len, trans_len FROM matching_indexeddoc
                    WHERE generation = %s AND lang = %s
                      AND ((%s::tsquery IS NOT NULL AND own @@ %s::tsquery)
                           OR (%s::tsquery IS NOT NULL AND trans @@ %s::tsquery))
                ),
                found AS (
                    -- Only the query's lexemes of each candidate: marked with weight A, kept by ts_filter.
                    SELECT c.key, 'own' AS field, u.lexeme, array_length(u.positions, 1) AS tf,
                           c.own_len::float8 / %s AS norm
                    FROM candidates c, unnest(ts_filter(setweight(c.own, 'A', %s::text[]), '{a}')) u
                    UNION ALL
                    SELECT c.key, 'trans', u.lexeme, array_length(u.positions, 1), c.trans_len::float8 / %s
                    FROM candidates c, unnest(ts_filter(setweight(c.trans, 'A', %s::text[]), '{a}')) u
                )
                SELECT f.key, sum(q.weight * f.tf * (%s + 1) / (f.tf + %s * (1 - %s + %s * f.norm))) AS score
                FROM found f JOIN q ON q.field = f.field AND q.term = f.lexeme
                GROUP BY f.key ORDER BY score DESC, f.key LIMIT %s
                """,
                [fields, terms, weights, self.generation, lang, own_query, own_query, trans_query, trans_query,
                 avg_own or 1.0, own_terms, avg_trans or 1.0, trans_terms, K1, K1, B, B, k])
            return [(int(key), float(score)) for key, score in cursor.fetchall()]

    def own_terms(self, lang: str, key: int) -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT terms FROM matching_indexeddoc WHERE generation = %s AND key = %s AND lang = %s",
                           [self.generation, key, lang])
            row = cursor.fetchone()
        return set(row[0].split("\n")) - {""} if row else set()

    # -- writing ---------------------------------------------------------------------------------
    def write(self, upserts: Iterable[Row], deletes: Iterable[int] = ()) -> None:
        """Replace ``upserts`` and remove ``deletes`` in one transaction, the statistics adjusted."""
        rows = list({r.key: r for r in upserts}.values())  # a key twice: the last one wins, as in tantivy
        keys = sorted({r.key for r in rows} | {int(k) for k in deletes})
        with transaction.atomic(), connection.cursor() as cursor:
            # One writer per generation at a time keeps the statistics exact.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [self.generation])
            delta = {lang: [0, 0, 0] for lang in LANGS}
            terms: dict[tuple[str, str, str], int] = {}  # (lang, field, term) → change in document frequency
            if keys:
                cursor.execute("DELETE FROM matching_indexeddoc WHERE generation = %s AND key = ANY(%s) "
                               "RETURNING lang, own_len, trans_len, tsvector_to_array(own), tsvector_to_array(trans)",
                               [self.generation, keys])
                for lang, own, trans, own_terms, trans_terms in cursor.fetchall():
                    delta[lang][0] -= 1
                    delta[lang][1] -= own
                    delta[lang][2] -= trans
                    for field, found in (("own", own_terms), ("trans", trans_terms)):
                        for term in found:
                            terms[(lang, field, term)] = terms.get((lang, field, term), 0) - 1
            for row in rows:
                for field, found in (("own", row.own), ("trans", row.trans)):
                    for term in set(found):
                        if term:
                            terms[(row.lang, field, term)] = terms.get((row.lang, field, term), 0) + 1
            self._insert(cursor, rows, delta)
            self._adjust(cursor, delta)
            self._adjust_terms(cursor, {k: v for k, v in terms.items() if v})
        self.refresh(force=True)

    def bulk_load(self, rows: Iterable[Row]) -> int:
        count = 0
        batch: list[Row] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                self.write(batch)
                count += len(batch)
                batch = []
        if batch:
            self.write(batch)
            count += len(batch)
        return count

    def _insert(self, cursor: Any, rows: list[Row], delta: dict[str, list[int]]) -> None:
        if not rows:
            return
        cursor.executemany(
            "INSERT INTO matching_indexeddoc (generation, key, lang, own, trans, own_len, trans_len, terms) "
            "VALUES (%s, %s, %s, %s::tsvector, %s::tsvector, %s, %s, %s)",
            [(self.generation, r.key, r.lang, tsvector(r.own), tsvector(r.trans), len(r.own), len(r.trans),
              "\n".join(sorted(set(r.own)))) for r in rows])
        for r in rows:
            delta[r.lang][0] += 1
            delta[r.lang][1] += len(r.own)
            delta[r.lang][2] += len(r.trans)

    def _adjust(self, cursor: Any, delta: dict[str, list[int]]) -> None:
        for lang, (docs, own, trans) in delta.items():
            if docs or own or trans:
                cursor.execute(
                    "INSERT INTO matching_indexstat (generation, lang, docs, own_len, trans_len) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (generation, lang) DO UPDATE SET "
                    "docs = matching_indexstat.docs + EXCLUDED.docs, "
                    "own_len = matching_indexstat.own_len + EXCLUDED.own_len, "
                    "trans_len = matching_indexstat.trans_len + EXCLUDED.trans_len",
                    [self.generation, lang, docs, own, trans])

    def _adjust_terms(self, cursor: Any, changes: dict[tuple[str, str, str], int]) -> None:
        if not changes:
            return
        langs, fields, terms, counts = (list(x) for x in zip(*((*key, n) for key, n in changes.items()), strict=True))
        cursor.execute(
            "INSERT INTO matching_indexterm (generation, lang, field, term, df) "
            "SELECT %s, l, f, t, n FROM unnest(%s::text[], %s::text[], %s::text[], %s::bigint[]) AS c(l, f, t, n) "
            "ON CONFLICT (generation, lang, field, term) DO UPDATE SET df = matching_indexterm.df + EXCLUDED.df",
            [self.generation, langs, fields, terms, counts])
        cursor.execute("DELETE FROM matching_indexterm WHERE generation = %s AND df <= 0 AND term = ANY(%s)",
                       [self.generation, terms])

    def clear(self) -> None:
        drop(self.generation)
        self.refresh(force=True)


def drop(generation: str) -> None:
    """Remove a generation's documents and statistics."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM matching_indexeddoc WHERE generation = %s", [generation])
        cursor.execute("DELETE FROM matching_indexstat WHERE generation = %s", [generation])
        cursor.execute("DELETE FROM matching_indexterm WHERE generation = %s", [generation])
