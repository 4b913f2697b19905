"""Every read of achievements, experts and exhibitions, through ``achievements_visible_to``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce

from duijie.accounts import policies as account_policies
from duijie.accounts.models import Membership, Organisation
from duijie.core.errors import NotFound
from duijie.core.text import normalise_for_search
from duijie.supply import policies
from duijie.supply.enums import PUBLIC_STATUSES, AchievementStatus, IPType, PriceBand
from duijie.supply.models import Achievement, AchievementHistory, Exhibition, Expert, IPAsset
from duijie.taxonomy.models import TechField

HALL_PAGE_SIZE = 20
SORTS = ("newest", "views", "relevance")


def achievements_visible_to(user: Any) -> QuerySet[Achievement]:
    """Public items for everyone; owners also see their institution's drafts, operators everything."""
    qs = Achievement.objects.all()
    if account_policies.is_operator(user):
        return qs
    visible = Q(status__in=PUBLIC_STATUSES)
    if account_policies.is_authenticated(user):
        visible |= Q(Exists(Membership.objects.filter(organisation_id=OuterRef("organisation_id"), user=user)))
    return qs.filter(visible)


def achievement_get(*, user: Any, pk: int) -> Achievement:
    try:
        return (
            achievements_visible_to(user)
            .select_related("organisation", "organisation__country", "organisation__region", "recommending_unit")
            .prefetch_related("fields", "industries", "cooperation_modes", "experts", "translations", "ip_assets",
                              "attachments")
            .get(pk=pk)
        )
    except Achievement.DoesNotExist:
        raise NotFound() from None


def achievement_history(*, user: Any, achievement: Achievement) -> QuerySet[AchievementHistory]:
    if not (account_policies.is_operator(user) or policies.is_owner_member(user, achievement)):
        return AchievementHistory.objects.none()
    return achievement.history.select_related("actor")


def screening_queue(*, user: Any) -> QuerySet[Achievement]:
    if not policies.can_screen(user):
        return Achievement.objects.none()
    return (
        Achievement.objects.filter(status=AchievementStatus.SUBMITTED)
        .select_related("organisation")
        .order_by("updated_at", "id")
    )


def my_achievements(*, user: Any) -> QuerySet[Achievement]:
    if not account_policies.is_authenticated(user):
        return Achievement.objects.none()
    return (
        Achievement.objects.filter(organisation__memberships__user=user)
        .select_related("organisation")
        .order_by("-updated_at", "-id")
    )


@dataclass
class HallQuery:
    """One state of the hall's filters; every field maps to a URL parameter of the same name."""

    q: str = ""
    field: str = ""  # top-level field code
    subfield: str = ""
    institution: list[int] = dc_field(default_factory=list)
    country: list[str] = dc_field(default_factory=list)
    stage: list[str] = dc_field(default_factory=list)
    mode: list[str] = dc_field(default_factory=list)
    ip: list[str] = dc_field(default_factory=list)
    granted: bool = False
    price: list[str] = dc_field(default_factory=list)
    sort: str = "newest"

    @classmethod
    def from_params(cls, params: Any) -> HallQuery:
        def ints(name: str) -> list[int]:
            return [int(v) for v in params.getlist(name) if str(v).isdigit()]

        sort = params.get("sort", "")
        query = cls(
            q=params.get("q", "").strip()[:100],
            field=params.get("field", "").strip(),
            subfield=params.get("subfield", "").strip(),
            institution=ints("institution"),
            country=[v.upper() for v in params.getlist("country") if v][:20],
            stage=[v for v in params.getlist("stage") if v in ("early", "middle", "mature")],
            mode=[v for v in params.getlist("mode") if v][:20],
            ip=[v for v in params.getlist("ip") if v in IPType.values],
            granted=params.get("granted") in ("1", "true", "on"),
            price=[v for v in params.getlist("price") if v in PriceBand.values],
        )
        query.sort = sort if sort in SORTS else ("relevance" if query.q else "newest")
        if query.sort == "relevance" and not query.q:
            query.sort = "newest"
        return query

    def filters(self) -> dict[str, Q]:
        """One Q per facet, so that each facet's counts can leave out its own filter."""
        out: dict[str, Q] = {}
        if self.q:
            terms = normalise_for_search(self.q).split()
            term_q = Q()
            for term in terms[:8]:
                term_q &= Q(search_text__contains=term)
            out["q"] = term_q
        if self.field:
            out["field"] = Q(Exists(Achievement.fields.through.objects.filter(
                achievement_id=OuterRef("pk")).filter(Q(techfield__code=self.field) | Q(techfield__parent__code=self.field))))
        if self.subfield:
            out["subfield"] = Q(Exists(Achievement.fields.through.objects.filter(
                achievement_id=OuterRef("pk"), techfield__code=self.subfield)))
        if self.institution:
            out["institution"] = Q(organisation_id__in=self.institution)
        if self.country:
            out["country"] = Q(organisation__country__code__in=self.country)
        if self.stage:
            out["stage"] = Q(stage__in=self.stage)
        if self.mode:
            out["mode"] = Q(Exists(Achievement.cooperation_modes.through.objects.filter(
                achievement_id=OuterRef("pk"), cooperationmode__code__in=self.mode)))
        if self.ip:
            out["ip"] = Q(Exists(IPAsset.objects.filter(achievement_id=OuterRef("pk"), ip_type__in=self.ip)))
        if self.granted:
            out["granted"] = Q(has_granted_patent=True)
        if self.price:
            out["price"] = Q(price_band__in=self.price)
        return out


