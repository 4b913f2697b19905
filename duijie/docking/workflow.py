"""The docking case pipeline (撮合), declared once.

    requested ──accept (the target side)──▶ accepted ──meet──▶ meeting ──negotiate──▶ negotiating
        ├──decline (the target side, reason)──▶ declined                                     │
        └──withdraw (the requester, or an operator)──▶ declined          sign_intent (an intent recorded)
                                                                                              ▼
                                           contracted ◀──contract (a registered contract)── intent signed
    accepted/meeting/negotiating/intent signed ──stall (the SLA job, or an operator)──▶ stalled
    stalled ──resume (new activity, the broker or an operator)──▶ the stage it stalled in
    accepted/meeting/negotiating/intent signed/stalled ──close (the broker or an operator, reason)──▶ declined

``case_transition`` in ``services.py`` is the only code that changes a stage, and writes a history row
(actor, from, to, reason, time) for each move.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from duijie.accounts import policies as account_policies
from duijie.docking import policies
from duijie.docking.enums import CaseStage as S

RUNNING = frozenset({S.ACCEPTED, S.MEETING, S.NEGOTIATING, S.INTENT_SIGNED})


def _target_side(user: Any, case: Any) -> bool:
    return policies.is_target_side(user, case)


def _requester_or_operator(user: Any, case: Any) -> bool:
    return account_policies.is_operator(user) or policies.is_requester_side(user, case)


def _broker_or_operator(user: Any, case: Any) -> bool:
    return account_policies.is_operator(user) or policies.is_case_broker(user, case)


def _system_or_operator(user: Any, case: Any) -> bool:
    return user is None or account_policies.is_operator(user)


def _system_broker_or_operator(user: Any, case: Any) -> bool:
    return user is None or _broker_or_operator(user, case)


@dataclass(frozen=True)
class Transition:
    name: str
    label: Promise
    sources: frozenset[str]
    target: str  # "" for resume: back to the stage the case stalled in
    allowed: Callable[[Any, Any], bool]
    who: Promise
    needs_reason: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("accept", _("Accept and share contact details"), frozenset({S.REQUESTED}), S.ACCEPTED,
                   _target_side, _("the side the request is addressed to")),
        Transition("decline", _("Decline"), frozenset({S.REQUESTED}), S.DECLINED, _target_side,
                   _("the side the request is addressed to")),
        Transition("withdraw", _("Withdraw the request"), frozenset({S.REQUESTED}), S.DECLINED,
                   _requester_or_operator, _("the requester or an operator")),
        Transition("meet", _("Meeting arranged"), frozenset({S.ACCEPTED}), S.MEETING, _broker_or_operator,
                   _("the case's broker or an operator")),
        Transition("negotiate", _("Negotiation started"), frozenset({S.MEETING}), S.NEGOTIATING, _broker_or_operator,
                   _("the case's broker or an operator")),
        Transition("sign_intent", _("Cooperation intent signed"), frozenset({S.NEGOTIATING}), S.INTENT_SIGNED,
                   _broker_or_operator, _("the case's broker or an operator")),
        Transition("contract", _("Contract registered"), frozenset({S.INTENT_SIGNED}), S.CONTRACTED,
                   _broker_or_operator, _("the case's broker or an operator")),
        Transition("stall", _("Mark as stalled"), RUNNING, S.STALLED, _system_or_operator,
                   _("the service-level job or an operator"), needs_reason=True),
        Transition("resume", _("Resume"), frozenset({S.STALLED}), "", _system_broker_or_operator,
                   _("new activity, the case's broker or an operator")),
        Transition("close", _("Close without agreement"), RUNNING | {S.STALLED}, S.DECLINED, _broker_or_operator,
                   _("the case's broker or an operator"), needs_reason=True),
    ]
}


def target_of(transition: Transition, case: Any) -> str:
    return transition.target or case.stalled_from or S.ACCEPTED


def available_transitions(user: Any, case: Any) -> list[Transition]:
    """The transitions this user may take now, in declaration order (``stall`` is mostly the job's)."""
    return [t for t in TRANSITIONS.values() if case.status in t.sources and t.allowed(user, case)]


def transition_to(user: Any, case: Any, stage: str) -> Transition | None:
    """The one transition that moves ``case`` to ``stage`` for ``user`` (a kanban drop), if any."""
    for transition in available_transitions(user, case):
        if target_of(transition, case) == stage:
            return transition
    return None


# What happens next, per stage: the case page tells the parties.
NEXT_STEP: dict[str, Promise] = {
    S.REQUESTED: _("Waiting for the other side to accept; contact details are shared once they do."),
    S.ACCEPTED: _("Both sides agreed to talk: the broker arranges a first meeting."),
    S.MEETING: _("Meeting: the parties meet to discuss the technology and the need."),
    S.NEGOTIATING: _("Negotiating the terms of cooperation."),
    S.INTENT_SIGNED: _("A cooperation intent is signed; the contract is being prepared."),
    S.CONTRACTED: _("The technology contract is registered."),
    S.DECLINED: _("This docking did not go ahead."),
    S.STALLED: _("No activity for a while: any new note, meeting or message resumes the case."),
}
