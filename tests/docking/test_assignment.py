"""The broker proposal on crafted broker sets: fields first, then region, level and load."""

from __future__ import annotations

import pytest

from duijie.docking import selectors, services
from duijie.docking.assignment import Candidate, CaseNeeds, propose
from duijie.docking.enums import BrokerLevel
from tests.docking.helpers import Parties, broker
from tests.factories import AchievementFactory

pytestmark = pytest.mark.django_db

# Fields 1 and 2 are sub-fields of 10; field 3 of 30. Region 100 (a city) is in 200 (a province).
PARENTS = {1: 10, 2: 10, 3: 30, 10: None, 30: None}


def candidate(uid: int, name: str, fields: set[int] = frozenset(), regions: set[int] = frozenset(),  # type: ignore[assignment]
              level_rank: int = 1, open_cases: int = 0) -> Candidate:
    return Candidate(user_id=uid, name=name, level="junior", level_rank=level_rank, level_label=f"L{level_rank}",
                     fields=set(fields), field_labels={f: f"field-{f}" for f in fields}, regions=set(regions),
                     region_labels={r: f"region-{r}" for r in regions}, open_cases=open_cases)


def needs(fields: set[int], regions: set[int] = frozenset()) -> CaseNeeds:  # type: ignore[assignment]
    return CaseNeeds(fields=set(fields), field_parents=PARENTS, regions=set(regions))


def names(proposals) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.name for p in proposals]


def test_field_expertise_comes_first() -> None:
    brokers = [candidate(1, "region-only", regions={100}, level_rank=3),
               candidate(2, "exact", fields={1}), candidate(3, "sibling", fields={2})]
    assert names(propose(needs({1}, {100}), brokers)) == ["exact", "sibling", "region-only"]


def test_region_then_level_then_load_break_ties() -> None:
    brokers = [candidate(1, "far", fields={1}), candidate(2, "near", fields={1}, regions={200}),
               candidate(3, "near-senior", fields={1}, regions={200}, level_rank=3)]
    assert names(propose(needs({1}, {100, 200}), brokers)) == ["near-senior", "near", "far"]
    busy = [candidate(1, "busy", fields={1}, open_cases=6), candidate(2, "free", fields={1})]
    assert names(propose(needs({1}), busy)) == ["free", "busy"]


def test_load_outweighs_a_level_but_not_a_field() -> None:
    brokers = [candidate(1, "senior-busy", fields={1}, level_rank=3, open_cases=4),
               candidate(2, "junior-free", fields={1}, level_rank=1),
               candidate(3, "free-elsewhere", fields={3})]
    assert names(propose(needs({1}), brokers)) == ["junior-free", "senior-busy", "free-elsewhere"]


def test_the_reason_says_what_counted(in_english) -> None:  # type: ignore[no-untyped-def]
    [top] = propose(needs({1, 3}, {100}), [candidate(1, "a", fields={1}, regions={100}, open_cases=2)], limit=1)
    assert "covers field-1" in top.reason and "serves region-100" in top.reason and "2 open cases" in top.reason


def test_limit_and_empty_set() -> None:
    assert propose(needs({1}), []) == []
    assert len(propose(needs({1}), [candidate(i, f"b{i}") for i in range(9)], limit=3)) == 3


def test_proposals_from_the_database(in_english) -> None:  # type: ignore[no-untyped-def]
    """Profiles, open-case load and the regions above a city come from the database."""
    parties = Parties(AchievementFactory(fields=["ic-electronics.iot"]))
    parties.broker.broker_profile.accepts_cases = False  # the default broker of Parties takes no cases
    parties.broker.broker_profile.save()
    expert = broker(BrokerLevel.SENIOR, fields=["ic-electronics.iot"], name="物联网经纪人")
    broker(BrokerLevel.JUNIOR, fields=["ic-electronics"], regions=["CN-320000"], name="江苏经纪人")
    broker(BrokerLevel.INTERMEDIATE, fields=["new-energy"], name="新能源经纪人")
    case = parties.request()
    proposals = selectors.broker_proposals(case)
    assert [p.name for p in proposals][:2] == ["物联网经纪人", "江苏经纪人"]
    assert parties.broker.full_name not in [p.name for p in proposals]
    assert "Jiangsu" in proposals[1].reason or "江苏" in proposals[1].reason
    # Five open cases weigh on the first broker: the second moves ahead.
    for _ in range(5):
        other = Parties(AchievementFactory(fields=["ic-electronics.iot"]))
        services.case_assign_broker(actor=other.operator, case=other.request(), broker=expert)
    assert next(p.name for p in selectors.broker_proposals(case)) == "江苏经纪人"
