"""Who may see and do what in docking. Double consent: the two parties see each other's contact details
only once the target side has accepted the request, and, when the target is a summary-only demand,
once the requester has accepted its confidentiality terms too. The case's broker and operators, who
run the case, see both sides' contacts from the start; nobody else sees the case at all.

The sides:
- the requester side: the requester (the organisation they asked for is shown, but its other members
  are not let in: a colleague has not accepted a summary-only demand's terms, for one);
- the target side: the members of the organisation behind the target (the achievement's or expert's
  institution, the demand's or challenge's enterprise), and the expert themself for an expert.
"""

from __future__ import annotations

from typing import Any

from duijie.accounts import policies as account_policies
from duijie.demand import policies as demand_policies
from duijie.demand.enums import BOARD_STATUSES as DEMAND_OPEN
from duijie.demand.enums import Confidentiality
from duijie.docking.enums import CaseStage, EntryKind, TargetKind
from duijie.supply import policies as supply_policies

PRIVATE_ENTRIES = frozenset({EntryKind.NOTE, EntryKind.CALL})  # the broker's working notes
PARTY_ENTRIES = frozenset({EntryKind.MEETING, EntryKind.MESSAGE, EntryKind.FILE})


def is_requester_side(user: Any, case: Any) -> bool:
    return account_policies.is_authenticated(user) and case.requester_id == user.pk


def is_target_side(user: Any, case: Any) -> bool:
    if not account_policies.is_authenticated(user):
        return False
    if case.target_kind == TargetKind.EXPERT and case.expert is not None and case.expert.user_id == user.pk:
        return True
    return case.target_organisation is not None and account_policies.is_org_member(user, case.target_organisation)


def is_party(user: Any, case: Any) -> bool:
    return is_requester_side(user, case) or is_target_side(user, case)


def is_case_broker(user: Any, case: Any) -> bool:
    return account_policies.is_authenticated(user) and case.broker_id is not None and case.broker_id == user.pk


def runs_case(user: Any, case: Any) -> bool:
    """The case's broker and operators run it: every entry, both contacts, the pipeline."""
    return account_policies.is_operator(user) or is_case_broker(user, case)


def can_view_case(user: Any, case: Any) -> bool:
    return runs_case(user, case) or is_party(user, case)


def demand_behind(kind: str, target: Any) -> Any:
    """The demand a demand or challenge target stands for (None for an achievement or expert)."""
    if kind == TargetKind.CHALLENGE:
        return target.demand
    return target if kind == TargetKind.DEMAND else None


def is_summary_only(demand: Any) -> bool:
    return demand is not None and demand.confidentiality == Confidentiality.SUMMARY


def can_request(user: Any, kind: str, target: Any, organisation: Any) -> bool:
    """Ask the side behind ``target`` (of ``organisation``) to make contact: a signed-in user from
    outside that side, about something open for docking."""
    if not account_policies.is_authenticated(user) or account_policies.is_org_member(user, organisation):
        return False
    if kind == TargetKind.ACHIEVEMENT:
        return supply_policies.can_request_docking(user, target)
    if kind == TargetKind.EXPERT:
        return bool(target.is_public and organisation.status == "active" and target.user_id != user.pk)
    demand = demand_behind(kind, target)
    return demand.status in DEMAND_OPEN and demand_policies.can_view_demand(user, demand)


def needs_terms(case: Any) -> bool:
    """A request about a summary-only demand or challenge waits for the requester's acceptance of the
    demand's confidentiality terms before contacts are shared."""
    return is_summary_only(case.target_demand)


def consented(case: Any) -> bool:
    """Both consents given: the target side accepted (and, where needed, the terms were accepted).
    Once given they stay given, also when the case later stalls or closes."""
    return case.accepted_at is not None and (case.terms_accepted_at is not None or not needs_terms(case))


def can_see_contacts(user: Any, case: Any) -> bool:
    """The other side's contact details (name, phone, e-mail)."""
    if runs_case(user, case):
        return True
    return is_party(user, case) and consented(case)


def can_see_entry(user: Any, case: Any, kind: str) -> bool:
    if runs_case(user, case):
        return True
    return kind in PARTY_ENTRIES and is_party(user, case)


def can_add_entry(user: Any, case: Any, kind: str) -> bool:
    """Brokers and operators add every kind; the parties send messages and files once both consented
    (a message before could carry the contacts that consent protects)."""
    if case.status in {CaseStage.DECLINED, CaseStage.CONTRACTED}:
        return False
    if runs_case(user, case):
        return True
    return kind in {EntryKind.MESSAGE, EntryKind.FILE} and is_party(user, case) and consented(case)


def can_assign_broker(user: Any) -> bool:
    return account_policies.is_operator(user)


def can_run(broker: Any, case: Any) -> bool:
    """A broker may run a case only if they are neither of its parties (they would see the other
    side's contacts and the private notes before consent)."""
    return not is_party(broker, case)


def can_record_intent(user: Any, case: Any | None) -> bool:
    if case is None:
        return account_policies.is_operator(user)
    return runs_case(user, case) and case.status not in {CaseStage.DECLINED, CaseStage.REQUESTED}


def can_use_board(user: Any) -> bool:
    return account_policies.is_operator(user) or (account_policies.is_authenticated(user) and user.is_broker)


def can_edit_broker_profile(user: Any, profile: Any) -> bool:
    return account_policies.is_operator(user) or (account_policies.is_authenticated(user)
                                                   and profile.user_id == user.pk)


def can_view_ledger(user: Any, broker: Any) -> bool:
    """A broker's own figures, and every broker's for operators; the public directory shows none."""
    return account_policies.is_operator(user) or (account_policies.is_authenticated(user) and user.is_broker
                                                   and user.pk == broker.pk)
