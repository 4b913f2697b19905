"""Who may see and do what with demands. The confidentiality tiers:

- public: anyone sees everything but the contact;
- summary-only: anyone sees title, fields and summary; the details after signing in and accepting
  the demand's confidentiality terms;
- private: operators, the owning enterprise's members and the assigned brokers only.

"Privileged" (operators, owners, assigned brokers) see everything of every tier, the contact too.
"""

from __future__ import annotations

from typing import Any

from duijie.accounts import policies as account_policies
from duijie.accounts.enums import BROKER_ROLES, OrganisationType
from duijie.demand.enums import BOARD_STATUSES, EDITABLE_STATUSES, Confidentiality

# The version of the confidentiality terms (templates/demand/terms.html). Raise it when the text
# changes: acceptances of an older version no longer open the details.
TERMS_VERSION = "2026-11"


def is_owner_member(user: Any, demand: Any) -> bool:
    return account_policies.is_org_member(user, demand.organisation)


def is_assigned_broker(user: Any, demand: Any) -> bool:
    if not account_policies.is_authenticated(user) or demand.pk is None:
        return False
    return demand.brokers.filter(pk=user.pk).exists()


def is_privileged(user: Any, demand: Any) -> bool:
    """Sees every part of the demand whatever its tier or status (the contact too)."""
    return account_policies.is_operator(user) or is_owner_member(user, demand) or is_assigned_broker(user, demand)


def is_commissioner(user: Any) -> bool:
    return account_policies.is_authenticated(user) and user.platform_role in BROKER_ROLES


def can_view_demand(user: Any, demand: Any) -> bool:
    """Sees the demand at all (title, fields, summary at least)."""
    if is_privileged(user, demand):
        return True
    return demand.status in BOARD_STATUSES and demand.confidentiality != Confidentiality.PRIVATE


def can_view_details(user: Any, demand: Any, *, accepted_terms: bool) -> bool:
    """Sees description, problem, indicators, budget, deadline, regions, attachments."""
    if is_privileged(user, demand):
        return True
    if not can_view_demand(user, demand):
        return False
    if demand.confidentiality == Confidentiality.PUBLIC:
        return True
    return account_policies.is_authenticated(user) and accepted_terms


def can_accept_terms(user: Any, demand: Any) -> bool:
    return (account_policies.is_authenticated(user) and demand.confidentiality == Confidentiality.SUMMARY
            and can_view_demand(user, demand) and not is_privileged(user, demand))


def can_see_contact(user: Any, demand: Any) -> bool:
    """Contact details: the privileged only (docking reveals them to a party after double consent)."""
    return is_privileged(user, demand)


def can_create_demand_for(user: Any, organisation: Any) -> bool:
    """Enterprise members for their enterprise; commissioners and operators for any enterprise."""
    if organisation.kind != OrganisationType.ENTERPRISE:
        return False
    return account_policies.is_operator(user) or is_commissioner(user) or account_policies.is_org_member(
        user, organisation)


def can_edit_demand(user: Any, demand: Any) -> bool:
    """Content changes while collected (owners; the commissioner who recorded it; operators); operators
    also later, which is recorded."""
    if account_policies.is_operator(user):
        return True
    if demand.status not in EDITABLE_STATUSES:
        return False
    if is_owner_member(user, demand):
        return True
    return is_commissioner(user) and demand.created_by_id == getattr(user, "pk", None)


def can_screen(user: Any) -> bool:
    return account_policies.is_operator(user)


def can_assign_brokers(user: Any) -> bool:
    return account_policies.is_operator(user)


# --- Open challenges -----------------------------------------------------------------------------

def can_manage_challenge(user: Any) -> bool:
    """Operators run a challenge's stages, reviewers and objections."""
    return account_policies.is_operator(user)


def can_create_challenge(user: Any, demand: Any) -> bool:
    return account_policies.is_operator(user) or is_owner_member(user, demand)


def is_reviewer(user: Any, challenge: Any) -> bool:
    if not account_policies.is_authenticated(user):
        return False
    return challenge.reviewers.filter(user=user).exists()


def can_view_applications(user: Any, challenge: Any) -> bool:
    """All applications: operators, the panel and the enterprise that set the challenge."""
    return (account_policies.is_operator(user) or is_reviewer(user, challenge)
            or is_owner_member(user, challenge.demand))


def is_eligible(organisation: Any, challenge: Any) -> bool:
    """Organisation type and region as the challenge asks (an empty list: any)."""
    if challenge.eligible_kinds and organisation.kind not in challenge.eligible_kinds:
        return False
    regions = list(challenge.eligible_regions.all())
    if not regions:
        return True
    wanted = {r.pk for r in regions}
    place = organisation.region
    while place is not None:
        if place.pk in wanted:
            return True
        place = place.parent
    return organisation.country_id in wanted