def hall_base(*, user: Any) -> QuerySet[Achievement]:
    """What the hall lists: the published side of what the user may see."""
    return achievements_visible_to(user).filter(status__in=PUBLIC_STATUSES)


def hall_results(*, user: Any, query: HallQuery) -> QuerySet[Achievement]:
    qs = hall_base(user=user)
    for condition in query.filters().values():
        qs = qs.filter(condition)
    if query.sort == "views":
        qs = qs.order_by("-view_count", "-published_at", "-id")
    elif query.sort == "relevance":
        # Items whose title carries the words come first, then the newest.
        # Compare in the search form on both sides, so 機器人 ranks 机器人 titles first too.
        words = {*query.q.split()[:8], *normalise_for_search(query.q).split()[:8]}
        title_hit = Q()
        for word in sorted(words):
            title_hit |= Q(title__icontains=word)
        from django.db.models import Case, IntegerField, Value, When

        qs = qs.annotate(title_hit=Case(When(title_hit, then=Value(1)), default=Value(0),
                                        output_field=IntegerField())).order_by("-title_hit", "-published_at", "-id")
    else:
        qs = qs.order_by("-published_at", "-id")
    return qs.select_related("organisation", "organisation__country").prefetch_related(
        Prefetch("fields", queryset=TechField.objects.select_related("parent")), "translations"
    )


def _except(query: HallQuery, user: Any, *names: str) -> QuerySet[Achievement]:
    qs = hall_base(user=user)
    for name, condition in query.filters().items():
        if name not in names:
            qs = qs.filter(condition)
    return qs.order_by()


# Facets on columns of the achievement row (country through its organisation). They are counted
# together, in one query grouped by those columns that applies every other filter; each facet then
# leaves out its own filter on the groups, in Python. Exact, and one scan instead of five.
ROW_FACETS = ("institution", "country", "stage", "granted", "price")
INSTITUTION_FACET_SIZE = 30


