"""The matching indexes' lifecycle: built from the database, kept on disk, updated incrementally, rebuilt
in the background while readers go on.

The achievements index (``achievements()``) is the big one: every public achievement of the exhibition
hall, analysed and translated once, in a tantivy store under ``DUIJIE_MATCHING_DIR`` (default
``var/matching``), one folder per database::

    <root>/<database>/achievements/CURRENT          the generation in use ("gen-3")
    <root>/<database>/achievements/gen-3/           the store (zh/, en/) and state.json: the hall
                                                    revision and stamp it reflects, its size
    <root>/<database>/achievements/status.json      the last or running full build: progress, timing

Freshness. Every change the hall shows raises the hall revision and records the changed ids
(``supply.services.hall_changed``, in the writer's transaction). Before each search the index reads the
revision (one primary-key query); when it moved, the process that notices re-reads only the changed
achievements and writes them into the store (a lock file keeps one writer at a time); every other
process sees the commit at its next search (``TantivyStore.REFRESH_SECONDS``). So a publish, an edit, a
withdrawal or an archive reaches the next query within a second.

Full builds. With no usable generation (a new deployment, a restored database, changes pruned past
ours) the index is rebuilt: inline when the hall is small (``INLINE_BUILD_LIMIT``), else in a background
thread (``rebuild(background=True)``, also ``duijie match reindex`` and the operators' page), which
writes a new generation beside the live one, reports progress in status.json and then switches
CURRENT in one rename. Readers keep searching the old generation until the switch and never see a
half-built one; the hall's changes made during the build are applied right after it.

The demand board and the expert directory are small; their indexes live in memory, and at each use
the rows changed since (by ``updated_at``) are analysed again and the rows gone removed
(``board()``, ``experts()``).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection
from django.utils import timezone

from duijie.matching.engine import index as engine
from duijie.matching.engine import parallel
from duijie.matching.engine.store import Store, TantivyStore

logger = logging.getLogger(__name__)

INLINE_BUILD_LIMIT = 2_000  # public achievements a request may index itself; more go to the background
CATCH_UP_INLINE = 500  # changed achievements a search may apply itself; more are applied in the background
PROGRESS_EVERY = 1_000  # documents between two progress reports of a full build
# A replaced generation stays on disk this long: a reader of another process may still be searching it.
RETIRED_GRACE_SECONDS = 300

_lock = threading.Lock()
_live: dict[str, LiveIndex] = {}
_memory: dict[str, _Memory] = {}
_building: set[str] = set()  # builds of this process, from their request until they end


def root() -> Path:
    """This database's folder of matching indexes."""
    base = Path(getattr(settings, "DUIJIE_MATCHING_DIR", "") or Path(settings.VAR_DIR) / "matching")
    name = str(connection.settings_dict.get("NAME"))
    return base / f"{connection.vendor}-{hashlib.sha1(name.encode()).hexdigest()[:12]}"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` whole or not at all (a reader never sees half a file)."""
    # Forked workers share thread idents: the process id keeps two writers' temporary files apart.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.write_text(json.dumps(data, default=str), encoding="utf-8")
    temporary.replace(path)


@contextlib.contextmanager
def _flock(path: Path, *, wait: bool) -> Iterator[bool]:
    """An exclusive lock on ``path`` across processes; with ``wait=False`` yields False when taken."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# -- documents ----------------------------------------------------------------------------------------
def achievement_doc(achievement: Any) -> engine.Doc:
    """What the engine indexes of an achievement: title, keywords, and as abstract its summary,
    description and every translation's title and summary (``translations`` prefetched)."""
    other = " ".join(f"{t.title} {t.summary}" for t in achievement.translations.all())
    return engine.Doc(id=str(achievement.pk), title=achievement.title,
                      abstract=f"{achievement.summary} {achievement.description} {other}",
                      keywords=list(achievement.keywords or []), lang=achievement.language)


def public_achievements() -> Any:
    from duijie.supply.enums import PUBLIC_STATUSES
    from duijie.supply.models import Achievement

    return Achievement.objects.filter(status__in=PUBLIC_STATUSES).prefetch_related("translations")


def hall_state() -> tuple[int, str]:
    """The hall's (revision, stamp): what an index of the public achievements must reflect."""
    from duijie.supply.models import HallState

    row = HallState.objects.filter(pk=1).values_list("revision", "stamp").first()
    return (int(row[0]), str(row[1])) if row else (0, "")


# -- where an index lives: files (tantivy) or PostgreSQL ----------------------------------------------
class _Files:
    """Generations as folders beside a CURRENT file; state and build status as JSON files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def live(self) -> str:
        try:
            name = (self.folder / "CURRENT").read_text(encoding="utf-8").strip()
        except OSError:
            return ""
        return name if (self.folder / name / "state.json").exists() else ""

    def store(self, generation: str, *, building: bool = False) -> Store:
        return TantivyStore(self.folder / generation, heap_mb=128 if building else 64, threads=2 if building else 1,
                            create=building)

    def state(self, generation: str) -> dict[str, Any]:
        return _read_json(self.folder / generation / "state.json") if generation else {}

    def save_state(self, generation: str, state: dict[str, Any]) -> None:
        _write_json(self.folder / generation / "state.json", state)

    def switch(self, generation: str, state: dict[str, Any]) -> None:
        """Put ``generation`` in use. The one it replaces is marked retired; a retired generation is
        deleted ``RETIRED_GRACE_SECONDS`` later (at a later switch), once no reader can still be on it."""
        previous = self.live()
        self.save_state(generation, state)
        temporary = self.folder / ".CURRENT.tmp"
        temporary.write_text(generation, encoding="utf-8")
        temporary.replace(self.folder / "CURRENT")
        if previous and previous != generation:
            (self.folder / previous / "RETIRED").write_text(timezone.now().isoformat(), encoding="utf-8")
        now = time.time()
        for old in self.folder.glob("gen-*"):
            retired = old / "RETIRED"
            if old.name not in (generation, previous) and retired.exists() and (
                    now - retired.stat().st_mtime > RETIRED_GRACE_SECONDS):
                shutil.rmtree(old, ignore_errors=True)

    def drop(self, generation: str) -> None:
        shutil.rmtree(self.folder / generation, ignore_errors=True)

    @contextlib.contextmanager
    def lock(self, kind: str, *, wait: bool) -> Iterator[bool]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with _flock(self.folder / f"{kind}.lock", wait=wait) as held:
            yield held

    def status(self) -> dict[str, Any]:
        return _read_json(self.folder / "status.json")

    def save_status(self, data: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_json(self.folder / "status.json", data)


class _Postgres:
    """Generations as row sets of one table (``pgstore``); state and build status in ``IndexState``;
    locks as PostgreSQL advisory locks, so that every web server of a deployment shares them."""

    def __init__(self, name: str) -> None:
        self.name = name

    def _row(self) -> Any:
        from duijie.matching.models import IndexState

        return IndexState.objects.get_or_create(name=self.name)[0]

    def live(self) -> str:
        from duijie.matching.models import IndexState

        return IndexState.objects.filter(name=self.name).values_list("generation", flat=True).first() or ""

    def store(self, generation: str, *, building: bool = False) -> Store:
        from duijie.matching.pgstore import PgStore

        return PgStore(f"{self.name}:{generation}")

    def state(self, generation: str) -> dict[str, Any]:
        from duijie.matching.models import IndexState

        row = IndexState.objects.filter(name=self.name, generation=generation).values(
            "revision", "stamp", "docs").first() if generation else None
        return dict(row) if row else {}

    def save_state(self, generation: str, state: dict[str, Any]) -> None:
        from duijie.matching.models import IndexState

        IndexState.objects.filter(name=self.name, generation=generation).update(
            revision=state["revision"], stamp=state["stamp"], docs=state.get("docs", 0), synced_at=timezone.now())

    def switch(self, generation: str, state: dict[str, Any]) -> None:
        from duijie.matching import pgstore
        from duijie.matching.models import IndexStat, IndexState

        row = self._row()
        previous = row.generation
        IndexState.objects.filter(pk=row.pk).update(generation=generation, revision=state["revision"],
                                                    stamp=state["stamp"], docs=state.get("docs", 0),
                                                    synced_at=timezone.now())
        keep = {f"{self.name}:{generation}", f"{self.name}:{previous}"}
        for old in IndexStat.objects.filter(generation__startswith=f"{self.name}:").values_list(
                "generation", flat=True).distinct():
            if old not in keep:
                pgstore.drop(old)

    def drop(self, generation: str) -> None:
        from duijie.matching import pgstore

        pgstore.drop(f"{self.name}:{generation}")

    @contextlib.contextmanager
    def lock(self, kind: str, *, wait: bool) -> Iterator[bool]:
        key = f"duijie:matching:{self.name}:{kind}"
        with connection.cursor() as cursor:
            if wait:
                cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [key])
                held = True
            else:
                cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [key])
                held = bool(cursor.fetchone()[0])
        try:
            yield held
        finally:
            if held:
                try:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [key])
                except DatabaseError:
                    # The transaction failed and takes no statement: closing the connection releases
                    # the session's locks, so that no other server waits for this one forever.
                    connection.close()

    def status(self) -> dict[str, Any]:
        from duijie.matching.models import IndexState

        return dict(IndexState.objects.filter(name=self.name).values_list("build", flat=True).first() or {})

    def save_status(self, data: dict[str, Any]) -> None:
        from duijie.matching.models import IndexState

        self._row()
        IndexState.objects.filter(name=self.name).update(build=json.loads(json.dumps(data, default=str)))


Backend = _Files | _Postgres


def backend_name() -> str:
    """``tantivy`` (files under DUIJIE_MATCHING_DIR, the default) or ``postgresql`` (one index shared
    by every web server; needs a PostgreSQL database)."""
    wanted = str(getattr(settings, "DUIJIE_MATCHING_BACKEND", "") or "tantivy").lower()
    if wanted == "postgresql" and connection.vendor != "postgresql":
        raise ImproperlyConfigured("DUIJIE_MATCHING_BACKEND=postgresql needs a PostgreSQL database")
    return "postgresql" if wanted == "postgresql" else "tantivy"


# -- the achievements index ---------------------------------------------------------------------------
@dataclass
class Status:
    """A full build's progress."""

    state: str = "none"  # none, running, done, failed
    done: int = 0
    total: int = 0
    generation: str = ""
    started_at: str = ""
    finished_at: str = ""
    seconds: float = 0.0
    error: str = ""
    requested_by: str = ""

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.state == "done" else 0)

    @classmethod
    def of(cls, data: dict[str, Any]) -> Status:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


class LiveIndex:
    """One process's handle on an index: the live generation and its index, re-opened when a rebuild
    switches it. The pair changes as one (threads of a process share the handle)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.live: tuple[str, engine.Index] | None = None
        self._checked = 0.0

    @property
    def generation(self) -> str:
        live = self.live
        return live[0] if live else ""

    def open(self, force: bool = False) -> tuple[str, engine.Index] | None:
        """(the live generation, its index), or None when none was built."""
        now = time.monotonic()
        live = self.live
        if not force and live is not None and now - self._checked < TantivyStore.REFRESH_SECONDS:
            return live
        self._checked = now
        name = self.backend.live()
        if name and (live is None or name != live[0]):
            try:
                live = (name, engine.Index(store=self.backend.store(name), keep_docs=False))
            except (OSError, ValueError):
                # Replaced and removed while we looked, or broken: keep the one we have, look again soon.
                logger.warning("matching: generation %s could not be opened", name, exc_info=True)
            else:
                self.live = live
        return live

    def state(self) -> dict[str, Any]:
        return self.backend.state(self.generation)

    def status(self) -> Status:
        return Status.of(self.backend.status())


def _handle() -> LiveIndex:
    name = backend_name()
    key = f"{name}:{root()}"
    with _lock:
        handle = _live.get(key)
        if handle is None:
            backend: Backend = _Postgres("achievements") if name == "postgresql" else _Files(root() / "achievements")
            handle = _live[key] = LiveIndex(backend)
    return handle


def achievements() -> engine.Index:
    """The achievements index as of the hall's current revision; an empty index while the first full
    build of a large hall runs in the background. A failure to catch up is logged and the index
    searched as it is (the next search tries again)."""
    handle = _handle()
    live = handle.open()
    revision, stamp = hall_state()
    if live is None:
        if public_achievements().count() <= INLINE_BUILD_LIMIT:
            rebuild(background=False)
            live = handle.open(force=True)
        else:
            rebuild(background=True)
        return live[1] if live else engine.Index(keep_docs=False)
    if not _current(handle.backend.state(live[0]), revision, stamp):
        live = handle.open(force=True) or live  # another process may have switched to a newer generation
        if not _current(handle.backend.state(live[0]), revision, stamp):
            try:
                _catch_up(handle.backend, live[0], live[1], revision, stamp)
            except Exception:
                logger.exception("matching: catching up with the hall failed; searching the index as it is")
            live = handle.open(force=True) or live
    return live[1]


def hall_changes_since(revision: int, stamp: str) -> tuple[list[int], tuple[int, str]] | None:
    """The achievements changed after the hall's ``(revision, stamp)`` and the latest (revision, stamp)
    of the change log; None when the log cannot tell (the database is not the one that revision came
    from, or the log was pruned past it): only a full read of the hall can then."""
    from duijie.supply.models import HallChange

    changes = list(HallChange.objects.filter(revision__gte=revision).values_list("revision", "stamp", "achievement_id"))
    if (revision, stamp) != (0, "") and not any((r, s) == (revision, stamp) for r, s, _a in changes):
        return None
    later = [(r, s) for r, s, _a in changes if r > revision]
    return sorted({a for r, _s, a in changes if r > revision}), max(later, default=(revision, stamp), key=lambda rs: rs[0])


def _current(state: dict[str, Any], revision: int, stamp: str) -> bool:
    return (state.get("revision"), state.get("stamp")) == (revision, stamp)


def _catch_up(backend: Backend, generation: str, ix: engine.Index, revision: int, stamp: str, *,
              background: bool = False) -> None:
    """Apply the hall's changes since ``generation``'s revision to its index ``ix``; rebuild when they
    cannot tell (the database is not the one indexed, or its change log was pruned past us). More than
    ``CATCH_UP_INLINE`` changes (a large import) are applied in a background thread."""
    with backend.lock("sync", wait=background) as mine:
        if not mine:
            return  # another process is applying them; its commit reaches us at our next search
        if backend.live() != generation:
            return  # a newer generation is live: the next search uses it
        state = backend.state(generation)
        ours = (int(state.get("revision", -1)), str(state.get("stamp", "")))
        if ours == (revision, stamp):
            return
        found = hall_changes_since(*ours)
        if found is None:
            logger.info("matching: the hall's change log does not reach revision %s; rebuilding", ours[0])
            rebuild(background=public_achievements().count() > INLINE_BUILD_LIMIT)
            return
        changed, latest = found
        if len(changed) > CATCH_UP_INLINE and not background:
            threading.Thread(target=_catch_up_in_thread, args=(backend, generation, ix, revision, stamp),
                             daemon=True, name="duijie-matching-catch-up").start()
            return
        # Changes past the revision read first are applied too (applying them again later is harmless).
        latest = max(latest, (revision, stamp), key=lambda rs: rs[0])
        _apply(ix, changed)
        backend.save_state(generation, {**state, "revision": latest[0], "stamp": latest[1], "docs": ix.size,
                                        "synced_at": timezone.now().isoformat()})


def _catch_up_in_thread(backend: Backend, generation: str, ix: engine.Index, revision: int, stamp: str) -> None:
    try:
        _catch_up(backend, generation, ix, revision, stamp, background=True)
    except Exception:
        logger.exception("matching: catching up with the hall failed")
    finally:
        connection.close()  # the thread's own connection


def _apply(ix: engine.Index, changed: list[int]) -> None:
    if not changed:
        return
    public = {a.pk: a for a in public_achievements().filter(pk__in=changed)}
    ix.store.write([ix.row(achievement_doc(a)) for a in public.values()],
                   [pk for pk in changed if pk not in public])


def rebuild(*, background: bool, requested_by: str = "", progress: Callable[[Status], None] | None = None,
            workers: int = 1) -> Status:
    """Build a new generation of the achievements index from the database and put it in use.

    One build at a time: a request while one runs returns the running one's status. In the
    background, the build runs in a thread of this process and this returns at once. ``workers`` > 1
    analyses on that many forked processes (commands only: a web process has other threads)."""
    backend = _handle().backend
    key = f"{backend_name()}:{root()}"
    with _lock:
        current = Status.of(backend.status())
        # A build of this process that has not taken its lock yet, or one of another process that holds it.
        if current.state == "running" and (key in _building or not _free(backend)):
            return current
        _building.add(key)
        status = Status(state="running", started_at=timezone.now().isoformat(), requested_by=requested_by)
        backend.save_status(status.__dict__)
    if background:
        thread = threading.Thread(target=_build_in_thread, args=(backend, status, progress, key), daemon=True,
                                  name="duijie-matching-rebuild")
        thread.start()
        return status
    try:
        return _build(backend, status, progress, workers)
    finally:
        _building.discard(key)


def _free(backend: Backend) -> bool:
    with backend.lock("build", wait=False) as free:
        return free


def _build_in_thread(backend: Backend, status: Status, progress: Callable[[Status], None] | None,
                     key: str) -> None:
    try:
        _build(backend, status, progress)
    finally:
        _building.discard(key)
        connection.close()  # the thread's own connection


def _build(backend: Backend, status: Status, progress: Callable[[Status], None] | None, workers: int = 1) -> Status:
    started = time.perf_counter()
    with backend.lock("build", wait=True):
        name = f"gen-{int(time.time() * 1000)}"
        try:
            revision, stamp = hall_state()
            rows = public_achievements().order_by("pk")
            status.total = rows.count()
            status.generation = name
            ix = engine.Index(store=backend.store(name, building=True), keep_docs=False)

            # Workers (if any) are forked now, before the store opens its writers.
            produced = parallel.rows(ix, (achievement_doc(a) for a in rows.iterator(chunk_size=500)), workers)

            def analysed() -> Iterator[Any]:
                for row in produced:
                    yield row
                    status.done += 1
                    if status.done % PROGRESS_EVERY == 0:
                        backend.save_status(status.__dict__)
                        if progress:
                            progress(status)

            try:
                ix.store.bulk_load(analysed())
            finally:
                parallel.close(produced)
            backend.switch(name, {"revision": revision, "stamp": stamp, "docs": status.done,
                                  "built_at": timezone.now().isoformat()})
            status.state = "done"
        except Exception as exc:
            logger.exception("matching: the index build failed")
            backend.drop(name)
            status.state, status.error = "failed", f"{type(exc).__name__}: {exc}"
        status.finished_at = timezone.now().isoformat()
        status.seconds = round(time.perf_counter() - started, 2)
        backend.save_status(status.__dict__)
        if progress:
            progress(status)
    return status


def status() -> Status:
    return _handle().status()


def first_build() -> Status | None:
    """The running build when there is no live index yet, else None."""
    handle = _handle()
    if handle.open() is not None:
        return None
    current = handle.status()
    return current if current.state == "running" else None


def live_state() -> dict[str, Any]:
    handle = _handle()
    live = handle.open()
    generation = live[0] if live else ""
    return {"backend": backend_name(), "generation": generation, **handle.backend.state(generation)}


# -- small indexes in memory --------------------------------------------------------------------------
@dataclass
class _Memory:
    index: engine.Index
    stamps: dict[int, Any]  # primary key → the updated_at it was indexed at
    version: tuple[int, Any] = (0, None)  # (count, latest updated_at) of the rows when last brought up to date


def _in_memory(name: str, rows: Any, docs: Callable[[Any], list[engine.Doc]]) -> engine.Index:
    """The index of ``rows`` for this database, kept in memory and brought up to date at each use: rows
    new or changed since (by their ``updated_at``) are analysed again, rows gone are removed. ``docs``
    turns a queryset of some of ``rows`` into documents."""
    from django.db.models import Count, Max

    seen = rows.aggregate(n=Count("pk"), m=Max("updated_at"))
    version = (seen["n"], seen["m"])
    key = f"{name}:{root()}"
    held = _memory.get(key)
    if held is not None and held.version == version:
        return held.index  # nothing changed: one aggregate query, not a read of every row
    current = dict(rows.values_list("pk", "updated_at"))
    with _lock:
        held = _memory.get(key)
        if held is None:
            held = _memory[key] = _Memory(engine.Index(), {})
        changed = [pk for pk, at in current.items() if held.stamps.get(pk) != at]
        gone = [pk for pk in held.stamps if pk not in current]
        if changed:
            held.index.upsert(docs(rows.filter(pk__in=changed).order_by("pk")))
        if gone:
            held.index.remove([str(pk) for pk in gone])
        held.stamps, held.version = current, version
        return held.index


def board() -> engine.Index:
    """The demand board: board demands only, and of each only what its tier shows to anyone
    (``Demand.public_text``), so that a match can never rest on a hidden detail."""
    from duijie.demand.selectors import board_base

    return _in_memory("board", board_base(), lambda some: [
        engine.Doc(id=str(pk), title="", abstract=text) for pk, text in some.values_list("pk", "public_text")])


def expert_doc(expert: Any) -> engine.Doc:
    return engine.Doc(id=str(expert.pk), title=" ".join(d.text for d in expert.directions.all()),
                      keywords=[f"{f.name_zh_hans} {f.name_en}" for f in expert.fields.all()], abstract=expert.bio)


def experts() -> engine.Index:
    """The public expert directory: research directions (every language), fields and biography."""
    from duijie.supply.models import Expert

    return _in_memory("experts", Expert.objects.filter(is_public=True), lambda some: [
        expert_doc(e) for e in some.prefetch_related("directions", "fields")])


def reset() -> None:
    """Forget this process's handles and in-memory indexes (tests)."""
    with _lock:
        _live.clear()
        _memory.clear()
