"""Recommendations read from the engine (``matching.engine``), with the platform's visibility rules.

The achievements index is built from the public achievements of the exhibition hall and rebuilt
when the hall's revision moves (``supply.hallindex``); one per process. A demand's recommendations
are shown only to those who may see the whole demand (its enterprise, assigned brokers, operators),
so that they never reveal a hidden detail to anyone else.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from duijie.demand import policies as demand_policies
from duijie.matching.engine import index as engine

# Until the incremental index of issue 5 lands, the index is rebuilt in full when the hall changes:
# past this many public achievements that takes too long for a page view, and no recommendation is
# shown (logged once per revision).
MAX_REBUILT_INDEX = 20_000
logger = logging.getLogger(__name__)
_lock = threading.Lock()
_cache: dict[str, tuple[str, engine.Index]] = {}


@dataclass(frozen=True)
class Recommendation:
    achievement: Any
    score: float
    explanation: engine.Explanation


def achievements_index() -> engine.Index:
    """The engine's index of the public achievements, as of the hall's current revision."""
    from django.db import connection

    from duijie.supply import hallindex
    from duijie.supply.enums import PUBLIC_STATUSES
    from duijie.supply.models import Achievement

    snap = hallindex.snapshot()
    version = f"{snap.revision}-{snap.stamp}-{snap.size}"
    key = str(connection.settings_dict.get("NAME"))
    cached = _cache.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        if snap.size > MAX_REBUILT_INDEX:
            logger.warning("%d public achievements: recommendations wait for the incremental index", snap.size)
            empty = engine.Index([])
            _cache[key] = (version, empty)
            return empty
        docs = []
        for a in Achievement.objects.filter(status__in=PUBLIC_STATUSES).prefetch_related("translations").order_by("pk"):
            other = " ".join(f"{t.title} {t.summary}" for t in a.translations.all())
            docs.append(engine.Doc(id=str(a.pk), title=a.title, abstract=f"{a.summary} {a.description} {other}",
                                   keywords=list(a.keywords or []), lang=a.language))
        built = engine.Index(docs)
        _cache[key] = (version, built)
        return built


def reset() -> None:
    with _lock:
        _cache.clear()
        _demand_cache.clear()


def recommendations_for_demand(*, user: Any, demand: Any, k: int = 10) -> list[Recommendation]:
    """The best public achievements for a demand, with why; empty for those who may not see it all."""
    from duijie.supply.models import Achievement

    if not demand_policies.is_privileged(user, demand):
        return []
    ix = achievements_index()
    if not ix.ids:
        return []
    query = " ".join([demand.title, demand.summary, demand.problem, *[t.title for t in demand.translations.all()]])
    hits, plan = ix.search(query, k)
    found = Achievement.objects.select_related("organisation").in_bulk([int(h.id) for h in hits])
    by_id = {d.id: d for d in ix.docs}
    return [Recommendation(found[int(h.id)], round(h.score, 2), engine.explain(plan, by_id[h.id]))
            for h in hits if int(h.id) in found]


_demand_cache: dict[str, tuple[Any, engine.Index]] = {}


def demands_index() -> engine.Index:
    """The engine's index of the demand board: board demands only, and of each only what its tier
    shows to anyone (``Demand.public_text``), so that a match can never rest on a hidden detail."""
    from django.db import connection
    from django.db.models import Max

    from duijie.demand.selectors import board_base

    board = board_base()
    version = (board.count(), board.aggregate(m=Max("updated_at"))["m"])
    key = str(connection.settings_dict.get("NAME"))
    cached = _demand_cache.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    with _lock:
        docs = [engine.Doc(id=str(pk), title="", abstract=text)
                for pk, text in board.order_by("pk").values_list("pk", "public_text")]
        built = engine.Index(docs)
        _demand_cache[key] = (version, built)
        return built


def demands_for_achievement(*, user: Any, achievement: Any, k: int = 10) -> list[Recommendation]:
    """Board demands an achievement could answer, for its institution's members, brokers and operators.
    Only the board's demands are candidates and only their public text is matched or explained."""
    from duijie.accounts import policies as account_policies
    from duijie.demand.models import Demand
    from duijie.supply import policies as supply_policies

    if not (account_policies.is_operator(user) or supply_policies.is_owner_member(user, achievement)
            or demand_policies.is_commissioner(user)):
        return []
    ix = demands_index()
    if not ix.ids:
        return []
    query = " ".join([achievement.title, achievement.summary, " ".join(achievement.keywords or []),
                      *[f"{t.title} {t.summary}" for t in achievement.translations.all()]])
    hits, plan = ix.search(query, k)
    found = Demand.objects.select_related("organisation").in_bulk([int(h.id) for h in hits])
    by_id = {d.id: d for d in ix.docs}
    return [Recommendation(found[int(h.id)], round(h.score, 2), engine.explain(plan, by_id[h.id]))
            for h in hits if int(h.id) in found]
