"""Double consent as a table: who sees which side's contact details at which stage, through the
selector, the case page and the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from duijie.demand.enums import Confidentiality
from duijie.docking import selectors, services
from duijie.docking.models import DockingRequest
from tests.demand.helpers import published as published_demand
from tests.docking.helpers import Parties, broker
from tests.factories import AdminMembershipFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

REQUESTER_PHONE, TARGET_PHONE = "13800000002", "13900000001"

# who → (sees the case at all, sees contacts at "requested", at "accepted", after a decline)
TABLE = {
    "requester": (True, False, True, False),
    "target member": (True, False, True, False),
    "target colleague": (True, False, True, False),  # another member of the institution
    "case broker": (True, True, True, True),
    "other broker": (False, False, False, False),
    "operator": (True, True, True, True),
    "outsider": (False, False, False, False),
    "anonymous": (False, False, False, False),
}


def people(parties: Parties) -> dict[str, object]:
    from django.contrib.auth.models import AnonymousUser

    return {
        "requester": parties.requester, "target member": parties.owner,
        "target colleague": MembershipFactory(organisation=parties.institution.organisation).user,
        "case broker": parties.broker, "other broker": broker(), "operator": parties.operator,
        "outsider": UserFactory(), "anonymous": AnonymousUser(),
    }


@pytest.mark.parametrize("who", list(TABLE))
def test_contacts_table(who: str, client_for) -> None:  # type: ignore[no-untyped-def]
    sees_case, at_requested, at_accepted, after_decline = TABLE[who]
    for stage, expected in (("requested", at_requested), ("accepted", at_accepted), ("declined", after_decline)):
        parties = Parties()
        case = parties.case_at(stage)
        if stage != "accepted":  # the case broker runs the case from the start in this table
            services.case_assign_broker(actor=parties.operator, case=case, broker=parties.broker) \
                if stage == "requested" else DockingRequest.objects.filter(pk=case.pk).update(broker=parties.broker)
        case = DockingRequest.objects.get(pk=case.pk)
        user = people(parties)[who]
        visible = selectors.cases_visible_to(user).filter(pk=case.pk).exists()
        assert visible == sees_case, (who, stage)
        contacts = selectors.case_contacts(user=user, case=case) if visible else None
        assert (contacts is not None) == expected, (who, stage)
        if contacts is not None:
            assert contacts["requester"].phone == REQUESTER_PHONE and contacts["target"].phone == TARGET_PHONE
        # The page and the API say the same: no phone number before consent, a 404 for non-viewers.
        client = client_for(user if who != "anonymous" else None)
        page = client.get(reverse("docking:case", args=[case.pk]))
        api = client.get(f"/api/docking/cases/{case.pk}")
        if not sees_case:
            assert page.status_code in (302, 404) and api.status_code in (401, 404), (who, stage)
            continue
        html = page.content.decode()
        assert (REQUESTER_PHONE in html and TARGET_PHONE in html) == expected, (who, stage)
        assert (api.json()["contacts"] is not None) == expected, (who, stage)


def test_summary_only_demand_needs_the_requesters_terms() -> None:
    enterprise = AdminMembershipFactory()
    demand = published_demand(enterprise, confidentiality=Confidentiality.SUMMARY)
    institution = AdminMembershipFactory(organisation__kind="university")
    asker = institution.user
    with pytest.raises(Exception) as refused:
        services.docking_request_create(requester=asker, demand=demand, message="我们有成熟的激光切割方案。")
    assert refused.value.code == "terms_required"
    assert not DockingRequest.objects.exists()
    case = services.docking_request_create(requester=asker, demand=demand, message="我们有成熟的激光切割方案。",
                                           accept_terms=True)
    assert case.terms_accepted_at is not None and case.target_organisation == enterprise.organisation
    case = services.case_transition(actor=enterprise.user, case=case, name="accept")
    assert selectors.case_contacts(user=asker, case=case)["target"].phone == "13800000000"
    # Without the terms on record, acceptance alone shares nothing.
    DockingRequest.objects.filter(pk=case.pk).update(terms_accepted_at=None)
    case = DockingRequest.objects.get(pk=case.pk)
    assert selectors.case_contacts(user=asker, case=case) is None
    assert selectors.case_contacts(user=enterprise.user, case=case) is None


def test_messages_before_consent_are_refused_and_notes_stay_private(client_for) -> None:  # type: ignore[no-untyped-def]
    parties = Parties()
    case = parties.request()
    with pytest.raises(Exception) as refused:
        services.case_add_entry(actor=parties.requester, case=case, kind="message", body="我的电话 138…")
    assert refused.value.code == "permission_denied"
    case = services.case_transition(actor=parties.owner, case=case, name="accept")
    services.case_assign_broker(actor=parties.operator, case=case, broker=parties.broker)
    services.case_add_entry(actor=parties.requester, case=case, kind="message", body="下周可以来学校面谈吗？")
    services.case_add_entry(actor=parties.broker, case=case, kind="note", body="企业预算偏紧，需要分期付款")
    for user, sees_note in ((parties.requester, False), (parties.owner, False), (parties.broker, True),
                            (parties.operator, True)):
        html = client_for(user).get(reverse("docking:case", args=[case.pk])).content.decode()
        assert "下周可以来学校面谈吗" in html
        assert ("企业预算偏紧" in html) == sees_note
        kinds = [item["kind"] for item in client_for(user).get(f"/api/docking/cases/{case.pk}/timeline").json()]
        assert ("note" in kinds) == sees_note


def test_parties_read_neither_closing_reasons_nor_who_declined(client_for) -> None:  # type: ignore[no-untyped-def]
    parties = Parties()
    case = parties.case_at("meeting")
    services.case_transition(actor=parties.broker, case=case, name="close", reason="企业付款信用存疑")
    for user, sees in ((parties.requester, False), (parties.owner, False), (parties.broker, True)):
        html = client_for(user).get(reverse("docking:case", args=[case.pk])).content.decode()
        assert ("企业付款信用存疑" in html) == sees
        bodies = [i["body"] for i in client_for(user).get(f"/api/docking/cases/{case.pk}/timeline").json()]
        assert ("企业付款信用存疑" in bodies) == sees
    other = Parties()
    declined = other.case_at("declined")
    html = client_for(other.requester).get(reverse("docking:case", args=[declined.pk])).content.decode()
    assert other.owner.full_name not in html
    timeline = client_for(other.requester).get(f"/api/docking/cases/{declined.pk}/timeline").json()
    assert [i["author"] for i in timeline if i["to_stage"] == "declined"] == [None]


def test_a_party_cannot_broker_its_own_case() -> None:
    parties = Parties()
    own = broker(name="本方经纪人")
    case = services.docking_request_create(requester=own, achievement=parties.achievement,
                                           message="经纪人代表自己公司询问合作。")
    assert "本方经纪人" not in [p.name for p in selectors.broker_proposals(case)]
    with pytest.raises(Exception) as refused:
        services.case_assign_broker(actor=parties.operator, case=case, broker=own)
    assert refused.value.code == "validation_error"


def test_private_targets_cannot_be_asked_about_or_named(client_for) -> None:  # type: ignore[no-untyped-def]
    from duijie.demand.enums import Confidentiality as C

    private = published_demand(confidentiality=C.PRIVATE, title="保密的需求标题")
    response = client_for(UserFactory()).get(reverse("docking:request", args=["demand", private.pk]))
    assert response.status_code == 404 and "保密的需求标题" not in response.content.decode()


def test_case_files_are_not_under_media_and_download_only_for_who_sees_them(client_for, settings) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    parties = Parties()
    case = parties.case_at("accepted")
    note = services.case_add_entry(actor=parties.broker, case=case, kind="note", body="报价单",
                                   file=SimpleUploadedFile("quote.txt", b"price list"))
    shared = services.case_add_entry(actor=parties.requester, case=case, kind="file",
                                     file=SimpleUploadedFile("spec.txt", b"spec"))
    assert not note.file.path.startswith(str(settings.MEDIA_ROOT))
    url = reverse("docking:entry_file", args=[case.pk, note.pk])
    assert client_for(parties.broker).get(url).status_code == 200
    assert client_for(parties.requester).get(url).status_code == 404
    assert client_for(UserFactory()).get(url).status_code == 404
    shared_url = reverse("docking:entry_file", args=[case.pk, shared.pk])
    assert b"".join(client_for(parties.owner).get(shared_url).streaming_content) == b"spec"
