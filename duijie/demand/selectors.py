"""Every read of demands, through ``demands_visible_to`` and the tier rules of ``policies``.

The public board shows the same to everyone: demands on the board statuses whose tier is public or
summary-only. Its keyword search reads ``public_text`` (what the tier shows anyone), and every
filter or facet on a detail (cooperation mode, stage, region) counts and finds public-tier demands
only: a summary-only demand reveals its details through no list, search, count or filter.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from duijie.accounts import policies as account_policies
from duijie.accounts.models import Membership, Organisation
from duijie.core.errors import NotFound
from duijie.core.text import normalise_for_search, shingles, similarity
from duijie.demand import policies
from duijie.demand.enums import BOARD_STATUSES, LIVE_STATUSES, Confidentiality, DemandStatus
from duijie.demand.models import Demand, DemandHistory, TermsAcceptance
from duijie.taxonomy.models import TechField

BOARD_PAGE_SIZE = 20
BOARD_TIERS = (Confidentiality.PUBLIC, Confidentiality.SUMMARY)
DUPLICATE_THRESHOLD = 0.45


def demands_visible_to(user: Any) -> QuerySet[Demand]:
    """Demands the user may see at all: the board's for everyone; their enterprise's and those they
    are assigned to as well; operators everything."""
    qs = Demand.objects.all()
    if account_policies.is_operator(user):
        return qs
    visible = Q(status__in=BOARD_STATUSES, confidentiality__in=BOARD_TIERS)
    if account_policies.is_authenticated(user):
        visible |= Q(Exists(Membership.objects.filter(organisation_id=OuterRef("organisation_id"), user=user)))
        visible |= Q(Exists(Demand.brokers.through.objects.filter(demand_id=OuterRef("pk"), user_id=user.pk)))
    return qs.filter(visible)


def demand_get(*, user: Any, pk: int) -> Demand:
    try:
        return (
            demands_visible_to(user)
            .select_related("organisation", "organisation__country", "industry")
            .prefetch_related("fields", "cooperation_modes", "regions", "indicators", "translations", "attachments",
                              "brokers")
            .get(pk=pk)
        )
    except Demand.DoesNotExist:
        raise NotFound() from None


def has_accepted_terms(*, user: Any, demand: Demand) -> bool:
    if not account_policies.is_authenticated(user):
        return False
    return TermsAcceptance.objects.filter(demand=demand, user=user, version=policies.TERMS_VERSION).exists()


@dataclass(frozen=True)
class DemandView:
    """Which parts of a demand this user sees (pages and API render from this, never from the tier)."""

    demand: Demand
    details: bool
    contact: bool
    privileged: bool
    can_accept_terms: bool
    accepted_terms: bool


def demand_view(*, user: Any, demand: Demand) -> DemandView:
    accepted = has_accepted_terms(user=user, demand=demand)
    return DemandView(
        demand=demand,
        details=policies.can_view_details(user, demand, accepted_terms=accepted),
        contact=policies.can_see_contact(user, demand),
        privileged=policies.is_privileged(user, demand),
        can_accept_terms=policies.can_accept_terms(user, demand) and not accepted,
        accepted_terms=accepted,
    )


def demand_history(*, user: Any, demand: Demand) -> QuerySet[DemandHistory]:
    if not policies.is_privileged(user, demand):
        return DemandHistory.objects.none()
    return demand.history.select_related("actor")


def my_demands(*, user: Any) -> QuerySet[Demand]:
    """The demands of the user's enterprises, and those the user recorded for an enterprise."""
    if not account_policies.is_authenticated(user):
        return Demand.objects.none()
    mine = Q(Exists(Membership.objects.filter(organisation_id=OuterRef("organisation_id"), user=user)))
    return Demand.objects.filter(mine | Q(created_by=user)).select_related("organisation").order_by(
        "-updated_at", "-id")


def screening_queue(*, user: Any) -> QuerySet[Demand]:
    if not policies.can_screen(user):
        return Demand.objects.none()
    return Demand.objects.filter(status=DemandStatus.SCREENING).select_related("organisation").order_by(
        "updated_at", "id")


