"""Dense retrieval in the product, the optional ``dense`` extra (docs/matching.md, "Dense extra").

When ``DUIJIE_DENSE_MODEL`` names a local sentence-transformers model, a demand's lexical hits are fused
with the public achievements closest to it in meaning (``fuse_for_demand``). Unset, nothing here loads
and the lexical hits pass through unchanged.

Each process keeps one dense index per database and model: the public achievements as the hall shows
them, embedded from what the lexical index holds of each (``indexes.achievement_doc``). When the hall's
revision moves, the hall's change log says which achievements changed (a process's first look reads
them all): those no longer public are removed at once and those that are new or whose text changed are
embedded: by the request itself up to ``INLINE_EMBED_LIMIT``, else in a background thread
while requests go on with the index as it was. The index is kept on disk
(``<DUIJIE_MATCHING_DIR>/<database>/dense-<model>/``), so a restarted process embeds only what changed
meanwhile. A model that cannot be loaded is logged once and the lexical hits are used alone: a
misconfigured extra never takes recommendations down.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.db import connection

from duijie.matching.engine import dense as engine_dense
from duijie.matching.engine import index as engine

logger = logging.getLogger(__name__)

INLINE_EMBED_LIMIT = 300  # achievements a request may embed itself (~10 s on two cores with MiniLM)

_lock = threading.Lock()
_indexes: dict[str, tuple[tuple[int, str], engine_dense.DenseIndex]] = {}  # → (hall revision, index)
_building: set[str] = set()  # indexes being brought up to date in a background thread
_failed: set[str] = set()  # model paths already reported as unusable


def model_path() -> str:
    return str(getattr(settings, "DUIJIE_DENSE_MODEL", "") or "")


def enabled() -> bool:
    """Whether dense retrieval is configured (``DUIJIE_DENSE_MODEL``)."""
    return bool(model_path())


def encoder() -> engine_dense.SentenceEncoder | None:
    """The configured model, loaded once per process; None when unset or unusable (logged once)."""
    path = model_path()
    if not path:
        return None
    try:
        return engine_dense.load_model(path)
    except engine_dense.DenseUnavailable as exc:
        if path not in _failed:
            _failed.add(path)
            logger.error("DUIJIE_DENSE_MODEL: %s; recommendations use the lexical engine alone", exc)
        return None


def folder(model: str) -> Path:
    """Where this database's dense index of the model at path ``model`` is kept."""
    from duijie.matching import indexes

    return indexes.root() / f"dense-{hashlib.sha1(model.encode()).hexdigest()[:12]}"


def _changes(index: engine_dense.DenseIndex, since: tuple[int, str]) -> tuple[list[engine.Doc], list[str]]:
    """What ``index`` (as of the hall's ``since``) must embed and remove: from the hall's change log when
    it can tell, else from a read of every public achievement."""
    from duijie.matching import indexes

    found = indexes.hall_changes_since(*since)
    if found is None:
        public = indexes.public_achievements().order_by("pk")
        return engine_dense.changes(index, [indexes.achievement_doc(a) for a in public])
    changed = found[0]
    docs = [indexes.achievement_doc(a) for a in indexes.public_achievements().filter(pk__in=changed).order_by("pk")]
    stale, _others = engine_dense.changes(index, docs)
    kept = {d.id for d in docs}
    return stale, [str(pk) for pk in changed if str(pk) not in kept and str(pk) in index]


def achievements_index(model: engine_dense.Encoder) -> engine_dense.DenseIndex:
    """The dense index of the public achievements as of the hall's current revision (see the module's
    docstring for when it embeds inline, in the background, and what it saves)."""
    from duijie.matching import indexes

    version = indexes.hall_state()
    path = model_path()
    key = f"{connection.settings_dict.get('NAME')}\n{path}"
    cached = _indexes.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    with _lock:
        cached = _indexes.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        where = folder(path)
        # Searches may be running on the cached index: change a copy, then swap it in.
        index = cached[1].copy() if cached is not None else _load(where, model)
        # A saved index does not say which revision it reflects: read the whole hall once per process.
        stale, gone = _changes(index, cached[0] if cached is not None else (-1, ""))
        index.remove(gone)  # never a match that is no longer public, even while embedding goes on
        if len(stale) > INLINE_EMBED_LIMIT:
            if key not in _building:
                _building.add(key)
                threading.Thread(target=_embed_in_background, args=(key, version, index.copy(), model, stale, where),
                                 name="dense-index", daemon=True).start()
        else:
            engine_dense.embed(index, model, stale)
            if stale or gone or not (where / engine_dense.IDS_FILE).exists():
                index.save(where)
        _indexes[key] = (version, index)
        return index


def _embed_in_background(key: str, version: tuple[int, str], index: engine_dense.DenseIndex,
                         model: engine_dense.Encoder, stale: list[engine.Doc], where: Path) -> None:
    try:
        engine_dense.embed(index, model, stale)
        index.save(where)
        with _lock:
            current = _indexes.get(key)
            if current is None or current[0] == version:
                _indexes[key] = (version, index)
            else:
                # The hall moved on meanwhile: add what was embedded to the index in use and let the next
                # request bring that up to date (it removes what is no longer public, embeds the rest).
                merged = current[1].copy()
                rows = [index.ids.index(d.id) for d in stale if d.id in index]
                merged.add([index.ids[r] for r in rows], index.matrix[rows], [index.hashes[r] for r in rows],
                           [index.langs[r] for r in rows])
                _indexes[key] = ((-1, ""), merged)
        logger.info("dense index: %d achievements embedded", len(stale))
    except Exception:
        logger.exception("dense index: embedding %d achievements failed", len(stale))
        with _lock:
            current = _indexes.get(key)
            if current is not None:  # the next request reads the whole hall again and retries them
                _indexes[key] = ((-1, ""), current[1])
    finally:
        with _lock:
            _building.discard(key)


def _load(where: Path, model: engine_dense.Encoder) -> engine_dense.DenseIndex:
    """The index saved in ``where`` if a model of the same name and size made it, else an empty one."""
    try:
        saved = engine_dense.DenseIndex.load(where)
    except FileNotFoundError:
        saved = None
    except (OSError, ValueError, KeyError) as exc:
        logger.warning("dense index in %s unreadable (%s): rebuilt", where, exc)
        saved = None
    if saved is not None and saved.dimension == model.dimension and saved.model == model.name:
        return saved
    return engine_dense.DenseIndex(model.dimension, model.name)


def fuse_for_demand(query: str, hits: Sequence[engine.Hit], plan: engine.QueryPlan,
                    k: int = engine_dense.DEPTH) -> tuple[list[engine.Hit], dict[str, float]]:
    """A demand's lexical ``hits`` (for ``query``, planned as ``plan``) fused with the public achievements
    that stand out in meaning for it (``engine.dense.evidence_for``, ``fuse``); at most as many as
    ``hits`` or ``k``; and the evidence (id → [0, 1]) that explanations show. Without a usable model, or
    evidence, the lexical hits unchanged and no evidence."""
    model = encoder()
    if model is None:
        return list(hits), {}
    index = achievements_index(model)
    found = engine_dense.evidence_for(model, index, query, plan.lang, hits, k)
    fused = engine_dense.fuse(hits, found, coverage=plan.coverage, k=max(k, len(hits)))
    return fused, {h.id: round(h.score, 3) for h in found if h.score > 0}


def reset() -> None:
    """Forget the per-process indexes and reported failures (tests)."""
    with _lock:
        _indexes.clear()
        _failed.clear()