def _row_facet_counts(query: HallQuery, user: Any) -> dict[str, Any]:
    groups = list(
        _except(query, user, *ROW_FACETS)
        .values_list("organisation_id", "stage", "price_band", "has_granted_patent").annotate(n=Count("pk"))
    )
    # Ordered by name in the database, so that ties in count keep the database's collation order.
    organisations = list(
        Organisation.objects.filter(pk__in={g[0] for g in groups}).order_by("name")
        .values_list("pk", "name", "name_en", "country__code")
    )
    country_of = {pk: country for pk, _name, _name_en, country in organisations}
    institutions, countries = set(query.institution), set(query.country)
    stages, prices = set(query.stage), set(query.price)
    counts: dict[str, Counter[Any]] = {name: Counter() for name in ROW_FACETS}
    for organisation_id, stage, price_band, granted, n in groups:
        country = country_of.get(organisation_id)
        failed = [
            name for name, fails in (
                ("institution", institutions and organisation_id not in institutions),
                ("country", countries and country not in countries),
                ("stage", stages and stage not in stages),
                ("granted", query.granted and not granted),
                ("price", prices and price_band not in prices),
            ) if fails
        ]
        if len(failed) > 1:
            continue  # out of every facet: each facet leaves out its own filter only
        for name, key in (("institution", organisation_id), ("country", country), ("stage", stage),
                          ("granted", bool(granted)), ("price", price_band)):
            if not failed or failed[0] == name:
                counts[name][key] += n
    by_organisation = +counts["institution"]  # only what occurs, as a GROUP BY answers
    ranked = sorted((row for row in organisations if row[0] in by_organisation), key=lambda row: -by_organisation[row[0]])
    return {
        "institution": [(pk, name, name_en, by_organisation[pk]) for pk, name, name_en, _c in ranked[:INSTITUTION_FACET_SIZE]],
        "country": +counts["country"],
        "stage": counts["stage"],
        "granted": counts["granted"][True],
        "price": counts["price"],
    }


def _ids(query: HallQuery, user: Any, *names: str) -> QuerySet[Achievement, Any]:
    """The ids of the hall's items under every filter but ``names``, as a subquery."""
    return _except(query, user, *names).values("pk")


def hall_facets(*, user: Any, query: HallQuery) -> dict[str, list[dict[str, Any]]]:
    """Counts per facet value; each facet counts as if its own filter were not set.

    The facets on relations count rows of the link tables (one per item and value, so ``COUNT(*)``
    needs no DISTINCT, except where an item can reach a value twice) of the items under the other
    filters; those on the achievement row come from one grouped query (``_row_facet_counts``).
    """
    from duijie.taxonomy.enums import TRLStage
    from duijie.taxonomy.models import CooperationMode, Region

    facets: dict[str, list[dict[str, Any]]] = {}
    field_links = Achievement.fields.through.objects
    # An item filed under two sub-fields of one field counts once for that field: DISTINCT.
    top = (
        field_links.filter(achievement_id__in=_ids(query, user, "field", "subfield"))
        .annotate(top=Coalesce("techfield__parent_id", "techfield_id"))
        .values("top").annotate(n=Count("achievement_id", distinct=True))  # type: ignore[misc]
    )
    counts = {row["top"]: row["n"] for row in top}
    fields = TechField.objects.filter(parent__isnull=True, is_active=True).order_by("sort_order", "code")
    facets["field"] = [{"value": f.code, "label": f.label, "count": counts.get(f.pk, 0)} for f in fields]
    if query.field:
        sub = (
            field_links.filter(achievement_id__in=_ids(query, user, "subfield"), techfield__parent__code=query.field)
            .values("techfield_id").annotate(n=Count("pk"))
        )
        sub_counts = {row["techfield_id"]: row["n"] for row in sub}
        children = TechField.objects.filter(parent__code=query.field, is_active=True).order_by("sort_order", "code")
        facets["subfield"] = [{"value": f.code, "label": f.label, "count": sub_counts.get(f.pk, 0)} for f in children]
    rows = _row_facet_counts(query, user)
    facets["institution"] = [
        {"value": pk, "label": Organisation(name=name, name_en=name_en).display_name, "count": n}
        for pk, name, name_en, n in rows["institution"]
    ]
    country_counts = rows["country"]
    facets["country"] = [
        {"value": r.code, "label": r.label, "count": country_counts[r.code]}
        for r in Region.objects.filter(code__in=list(country_counts)).order_by("sort_order", "code")
    ]
    stage_counts = rows["stage"]
    facets["stage"] = [{"value": v, "label": str(label), "count": stage_counts.get(v, 0)} for v, label in TRLStage.choices]
    mode_counts = {
        row["cooperationmode_id"]: row["n"]
        for row in Achievement.cooperation_modes.through.objects.filter(achievement_id__in=_ids(query, user, "mode"))
        .values("cooperationmode_id").annotate(n=Count("pk"))
    }
    facets["mode"] = [
        {"value": m.code, "label": m.label, "count": mode_counts.get(m.pk, 0)}
        for m in CooperationMode.objects.filter(is_active=True).order_by("sort_order", "code")
    ]
    # An item may hold two assets of one type: DISTINCT.
    ip_counts = {
        row["ip_type"]: row["n"]
        for row in IPAsset.objects.filter(achievement_id__in=_ids(query, user, "ip")).order_by()
        .values("ip_type").annotate(n=Count("achievement_id", distinct=True))
    }
    facets["ip"] = [{"value": v, "label": str(label), "count": ip_counts.get(v, 0)} for v, label in IPType.choices]
    facets["granted"] = [{"value": "1", "label": "", "count": rows["granted"]}]
    price_counts = rows["price"]
    facets["price"] = [{"value": v, "label": str(label), "count": price_counts.get(v, 0)} for v, label in PriceBand.choices]
    return facets


