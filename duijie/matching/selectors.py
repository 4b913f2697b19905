"""Recommendations read from the engine (``matching.engine``), with the platform's visibility rules.

The indexes (``matching.indexes``) are built from the database and kept up to date: the achievements
index on disk, updated incrementally as the hall's revision moves; the board and the experts in
memory. A demand's recommendations
are shown only to those who may see the whole demand (its enterprise, assigned brokers, operators),
so that they never reveal a hidden detail to anyone else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from duijie.demand import policies as demand_policies
from duijie.matching import dense as dense_retrieval
from duijie.matching import indexes
from duijie.matching.engine import index as engine
from duijie.matching.engine import rerank


@dataclass
class Recommendation:
    """A recommended (demand, achievement) pair: the demand's page recommends ``achievement``, an
    achievement's page recommends ``demand``. ``score`` is the fused score the list is ordered by;
    ``signals`` the structured features that moved it (name, effect)."""

    demand: Any
    achievement: Any
    score: float
    text_score: float
    explanation: engine.Explanation
    features: dict[str, float] = field(default_factory=dict)
    signals: list[tuple[str, float]] = field(default_factory=list)
    model_version: str = ""
    impression_id: int | None = None  # set once the page has logged it (services.log_impressions)


@dataclass
class ExpertMatch:
    """An expert recommended for a demand, ranked on the text alone: ``features`` holds that text score
    scaled to the best hit's (the feature it was ranked on), ``model_version`` says so."""

    expert: Any
    score: float
    explanation: engine.Explanation
    features: dict[str, float] = field(default_factory=dict)
    model_version: str = "text"
    impression_id: int | None = None  # set once the page has logged it (services.log_expert_impressions)


def achievements_index() -> engine.Index:
    """The engine's index of the public achievements, as of the hall's current revision (persisted and
    updated incrementally: ``matching.indexes``)."""
    return indexes.achievements()


def reset() -> None:
    indexes.reset()


def recommendations_for_demand(*, user: Any, demand: Any, k: int = 10) -> list[Recommendation]:
    """The best public achievements for a demand, with why; empty for those who may not see it all.
    The text engine proposes ``RERANK_DEPTH`` candidates; the structured signals and the model in use
    (``active_model``) order them."""
    from duijie.supply.models import Achievement

    if not demand_policies.is_privileged(user, demand):
        return []
    hits, plan = achievements_index().search(demand_query(demand), rerank.RERANK_DEPTH)
    hits, meaning = dense_retrieval.fuse_for_demand(demand_query(demand), hits, plan)
    if not hits:
        return []
    # A region's ancestors come with it (regions nest four deep): no query per candidate.
    found = (Achievement.objects.select_related("organisation__region__parent__parent__parent", "organisation__country")
             .prefetch_related("fields__parent", "cooperation_modes", "translations")
             .in_bulk([int(h.id) for h in hits]))
    wanted = demand_profile(demand)
    return [Recommendation(demand=demand, achievement=found[int(key)], **rest)
            for key, rest in _reranked(plan, hits, found, lambda a: (wanted, achievement_profile(a)),
                                       indexes.achievement_doc, k, meaning)]


def _reranked(plan: engine.QueryPlan, hits: list[engine.Hit], found: dict[int, Any],
              profiles: Callable[[Any], tuple[rerank.Profile, rerank.Profile]], doc: Callable[[Any], engine.Doc],
              k: int, meaning: dict[str, float] | None = None) -> list[tuple[str, dict[str, Any]]]:
    """The text hits still on the platform, re-ranked by the model in use: (id, the rest of a
    Recommendation). ``profiles(obj)`` gives the (demand, offer) profiles of a hit's object, ``doc(obj)``
    what the engine indexed of it (to explain the match), ``meaning`` the dense model's evidence."""
    hits = [h for h in hits if int(h.id) in found]
    if not hits:
        return []
    model = active_model()
    top = hits[0].score or 1.0
    values = {}
    for h in hits:
        wanted, offered = profiles(found[int(h.id)])
        values[h.id] = rerank.features(wanted, offered, h.score / top)
    text = {h.id: h.score for h in hits}
    ordered = rerank.rerank([(h.id, h.score, values[h.id]) for h in hits], model)[:k]
    return [(key, {"score": score, "text_score": round(text[key], 2),
                   "explanation": _explained(plan, doc(found[int(key)]), (meaning or {}).get(key, 0.0)),
                   "features": values[key], "signals": model.signals(values[key]), "model_version": model.version})
            for key, score in ordered]


