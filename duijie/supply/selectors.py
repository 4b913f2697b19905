"""Every read of achievements, experts and exhibitions, through ``achievements_visible_to``."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

import numpy as np
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from duijie.accounts import policies as account_policies
from duijie.accounts.models import Membership, Organisation
from duijie.core.errors import NotFound
from duijie.core.text import normalise_for_search
from duijie.supply import hallindex, hallsearch, policies
from duijie.supply.enums import PUBLIC_STATUSES, AchievementStatus, IPType, PriceBand
from duijie.supply.models import Achievement, AchievementHistory, Exhibition, Expert
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

    def filter_key(self) -> str:
        """Every filter (not the sort), as one string: equal for equal filter states."""
        return repr((self.q, self.field, self.subfield, sorted(self.institution), sorted(self.country),
                     sorted(self.stage), sorted(self.mode), sorted(self.ip), self.granted, sorted(self.price)))

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



def hall_base(*, user: Any) -> QuerySet[Achievement]:
    """What the hall lists: the published side of what the user may see (the same for everyone)."""
    return achievements_visible_to(user).filter(status__in=PUBLIC_STATUSES)


# What cards, API list items and export rows show: only these columns are read for a page of results.
CARD_COLUMNS = ("id", "status", "organisation", "language", "title", "summary", "trl", "stage", "price_type",
                "price_min", "price_max", "currency", "price_band", "has_granted_patent", "view_count", "published_at",
                "organisation__name", "organisation__name_en", "organisation__country")


class HallResults:
    """The hall's results in order, as the paginator, the API and the export read them: the ids come
    from the in-memory index (``hallindex``), the rows of a slice from the database."""

    def __init__(self, ids: np.ndarray, prefetch: tuple[str, ...] = (), version: str = "") -> None:
        self.ids = ids
        self._prefetch = prefetch
        self.version = version  # the hall revision and stamp they were found at (see ``hall_version``)

    def count(self) -> int:
        return len(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def prefetch_related(self, *lookups: str) -> HallResults:
        return HallResults(self.ids, self._prefetch + lookups, self.version)

    def _rows(self, ids: list[int]) -> list[Achievement]:
        if not ids:
            return []
        # By primary key only (a status condition could lead the planner to scan by status); an item
        # that left the hall since the index was read is left out here.
        found = {
            a.pk: a
            for a in Achievement.objects.filter(pk__in=ids).only(*CARD_COLUMNS)
            .select_related("organisation", "organisation__country")
            .prefetch_related(Prefetch("fields", queryset=TechField.objects.select_related("parent")), "translations",
                              *self._prefetch)
        }
        return [found[pk] for pk in ids if pk in found and found[pk].status in PUBLIC_STATUSES]

    def __getitem__(self, key: slice | int) -> Any:
        if isinstance(key, slice):
            return self._rows([int(pk) for pk in self.ids[key]])
        rows = self._rows([int(self.ids[key])])
        if not rows:
            raise IndexError(key)
        return rows[0]

    def __iter__(self) -> Iterator[Achievement]:
        for start in range(0, len(self.ids), 500):
            yield from self[start : start + 500]


MASK_MEMO_SIZE = 32


def _masks(snap: hallindex.Snapshot, query: HallQuery) -> dict[str, np.ndarray]:
    """One boolean mask per filter that is set, so that each facet's counts can leave out its own."""
    return _memo(snap, query.filter_key(), lambda: _compute_masks(snap, query))


def _memo(snap: hallindex.Snapshot, key: Any, compute: Any) -> Any:
    value = snap.memo.get(key)
    if value is None:
        value = compute()
        if len(snap.memo) >= MASK_MEMO_SIZE:
            # Another thread may change it meanwhile: no matter which entry goes.
            with contextlib.suppress(RuntimeError, StopIteration):
                snap.memo.pop(next(iter(snap.memo)), None)
        snap.memo[key] = value
    return value


