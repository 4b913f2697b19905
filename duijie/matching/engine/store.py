"""Where the engine's pre-analysed documents live and how they are scored: the storage interface and
its tantivy implementation (the PostgreSQL one is ``duijie.matching.pgstore``).

A store holds, per document language ("zh" or "en"), one shard with two fields of index terms:
``own`` (the document's own terms, fields weighted by repetition) and ``trans`` (its translation into
the other language). A query is a list of weighted clauses ``(field, term, weight)`` against one
language's shard; the score of a document is Σ weight × BM25(term, field) over its clauses. That one
operation is all ``index.Index`` needs to rank across languages (docs/matching.md, "How a match is found").

Documents are addressed by integer keys (a database primary key in the product, a position for a run
built in memory). Why tantivy and one shard per language: docs/decisions.md.
"""

from __future__ import annotations

import contextlib
import fcntl
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

LANGS = ("zh", "en")
FIELDS = ("own", "trans")


@dataclass(frozen=True)
class Row:
    """One analysed document: its key, language and the terms of each field."""

    key: int
    lang: str
    own: list[str]
    trans: list[str]


Clause = tuple[str, str, float]  # (field, term, weight)


class Store(Protocol):
    def search(self, lang: str, clauses: Sequence[Clause], k: int) -> list[tuple[int, float]]:
        """The ``k`` best documents of language ``lang`` for the weighted clauses, best first."""

    @property
    def persistent(self) -> bool:
        """Kept beyond this process (then it takes numeric keys only)."""

    def doc_freq(self, lang: str, field: str, term: str) -> int: ...

    def doc_freqs(self, lang: str, field: str, terms: Sequence[str]) -> dict[str, int]:
        """``doc_freq`` of several terms at once."""

    def num_docs(self, lang: str) -> int: ...

    def own_terms(self, lang: str, key: int) -> set[str]:
        """The distinct own terms of one document (how well it covers a query)."""

    def write(self, upserts: Iterable[Row], deletes: Iterable[int] = ()) -> None:
        """Replace (or add) ``upserts`` and remove ``deletes``, visible to the next search."""

    def bulk_load(self, rows: Iterable[Row]) -> int:
        """Add ``rows`` (new keys only) in one go; returns how many."""

    def refresh(self, force: bool = False) -> None:
        """See the writes of other processes (cheap, rate-limited)."""

    def clear(self) -> None: ...


