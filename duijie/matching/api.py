"""The matching API: recommendations both ways and experts for a demand, with their explanations, verdicts
and clicks, the broker console, trained ranking models.

Every recommendation returned is logged as an impression (as on the pages) and carries its
``impression_id``, which ``POST /feedback`` and ``POST /impressions/{id}/click`` take.
"""

# No ``from __future__ import annotations``: django-ninja reads the annotations at import.
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from duijie.core.api import AUTH_REQUIRED, ErrorOut
from duijie.core.errors import PermissionDenied
from duijie.demand import selectors as demand_selectors
from duijie.matching import selectors, services
from duijie.matching.models import Surface
from duijie.matching.templatetags.matching import signal_words
from duijie.supply import selectors as supply_selectors

router = Router(tags=["matching"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class SignalOut(Schema):
    name: str = Field(description="field, subfield, trl, mode, region or budget")
    effect: float = Field(description="What it added to the score (negative: moved down).")
    text: str


class RecommendationOut(Schema):
    impression_id: int | None
    demand_id: int
    achievement_id: int
    title: str = Field(description="The recommended item's title.")
    organisation: str = Field(description="The institution (achievements) or enterprise (demands) behind it.")
    score: float = Field(description="The fused score the list is ordered by.")
    text_score: float = Field(description="The text engine's BM25-based score.")
    terms: list[str] = Field(description="Words of the query found in the item.")
    translations: list[tuple[str, str]] = Field(description="(query word, the item's word) linked by translation.")
    meaning: float = Field(0.0, description="How far the dense model (if configured) found it close in meaning, 0–1.")
    signals: list[SignalOut]
    model_version: str


class ExpertMatchOut(Schema):
    impression_id: int | None = Field(description="For POST /feedback and POST /impressions/{id}/click.")
    demand_id: int
    expert_id: int
    name: str
    organisation: str
    score: float
    terms: list[str]
    translations: list[tuple[str, str]]
    model_version: str = Field(description="“text”: experts are ranked on the text alone.")


def _privileged_demand(request: HttpRequest, pk: int) -> Any:
    """A demand the caller sees in full (404 if not at all, 403 if only in part)."""
    from duijie.demand import policies as demand_policies

    demand = demand_selectors.demand_get(user=request.user, pk=pk)
    if not demand_policies.is_privileged(request.user, demand):
        raise PermissionDenied(_("Matches of a demand are for its enterprise, its brokers and operators."))
    return demand


def _out(r: selectors.Recommendation, item: Any) -> dict[str, Any]:
    return {"impression_id": r.impression_id, "demand_id": r.demand.pk, "achievement_id": r.achievement.pk,
            "title": item.title, "organisation": str(item.organisation.display_name), "score": r.score,
            "text_score": r.text_score, "terms": r.explanation.terms, "translations": r.explanation.translations,
            "meaning": r.explanation.meaning, "signals": [{"name": n, "effect": e, "text": signal_words(n, e)} for n, e in r.signals],
            "model_version": r.model_version}


@router.get("/demands/{pk}/recommendations", response={200: list[RecommendationOut], **ERRORS}, auth=AUTH_REQUIRED,
            summary="Achievements matching a demand, with why (its enterprise, assigned brokers, operators)")
def demand_recommendations(request: HttpRequest, pk: int, k: int = 10) -> list[dict[str, Any]]:
    demand = _privileged_demand(request, pk)
    found = selectors.recommendations_for_demand(user=request.user, demand=demand, k=max(1, min(k, 50)))
    services.log_impressions(user=request.user, surface=Surface.DEMAND, recommendations=found)
    return [_out(r, r.achievement) for r in found]


@router.get("/demands/{pk}/experts", response={200: list[ExpertMatchOut], **ERRORS}, auth=AUTH_REQUIRED,
            summary="Experts whose research directions answer a demand (its enterprise, assigned brokers, operators)")
def demand_experts(request: HttpRequest, pk: int, k: int = 5) -> list[dict[str, Any]]:
    demand = _privileged_demand(request, pk)
    found = selectors.experts_for_demand(user=request.user, demand=demand, k=max(1, min(k, 50)))
    services.log_expert_impressions(user=request.user, demand=demand, matches=found)
    return [{"impression_id": m.impression_id, "demand_id": demand.pk, "expert_id": m.expert.pk,
             "name": m.expert.name, "organisation": str(m.expert.organisation.display_name), "score": m.score,
             "terms": m.explanation.terms, "translations": m.explanation.translations,
             "model_version": m.model_version}
            for m in found]


@router.get("/achievements/{pk}/demands", response={200: list[RecommendationOut], **ERRORS}, auth=AUTH_REQUIRED,
            summary="Board demands an achievement could answer (its institution, brokers, operators)")
def achievement_demands(request: HttpRequest, pk: int, k: int = 10) -> list[dict[str, Any]]:
    achievement = supply_selectors.achievement_get(user=request.user, pk=pk)
    if not selectors.can_see_achievement_matches(request.user, achievement):
        raise PermissionDenied(_("Matching demands are for the achievement's institution, brokers and operators."))
    found = selectors.demands_for_achievement(user=request.user, achievement=achievement, k=max(1, min(k, 50)))
    services.log_impressions(user=request.user, surface=Surface.ACHIEVEMENT, recommendations=found)
    return [_out(r, r.demand) for r in found]


class FeedbackIn(Schema):
    impression_id: int
    verdict: str = Field(description="interested or not_relevant")
    reason: str = ""


class FeedbackOut(Schema):
    demand_id: int
    achievement_id: int | None = Field(description="The achievement judged (null for an expert).")
    expert_id: int | None = Field(description="The expert judged (null for an achievement).")
    verdict: str
    reason: str
    updated_at: datetime


@router.post("/feedback", response={201: FeedbackOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="“Interested” or “not relevant” on a recommendation shown to you (the latest counts)")
def feedback(request: HttpRequest, payload: FeedbackIn) -> Status[Any]:
    return Status(201, services.give_feedback(user=request.user, impression_id=payload.impression_id,
                                              verdict=payload.verdict, reason=payload.reason))


@router.post("/impressions/{pk}/click", response={200: dict[str, Any], **ERRORS}, auth=AUTH_REQUIRED,
             summary="Record that a recommendation shown to you was opened")
def click(request: HttpRequest, pk: int) -> dict[str, Any]:
    impression = services.record_click(user=request.user, impression_id=pk)
    return {"impression_id": impression.pk, "clicked_at": impression.clicked_at}


class ConsoleOut(Schema):
    demand_id: int
    title: str
    new: list[int] = Field(description="Achievements never shown to you with this demand before.")
    recommendations: list[RecommendationOut]


@router.get("/console", response={200: list[ConsoleOut], **ERRORS}, auth=AUTH_REQUIRED,
            summary="The broker console: best matches of the demands assigned to you, new ones marked")
def console(request: HttpRequest) -> list[dict[str, Any]]:
    if not selectors.is_console_user(request.user):
        raise PermissionDenied(_("The matching console is for technology brokers and operators."))
    rows = selectors.console(user=request.user)
    for row in rows:
        services.log_impressions(user=request.user, surface=Surface.CONSOLE, recommendations=row.recommendations)
    services.console_seen(user=request.user)
    return [{"demand_id": row.demand.pk, "title": row.demand.title, "new": sorted(row.new),
             "recommendations": [_out(r, r.achievement) for r in row.recommendations]} for row in rows]


class ModelOut(Schema):
    version: int
    weights: dict[str, float]
    intercept: float
    rows: int
    auc_before: float
    auc_after: float
    active: bool
    created_at: datetime


@router.get("/models", response={200: list[ModelOut], **ERRORS}, auth=AUTH_REQUIRED,
            summary="Re-ranking models trained from feedback (operators)")
def models(request: HttpRequest) -> Any:
    from duijie.accounts import policies as account_policies

    if not account_policies.is_operator(request.user):
        raise PermissionDenied()
    return list(selectors.models_trained()[:50])


class IndexBuildOut(Schema):
    state: str = Field(description="none, running, done or failed")
    done: int
    total: int
    percent: int
    generation: str
    started_at: str
    finished_at: str
    seconds: float
    error: str
    requested_by: str


class IndexOut(Schema):
    backend: str = Field(description="tantivy (files on each server) or postgresql (shared)")
    generation: str
    docs: int = Field(description="Achievements in the live index.")
    revision: int | None = Field(description="The hall revision it reflects (null before the first build).")
    hall_revision: int
    build: IndexBuildOut = Field(description="The last or running full build.")


def _build_out(status: Any) -> dict[str, Any]:
    return {**status.__dict__, "percent": status.percent}


@router.get("/index", response={200: IndexOut, **ERRORS}, auth=AUTH_REQUIRED,
            summary="The achievements index: what it reflects, the last full build (operators)")
def index_state(request: HttpRequest) -> dict[str, Any]:
    overview = selectors.index_overview(user=request.user)
    return {**overview.__dict__, "build": _build_out(overview.build)}


@router.post("/index/rebuild", response={202: IndexBuildOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="Rebuild the achievements index in the background (operators); poll GET /index")
def index_rebuild(request: HttpRequest) -> Status[Any]:
    return Status(202, _build_out(services.index_rebuild(actor=request.user)))
