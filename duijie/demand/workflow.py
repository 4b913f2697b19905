"""The demand chain, declared once: collect → screen (甄别) → publish → match (对接) → broker (撮合)
→ contract registered (合同登记) → policy fulfilled (政策兑现).

    collected ──submit──▶ screening ──publish──▶ published ──start_matching──▶ matching ──start_brokering──▶ brokering
        ▲                    │  │                                                                         │
        └──return (reason)───┘  └──reject (reason)──▶ rejected                               register_contract
                                                                                                          ▼
                                                                        fulfilled ◀──fulfil── contracted
    collected/screening/published/matching/brokering ──withdraw──▶ withdrawn
    published/matching/brokering ──expire (the deadline job)──▶ expired
    rejected/withdrawn/expired ──reopen──▶ collected

``submit`` is the enterprise's confirmation: a demand a commissioner recorded after a visit goes
to screening only when a member of the enterprise submits it. ``demand_transition`` in
``services.py`` is the only code that changes a status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from duijie.accounts import policies as account_policies
from duijie.demand import policies
from duijie.demand.enums import DemandStatus as S


def _owner(user: Any, demand: Any) -> bool:
    return policies.is_owner_member(user, demand)


def _owner_or_operator(user: Any, demand: Any) -> bool:
    return account_policies.is_operator(user) or policies.is_owner_member(user, demand)


def _operator(user: Any, demand: Any) -> bool:
    return account_policies.is_operator(user)


def _broker_or_operator(user: Any, demand: Any) -> bool:
    return account_policies.is_operator(user) or policies.is_assigned_broker(user, demand)


def _system_or_operator(user: Any, demand: Any) -> bool:
    return user is None or account_policies.is_operator(user)


@dataclass(frozen=True)
class Transition:
    name: str
    label: Promise
    sources: frozenset[str]
    target: str
    allowed: Callable[[Any, Any], bool]
    who: Promise
    needs_reason: bool = False
    needs_checklist: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("submit", _("Confirm and submit for screening"), frozenset({S.COLLECTED}), S.SCREENING, _owner,
                   _("the enterprise")),
        Transition("publish", _("Publish"), frozenset({S.SCREENING}), S.PUBLISHED, _operator, _("an operator"),
                   needs_checklist=True),
        Transition("return", _("Return for changes"), frozenset({S.SCREENING}), S.COLLECTED, _operator,
                   _("an operator"), needs_reason=True),
        Transition("reject", _("Reject"), frozenset({S.SCREENING}), S.REJECTED, _operator, _("an operator"),
                   needs_reason=True),
        Transition("start_matching", _("Start matching"), frozenset({S.PUBLISHED}), S.MATCHING, _broker_or_operator,
                   _("an operator or the assigned broker")),
        Transition("start_brokering", _("Start brokering"), frozenset({S.MATCHING}), S.BROKERING, _broker_or_operator,
                   _("an operator or the assigned broker")),
        Transition("register_contract", _("Contract registered"), frozenset({S.BROKERING}), S.CONTRACTED, _operator,
                   _("an operator")),
        Transition("fulfil", _("Policy fulfilled"), frozenset({S.CONTRACTED}), S.FULFILLED, _operator,
                   _("an operator")),
        Transition("withdraw", _("Withdraw"),
                   frozenset({S.COLLECTED, S.SCREENING, S.PUBLISHED, S.MATCHING, S.BROKERING}), S.WITHDRAWN,
                   _owner_or_operator, _("the enterprise or an operator")),
        Transition("expire", _("Expire"), frozenset({S.PUBLISHED, S.MATCHING, S.BROKERING}), S.EXPIRED,
                   _system_or_operator, _("the deadline job or an operator")),
        Transition("reopen", _("Reopen as a new draft"), frozenset({S.REJECTED, S.WITHDRAWN, S.EXPIRED}), S.COLLECTED,
                   _owner_or_operator, _("the enterprise or an operator")),
    ]
}


class ScreeningCheck:
    """甄别: the operator's checklist; every item must be ticked to publish."""

    ITEMS: dict[str, Promise] = {
        "clear_problem": _("The technical problem is clearly stated"),
        "feasible": _("The demand is technically feasible"),
        "genuine": _("The enterprise is genuine and the demand is its own"),
        "not_duplicate": _("Not a duplicate of a demand already on the platform"),
    }


# What happens next, per status: the "my demands" page tells the enterprise.
NEXT_STEP: dict[str, Promise] = {
    S.COLLECTED: _("Check the content and submit it for screening; nothing is published before."),
    S.SCREENING: _("The platform is screening the demand (甄别); you will hear by e-mail."),
    S.PUBLISHED: _("On the board: the platform looks for matching technologies and teams."),
    S.MATCHING: _("Matching (对接): candidates are being contacted."),
    S.BROKERING: _("Brokering (撮合): a broker is negotiating with a candidate."),
    S.CONTRACTED: _("Contract registered: the policy incentive can be claimed."),
    S.FULFILLED: _("Done: the policy incentive has been paid."),
    S.REJECTED: _("Rejected: read the reason; you may reopen it as a new draft."),
    S.WITHDRAWN: _("Withdrawn: you may reopen it as a new draft."),
    S.EXPIRED: _("Expired after its deadline: you may reopen it with a new deadline."),
}


def available_transitions(user: Any, demand: Any) -> list[Transition]:
    """The transitions this user may take now, in declaration order (``expire`` is the job's)."""
    return [t for t in TRANSITIONS.values()
            if demand.status in t.sources and t.name != "expire" and t.allowed(user, demand)]
