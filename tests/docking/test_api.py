"""The docking API: the same rules as the pages, through a personal API token."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from duijie.accounts import services as account_services
from duijie.docking.models import DockingRequest
from tests.docking.helpers import MESSAGE, Parties, broker
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def api(user) -> Client:  # type: ignore[no-untyped-def]
    raw = account_services.api_token_create(actor=user, name="script")[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE="en")


def test_request_to_intent_signed_over_the_api() -> None:
    parties = Parties()
    requester, owner, operator, runner = (api(parties.requester), api(parties.owner), api(parties.operator),
                                          api(parties.broker))
    created = requester.post("/api/docking/requests", {"target_kind": "achievement",
                                                       "target_id": parties.achievement.pk, "message": MESSAGE,
                                                       "cooperation_mode": "licence"}, content_type="application/json")
    assert created.status_code == 201, created.content
    case = created.json()
    assert (case["stage"], case["contacts"], case["cooperation_mode"]) == ("requested", None, "licence")
    pk = case["id"]
    assert owner.get(f"/api/docking/cases/{pk}").json()["actions"] == ["accept", "decline"]
    assert requester.post(f"/api/docking/cases/{pk}/transitions", {"name": "accept"},
                          content_type="application/json").status_code == 403
    accepted = owner.post(f"/api/docking/cases/{pk}/transitions", {"name": "accept"},
                          content_type="application/json").json()
    assert accepted["stage"] == "accepted" and accepted["contacts"]["requester"]["phone"] == "13800000002"
    assert requester.get(f"/api/docking/cases/{pk}").json()["contacts"]["target"]["email"] == "li@university.example"
    proposals = operator.get(f"/api/docking/cases/{pk}/proposals")
    assert proposals.status_code == 200 and runner.get(f"/api/docking/cases/{pk}/proposals").status_code == 404
    assigned = operator.put(f"/api/docking/cases/{pk}/broker", {"broker": parties.broker.pk, "reason": "熟悉"},
                            content_type="application/json")
    assert assigned.json()["broker"] == parties.broker.full_name
    meeting = runner.post(f"/api/docking/cases/{pk}/entries", {"kind": "meeting", "starts_at": "2026-12-10T10:00:00+08:00",
                                                               "online_link": "https://meeting.example/abc"})
    assert meeting.status_code == 201, meeting.content
    assert any(item["ics_url"] for item in meeting.json())
    for name in ("meet", "negotiate"):
        assert runner.post(f"/api/docking/cases/{pk}/transitions", {"name": name},
                           content_type="application/json").status_code == 200
    refused = runner.post(f"/api/docking/cases/{pk}/transitions", {"name": "sign_intent"},
                          content_type="application/json")
    assert (refused.status_code, refused.json()["code"]) == (400, "intent_required")
    intent = runner.post(f"/api/docking/cases/{pk}/intents", {"scope": "联合开发", "signed_on": date.today().isoformat(),
                                                              "estimated_amount": "300000", "currency": "CNY"})
    assert intent.status_code == 201, intent.content
    signed = runner.post(f"/api/docking/cases/{pk}/transitions", {"name": "sign_intent"},
                         content_type="application/json")
    assert signed.json()["stage"] == "intent_signed"
    contract = runner.post(f"/api/docking/cases/{pk}/transitions", {"name": "contract"},
                           content_type="application/json")
    assert (contract.status_code, contract.json()["code"]) == (400, "contract_required")
    timeline = requester.get(f"/api/docking/cases/{pk}/timeline").json()
    assert [i["to_stage"] for i in timeline if i["kind"] == "history"] == [
        "requested", "accepted", "meeting", "negotiating", "intent_signed"]
    assert [i["kind"] for i in timeline if i["kind"] != "history"] == ["meeting"]
    listed = requester.get("/api/docking/cases?stage=intent_signed").json()
    assert [c["id"] for c in listed["items"]] == [pk]
    ledger = operator.get("/api/docking/ledger").json()
    assert next(r for r in ledger if r["broker_id"] == parties.broker.pk)["intents"] == 1
    assert requester.get("/api/docking/ledger").status_code == 403


def test_permissions_and_validation() -> None:
    parties = Parties()
    case = parties.request()
    assert Client().get(f"/api/docking/cases/{case.pk}").status_code == 401
    assert api(UserFactory()).get(f"/api/docking/cases/{case.pk}").status_code == 404
    assert api(broker()).get(f"/api/docking/cases/{case.pk}").status_code == 404
    bad = api(parties.requester).post("/api/docking/requests", {"target_kind": "planet", "target_id": 1,
                                                                "message": MESSAGE}, content_type="application/json")
    assert (bad.status_code, bad.json()["code"]) == (422, "validation_error")
    short = api(UserFactory()).post("/api/docking/requests", {"target_kind": "achievement",
                                                              "target_id": parties.achievement.pk, "message": "hi"},
                                    content_type="application/json")
    assert short.status_code == 422 and "message" in short.json()["fields"]
    duplicate = api(parties.requester).post("/api/docking/requests", {
        "target_kind": "achievement", "target_id": parties.achievement.pk, "message": MESSAGE},
        content_type="application/json")
    assert duplicate.json()["code"] == "duplicate_request"
    decline = api(parties.owner).post(f"/api/docking/cases/{case.pk}/transitions", {"name": "decline"},
                                      content_type="application/json")
    assert decline.status_code == 422 and DockingRequest.objects.get(pk=case.pk).status == "requested"
    declined = api(parties.owner).post(f"/api/docking/cases/{case.pk}/transitions",
                                       {"name": "decline", "decline_reason": "terms", "reason": "报价太低"},
                                       content_type="application/json").json()
    assert declined["decline_reason"] is None  # the owner's view: only brokers and operators read it
    assert api(parties.operator).get(f"/api/docking/cases/{case.pk}").json()["decline_reason"] == "terms"
    assert api(parties.broker).put(f"/api/docking/cases/{case.pk}/broker", {"broker": None},
                                   content_type="application/json").status_code == 404


def test_broker_directory_profile_and_notifications_over_the_api() -> None:
    someone = broker(fields=["ic-electronics.iot"], regions=["CN-320500"], name="公开经纪人")
    listed = Client().get("/api/docking/brokers").json()
    entry = next(b for b in listed["items"] if b["name"] == "公开经纪人")
    assert entry["fields"] == ["ic-electronics.iot"] and "opened" not in entry
    saved = api(someone).put(f"/api/docking/brokers/user/{someone.pk}", {
        "level": "senior", "fields": ["new-energy"], "bio": "新能源方向"}, content_type="application/json")
    assert saved.status_code == 200 and saved.json()["level"] == "junior" and saved.json()["fields"] == ["new-energy"]
    unknown = api(someone).put(f"/api/docking/brokers/user/{someone.pk}", {"fields": ["no-such-field"]},
                               content_type="application/json")
    assert unknown.status_code == 422
    training = api(someone).post(f"/api/docking/brokers/{entry['id']}/trainings", {
        "course": "技术合同登记实务", "module": "practice", "hours": "8", "completed_on": "2026-09-01"},
        content_type="application/json")
    assert training.status_code == 201 and training.json()["training_hours"] == {"practice": "8.0"}
    certificate = api(someone).post(f"/api/docking/brokers/{entry['id']}/certificates", {
        "name": "初级技术经纪人证书", "issued_on": "2026-01-01", "expires_on": "2025-01-01"})
    assert certificate.status_code == 422
    assert api(broker()).post(f"/api/docking/brokers/{entry['id']}/trainings", {
        "course": "x", "module": "practice", "hours": "8", "completed_on": "2026-09-01"},
        content_type="application/json").status_code == 403
    parties = Parties()
    parties.request()
    owner = api(parties.owner)
    items = owner.get("/api/notifications").json()["items"]
    assert len(items) == 1 and items[0]["read_at"] is None
    assert owner.post("/api/notifications/read", {}, content_type="application/json").json() == {"marked": 1,
                                                                                                 "unread": 0}
