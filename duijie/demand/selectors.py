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
            .prefetch_related("fields", "cooperation_modes", "regions", "indicators", "translations", "attachments")
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
