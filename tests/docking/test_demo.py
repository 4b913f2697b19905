"""The docking side of ``duijie demo``: a broker of each level, cases in every stage the platform can
reach, an event's point-to-point request and six intents; loaded once, quietly."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from duijie.docking import selectors
from duijie.docking.models import BrokerProfile, CaseHistory, CooperationIntent, DockingRequest

pytestmark = pytest.mark.django_db


def test_demo_brokers_and_cases(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("demo", "--quiet", stdout=StringIO())
    assert callbacks == []  # demo content is not news: no e-mail
    assert sorted(BrokerProfile.objects.values_list("level", flat=True)) == [
        "commissioner", "intermediate", "junior", "senior"]
    assert all(p.certificates.exists() and p.trainings.exists() for p in BrokerProfile.objects.all())
    stages = Counter(DockingRequest.objects.values_list("status", flat=True))
    assert set(stages) == {"requested", "accepted", "meeting", "negotiating", "intent_signed", "declined", "stalled"}
    assert set(DockingRequest.objects.values_list("target_kind", flat=True)) == {"achievement", "expert", "demand"}
    event = DockingRequest.objects.get(origin="event")
    assert event.event_name and CooperationIntent.objects.filter(event_name=event.event_name).count() == 6
    # Every move has its history row; the overdue request shows on the board.
    for case in DockingRequest.objects.all():
        assert CaseHistory.objects.filter(case=case, kind="transition").last().to_status == case.status
    overdue = [c for c in selectors.cards(list(DockingRequest.objects.filter(status="requested"))) if c.overdue]
    assert overdue
    out = StringIO()
    call_command("demo", "--quiet", stdout=out)
    assert DockingRequest.objects.count() == 9 and CooperationIntent.objects.count() == 7
