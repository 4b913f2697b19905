"""The exhibition hall's in-memory index: filters, facet counts and sort orders without SQL scans.

Counting nine facets over 100,000 published achievements is a handful of full scans for a
database, on every page view. Each server process keeps instead, for the public achievements, a
column per filterable attribute in NumPy arrays (a few megabytes at 100,000 items): filtering is a
boolean mask, a facet count a ``bincount``, a sort order a precomputed permutation. The database
still answers the keyword part (``hallsearch``, an inverted index) and the rows of the page shown.

Freshness: every change the hall shows raises ``HallState.revision`` in the writer's transaction
(``services.hall_changed``) and lists the changed achievements in ``HallChange``. Each request reads
the revision (one primary-key query); when it moved, the process re-reads only the changed rows and
swaps in a new snapshot. View counts (sort "most viewed") change with every visit, so they are
re-read every ``settings.DUIJIE_HALL_VIEWS_TTL`` seconds instead. Snapshots are immutable; a request
keeps the one it started with, and a lock keeps two threads from rebuilding at once.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection

from duijie.core.text import normalise_for_search
from duijie.supply.enums import PUBLIC_STATUSES, IPType, PriceBand
from duijie.supply.models import Achievement, HallChange, HallState, IPAsset
from duijie.taxonomy.enums import TRLStage
from duijie.taxonomy.models import TechField

STAGES = ["", *TRLStage.values]
PRICES = ["", *PriceBand.values]
IP_TYPES = list(IPType.values)
# Past this share of the index changed at once, a rebuild is cheaper than patching.
REBUILD_SHARE = 0.2


def member(values: np.ndarray, codes: list[int] | np.ndarray) -> np.ndarray:
    """``np.isin(values, codes)`` for small non-negative integers, by a lookup table (several times
    faster than ``np.isin`` on a hundred thousand values)."""
    codes = np.asarray(codes, dtype=np.int64)
    codes = codes[codes >= 0]
    if not len(values) or not len(codes):
        return np.zeros(len(values), dtype=bool)
    table = np.zeros(max(int(values.max()), int(codes.max())) + 1, dtype=bool)
    table[codes] = True
    return table[values]


@dataclass(frozen=True)
class Links:
    """A many-to-many attribute: parallel arrays of (row position, value code)."""

    rows: np.ndarray
    values: np.ndarray

    def having(self, n: int, codes: list[int]) -> np.ndarray:
        mask = np.zeros(n, dtype=bool)
        if codes:
            mask[self.rows[member(self.values, codes)]] = True
        return mask

    def counts(self, mask: np.ndarray, size: int) -> np.ndarray:
        return np.bincount(self.values[mask[self.rows]], minlength=size)


@dataclass(frozen=True)
class Snapshot:
    """The public achievements at one hall revision, in id order."""

    revision: int
    stamp: str
    ids: np.ndarray  # int64, ascending
    published: np.ndarray  # int64 microseconds
    organisations: np.ndarray  # int64 organisation id
    stages: np.ndarray  # int8 index into STAGES
    prices: np.ndarray  # int8 index into PRICES
    granted: np.ndarray  # bool
    titles: tuple[str, ...]  # normalised, for "relevance"
    fields: Links  # value: techfield id as stored (top-level or sub-field)
    tops: Links  # value: top-level field id, once per item
    modes: Links  # value: cooperation mode id
    ip: Links  # value: index into IP_TYPES, once per item
    newest: np.ndarray  # positions by (published, id) descending
    views: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    most_viewed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    views_read_at: float = 0.0
    # Filter masks by filter state (``selectors._masks``): the list and its facets share them, and
    # so do repeated requests for one state while the revision stands.
    memo: dict[Any, Any] = field(default_factory=dict, compare=False)
    # Structures derived from the columns on first use (the titles joined for ``titles_containing``).
    derived: dict[str, Any] = field(default_factory=dict, compare=False)
    # The organisations as dense codes (``org_ids[org_codes[i]] == organisations[i]``), for bincount.
    org_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    org_codes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def size(self) -> int:
        return len(self.ids)

    def titles_containing(self, words: list[str]) -> np.ndarray:
        """The mask of the items whose (normalised) title contains any of ``words``: one scan of all
        titles joined, instead of a test per item."""
        mask = np.zeros(self.size, dtype=bool)
        if not self.size:
            return mask
        joined = self.derived.get("titles")
        if joined is None:
            joined = self.derived["titles"] = ("\n".join(self.titles),
                                            np.cumsum([0] + [len(t) + 1 for t in self.titles[:-1]]))
        text, starts = joined
        for word in words:
            if not word or "\n" in word:
                continue
            hits = [m.start() for m in re.finditer(re.escape(word), text)]
            if hits:
                mask[np.searchsorted(starts, np.asarray(hits), side="right") - 1] = True
        return mask

    def of_organisations(self, organisation_ids: list[int]) -> np.ndarray:
        """The mask of the items of these organisations."""
        wanted = np.asarray(organisation_ids, dtype=np.int64)
        codes = np.searchsorted(self.org_ids, wanted)
        found = codes < len(self.org_ids)
        codes = codes[found][self.org_ids[codes[found]] == wanted[found]]
        return member(self.org_codes, codes)

    def positions(self, ids: list[int] | np.ndarray) -> np.ndarray:
        """Positions of those ``ids`` that are in the index."""
        wanted = np.asarray(ids, dtype=np.int64)
        if not self.size or not len(wanted):
            return np.zeros(0, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.ids, wanted), self.size - 1)
        return pos[self.ids[pos] == wanted]


def _columns(rows: list[tuple[Any, ...]], links: dict[str, list[tuple[int, int]]], top_of: dict[int, int],
             ) -> dict[str, Any]:
    """Arrays for ``rows`` (sorted by id) and their links (achievement id, value)."""
    rows.sort(key=lambda r: r[0])
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    stage_code = {v: i for i, v in enumerate(STAGES)}
    price_code = {v: i for i, v in enumerate(PRICES)}

    def link(pairs: list[tuple[int, int]], distinct: bool = False) -> Links:
        if distinct:
            pairs = sorted(set(pairs))
        if not pairs:
            return Links(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        achievement_ids = np.fromiter((p[0] for p in pairs), dtype=np.int64, count=len(pairs))
        values = np.fromiter((p[1] for p in pairs), dtype=np.int64, count=len(pairs))
        pos = np.searchsorted(ids, achievement_ids)
        keep = (pos < len(ids)) & (ids[np.minimum(pos, len(ids) - 1)] == achievement_ids) if len(ids) else pos < 0
        return Links(pos[keep], values[keep])

    return {
        "ids": ids,
        "published": np.fromiter((int(r[1].timestamp() * 1_000_000) if r[1] else 0 for r in rows), dtype=np.int64,
                                 count=len(rows)),
        "organisations": np.fromiter((r[2] for r in rows), dtype=np.int64, count=len(rows)),
        "stages": np.fromiter((stage_code.get(r[3], 0) for r in rows), dtype=np.int8, count=len(rows)),
        "prices": np.fromiter((price_code.get(r[4], 0) for r in rows), dtype=np.int8, count=len(rows)),
        "granted": np.fromiter((bool(r[5]) for r in rows), dtype=bool, count=len(rows)),
        "titles": tuple(normalise_for_search(r[6]) for r in rows),
        "views": np.fromiter((r[7] for r in rows), dtype=np.int64, count=len(rows)),
        "fields": link(links["fields"]),
        "tops": link([(a, top_of.get(f, f)) for a, f in links["fields"]], distinct=True),
        "modes": link(links["modes"]),
        "ip": link(links["ip"], distinct=True),
    }


ROW_COLUMNS = ("pk", "published_at", "organisation_id", "stage", "price_band", "has_granted_patent", "title",
               "view_count")


def _read(only: list[int] | None) -> tuple[list[tuple[Any, ...]], dict[str, list[tuple[int, int]]]]:
    """The public rows (all, or those of ``only``) and their links."""
    public = Achievement.objects.filter(status__in=PUBLIC_STATUSES)
    if only is not None:
        public = public.filter(pk__in=only)
    rows = list(public.order_by().values_list(*ROW_COLUMNS))
    wanted = [r[0] for r in rows] if only is not None else None

    def pairs(qs: Any, column: str) -> list[tuple[int, int]]:
        qs = qs.filter(achievement_id__in=wanted) if wanted is not None else qs.filter(
            achievement__status__in=PUBLIC_STATUSES)
        return list(qs.order_by().values_list("achievement_id", column))

    ip_code = {v: i for i, v in enumerate(IP_TYPES)}
    links = {
        "fields": pairs(Achievement.fields.through.objects, "techfield_id"),
        "modes": pairs(Achievement.cooperation_modes.through.objects, "cooperationmode_id"),
        "ip": [(a, ip_code[t]) for a, t in pairs(IPAsset.objects, "ip_type") if t in ip_code],
    }
    return rows, links


def _top_of() -> dict[int, int]:
    return {pk: parent or pk for pk, parent in TechField.objects.values_list("pk", "parent_id")}


def _orders(published: np.ndarray, ids: np.ndarray, views: np.ndarray | None = None) -> np.ndarray:
    keys = (-ids, -published) if views is None else (-ids, -published, -views)
    return np.lexsort(keys).astype(np.int64)


def _snapshot(revision: int, stamp: str, cols: dict[str, Any]) -> Snapshot:
    views = cols.pop("views")
    org_ids, org_codes = np.unique(cols["organisations"], return_inverse=True)
    return Snapshot(
        revision=revision, stamp=stamp, **cols, org_ids=org_ids, org_codes=org_codes.astype(np.int64),
        newest=_orders(cols["published"], cols["ids"]),
        views=views, most_viewed=_orders(cols["published"], cols["ids"], views), views_read_at=time.monotonic(),
    )


def build(revision: int, stamp: str) -> Snapshot:
    rows, links = _read(None)
    return _snapshot(revision, stamp, _columns(rows, links, _top_of()))


def patch(old: Snapshot, revision: int, stamp: str, changed: list[int]) -> Snapshot:
    """``old`` with the rows of ``changed`` re-read (added, replaced or dropped)."""
    rows, links = _read(changed)
    fresh = _columns(rows, links, _top_of())
    keep = ~np.isin(old.ids, np.asarray(changed, dtype=np.int64))
    kept_pos = np.flatnonzero(keep)
    ids = np.concatenate([old.ids[keep], fresh["ids"]])
    order = np.argsort(ids, kind="stable")
    # Where each old kept row and each fresh row lands in the merged, id-sorted arrays.
    landing = np.empty(len(ids), dtype=np.int64)
    landing[order] = np.arange(len(ids))
    old_to_new = np.full(old.size, -1, dtype=np.int64)
    old_to_new[kept_pos] = landing[: len(kept_pos)]
    fresh_to_new = landing[len(kept_pos):]

    def merge(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.concatenate([a[keep], b])[order]

    def merge_links(a: Links, b: Links) -> Links:
        moved = old_to_new[a.rows]
        alive = moved >= 0
        return Links(np.concatenate([moved[alive], fresh_to_new[b.rows]]), np.concatenate([a.values[alive], b.values]))

    titles = [t for t, k in zip(old.titles, keep, strict=True) if k] + list(fresh["titles"])
    cols = {
        "ids": ids[order],
        "published": merge(old.published, fresh["published"]),
        "organisations": merge(old.organisations, fresh["organisations"]),
        "stages": merge(old.stages, fresh["stages"]),
        "prices": merge(old.prices, fresh["prices"]),
        "granted": merge(old.granted, fresh["granted"]),
        "titles": tuple(titles[i] for i in order),
        "views": merge(old.views, fresh["views"]),
        "fields": merge_links(old.fields, fresh["fields"]),
        "tops": merge_links(old.tops, fresh["tops"]),
        "modes": merge_links(old.modes, fresh["modes"]),
        "ip": merge_links(old.ip, fresh["ip"]),
    }
    return _snapshot(revision, stamp, cols)


def with_views(old: Snapshot) -> Snapshot:
    """``old`` with view counts re-read."""
    counts = dict(Achievement.objects.filter(status__in=PUBLIC_STATUSES).order_by().values_list("pk", "view_count"))
    views = np.fromiter((counts.get(int(pk), 0) for pk in old.ids), dtype=np.int64, count=old.size)
    return Snapshot(**{**old.__dict__, "memo": {}, "views": views, "most_viewed": _orders(old.published, old.ids, views),
                       "views_read_at": time.monotonic()})


_lock = threading.Lock()
_current: dict[str, Snapshot] = {}


def reset() -> None:
    """Forget every snapshot (tests: each starts from its own database state)."""
    with _lock:
        _current.clear()


def _state() -> tuple[int, str]:
    row = HallState.objects.filter(pk=1).values_list("revision", "stamp").first()
    return (int(row[0]), str(row[1])) if row else (0, "")


def _refresh(old: Snapshot | None, revision: int, stamp: str) -> Snapshot:
    if old is None or revision < old.revision:
        return build(revision, stamp)
    changes = list(HallChange.objects.filter(revision__gte=old.revision).values_list("revision", "stamp",
                                                                                      "achievement_id"))
    # Our revision must still be there with our stamp, or the database is not the one we indexed.
    ours = (old.revision == 0 and old.stamp == "") or any(r == old.revision and s == old.stamp for r, s, _a in changes)
    changed = sorted({a for r, _s, a in changes if r > old.revision})
    if not ours or len(changed) > max(100, REBUILD_SHARE * old.size):
        return build(revision, stamp)
    latest = max([(r, s) for r, s, _a in changes if r > old.revision], default=(revision, stamp))
    # Changes past the revision read first are applied too (re-applying them later is harmless).
    revision, stamp = max((revision, stamp), latest)
    return patch(old, revision, stamp, changed) if changed else Snapshot(
        **{**old.__dict__, "memo": {}, "revision": revision, "stamp": stamp})


def snapshot() -> Snapshot:
    """The index as of the hall's current revision (one query when nothing changed)."""
    key = str(connection.settings_dict.get("NAME"))
    revision, stamp = _state()
    current = _current.get(key)
    ttl = float(getattr(settings, "DUIJIE_HALL_VIEWS_TTL", 60))
    fresh = current is not None and current.revision == revision and current.stamp == stamp
    if fresh and current is not None and time.monotonic() - current.views_read_at < ttl:
        return current
    with _lock:
        current = _current.get(key)
        if current is None or current.revision != revision or current.stamp != stamp:
            current = _refresh(current, revision, stamp)
        if time.monotonic() - current.views_read_at >= ttl:
            current = with_views(current)
        _current[key] = current
        return current
