"""Analysis of many documents on several cores, for full builds.

Analysis (segmentation, stemming, two-way translation) is pure Python and takes the CPU; the store
takes the rows in one writer. ``rows`` hands documents to forked worker processes in chunks, in
order, each worker inheriting the parent's loaded dictionaries (so none loads CC-CEDICT again), and
yields the analysed rows in the documents' order. With one worker it runs in this process.

Forking is for a process that runs no other threads (a command, a benchmark): the web process's
background rebuild analyses in its own thread instead.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
from collections.abc import Generator, Iterable, Iterator
from typing import Any

from duijie.matching.engine.index import Doc, Index
from duijie.matching.engine.store import Row

CHUNK = 256
_index: Index | None = None  # the index being built, as the forked workers inherit it


def _analyse(chunk: list[tuple[int, Doc]]) -> list[Row]:
    assert _index is not None
    # The key comes from the parent, which alone numbers the ids that are not numbers.
    return [dataclasses.replace(_index.row(doc), key=key) for key, doc in chunk]


def _chunks(index: Index, docs: Iterable[Doc], size: int) -> Iterator[list[tuple[int, Doc]]]:
    chunk: list[tuple[int, Doc]] = []
    for doc in docs:
        if index.keep_docs:
            index.docs[doc.id] = doc
        chunk.append((index.key(doc.id), doc))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def rows(index: Index, docs: Iterable[Doc], workers: int) -> Iterator[Row]:
    """The analysed rows of ``docs`` for ``index``, in order, analysed by ``workers`` processes.

    The workers are forked here, at the call, before the caller opens the store's writers (whose
    threads a fork must not copy); the rows come as the returned iterator is consumed."""
    global _index
    if workers <= 1:
        return index.rows(docs)
    _index = index
    pool = multiprocessing.get_context("fork").Pool(workers)
    return _Rows(pool, _collect(pool, index, docs, workers))


class _Rows:
    """The rows as they come, and ``close()`` to let the workers go if the caller stops early (or never
    started: a generator that never ran would not clean up)."""

    def __init__(self, pool: Any, rows: Generator[Row, None, None]) -> None:
        self.pool, self.rows = pool, rows

    def __iter__(self) -> Iterator[Row]:
        return self.rows

    def __next__(self) -> Row:
        return next(self.rows)

    def close(self) -> None:
        global _index
        self.rows.close()
        self.pool.terminate()
        self.pool.join()
        _index = None


def _collect(pool: Any, index: Index, docs: Iterable[Doc], workers: int) -> Generator[Row, None, None]:
    global _index
    try:
        # The documents are read here, in the caller's thread (a database cursor belongs to its
        # thread), a few chunks per worker at a time.
        batch: list[list[tuple[int, Doc]]] = []
        for chunk in _chunks(index, docs, CHUNK):
            batch.append(chunk)
            if len(batch) >= 4 * workers:
                for analysed in pool.imap(_analyse, batch):
                    yield from analysed
                batch = []
        for analysed in pool.imap(_analyse, batch):
            yield from analysed
    finally:
        pool.terminate()
        pool.join()
        _index = None


def build(index: Index, docs: Iterable[Doc], workers: int) -> int:
    """Analyse ``docs`` on ``workers`` cores into the (empty) ``index``; returns how many."""
    produced = rows(index, docs, workers)
    try:
        return index.store.bulk_load(produced)
    finally:
        close(produced)


def close(produced: Iterator[Row]) -> None:
    """Let the workers of ``rows`` go (nothing for rows made in this process)."""
    if isinstance(produced, _Rows):
        produced.close()
