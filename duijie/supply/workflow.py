"""The achievement lifecycle, declared once.

    draft ──submit──▶ submitted ──publish──▶ published ──start_negotiation──▶ in_negotiation ──transfer──▶ transferred
      ▲                  │                      │  ▲                               │
      │               return (reason)           │  └───────────resume──────────────┘
      │                  ▼                      │
      └─(edit)──── returned ──submit──▶ …       └──return (reason) ──▶ returned
    any but transferred ──archive──▶ archived ──restore──▶ draft

``achievement_transition`` in ``services.py`` is the only code that changes a status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from duijie.accounts import policies as account_policies
from duijie.supply import policies
from duijie.supply.enums import AchievementStatus as S


def _owner_or_operator(user: Any, achievement: Any) -> bool:
    return account_policies.is_operator(user) or policies.is_owner_member(user, achievement)


def _operator(user: Any, achievement: Any) -> bool:
    return account_policies.is_operator(user)


@dataclass(frozen=True)
class Transition:
    name: str
    label: Promise
    sources: frozenset[str]
    target: str
    allowed: Callable[[Any, Any], bool]
    needs_reason: bool = False
    needs_checklist: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("submit", _("Submit for screening"), frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED,
                   _owner_or_operator),
        Transition("publish", _("Publish"), frozenset({S.SUBMITTED}), S.PUBLISHED, _operator, needs_checklist=True),
        Transition("return", _("Return for changes"), frozenset({S.SUBMITTED, S.PUBLISHED}), S.RETURNED, _operator,
                   needs_reason=True),
        Transition("start_negotiation", _("Mark as in negotiation"), frozenset({S.PUBLISHED}), S.IN_NEGOTIATION,
                   _owner_or_operator),
        Transition("resume", _("Back to published"), frozenset({S.IN_NEGOTIATION}), S.PUBLISHED, _owner_or_operator),
        Transition("transfer", _("Mark as transferred"), frozenset({S.PUBLISHED, S.IN_NEGOTIATION}), S.TRANSFERRED,
                   _owner_or_operator),
        Transition("archive", _("Archive"),
                   frozenset({S.DRAFT, S.SUBMITTED, S.RETURNED, S.PUBLISHED, S.IN_NEGOTIATION}), S.ARCHIVED,
                   _owner_or_operator),
        Transition("restore", _("Restore as draft"), frozenset({S.ARCHIVED}), S.DRAFT, _owner_or_operator),
    ]
}


class ScreeningCheck:
    """The operator's screening checklist; every item must be ticked to publish."""

    ITEMS: dict[str, Promise] = {
        "complete": _("Title, summary, fields and TRL are complete and accurate"),
        "ownership": _("The institution owns the achievement and its IP assets"),
        "no_secrets": _("Nothing confidential or unpublishable is disclosed"),
        "contact": _("The contact person is reachable"),
    }


def available_transitions(user: Any, achievement: Any) -> list[Transition]:
    """The transitions this user may take now, in declaration order."""
    return [t for t in TRANSITIONS.values() if achievement.status in t.sources and t.allowed(user, achievement)]
