from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from duijie.accounts import selectors, services
from duijie.accounts.models import Organisation, User
from duijie.core.api import AUTH_REQUIRED, ErrorOut, PagePagination

router = Router(tags=["accounts"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class RegionRef(Schema):
    code: str
    name: str

    @staticmethod
    def resolve_name(obj: object) -> str:
        return obj.label  # type: ignore[attr-defined]


class OrganisationOut(Schema):
    id: int
    name: str
    name_en: str
    kind: str
    kind_label: str
    country: RegionRef
    region: RegionRef | None
    uscc: str
    registration_number: str
    website: str
    description: str
    is_verified: bool
    created_at: datetime

    @staticmethod
    def resolve_kind_label(obj: Organisation) -> str:
        return str(obj.get_kind_display())


class OrganisationIn(Schema):
    name: str
    name_en: str = ""
    kind: str
    country: str
    region: str | None = None
    uscc: str = ""
    registration_number: str = ""
    website: str = ""
    description: str = ""


class OrganisationPatch(Schema):
    name: str | None = None
    name_en: str | None = None
    kind: str | None = None
    country: str | None = None
    region: str | None = None
    uscc: str | None = None
    registration_number: str | None = None
    website: str | None = None
    description: str | None = None


class MembershipOut(Schema):
    organisation_id: int
    organisation_name: str
    role: str

    @staticmethod
    def resolve_organisation_name(obj: object) -> str:
        return obj.organisation.name  # type: ignore[attr-defined]


class UserOut(Schema):
    id: int
    email: str
    full_name: str
    job_title: str
    preferred_language: str
    platform_role: str
    email_verified: bool
    memberships: list[MembershipOut]

    @staticmethod
    def resolve_memberships(obj: User) -> list[object]:
        return list(obj.memberships.all())


class MemberOut(Schema):
    user_id: int
    full_name: str
    email: str
    role: str

    @staticmethod
    def resolve_full_name(obj: object) -> str:
        return obj.user.full_name  # type: ignore[attr-defined]

    @staticmethod
    def resolve_email(obj: object) -> str:
        return obj.user.email  # type: ignore[attr-defined]


def _resolve_regions(data: dict[str, object]) -> dict[str, object]:
    """Region codes in, region rows out; an unknown code is a field error."""
    from django.utils.translation import gettext as _

    from duijie.core.errors import DomainError
    from duijie.taxonomy.selectors import region_by_code

    for key in ("country", "region"):
        if key in data:
            code = data[key]
            if code in (None, ""):
                data[key] = None
                continue
            region = region_by_code(code=str(code))
            if region is None:
                raise DomainError(_("Unknown region code."), code="validation_error", fields={key: [_("Unknown region code.")]})
            data[key] = region
    return data


@router.get("/organisations", response={200: list[OrganisationOut], **ERRORS}, summary="List organisations")
@paginate(PagePagination)
def organisation_list(request: HttpRequest, q: str = "", kind: str = "", country: str = ""):  # type: ignore[no-untyped-def]
    return selectors.organisation_list(user=request.user, query=q, kind=kind, country=country)


@router.get("/organisations/{pk}", response={200: OrganisationOut, **ERRORS}, summary="One organisation")
def organisation_detail(request: HttpRequest, pk: int) -> Organisation:
    return selectors.organisation_get(user=request.user, pk=pk)


@router.post("/organisations", response={201: OrganisationOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="Create an organisation (you become its administrator)")
def organisation_create(request: HttpRequest, payload: OrganisationIn) -> Status[Organisation]:
    data = _resolve_regions(payload.dict())
    return Status(201, services.organisation_create(actor=request.user, **data))


@router.patch("/organisations/{pk}", response={200: OrganisationOut, **ERRORS}, auth=AUTH_REQUIRED,
              summary="Change an organisation (its administrators and operators)")
def organisation_update(request: HttpRequest, pk: int, payload: OrganisationPatch) -> Organisation:
    organisation = selectors.organisation_get(user=request.user, pk=pk)
    data = _resolve_regions(payload.dict(exclude_unset=True))
    return services.organisation_update(actor=request.user, organisation=organisation, **data)


@router.get("/organisations/{pk}/members", response={200: list[MemberOut], **ERRORS}, auth=AUTH_REQUIRED,
            summary="Members of an organisation (its members and operators)")
@paginate(PagePagination)
def organisation_members(request: HttpRequest, pk: int):  # type: ignore[no-untyped-def]
    from duijie.accounts import policies
    from duijie.core.errors import PermissionDenied

    organisation = selectors.organisation_get(user=request.user, pk=pk)
    if not policies.can_view_members(request.user, organisation):
        raise PermissionDenied()
    return selectors.organisation_members(user=request.user, organisation=organisation)


@router.get("/users/me", response={200: UserOut, **ERRORS}, auth=AUTH_REQUIRED, summary="The signed-in user")
def user_me(request: HttpRequest) -> User:
    return selectors.user_get(user=request.user, pk=request.user.pk)


@router.get("/users", response={200: list[UserOut], **ERRORS}, auth=AUTH_REQUIRED,
            summary="Users you may see (operators: everyone; others: colleagues)")
@paginate(PagePagination)
def user_list(request: HttpRequest, q: str = "", role: str | None = None):  # type: ignore[no-untyped-def]
    return selectors.user_list(user=request.user, query=q, role=role)


@router.get("/users/{pk}", response={200: UserOut, **ERRORS}, auth=AUTH_REQUIRED, summary="One user")
def user_detail(request: HttpRequest, pk: int) -> User:
    return selectors.user_get(user=request.user, pk=pk)


class RoleIn(Schema):
    role: str


@router.put("/users/{pk}/platform-role", response={200: UserOut, **ERRORS}, auth=AUTH_REQUIRED,
            summary="Set a user's platform role (operators)")
def user_set_role(request: HttpRequest, pk: int, payload: RoleIn) -> User:
    from duijie.accounts import policies
    from duijie.core.errors import PermissionDenied

    if not policies.can_set_platform_role(request.user):
        raise PermissionDenied()
    subject = selectors.user_get(user=request.user, pk=pk)
    return services.user_set_platform_role(actor=request.user, user=subject, role=payload.role)
