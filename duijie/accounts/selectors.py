"""Every read of users and organisations, permission-filtered through ``*_visible_to``."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from duijie.accounts import policies
from duijie.accounts.enums import JoinRequestStatus, MembershipRole, OrganisationStatus
from duijie.accounts.models import ApiToken, Invitation, JoinRequest, Membership, Organisation, User
from duijie.core.errors import NotFound


def organisations_visible_to(user: Any) -> QuerySet[Organisation]:
    """Organisations the user may see: every active one; operators and members also see suspended ones."""
    qs = Organisation.objects.select_related("country", "region")
    if policies.is_operator(user):
        return qs
    visible = Q(status=OrganisationStatus.ACTIVE)
    if policies.is_authenticated(user):
        visible |= Q(memberships__user=user)
    return qs.filter(visible).distinct()


def organisation_list(
    *, user: Any, query: str = "", kind: str = "", country: str = ""
) -> QuerySet[Organisation]:
    qs = organisations_visible_to(user).annotate(member_count=Count("memberships", distinct=True))
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(name_en__icontains=query))
    if kind:
        qs = qs.filter(kind=kind)
    if country:
        qs = qs.filter(country__code=country)
    return qs.order_by("name", "id")


def organisation_get(*, user: Any, pk: int) -> Organisation:
    try:
        return organisations_visible_to(user).get(pk=pk)
    except Organisation.DoesNotExist:
        raise NotFound() from None


def organisation_members(*, user: Any, organisation: Organisation) -> QuerySet[Membership]:
    if not policies.can_view_members(user, organisation):
        return Membership.objects.none()
    # Administrators first: "admin" sorts before "member".
    return organisation.memberships.select_related("user").order_by("role", "user__full_name", "pk")


def organisation_counts_by_kind(*, user: Any) -> dict[str, int]:
    """Visible organisations per type, for the home page."""
    rows = organisations_visible_to(user).order_by().values_list("kind").annotate(n=Count("id", distinct=True))
    return dict(rows)


def user_has_pending_join_request(*, user: Any, organisation: Organisation) -> bool:
    if not policies.is_authenticated(user):
        return False
    return organisation.join_requests.filter(user=user, status=JoinRequestStatus.PENDING).exists()


def organisations_administered_by(*, user: Any) -> QuerySet[Organisation]:
    if not policies.is_authenticated(user):
        return Organisation.objects.none()
    return Organisation.objects.filter(memberships__user=user, memberships__role=MembershipRole.ADMIN).order_by("name")


def organisation_admins(*, organisation: Organisation) -> QuerySet[User]:
    return User.objects.filter(
        memberships__organisation=organisation, memberships__role=MembershipRole.ADMIN, is_active=True
    )


def organisation_pending_join_requests(*, user: Any, organisation: Organisation) -> QuerySet[JoinRequest]:
    if not policies.can_manage_members(user, organisation):
        return JoinRequest.objects.none()
    return organisation.join_requests.filter(status=JoinRequestStatus.PENDING).select_related("user")


def organisation_open_invitations(*, user: Any, organisation: Organisation) -> QuerySet[Invitation]:
    if not policies.can_manage_members(user, organisation):
        return Invitation.objects.none()
    return organisation.invitations.filter(revoked_at__isnull=True).select_related("created_by")


def users_visible_to(user: Any) -> QuerySet[User]:
    """Users the viewer may see: themselves, people who share an organisation, everyone for operators."""
    if not policies.is_authenticated(user):
        return User.objects.none()
    if policies.is_operator(user):
        return User.objects.all()
    shared = Q(pk=user.pk) | Q(memberships__organisation__memberships__user=user)
    return User.objects.filter(shared).distinct()


def _with_visible_memberships(qs: QuerySet[User], viewer: Any) -> QuerySet[User]:
    """Prefetch each user's memberships of organisations the viewer may see, and only those:
    a colleague's membership of a suspended organisation must not name it."""
    visible = Membership.objects.filter(organisation__in=organisations_visible_to(viewer).values("pk"))
    return qs.prefetch_related(Prefetch("memberships", queryset=visible.select_related("organisation")))


def user_list(*, user: Any, query: str = "", role: str | None = None) -> QuerySet[User]:
    qs = users_visible_to(user)
    if query:
        qs = qs.filter(Q(email__icontains=query) | Q(full_name__icontains=query))
    if role is not None:
        qs = qs.filter(platform_role=role)
    return _with_visible_memberships(qs, user).order_by("email", "id")


def user_get(*, user: Any, pk: int) -> User:
    try:
        return _with_visible_memberships(users_visible_to(user), user).get(pk=pk)
    except User.DoesNotExist:
        raise NotFound() from None


def user_memberships(*, user: Any) -> QuerySet[Membership]:
    if not policies.is_authenticated(user):
        return Membership.objects.none()
    return user.memberships.select_related("organisation", "organisation__country").order_by("organisation__name")


def user_api_tokens(*, user: Any) -> QuerySet[ApiToken]:
    if not policies.is_authenticated(user):
        return ApiToken.objects.none()
    return user.api_tokens.all()


def user_join_requests(*, user: Any) -> QuerySet[JoinRequest]:
    if not policies.is_authenticated(user):
        return JoinRequest.objects.none()
    return user.join_requests.select_related("organisation")