def _compute_masks(snap: hallindex.Snapshot, query: HallQuery) -> dict[str, np.ndarray]:
    from duijie.taxonomy.models import CooperationMode

    n = snap.size
    masks: dict[str, np.ndarray] = {}
    if query.q:
        ids = hallsearch.matching_ids(query.q)
        if ids is not None:
            mask = np.zeros(n, dtype=bool)
            mask[snap.positions(ids)] = True
            masks["q"] = mask
    if query.field:
        wanted = TechField.objects.filter(Q(code=query.field) | Q(parent__code=query.field)).values_list("pk", flat=True)
        masks["field"] = snap.fields.having(n, list(wanted))
    if query.subfield:
        masks["subfield"] = snap.fields.having(n, list(TechField.objects.filter(code=query.subfield)
                                                        .values_list("pk", flat=True)))
    if query.institution:
        masks["institution"] = snap.of_organisations(query.institution)
    if query.country:
        in_countries = Organisation.objects.filter(country__code__in=query.country).values_list("pk", flat=True)
        masks["country"] = snap.of_organisations(list(in_countries))
    if query.stage:
        masks["stage"] = hallindex.member(snap.stages, [hallindex.STAGES.index(v) for v in query.stage])
    if query.mode:
        modes = CooperationMode.objects.filter(code__in=query.mode).values_list("pk", flat=True)
        masks["mode"] = snap.modes.having(n, list(modes))
    if query.ip:
        masks["ip"] = snap.ip.having(n, [hallindex.IP_TYPES.index(v) for v in query.ip])
    if query.granted:
        masks["granted"] = snap.granted
    if query.price:
        masks["price"] = hallindex.member(snap.prices, [hallindex.PRICES.index(v) for v in query.price])
    return masks


def _all_but(snap: hallindex.Snapshot, masks: dict[str, np.ndarray], *names: str) -> np.ndarray:
    mask = np.ones(snap.size, dtype=bool)
    for name, condition in masks.items():
        if name not in names:
            mask &= condition
    return mask


def hall_results(*, user: Any, query: HallQuery) -> HallResults:
    """The public achievements under every filter of ``query``, in its sort order.

    Relevance puts the items whose title carries one of the words first (compared in the search
    form, so 機器人 ranks 机器人 titles first too), then the newest."""
    snap = hallindex.snapshot()
    masks = _masks(snap, query)

    def ordered() -> np.ndarray:
        mask = _all_but(snap, masks)
        order = snap.most_viewed if query.sort == "views" else snap.newest
        positions = order[mask[order]]
        if query.sort == "relevance" and len(positions):
            hit = snap.titles_containing(normalise_for_search(query.q).split()[:8])[positions]
            positions = np.concatenate([positions[hit], positions[~hit]])
        return snap.ids[positions]

    return HallResults(_memo(snap, ("order", query.filter_key(), query.sort), ordered),
                       version=f"{snap.revision}-{snap.stamp}")


INSTITUTION_FACET_SIZE = 30


