"""The docking pages: my docking, the request form, the case page's forms, the board (htmx and
keyboard moves), the list, the .ics export, the broker directory and profile, the ledger,
notifications; and the number of queries of the board and the ledger."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from duijie.docking import services
from duijie.docking.models import BrokerProfile, CaseEntry, DockingRequest
from duijie.notifications.models import Notification
from tests.demand.helpers import published as published_demand
from tests.docking.helpers import MESSAGE, Parties, broker
from tests.factories import AdminMembershipFactory, ExpertFactory, UserFactory
from tests.helpers import flash_messages, get_counting_queries

pytestmark = pytest.mark.django_db


def test_requests_from_expert_and_demand_pages(client_for) -> None:  # type: ignore[no-untyped-def]
    parties = Parties()
    expert = ExpertFactory(organisation=parties.institution.organisation)
    client = client_for(parties.requester)
    assert reverse("docking:request", args=["expert", expert.pk]) in client.get(
        reverse("supply:expert_detail", args=[expert.pk])).content.decode()
    response = client.post(reverse("docking:request", args=["expert", expert.pk]), {"message": "短"})
    assert response.status_code == 200 and "message" in response.context["form"].errors
    response = client.post(reverse("docking:request", args=["expert", expert.pk]),
                           {"message": "想请您担任我司技术顾问。"})
    case = DockingRequest.objects.get(expert=expert)
    assert response["Location"] == reverse("docking:case", args=[case.pk])
    demand = published_demand()
    page = client_for(parties.owner).get(reverse("demand:detail", args=[demand.pk])).content.decode()
    assert reverse("docking:request", args=["demand", demand.pk]) in page
    client_for(parties.owner).post(reverse("docking:request", args=["demand", demand.pk]) + "?origin=recommendation",
                                   {"message": "我们的成果可以解决贵司需求。", "origin": "recommendation"})
    assert DockingRequest.objects.get(demand=demand).origin == "recommendation"
    assert client_for(parties.owner).get(reverse("docking:request", args=["nothing", 1])).status_code == 404


def test_inbox_lists_sent_and_received(client_for) -> None:  # type: ignore[no-untyped-def]
    parties = Parties()
    case = parties.request()
    sent = client_for(parties.requester).get(reverse("docking:inbox"))
    assert [c.pk for c in sent.context["sent"].object_list] == [case.pk] and sent.context["received"] == []
    received = client_for(parties.owner).get(reverse("docking:inbox"))
    assert [c.pk for c in received.context["received"]] == [case.pk]
    empty = client_for(UserFactory()).get(reverse("docking:inbox")).content.decode()
    assert 'class="empty"' in empty


def test_case_page_accept_message_meeting_ics_and_intent(client_for) -> None:  # type: ignore[no-untyped-def]
    parties = Parties()
    case = parties.request()
    owner = client_for(parties.owner)
    page = owner.get(reverse("docking:case", args=[case.pk])).content.decode()
    assert 'data-testid="transition-accept"' in page and 'data-testid="contacts-hidden"' in page
    owner.post(reverse("docking:transition", args=[case.pk]), {"name": "accept"})
    assert DockingRequest.objects.get(pk=case.pk).status == "accepted"
    operator = client_for(parties.operator)
    page = operator.get(reverse("docking:case", args=[case.pk]))
    assert page.context["proposals"] is not None
    operator.post(reverse("docking:assign", args=[case.pk]), {"broker": parties.broker.pk, "reason": "熟悉视觉"})
    assert DockingRequest.objects.get(pk=case.pk).broker == parties.broker
    runner = client_for(parties.broker)
    starts = (timezone.localtime() + timedelta(days=2)).replace(microsecond=0, second=0)
    response = runner.post(reverse("docking:entry", args=[case.pk]), {
        "kind": "meeting", "starts_at": starts.strftime("%Y-%m-%dT%H:%M"), "location": "苏州大学 天赐庄校区",
        "attendees": "王工；李老师", "body": "首次技术交流"})
    assert response.status_code == 302
    meeting = CaseEntry.objects.get(case=case, kind="meeting")
    ics = client_for(parties.requester).get(reverse("docking:meeting_ics", args=[case.pk, meeting.pk]))
    body = ics.content.decode()
    assert ics["Content-Type"].startswith("text/calendar") and "BEGIN:VEVENT" in body and "LOCATION:苏州大学" in body
    assert f"UID:docking-{case.pk}-meeting-{meeting.pk}@" in body
    assert client_for(UserFactory()).get(reverse("docking:meeting_ics", args=[case.pk, meeting.pk])).status_code == 404
    # A meeting with neither place nor link is refused, with the reason shown.
    bad = runner.post(reverse("docking:entry", args=[case.pk]), {"kind": "meeting",
                                                                 "starts_at": starts.strftime("%Y-%m-%dT%H:%M")})
    assert any("地点" in m or "place" in m for m in flash_messages(bad))
    runner.post(reverse("docking:transition", args=[case.pk]), {"name": "meet"})
    runner.post(reverse("docking:transition", args=[case.pk]), {"name": "negotiate"})
    runner.post(reverse("docking:intent", args=[case.pk]), {"scope": "共建视觉检测联合实验室",
                                                            "signed_on": date.today().isoformat(), "currency": "CNY",
                                                            "estimated_amount": "500000"})
    runner.post(reverse("docking:transition", args=[case.pk]), {"name": "sign_intent"})
    assert DockingRequest.objects.get(pk=case.pk).status == "intent_signed"
    # The parties may message each other now; the requester's message reaches the owner in-app.
    client_for(parties.requester).post(reverse("docking:entry", args=[case.pk]),
                                       {"kind": "message", "body": "合同草稿已发至贵校技术转移中心。"})
    assert Notification.objects.filter(recipient=parties.owner, kind="docking/email/message").exists()
    # ... but may not write the broker's notes.
    response = client_for(parties.requester).post(reverse("docking:entry", args=[case.pk]),
                                                  {"kind": "note", "body": "偷偷记一笔"})
    assert not CaseEntry.objects.filter(kind="note").exists()


def test_board_htmx_drag_keyboard_move_and_refusal(client_for) -> None:  # type: ignore[no-untyped-def]
    parties = Parties()
    case = parties.case_at("accepted")
    client = client_for(parties.broker)
    board = client.get(reverse("docking:board"))
    columns = {stage: [c.case.pk for c in cards] for stage, _label, cards in board.context["columns"]}
    assert columns["accepted"] == [case.pk]
    # A drop (htmx) answers the board alone, moved.
    response = client.post(reverse("docking:move"), {"case": case.pk, "stage": "meeting"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "docking/_board.html" in [t.name for t in response.templates]
    assert "<html" not in response.content.decode()
    assert DockingRequest.objects.get(pk=case.pk).status == "meeting"
    # A move the pipeline does not allow is refused in place, and changes nothing.
    response = client.post(reverse("docking:move"), {"case": case.pk, "stage": "contracted"}, HTTP_HX_REQUEST="true")
    assert response.context["error"] and DockingRequest.objects.get(pk=case.pk).status == "meeting"
    # The card's own form (keyboard, no script) redirects back to the board.
    response = client.post(reverse("docking:move"), {"case": case.pk, "stage": "negotiating"})
    assert response.status_code == 302 and DockingRequest.objects.get(pk=case.pk).status == "negotiating"
    # Another broker neither sees the case on their board nor moves it.
    other = client_for(broker())
    assert all(not cards for _s, _l, cards in other.get(reverse("docking:board")).context["columns"])
    assert other.post(reverse("docking:move"), {"case": case.pk, "stage": "declined"},
                      HTTP_HX_REQUEST="true").status_code == 404
    # Parties and visitors have no board.
    assert client_for(parties.requester).get(reverse("docking:board")).status_code == 403


def test_list_filters(client_for) -> None:  # type: ignore[no-untyped-def]
    first, second = Parties(), Parties()
    a = first.case_at("accepted")
    b = second.case_at("meeting")
    operator = client_for(first.operator)
    rows = lambda query: [c.case.pk for c in operator.get(reverse("docking:list") + query).context["page"].object_list]  # noqa: E731
    assert set(rows("")) == {a.pk, b.pk}
    assert rows("?stage=meeting") == [b.pk]
    assert rows(f"?broker={first.broker.pk}") == [a.pk]
    assert rows("?q=" + first.achievement.title) == [a.pk]
    assert rows("?kind=expert") == []


def test_board_and_ledger_queries_do_not_grow_with_cases(client_for) -> None:  # type: ignore[no-untyped-def]
    parties = Parties()
    operator = client_for(parties.operator)
    parties.case_at("meeting")
    board_small, _ = get_counting_queries(operator, reverse("docking:board"))
    ledger_small, _ = get_counting_queries(operator, reverse("docking:ledger"))
    for stage in ("requested", "accepted", "negotiating", "intent_signed", "declined"):
        more = Parties()
        case = more.case_at(stage)
        if stage != "declined":
            services.case_add_entry(actor=more.operator, case=case, kind="note", body="跟进")
    board_large, response = get_counting_queries(operator, reverse("docking:board"))
    ledger_large, ledger = get_counting_queries(operator, reverse("docking:ledger"))
    assert sum(len(cards) for _s, _l, cards in response.context["columns"]) == 6
    assert len(ledger.context["rows"]) >= 6
    assert board_large == board_small, (board_small, board_large)
    assert ledger_large == ledger_small, (ledger_small, ledger_large)


def test_ledger_figures(client_for) -> None:  # type: ignore[no-untyped-def]
    parties = Parties()
    case = parties.case_at("intent_signed")
    services.case_add_entry(actor=parties.broker, case=case, kind="meeting", starts_at=timezone.now(),
                            location="园区会议室")
    rows = client_for(parties.operator).get(reverse("docking:ledger")).context["rows"]
    row = next(r for r in rows if r.broker_id == parties.broker.pk)
    assert (row.opened, row.accepted, row.meetings, row.intents, row.contracts) == (1, 1, 1, 1, 0)
    assert set(row.median_days) == {"requested", "accepted", "meeting", "negotiating"}
    mine = client_for(parties.broker).get(reverse("docking:ledger")).context["rows"]
    assert [r.broker_id for r in mine] == [parties.broker.pk]
    assert client_for(parties.requester).get(reverse("docking:ledger")).status_code == 403


def test_broker_directory_profile_and_edit(client_for) -> None:  # type: ignore[no-untyped-def]
    shown = broker(fields=["ic-electronics.iot"], name="公开经纪人")
    broker(name="隐藏经纪人").broker_profile.__class__.objects.filter(user__full_name="隐藏经纪人").update(is_public=False)
    directory = client_for(None).get(reverse("docking:brokers")).content.decode()
    assert "公开经纪人" in directory and "隐藏经纪人" not in directory
    profile = BrokerProfile.objects.get(user=shown)
    public = client_for(None).get(reverse("docking:broker", args=[profile.pk])).content.decode()
    assert "公开经纪人" in public and "Cases opened" not in public and "新开案件" not in public
    # The broker edits their own profile and adds a training; the level stays the operators'.
    me = client_for(shown)
    me.post(reverse("docking:broker_me"), {"action": "profile", "level": "senior", "bio": "十年技术转移经验",
                                           "is_public": "on", "accepts_cases": "on"})
    profile.refresh_from_db()
    assert (profile.bio, profile.level) == ("十年技术转移经验", "junior")
    me.post(reverse("docking:broker_me"), {"action": "training", "course": "技术经纪人初级培训",
                                           "module": "policy_law", "hours": "16", "completed_on": "2026-10-12"})
    assert profile.trainings.get().hours == 16
    page = client_for(None).get(reverse("docking:broker", args=[profile.pk]))
    assert page.context["hours"] == {"policy_law": 16}
    assert client_for(broker()).get(reverse("docking:broker_edit", args=[profile.pk])).status_code == 403


def test_notifications_page_and_unread_count(client_for) -> None:  # type: ignore[no-untyped-def]
    parties = Parties()
    parties.request()
    client = client_for(parties.owner)
    home = client.get("/").content.decode()
    assert 'data-testid="unread-count">1<' in home
    page = client.get(reverse("notifications:inbox"))
    assert len(page.context["page"].object_list) == 1
    client.post(reverse("notifications:mark_read"))
    assert 'data-testid="unread-count"' not in client.get("/").content.decode()


def test_achievement_request_lands_on_the_case_and_hall_shows_it(client_for) -> None:  # type: ignore[no-untyped-def]
    parties = Parties()
    client = client_for(AdminMembershipFactory().user)
    response = client.post(reverse("supply:docking_request", args=[parties.achievement.pk]),
                           {"message": MESSAGE, "origin": "recommendation"})
    case = DockingRequest.objects.get()
    assert response["Location"] == reverse("docking:case", args=[case.pk]) and case.origin == "recommendation"


def test_event_intents_page(client_for) -> None:  # type: ignore[no-untyped-def]
    parties = Parties()
    operator = client_for(parties.operator)
    for n in range(2):
        response = operator.post(reverse("docking:intents"), {
            "event_name": "2026 中英路演", "supply_party": "利物浦大学团队", "demand_party": f"苏州企业{n}",
            "scope": "联合研发", "signed_on": "2026-11-20", "currency": "CNY"})
        assert response.status_code == 302
    refused = operator.post(reverse("docking:intents"), {"supply_party": "a", "demand_party": "b", "scope": "c",
                                                         "signed_on": "2026-11-20", "currency": "CNY"})
    assert refused.status_code == 200 and "event_name" in refused.context["form"].errors
    listing = operator.get(reverse("docking:intents") + "?event=2026 中英路演")
    assert len(listing.context["page"].object_list) == 2
    # Brokers read the intents of their cases and may not record an event's; outsiders see none.
    assert client_for(parties.broker).post(reverse("docking:intents"), {}).status_code == 403
    assert list(client_for(UserFactory()).get(reverse("docking:intents")).context["page"].object_list) == []
