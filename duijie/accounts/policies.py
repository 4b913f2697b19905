"""Who may see and do what with users and organisations. Small functions; tests call them directly."""

from __future__ import annotations

from typing import Any

from duijie.accounts.enums import MembershipRole


def is_authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def is_operator(user: Any) -> bool:
    return is_authenticated(user) and user.is_operator


def is_org_admin(user: Any, organisation: Any) -> bool:
    if not is_authenticated(user):
        return False
    return organisation.memberships.filter(user=user, role=MembershipRole.ADMIN).exists()


def is_org_member(user: Any, organisation: Any) -> bool:
    if not is_authenticated(user):
        return False
    return organisation.memberships.filter(user=user).exists()


def can_create_organisation(user: Any) -> bool:
    return is_authenticated(user) and user.email_verified


def can_edit_organisation(user: Any, organisation: Any) -> bool:
    return is_operator(user) or is_org_admin(user, organisation)


def can_manage_members(user: Any, organisation: Any) -> bool:
    return is_operator(user) or is_org_admin(user, organisation)


def can_view_members(user: Any, organisation: Any) -> bool:
    """Member lists (names, roles) are for the organisation's own people and operators."""
    return is_operator(user) or is_org_member(user, organisation)


def can_request_to_join(user: Any, organisation: Any) -> bool:
    return is_authenticated(user) and not is_org_member(user, organisation)


def can_set_platform_role(user: Any) -> bool:
    return is_operator(user)


def can_view_user(viewer: Any, subject: Any) -> bool:
    """Users are visible to themselves, to operators, and to people who share an organisation."""
    if not is_authenticated(viewer):
        return False
    if viewer.pk == subject.pk or is_operator(viewer):
        return True
    return subject.memberships.filter(organisation__memberships__user=viewer).exists()


def can_view_audit_log(user: Any) -> bool:
    return is_operator(user)