def experts_visible_to(user: Any) -> QuerySet[Expert]:
    qs = Expert.objects.select_related("organisation")
    if account_policies.is_operator(user):
        return qs
    visible = Q(is_public=True, organisation__status="active")
    if account_policies.is_authenticated(user):
        visible |= Q(organisation__memberships__user=user)
    return qs.filter(visible).distinct() if account_policies.is_authenticated(user) else qs.filter(visible)


def expert_directory(*, user: Any, q: str = "", field_code: str = "", organisation_id: int | None = None) -> QuerySet[Expert]:
    qs = experts_visible_to(user)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(name_en__icontains=q) | Q(directions__text__icontains=q)).distinct()
    if field_code:
        qs = qs.filter(Q(fields__code=field_code) | Q(fields__parent__code=field_code)).distinct()
    if organisation_id:
        qs = qs.filter(organisation_id=organisation_id)
    return qs.prefetch_related("directions", "fields").order_by("name", "id")


def expert_get(*, user: Any, pk: int) -> Expert:
    try:
        return experts_visible_to(user).prefetch_related("directions", "fields").get(pk=pk)
    except Expert.DoesNotExist:
        raise NotFound() from None


def institution_showcase(*, user: Any, organisation: Organisation) -> dict[str, Any]:
    """An institution's research directions, experts and published achievements."""
    experts = list(expert_directory(user=user, organisation_id=organisation.pk))
    achievements = hall_base(user=user).filter(organisation=organisation).order_by("-published_at", "-id")
    return {
        "experts": experts,
        "directions": [d for e in experts for d in e.directions.all()],
        "achievements": achievements.prefetch_related("translations")[:12],
        "achievement_count": achievements.count(),
    }


def exhibitions_visible_to(user: Any) -> QuerySet[Exhibition]:
    qs = Exhibition.objects.all()
    return qs if policies.can_curate_exhibitions(user) else qs.filter(is_published=True)


def exhibition_items(*, user: Any, exhibition: Exhibition) -> list[Achievement]:
    """The featured achievements the user may see, in the curator's order."""
    order = list(exhibition.items.values_list("achievement_id", flat=True))
    found = {
        a.pk: a
        for a in hall_base(user=user).filter(pk__in=order).select_related("organisation").prefetch_related("translations")
    }
    return [found[pk] for pk in order if pk in found]


def contributable_organisations(*, user: Any, extra_id: int | None = None) -> QuerySet[Organisation]:
    """Institutions the user may add achievements for: their own; operators also ``extra_id``."""
    if not account_policies.is_authenticated(user):
        return Organisation.objects.none()
    wanted = Q(memberships__user=user)
    if extra_id is not None and account_policies.is_operator(user):
        wanted |= Q(pk=extra_id)
    return Organisation.objects.filter(wanted).distinct().order_by("name", "id")