def _explained(plan: engine.QueryPlan, doc: engine.Doc, meaning: float) -> engine.Explanation:
    explanation = engine.explain(plan, doc)
    explanation.meaning = meaning
    return explanation


def demand_query(demand: Any) -> str:
    """All of a demand's own words, for those who may see it all."""
    return " ".join([demand.title, demand.summary, demand.problem, *[t.title for t in demand.translations.all()]])


def active_model() -> rerank.Model:
    """The newest ranking model in use (``duijie match train``), else the hand-set prior."""
    from duijie.matching.models import RankingModel

    latest = RankingModel.objects.filter(active=True).order_by("-version").first()
    if latest is None:
        return rerank.PRIOR
    return rerank.Model(f"v{latest.version}", dict(latest.weights), latest.intercept)


def _regions_up(region: Any) -> set[str]:
    codes: set[str] = set()
    while region is not None and region.code not in codes:
        codes.add(region.code)
        region = region.parent
    return codes


def _broad(fields: list[Any]) -> frozenset[str]:
    """The fields' codes and their parents' codes."""
    return frozenset(c for f in fields for c in (f.code, f.parent.code if f.parent_id else "")) - {""}


def demand_profile(demand: Any) -> rerank.Profile:
    fields = list(demand.fields.all())
    return rerank.Profile(
        fields=frozenset(f.code for f in fields),
        broad_fields=_broad(fields),
        trl=demand.trl_needed, modes=frozenset(m.code for m in demand.cooperation_modes.all()),
        regions=frozenset(r.code for r in demand.regions.all()),
        amount_min=float(demand.budget_min) if demand.budget_min is not None else None,
        amount_max=float(demand.budget_max) if demand.budget_max is not None else None,
        currency=demand.currency if demand.budget_type == "range" else "")


def achievement_profile(achievement: Any) -> rerank.Profile:
    fields = list(achievement.fields.all())
    org = achievement.organisation
    regions = _regions_up(org.region) | _regions_up(org.country)
    return rerank.Profile(
        fields=frozenset(f.code for f in fields),
        broad_fields=_broad(fields),
        trl=achievement.trl, modes=frozenset(m.code for m in achievement.cooperation_modes.all()),
        regions=frozenset(regions),
        amount_min=float(achievement.price_min) if achievement.price_min is not None else None,
        amount_max=float(achievement.price_max) if achievement.price_max is not None else None,
        currency=achievement.currency if achievement.price_type == "range" else "")


def demands_index() -> engine.Index:
    """The engine's index of the demand board (``matching.indexes.board``)."""
    return indexes.board()


def _board_doc(demand: Any) -> engine.Doc:
    return engine.Doc(id=str(demand.pk), title="", abstract=demand.public_text)


def demands_for_achievement(*, user: Any, achievement: Any, k: int = 10) -> list[Recommendation]:
    """Board demands an achievement could answer, for its institution's members, brokers and operators.
    Only the board's demands are candidates and only their public text is matched or explained; the
    structured signals use only what the board shows (fields, cooperation modes) and, of a demand whose
    details are hidden, nothing more."""
    from duijie.demand.models import Demand

    if not can_see_achievement_matches(user, achievement):
        return []
    ix = demands_index()
    query = " ".join([achievement.title, achievement.summary, " ".join(achievement.keywords or []),
                      *[f"{t.title} {t.summary}" for t in achievement.translations.all()]])
    hits, plan = ix.search(query, rerank.RERANK_DEPTH)
    found = (Demand.objects.select_related("organisation").prefetch_related("fields__parent", "cooperation_modes")
             .in_bulk([int(h.id) for h in hits]))
    offer = achievement_profile(achievement)
    return [Recommendation(demand=found[int(key)], achievement=achievement, **rest)
            for key, rest in _reranked(plan, hits, found, lambda d: (_board_profile(d), offer), _board_doc, k)]