@dataclass
class BoardQuery:
    """One state of the board's filters; each maps to a URL parameter of the same name."""

    q: str = ""
    field: str = ""
    mode: list[str] = dc_field(default_factory=list)
    stage: list[str] = dc_field(default_factory=list)

    @classmethod
    def from_params(cls, params: Any) -> BoardQuery:
        return cls(
            q=params.get("q", "").strip()[:100],
            field=params.get("field", "").strip(),
            mode=[v for v in params.getlist("mode") if v][:20],
            stage=[v for v in params.getlist("stage") if v in ("early", "middle", "mature")],
        )

    def filters(self) -> dict[str, Q]:
        out: dict[str, Q] = {}
        if self.q:
            words = Q()
            for word in normalise_for_search(self.q).split()[:8]:
                words &= Q(public_text__contains=word)
            out["q"] = words
        if self.field:
            out["field"] = Q(Exists(Demand.fields.through.objects.filter(demand_id=OuterRef("pk")).filter(
                Q(techfield__code=self.field) | Q(techfield__parent__code=self.field))))
        # Details: they find (and count) public-tier demands only.
        if self.mode:
            out["mode"] = Q(confidentiality=Confidentiality.PUBLIC) & Q(Exists(
                Demand.cooperation_modes.through.objects.filter(demand_id=OuterRef("pk"),
                                                                cooperationmode__code__in=self.mode)))
        if self.stage:
            out["stage"] = Q(confidentiality=Confidentiality.PUBLIC, stage__in=self.stage)
        return out


def board_base() -> QuerySet[Demand]:
    """The public board: the same for every visitor."""
    return Demand.objects.filter(status__in=BOARD_STATUSES, confidentiality__in=BOARD_TIERS)


def board_results(*, user: Any, query: BoardQuery) -> QuerySet[Demand]:
    qs = board_base()
    for condition in query.filters().values():
        qs = qs.filter(condition)
    return qs.select_related("organisation").prefetch_related("fields", "translations").order_by(
        "-published_at", "-id")


def _board_except(query: BoardQuery, *names: str) -> QuerySet[Demand]:
    qs = board_base()
    for name, condition in query.filters().items():
        if name not in names:
            qs = qs.filter(condition)
    return qs.order_by()


def board_facets(*, user: Any, query: BoardQuery) -> dict[str, list[dict[str, Any]]]:
    """Counts per value, each facet without its own filter; mode and stage count public-tier demands."""
    from duijie.taxonomy.enums import TRLStage
    from duijie.taxonomy.models import CooperationMode

    links = Demand.fields.through.objects.filter(demand_id__in=_board_except(query, "field").values("pk"))
    # A demand filed under two sub-fields of one field counts once for that field.
    pairs = {(demand_id, parent_id or field_id)
             for demand_id, field_id, parent_id in links.values_list("demand_id", "techfield_id", "techfield__parent_id")}
    per_top = Counter(top for _demand, top in pairs)
    fields = TechField.objects.filter(parent__isnull=True, is_active=True).order_by("sort_order", "code")
    public = _board_except(query, "mode").filter(confidentiality=Confidentiality.PUBLIC)
    modes = {
        row["cooperationmode_id"]: row["n"]
        for row in Demand.cooperation_modes.through.objects.filter(demand_id__in=public.values("pk"))
        .values("cooperationmode_id").annotate(n=Count("pk"))
    }
    stages = {
        row["stage"]: row["n"]
        for row in _board_except(query, "stage").filter(confidentiality=Confidentiality.PUBLIC).exclude(stage="")
        .values("stage").annotate(n=Count("pk"))
    }
    return {
        "field": [{"value": f.code, "label": f.label, "count": per_top.get(f.pk, 0)} for f in fields],
        "mode": [{"value": m.code, "label": m.label, "count": modes.get(m.pk, 0)}
                 for m in CooperationMode.objects.filter(is_active=True).order_by("sort_order", "code")],
        "stage": [{"value": v, "label": str(label), "count": stages.get(v, 0)} for v, label in TRLStage.choices],
    }


def likely_duplicates(*, user: Any, demand: Demand, limit: int = 5) -> list[tuple[Demand, float]]:
    """Live demands most similar to ``demand`` (title, summary, problem, translations), with a score
    from 0 to 1, for the operators' screening (甄别). Operators only: it reads every tier."""
    if not policies.can_screen(user):
        return []
    mine = shingles(demand.search_text)
    scored: list[tuple[float, int]] = []
    candidates = Demand.objects.filter(status__in=LIVE_STATUSES).exclude(pk=demand.pk)
    for pk, text in candidates.values_list("pk", "search_text").iterator(chunk_size=2000):
        score = similarity(mine, shingles(text))
        if score >= DUPLICATE_THRESHOLD:
            scored.append((score, pk))
    scored.sort(reverse=True)
    top = scored[:limit]
    found = Demand.objects.select_related("organisation").in_bulk([pk for _s, pk in top])
    return [(found[pk], round(score, 2)) for score, pk in top if pk in found]


