"""Reads of reference data. Reference data is public: ``*_visible_to`` returns the active rows,
and operators (who edit it) also see retired ones."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from duijie.accounts import policies
from duijie.taxonomy.enums import RegionKind
from duijie.taxonomy.models import CooperationMode, Industry, Region, TechField, TechnologyReadinessLevel


def fields_visible_to(user: Any) -> QuerySet[TechField]:
    qs = TechField.objects.all()
    return qs if policies.is_operator(user) else qs.filter(is_active=True)


def top_level_fields(user: Any = None) -> QuerySet[TechField]:
    """Top-level fields with their active sub-fields prefetched (two queries)."""
    return fields_visible_to(user).filter(parent__isnull=True).prefetch_related(
        Prefetch("children", queryset=TechField.objects.filter(is_active=True).order_by("sort_order", "code"))
    )


def industries_visible_to(user: Any) -> QuerySet[Industry]:
    qs = Industry.objects.all()
    return qs if policies.is_operator(user) else qs.filter(is_active=True)


def trl_levels() -> QuerySet[TechnologyReadinessLevel]:
    return TechnologyReadinessLevel.objects.order_by("level")


def cooperation_modes_visible_to(user: Any) -> QuerySet[CooperationMode]:
    qs = CooperationMode.objects.all()
    return qs if policies.is_operator(user) else qs.filter(is_active=True)


def regions_visible_to(user: Any) -> QuerySet[Region]:
    qs = Region.objects.all()
    return qs if policies.is_operator(user) else qs.filter(is_active=True)


def countries(user: Any = None) -> QuerySet[Region]:
    return regions_visible_to(user).filter(kind=RegionKind.COUNTRY)


def subregions(*, user: Any = None, country_code: str) -> QuerySet[Region]:
    """Every region below a country (provinces, cities, nations ...), parents before children."""
    qs = regions_visible_to(user).exclude(kind=RegionKind.COUNTRY)
    return qs.filter(code__startswith=f"{country_code}-").select_related("parent").order_by("code")


def region_by_code(*, code: str, user: Any = None) -> Region | None:
    """An active region by its code (``CN``, ``CN-320500``, ``GB-ENG-NW``), or None."""
    return regions_visible_to(user).filter(code=code).first()