def can_see_achievement_matches(user: Any, achievement: Any) -> bool:
    """The achievement's institution, brokers and operators see the demands it could answer."""
    from duijie.accounts import policies as account_policies
    from duijie.supply import policies as supply_policies

    return (account_policies.is_operator(user) or supply_policies.is_owner_member(user, achievement)
            or demand_policies.is_commissioner(user))


def _board_profile(demand: Any) -> rerank.Profile:
    """What anyone may know of a board demand's wishes: fields and cooperation modes (TRL, regions and
    budget are details of a summary-only demand, so they are left out for every tier)."""
    fields = list(demand.fields.all())
    return rerank.Profile(
        fields=frozenset(f.code for f in fields),
        broad_fields=_broad(fields),
        modes=frozenset(m.code for m in demand.cooperation_modes.all()) if demand.confidentiality == "public"
        else frozenset())


def experts_index() -> engine.Index:
    """The engine's index of the public expert directory (``matching.indexes.experts``)."""
    return indexes.experts()


def experts_for_demand(*, user: Any, demand: Any, k: int = 5) -> list[ExpertMatch]:
    """Experts of the public directory whose research directions answer a demand, for those who may see
    the whole demand."""
    from duijie.supply.models import Expert

    if not demand_policies.is_privileged(user, demand):
        return []
    ix = experts_index()
    hits, plan = ix.search(demand_query(demand), k)
    found = Expert.objects.select_related("organisation").in_bulk([int(h.id) for h in hits])
    by_id = ix.docs
    top = hits[0].score if hits and hits[0].score else 1.0
    return [ExpertMatch(found[int(h.id)], round(h.score, 2), engine.explain(plan, by_id[h.id]),
                        features={"text": round(max(0.0, min(1.0, h.score / top)), 4)})
            for h in hits if int(h.id) in found]


@dataclass
class ConsoleRow:
    demand: Any
    recommendations: list[Recommendation]
    new: set[int]  # achievement ids never shown to this broker with this demand before


CONSOLE_PER_DEMAND = 5


def console_demands(user: Any) -> Any:
    """The demands a broker's console watches: those assigned to them that are being matched."""
    from duijie.demand.models import Demand

    return (Demand.objects.filter(brokers=user, status__in=("published", "matching", "brokering"))
            .select_related("organisation").prefetch_related("fields__parent", "cooperation_modes", "regions",
                                                             "translations").order_by("-updated_at"))


def console(*, user: Any) -> list[ConsoleRow]:
    """For each watched demand, its best matches, those never shown to this broker with it marked new;
    demands with new matches first."""
    from duijie.matching.models import Impression

    rows = []
    for demand in console_demands(user):
        found = recommendations_for_demand(user=user, demand=demand, k=CONSOLE_PER_DEMAND)
        if not found:
            continue
        seen = set(Impression.objects.filter(user=user, demand=demand,
                                             achievement__in=[r.achievement for r in found])
                   .values_list("achievement_id", flat=True))
        rows.append(ConsoleRow(demand, found, {r.achievement.pk for r in found} - seen))
    rows.sort(key=lambda row: -len(row.new))
    return rows


def is_console_user(user: Any) -> bool:
    from duijie.accounts import policies as account_policies

    return account_policies.is_operator(user) or demand_policies.is_commissioner(user)


def models_trained() -> Any:
    from duijie.matching.models import RankingModel

    return RankingModel.objects.order_by("-version")


@dataclass
class IndexOverview:
    """The achievements index as operators see it: where it lives, what it reflects, the last build."""

    backend: str
    generation: str
    docs: int
    revision: int | None
    synced_at: str
    build: indexes.Status
    hall_revision: int


def index_overview(*, user: Any) -> IndexOverview:
    from duijie.accounts import policies as account_policies
    from duijie.core.errors import PermissionDenied

    if not account_policies.is_operator(user):
        raise PermissionDenied()
    state = indexes.live_state()
    return IndexOverview(backend=state["backend"], generation=state.get("generation", ""),
                         docs=int(state.get("docs") or 0), revision=state.get("revision"),
                         synced_at=str(state.get("synced_at") or state.get("built_at") or ""),
                         build=indexes.status(), hall_revision=indexes.hall_state()[0])


def index_first_build() -> indexes.Status | None:
    """The status of the achievements index's first build while it runs (no index to search yet)."""
    return indexes.first_build()