def creatable_enterprises(*, user: Any) -> QuerySet[Organisation]:
    """Enterprises the user may add demands for: their own; commissioners and operators any active one."""
    from duijie.accounts.enums import OrganisationType

    if not account_policies.is_authenticated(user):
        return Organisation.objects.none()
    qs = Organisation.objects.filter(kind=OrganisationType.ENTERPRISE, status="active")
    if not (account_policies.is_operator(user) or policies.is_commissioner(user)):
        qs = qs.filter(memberships__user=user)
    return qs.distinct().order_by("name", "id")


def brokers_available(*, user: Any) -> QuerySet[Any]:
    from duijie.accounts.enums import BROKER_ROLES
    from duijie.accounts.models import User

    if not policies.can_assign_brokers(user):
        return User.objects.none()
    return User.objects.filter(platform_role__in=BROKER_ROLES, is_active=True).order_by("full_name", "email")


# --- Open challenges -----------------------------------------------------------------------------

from decimal import ROUND_HALF_UP, Decimal  # noqa: E402

from duijie.demand.enums import PUBLIC_STAGES, ApplicationStatus, ChallengeStage  # noqa: E402
from duijie.demand.models import Application, Challenge, ConflictDeclaration, Score  # noqa: E402


def challenges_visible_to(user: Any) -> QuerySet[Challenge]:
    """Public from the list publication on (and as the demand's tier allows); before, the enterprise's
    people, the panel and operators."""
    qs = Challenge.objects.select_related("demand", "demand__organisation")
    if account_policies.is_operator(user):
        return qs
    public = Q(stage__in=PUBLIC_STAGES, demand__in=board_base())
    if account_policies.is_authenticated(user):
        public |= Q(demand__organisation__memberships__user=user) | Q(reviewers__user=user)
    return qs.filter(public).distinct()


def challenge_board(*, user: Any) -> QuerySet[Challenge]:
    """Open challenges first (window still open), then the rest by stage, newest first."""
    return (Challenge.objects.filter(stage__in=PUBLIC_STAGES, demand__in=board_base())
            .select_related("demand", "demand__organisation").prefetch_related("demand__fields")
            .order_by("closes_at", "id"))


def challenge_get(*, user: Any, pk: int) -> Challenge:
    try:
        return challenges_visible_to(user).prefetch_related("criteria", "eligible_regions").get(pk=pk)
    except Challenge.DoesNotExist:
        raise NotFound() from None


def applications_visible_to(*, user: Any, challenge: Challenge) -> QuerySet[Application]:
    """Operators, the panel and the enterprise see every application; a team sees its own."""
    qs = challenge.applications.select_related("organisation", "submitted_by").prefetch_related("attachments")
    if policies.can_view_applications(user, challenge):
        return qs
    if not account_policies.is_authenticated(user):
        return qs.none()
    return qs.filter(organisation__memberships__user=user).distinct()


@dataclass(frozen=True)
class RankRow:
    application: Application
    total: Decimal | None  # mean of the reviewers' weighted totals, 0–100
    reviewers: int  # reviewers whose complete scores count
    by_criterion: dict[int, Decimal]


