from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from duijie.core.api import ErrorOut
from duijie.taxonomy import selectors

router = Router(tags=["reference data"])


class LabelledOut(Schema):
    code: str
    name: str
    name_zh_hans: str
    name_zh_hant: str
    name_en: str
    name_ru: str

    @staticmethod
    def resolve_name(obj: object) -> str:
        return obj.label  # type: ignore[attr-defined]


class FieldOut(LabelledOut):
    parent: str | None

    @staticmethod
    def resolve_parent(obj: object) -> str | None:
        parent = obj.parent  # type: ignore[attr-defined]
        return parent.code if parent else None


class RegionOut(FieldOut):
    kind: str
    iso_code: str
    gbt2260_code: str


class TRLOut(Schema):
    level: int
    stage: str
    name: str
    description: str

    @staticmethod
    def resolve_name(obj: object) -> str:
        return obj.label  # type: ignore[attr-defined]


@router.get("/fields", response={200: list[FieldOut], 422: ErrorOut}, summary="Technology fields (flat, with parent codes)")
def field_list(request: HttpRequest) -> object:
    return selectors.fields_visible_to(request.user).select_related("parent")


@router.get("/industries", response={200: list[FieldOut]}, summary="Application industries")
def industry_list(request: HttpRequest) -> object:
    return selectors.industries_visible_to(request.user).select_related("parent")


@router.get("/trl", response={200: list[TRLOut]}, summary="Technology readiness levels 1-9 (GB/T 22900)")
def trl_list(request: HttpRequest) -> object:
    return selectors.trl_levels()


@router.get("/cooperation-modes", response={200: list[LabelledOut]}, summary="Cooperation modes")
def cooperation_mode_list(request: HttpRequest) -> object:
    return selectors.cooperation_modes_visible_to(request.user)


@router.get("/regions", response={200: list[RegionOut], 422: ErrorOut},
            summary="Countries, or the regions of one country with ?country=CN")
def region_list(request: HttpRequest, country: str = "") -> object:
    if country:
        return selectors.subregions(user=request.user, country_code=country.upper())
    return selectors.countries(request.user).select_related("parent")
