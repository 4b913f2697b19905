"""Who may see and do what with achievements and experts."""

from __future__ import annotations

from typing import Any

from duijie.accounts import policies as account_policies
from duijie.supply.enums import EDITABLE_STATUSES, PUBLIC_STATUSES, AchievementStatus


def is_owner_member(user: Any, achievement: Any) -> bool:
    """A member of the owning institution (the people who manage its achievements)."""
    if not account_policies.is_authenticated(user):
        return False
    return achievement.organisation.memberships.filter(user=user).exists()


def can_view_achievement(user: Any, achievement: Any) -> bool:
    if achievement.status in PUBLIC_STATUSES:
        return True
    return account_policies.is_operator(user) or is_owner_member(user, achievement)


def can_create_achievement_for(user: Any, organisation: Any) -> bool:
    return account_policies.is_operator(user) or account_policies.is_org_member(user, organisation)


def can_edit_achievement(user: Any, achievement: Any) -> bool:
    """Owners edit drafts and returned items, and keep published ones up to date; operators always."""
    if account_policies.is_operator(user):
        return achievement.status != AchievementStatus.ARCHIVED
    if not is_owner_member(user, achievement):
        return False
    return achievement.status in EDITABLE_STATUSES or achievement.status in PUBLIC_STATUSES


def can_screen(user: Any) -> bool:
    return account_policies.is_operator(user)


def can_see_contact(user: Any, achievement: Any) -> bool:
    """Contact details stay hidden until a docking request is accepted (docking builds that);
    until then only the owners and operators see them."""
    return account_policies.is_operator(user) or is_owner_member(user, achievement)


def can_request_docking(user: Any, achievement: Any) -> bool:
    return (
        account_policies.is_authenticated(user)
        and achievement.status in {AchievementStatus.PUBLISHED, AchievementStatus.IN_NEGOTIATION}
        and not is_owner_member(user, achievement)
    )


def can_curate_exhibitions(user: Any) -> bool:
    return account_policies.is_operator(user)