def challenge_ranking(*, challenge: Challenge) -> list[RankRow]:
    """Live applications by weighted total, highest first.

    A reviewer's total is Σ weight × score / 100 over every criterion; an application's total is the
    mean over the reviewers who declared no conflict and scored every criterion. Ties (equal to the
    hundredth) go to the higher mean on the heaviest criterion (the first listed among equals), then to
    the earlier application.
    """
    criteria = list(challenge.criteria.all())
    weights = {c.pk: Decimal(c.weight) for c in criteria}
    heaviest = max(criteria, key=lambda c: (c.weight, -c.sort_order, -c.pk)).pk if criteria else None
    applications = list(challenge.applications.filter(status=ApplicationStatus.SUBMITTED))
    conflicted = set(ConflictDeclaration.objects.filter(application__challenge=challenge, conflicted=True)
                     .values_list("reviewer_id", "application_id"))
    per: dict[tuple[int, int], dict[int, Decimal]] = {}
    for reviewer_id, application_id, criterion_id, value in Score.objects.filter(
            application__challenge=challenge).values_list("reviewer_id", "application_id", "criterion_id", "value"):
        if (reviewer_id, application_id) not in conflicted:
            per.setdefault((application_id, reviewer_id), {})[criterion_id] = value
    rows = []
    cent = Decimal("0.01")
    for application in applications:
        complete = [scores for (app_id, _r), scores in per.items()
                    if app_id == application.pk and set(scores) == set(weights)]
        if not complete:
            rows.append(RankRow(application, None, 0, {}))
            continue
        totals = [sum((weights[c] * v for c, v in scores.items()), Decimal(0)) / 100 for scores in complete]
        by_criterion = {c: (sum((s[c] for s in complete), Decimal(0)) / len(complete)).quantize(cent, ROUND_HALF_UP)
                        for c in weights}
        total = (sum(totals, Decimal(0)) / len(totals)).quantize(cent, ROUND_HALF_UP)
        rows.append(RankRow(application, total, len(complete), by_criterion))

    def key(row: RankRow) -> tuple[Any, ...]:
        if row.total is None:
            return (1, 0, 0, row.application.submitted_at, row.application.pk)
        tie = row.by_criterion.get(heaviest, Decimal(0)) if heaviest is not None else Decimal(0)
        return (0, -row.total, -tie, row.application.submitted_at, row.application.pk)

    return sorted(rows, key=key)


def missing_reviews(*, challenge: Challenge) -> list[tuple[Any, Application]]:
    """(reviewer, application) pairs still owing a declaration or, without a conflict, scores."""
    n_criteria = challenge.criteria.count()
    declared = {(d.reviewer_id, d.application_id): d.conflicted
                for d in ConflictDeclaration.objects.filter(application__challenge=challenge)}
    counts = {(row["reviewer_id"], row["application_id"]): row["n"] for row in Score.objects.filter(
        application__challenge=challenge).values("reviewer_id", "application_id").annotate(n=Count("pk"))}
    missing = []
    for reviewer in challenge.reviewers.select_related("user"):
        for application in challenge.applications.filter(status=ApplicationStatus.SUBMITTED):
            key = (reviewer.pk, application.pk)
            if key not in declared or (not declared[key] and counts.get(key, 0) < n_criteria):
                missing.append((reviewer, application))
    return missing


def challenge_window_open(challenge: Challenge, now: Any = None) -> bool:
    from django.utils import timezone

    now = now or timezone.now()
    return challenge.opens_at <= now < challenge.closes_at and challenge.stage in (
        ChallengeStage.ANNOUNCED, ChallengeStage.MATCHMAKING, ChallengeStage.TALKS, ChallengeStage.SUBMISSION)


def eligible_organisations(*, user: Any, challenge: Challenge) -> list[Organisation]:
    """The user's organisations that may apply now: eligible, not the enterprise itself, no live application."""
    if not account_policies.is_authenticated(user):
        return []
    mine = (Organisation.objects.filter(memberships__user=user).exclude(pk=challenge.demand.organisation_id)
            .exclude(challenge_applications__challenge=challenge,
                     challenge_applications__status=ApplicationStatus.SUBMITTED)
            .select_related("region__parent", "country").distinct())
    return [o for o in mine if policies.is_eligible(o, challenge)]


def reviewer_candidates(*, user: Any, challenge: Challenge) -> QuerySet[Any]:
    """Active users not on the panel yet (operators only)."""
    from duijie.accounts.models import User

    if not policies.can_manage_challenge(user):
        return User.objects.none()
    return User.objects.filter(is_active=True).exclude(pk__in=challenge.reviewers.values("user_id")).order_by(
        "full_name")[:200]


def my_review(*, user: Any, application: Application) -> tuple[ConflictDeclaration | None, dict[int, Score]]:
    """A reviewer's declaration on an application and their scores by criterion."""
    declaration = ConflictDeclaration.objects.filter(reviewer__user=user, application=application).first()
    scores = {s.criterion_id: s for s in Score.objects.filter(reviewer__user=user, application=application)}
    return declaration, scores
