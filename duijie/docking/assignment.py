"""Which broker to propose for a case: plain Python over plain values, so that tests can craft broker
sets. ``selectors.broker_proposals`` gathers the values from the database.

A broker scores for
- fields: each of the case's technology fields they cover (the field itself, or its parent or a
  sub-field: half as much), as a share of the case's fields, times ``FIELD_WEIGHT``;
- region: serving a region of either side (or a region containing it), ``REGION_WEIGHT``;
- level: ``LEVEL_WEIGHT`` a level above technology commissioner;
- load: minus ``LOAD_WEIGHT`` for each open case they run now.
The reason lists what counted, in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

FIELD_WEIGHT = 5.0
REGION_WEIGHT = 1.5
LEVEL_WEIGHT = 0.3
LOAD_WEIGHT = 0.35


@dataclass
class Candidate:
    user_id: int
    name: str
    level: str
    level_rank: int
    level_label: str
    fields: set[int] = field(default_factory=set)
    field_labels: dict[int, str] = field(default_factory=dict)
    regions: set[int] = field(default_factory=set)
    region_labels: dict[int, str] = field(default_factory=dict)
    open_cases: int = 0


@dataclass
class CaseNeeds:
    fields: set[int]
    field_parents: dict[int, int | None]  # every field involved (the case's and the brokers') → its parent
    regions: set[int]  # the regions of either side, and every region containing them


@dataclass
class Proposal:
    user_id: int
    name: str
    score: float
    reason: str
    open_cases: int
    level_label: str


def _related(a: int, b: int, parents: dict[int, int | None]) -> bool:
    return parents.get(a) == b or parents.get(b) == a or (parents.get(a) is not None
                                                           and parents.get(a) == parents.get(b))


def propose(needs: CaseNeeds, candidates: list[Candidate], limit: int = 5) -> list[Proposal]:
    """The best ``limit`` brokers for the case, best first (ties: fewer open cases, then name)."""
    out = []
    for broker in candidates:
        score, reasons = 0.0, []
        exact = needs.fields & broker.fields
        near = {f for f in needs.fields - exact if any(_related(f, g, needs.field_parents) for g in broker.fields)}
        if needs.fields:
            score += FIELD_WEIGHT * (len(exact) + 0.5 * len(near)) / len(needs.fields)
        if exact:
            reasons.append(_("covers %(fields)s") % {"fields": ", ".join(sorted(broker.field_labels.get(f, str(f))
                                                                                 for f in exact))})
        if near:
            reasons.append(_("works in fields close to the case's"))
        served = needs.regions & broker.regions
        if served:
            score += REGION_WEIGHT
            reasons.append(_("serves %(regions)s") % {"regions": ", ".join(sorted(
                broker.region_labels.get(r, str(r)) for r in served))})
        score += LEVEL_WEIGHT * broker.level_rank
        reasons.append(broker.level_label)
        score -= LOAD_WEIGHT * broker.open_cases
        reasons.append(ngettext("%(count)d open case", "%(count)d open cases", broker.open_cases)
                       % {"count": broker.open_cases})
        out.append(Proposal(user_id=broker.user_id, name=broker.name, score=round(score, 3),
                            reason="; ".join(reasons), open_cases=broker.open_cases, level_label=broker.level_label))
    out.sort(key=lambda p: (-p.score, p.open_cases, p.name))
    return out[:limit]