def _schema() -> Any:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("key", stored=False, indexed=True, fast=True)
    # Terms arrive analysed (analysis.py): split on spaces only; term frequencies, no positions.
    builder.add_text_field("own", tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("trans", tokenizer_name="whitespace", index_option="freq")
    builder.add_bytes_field("terms", stored=True, indexed=False)
    return builder.build()


class _Shard:
    """One language's tantivy index (in memory when ``path`` is None)."""

    def __init__(self, path: Path | None, create: bool = True) -> None:
        import tantivy

        self.schema = _schema()
        self.path = path
        if path is not None:
            if not create and not (path / "meta.json").exists():
                # A live index whose shard is gone must not come back empty and "up to date".
                raise ValueError(f"no index in {path}")
            path.mkdir(parents=True, exist_ok=True)
        self.index = tantivy.Index(self.schema, path=str(path) if path is not None else None)
        self._searcher = self.index.searcher()
        self._stamp = self._meta_stamp()
        self.df: dict[tuple[str, str], int] = {}  # (field, term) → documents, for the searcher in use

    def searcher(self) -> Any:
        return self._searcher

    def _meta_stamp(self) -> int:
        try:
            return (self.path / "meta.json").stat().st_mtime_ns if self.path is not None else 0
        except OSError:
            return 0

    def refresh(self, force: bool = False) -> None:
        """A new searcher when the shard changed (every commit rewrites meta.json)."""
        stamp = self._meta_stamp()
        if not force and stamp == self._stamp:
            return
        try:
            self.index.reload()
            self._searcher = self.index.searcher()
            self._stamp = stamp
            self.df = {}
        except ValueError:
            # The folder is gone (a retired generation removed): the searcher we hold still reads its
            # files, which stay open until we let it go.
            pass

    def doc_freq(self, field: str, term: str) -> int:
        found = self.df.get((field, term))
        if found is None:
            found = self.df[(field, term)] = int(self._searcher.doc_freq(field, term))
        return found


class TantivyStore:
    """Two tantivy shards (zh, en), in memory or in a folder; readers never wait for a writer.

    A persisted store is written by one writer at a time across processes (a lock file beside the
    shards); every other process sees a commit at its next ``refresh`` (``index.Index`` refreshes at
    most every ``REFRESH_SECONDS``)."""

    REFRESH_SECONDS = 0.5

    def __init__(self, path: Path | str | None = None, *, heap_mb: int = 64, threads: int = 1,
                 create: bool = True) -> None:
        """``create=False`` opens an existing store only (ValueError when a shard is missing)."""
        self.path = Path(path) if path is not None else None
        self.heap = heap_mb * 1_000_000
        self.threads = threads
        self.shards = {lang: _Shard(self.path / lang if self.path else None, create) for lang in LANGS}
        self._lock = threading.Lock()
        self._refreshed = time.monotonic()

    # -- reading ---------------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> None:
        """Pick up commits of other processes (cheap; at most every ``REFRESH_SECONDS``)."""
        now = time.monotonic()
        if force or (self.path is not None and now - self._refreshed >= self.REFRESH_SECONDS):
            self._refreshed = now
            for shard in self.shards.values():
                shard.refresh(force)

    def search(self, lang: str, clauses: Sequence[Clause], k: int) -> list[tuple[int, float]]:
        import tantivy

        shard = self.shards[lang]
        merged: dict[tuple[str, str], float] = {}
        for field, term, weight in clauses:
            if weight > 0 and term:
                merged[(field, term)] = merged.get((field, term), 0.0) + weight
        if not merged:
            return []
        query = tantivy.Query.boolean_query([
            (tantivy.Occur.Should, tantivy.Query.boost_query(tantivy.Query.term_query(shard.schema, field, term), weight))
            for (field, term), weight in merged.items()])
        searcher = shard.searcher()
        # count=False keeps tantivy's block-max WAND on: only the top k are scored in full.
        hits = searcher.search(query, k, count=False).hits
        if not hits:
            return []
        keys = searcher.fast_field_values("key", [address for _score, address in hits])
        return [(int(key), float(score)) for (score, _address), key in zip(hits, keys, strict=True)]

    @property
    def persistent(self) -> bool:
        return self.path is not None

    def doc_freq(self, lang: str, field: str, term: str) -> int:
        return self.shards[lang].doc_freq(field, term)

    def doc_freqs(self, lang: str, field: str, terms: Sequence[str]) -> dict[str, int]:
        shard = self.shards[lang]
        return {term: shard.doc_freq(field, term) for term in terms}

    def num_docs(self, lang: str) -> int:
        return int(self.shards[lang].searcher().num_docs)

    def own_terms(self, lang: str, key: int) -> set[str]:
        import tantivy

        shard = self.shards[lang]
        searcher = shard.searcher()
        hits = searcher.search(tantivy.Query.term_query(shard.schema, "key", key), 1, count=False).hits
        if not hits:
            return set()
        stored = searcher.doc(hits[0][1]).to_dict().get("terms") or [b""]
        return set(bytes(stored[0]).decode("utf-8").split("\n")) - {""}

    # -- writing ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _writing(self) -> Iterator[dict[str, Any]]:
        """Writers of both shards, under this store's lock (and, for a folder, the lock file that
        keeps other processes' writers out until this commit is done)."""
        with self._lock, self._file_lock():
            writers = {lang: shard.index.writer(heap_size=max(self.heap // len(LANGS), 15_000_000),
                                                num_threads=self.threads)
                       for lang, shard in self.shards.items()}
            try:
                yield writers
            except BaseException:
                for writer in writers.values():
                    writer.rollback()
                raise
            for writer in writers.values():
                writer.commit()
                writer.wait_merging_threads()
        self.refresh(force=True)

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        if self.path is None:
            yield
            return
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / "writer.lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def write(self, upserts: Iterable[Row], deletes: Iterable[int] = ()) -> None:
        import tantivy

        with self._writing() as writers:
            for key in deletes:
                for writer in writers.values():
                    writer.delete_documents_by_term("key", int(key))
            for row in upserts:
                for writer in writers.values():
                    writer.delete_documents_by_term("key", row.key)
                writers[row.lang].add_document(tantivy.Document(
                    key=row.key, own=" ".join(row.own), trans=" ".join(row.trans),
                    terms="\n".join(sorted(set(row.own))).encode("utf-8")))

    def bulk_load(self, rows: Iterable[Row]) -> int:
        """Add ``rows`` to an empty store in one commit (no per-row delete); returns how many."""
        import tantivy

        count = 0
        with self._writing() as writers:
            for row in rows:
                writers[row.lang].add_document(tantivy.Document(
                    key=row.key, own=" ".join(row.own), trans=" ".join(row.trans),
                    terms="\n".join(sorted(set(row.own))).encode("utf-8")))
                count += 1
        return count

    def clear(self) -> None:
        with self._writing() as writers:
            for writer in writers.values():
                writer.delete_all_documents()