def hall_facets(*, user: Any, query: HallQuery) -> dict[str, list[dict[str, Any]]]:
    """Counts per facet value; each facet counts as if its own filter were not set.

    An item counts once per value it has: once for a field even when filed under two of its
    sub-fields, once for an IP type even with two assets of that type.
    """
    from duijie.taxonomy.enums import TRLStage
    from duijie.taxonomy.models import CooperationMode, Region

    snap = hallindex.snapshot()
    masks = _masks(snap, query)
    facets: dict[str, list[dict[str, Any]]] = {}

    fields = list(TechField.objects.filter(parent__isnull=True, is_active=True).order_by("sort_order", "code"))
    tops = _counter(snap.tops.values[_all_but(snap, masks, "field", "subfield")[snap.tops.rows]])
    facets["field"] = [{"value": f.code, "label": f.label, "count": tops.get(f.pk, 0)} for f in fields]
    if query.field:
        subs = _counter(snap.fields.values[_all_but(snap, masks, "subfield")[snap.fields.rows]])
        children = TechField.objects.filter(parent__code=query.field, is_active=True).order_by("sort_order", "code")
        facets["subfield"] = [{"value": f.code, "label": f.label, "count": subs.get(f.pk, 0)} for f in children]

    by_organisation = _org_counter(snap, _all_but(snap, masks, "institution"))
    organisations = list(
        Organisation.objects.filter(pk__in=list(by_organisation)).order_by("name")
        .values_list("pk", "name", "name_en", "country__code")
    )
    ranked = sorted(organisations, key=lambda row: -by_organisation[row[0]])  # stable: ties stay by name
    facets["institution"] = [
        {"value": pk, "label": Organisation(name=name, name_en=name_en).display_name, "count": by_organisation[pk]}
        for pk, name, name_en, _country in ranked[:INSTITUTION_FACET_SIZE]
    ]
    country_of = {pk: country for pk, _n, _e, country in organisations}
    if "country" in masks or "institution" in masks:  # else the same organisations as for the institutions
        by_organisation = _org_counter(snap, _all_but(snap, masks, "country"))
        missing = [pk for pk in by_organisation if pk not in country_of]
        country_of.update(Organisation.objects.filter(pk__in=missing).values_list("pk", "country__code"))
    country_counts: Counter[str] = Counter()
    for pk, n in by_organisation.items():
        if country_of.get(pk):
            country_counts[country_of[pk]] += n
    facets["country"] = [
        {"value": r.code, "label": r.label, "count": country_counts[r.code]}
        for r in Region.objects.filter(code__in=list(country_counts)).order_by("sort_order", "code")
    ]
    stages = np.bincount(snap.stages[_all_but(snap, masks, "stage")], minlength=len(hallindex.STAGES))
    facets["stage"] = [{"value": v, "label": str(label), "count": int(stages[hallindex.STAGES.index(v)])}
                       for v, label in TRLStage.choices]
    modes = _counter(snap.modes.values[_all_but(snap, masks, "mode")[snap.modes.rows]])
    facets["mode"] = [
        {"value": m.code, "label": m.label, "count": modes.get(m.pk, 0)}
        for m in CooperationMode.objects.filter(is_active=True).order_by("sort_order", "code")
    ]
    ip = np.bincount(snap.ip.values[_all_but(snap, masks, "ip")[snap.ip.rows]], minlength=len(hallindex.IP_TYPES))
    facets["ip"] = [{"value": v, "label": str(label), "count": int(ip[hallindex.IP_TYPES.index(v)])}
                    for v, label in IPType.choices]
    granted = int(np.count_nonzero(snap.granted & _all_but(snap, masks, "granted")))
    facets["granted"] = [{"value": "1", "label": "", "count": granted}]
    prices = np.bincount(snap.prices[_all_but(snap, masks, "price")], minlength=len(hallindex.PRICES))
    facets["price"] = [{"value": v, "label": str(label), "count": int(prices[hallindex.PRICES.index(v)])}
                       for v, label in PriceBand.choices]
    return facets


def _counter(values: np.ndarray) -> Counter[int]:
    """How often each value (a small non-negative id) occurs, for those that do."""
    counts = np.bincount(values) if len(values) else np.zeros(0, dtype=np.int64)
    present = np.flatnonzero(counts)
    return Counter(dict(zip(present.tolist(), counts[present].tolist(), strict=True)))


def _org_counter(snap: hallindex.Snapshot, mask: np.ndarray) -> Counter[int]:
    """Items per organisation id under ``mask`` (counted on the dense organisation codes)."""
    counts = np.bincount(snap.org_codes[mask], minlength=len(snap.org_ids))
    present = np.flatnonzero(counts)
    return Counter(dict(zip(snap.org_ids[present].tolist(), counts[present].tolist(), strict=True)))


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
