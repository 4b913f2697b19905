import pytest
from django.test import RequestFactory
from django.urls import reverse

from duijie.accounts.models import Membership, Organisation
from duijie.core.enums import AuditAction
from duijie.core.models import AuditEvent
from duijie.core.services import audit_record
from tests.factories import (
    AdminMembershipFactory,
    MembershipFactory,
    OperatorFactory,
    OrganisationFactory,
    UserFactory,
    region,
)
from tests.helpers import get_counting_queries

AUDIT_LOG = "/operator/audit/"


# --- audit_record ----------------------------------------------------------------------------------


def test_audit_record_captures_ip_and_browser_from_request(user):
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Mozilla/5.0 (X11) Test")
    event = audit_record(action=AuditAction.SIGN_IN, actor=user, target=user, request=request)
    event.refresh_from_db()
    assert (event.action, event.actor, event.actor_email, event.ip_address, event.user_agent) == (
        "sign_in", user, user.email, "203.0.113.7", "Mozilla/5.0 (X11) Test"
    )
    assert (event.target_type, event.target_id, event.target_repr) == ("accounts.User", str(user.pk), str(user))


def test_audit_record_accepts_ipv6(user):
    request = RequestFactory().get("/", REMOTE_ADDR="2001:db8::1")
    assert audit_record(action=AuditAction.SIGN_IN, actor=user, request=request).ip_address == "2001:db8::1"


def test_audit_record_without_request_has_no_ip(user):
    event = audit_record(action=AuditAction.TOKEN_CREATED, actor=user)
    event.refresh_from_db()
    assert (event.ip_address, event.user_agent, event.target_type, event.detail) == (None, "", "", {})


def test_audit_record_anonymous_actor_keeps_email_only(db):
    from django.contrib.auth.models import AnonymousUser

    event = audit_record(action=AuditAction.SIGN_IN_FAILED, actor=AnonymousUser(), actor_email="who@example.org")
    assert (event.actor, event.actor_email) == (None, "who@example.org")


def test_audit_record_cuts_long_browser_string(user):
    request = RequestFactory().get("/", HTTP_USER_AGENT="x" * 400)
    event = audit_record(action=AuditAction.SIGN_IN, actor=user, request=request)
    event.refresh_from_db()
    assert event.user_agent == "x" * 255


def test_audit_record_in_a_view_takes_ip_from_current_request(user, client_for):
    client = client_for(user, REMOTE_ADDR="198.51.100.4", HTTP_USER_AGENT="Nightly/1.0")
    client.post(reverse("accounts:token_create"), {"name": "script"})
    event = AuditEvent.objects.get(action=AuditAction.TOKEN_CREATED)
    assert (event.actor, event.ip_address, event.user_agent) == (user, "198.51.100.4", "Nightly/1.0")


def test_audit_event_actor_deleted_keeps_email(user):
    event = audit_record(action=AuditAction.SIGN_IN, actor=user)
    email = user.email
    user.delete()
    event.refresh_from_db()
    assert (event.actor, event.actor_email) == (None, email)


# --- the audit log page --------------------------------------------------------------------------------


def test_audit_log_operator_sees_events_newest_first(operator, client_for):
    first = audit_record(action=AuditAction.SIGN_IN, actor=operator)
    second = audit_record(action=AuditAction.TOKEN_CREATED, actor=operator)
    # force_login in client_for writes a sign-in event too.
    response = client_for(operator).get(AUDIT_LOG)
    assert response.status_code == 200
    listed = [e.pk for e in response.context["page"].object_list]
    assert listed[-2:] == [second.pk, first.pk]
    assert listed == sorted(listed, reverse=True)


@pytest.mark.parametrize("who", ["user", "org_admin"])
def test_audit_log_non_operator_is_403(db, client_for, who):
    viewer = {"user": UserFactory, "org_admin": lambda: AdminMembershipFactory().user}[who]
    response = client_for(viewer(), language="en").get(AUDIT_LOG)
    assert response.status_code == 403
    assert response.templates[0].name == "403.html"


def test_audit_log_anonymous_is_sent_to_sign_in(db, client):
    response = client.get(AUDIT_LOG)
    assert (response.status_code, response.url) == (302, f"/accounts/sign-in/?next={AUDIT_LOG}")


def test_audit_log_filters_by_action(operator, client_for):
    audit_record(action=AuditAction.SIGN_IN, actor=operator)
    wanted = audit_record(action=AuditAction.ROLE_CHANGED, actor=operator, target=operator)
    response = client_for(operator).get(AUDIT_LOG, {"action": "role_changed"})
    assert [e.pk for e in response.context["page"].object_list] == [wanted.pk]
    assert response.context["action"] == "role_changed"


def test_audit_log_filters_by_email_or_object(operator, client_for):
    by_email = audit_record(action=AuditAction.SIGN_IN_FAILED, actor_email="li.lei@example.org")
    organisation = OrganisationFactory(name="搜索目标公司")
    by_object = audit_record(action=AuditAction.ADMIN_CHANGED, actor=operator, target=organisation)
    audit_record(action=AuditAction.SIGN_IN, actor=UserFactory())
    client = client_for(operator)
    assert [e.pk for e in client.get(AUDIT_LOG, {"q": "LI.LEI"}).context["page"].object_list] == [by_email.pk]
    assert [e.pk for e in client.get(AUDIT_LOG, {"q": "搜索目标"}).context["page"].object_list] == [by_object.pk]


def test_audit_log_queries_do_not_grow_with_items(operator, client_for):
    client = client_for(operator)
    AuditEvent.objects.all().delete()
    actor = UserFactory()
    audit_record(action=AuditAction.SIGN_IN, actor=actor, target=actor)
    one, response = get_counting_queries(client, AUDIT_LOG)
    assert len(response.context["page"].object_list) == 1
    for _ in range(4):
        other = UserFactory()
        audit_record(action=AuditAction.SIGN_IN, actor=other, target=other, detail={"n": 1})
    five, response = get_counting_queries(client, AUDIT_LOG)
    assert len(response.context["page"].object_list) == 5
    assert five == one


def test_audit_log_pages_by_fifty(operator, client_for):
    AuditEvent.objects.bulk_create(
        [AuditEvent(action=AuditAction.SIGN_IN, actor_email=f"u{n}@example.org") for n in range(60)]
    )
    client = client_for(operator)
    total = AuditEvent.objects.count()
    first = client.get(AUDIT_LOG)
    assert (len(first.context["page"].object_list), first.context["page"].paginator.count) == (50, total)
    second = client.get(AUDIT_LOG, {"page": 2})
    assert len(second.context["page"].object_list) == total - 50


# --- the back office ---------------------------------------------------------------------------------------


def admin_change_data(organisation: Organisation, **overrides) -> dict:
    data = {
        "name": organisation.name, "name_en": organisation.name_en, "kind": organisation.kind,
        "country": organisation.country_id, "region": organisation.region_id or "", "uscc": organisation.uscc,
        "registration_number": organisation.registration_number, "website": organisation.website,
        "description": organisation.description, "status": organisation.status,
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    if organisation.is_verified:
        data["is_verified"] = "on"
    return {**data, **overrides}


def test_admin_change_of_organisation_writes_audit_event(db, client_for):
    operator = OperatorFactory(is_superuser=True)
    organisation = OrganisationFactory()
    client = client_for(operator, REMOTE_ADDR="192.0.2.10")
    url = f"/backoffice/accounts/organisation/{organisation.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(url, admin_change_data(organisation, description="Checked by phone."))
    assert (response.status_code, response.url) == (302, "/backoffice/accounts/organisation/")
    organisation.refresh_from_db()
    assert (organisation.description, organisation.status) == ("Checked by phone.", "active")
    event = AuditEvent.objects.get(action=AuditAction.ADMIN_CHANGED)
    assert (event.actor, event.target_type, event.target_id, event.target_repr, event.ip_address) == (
        operator, "accounts.Organisation", str(organisation.pk), organisation.name, "192.0.2.10"
    )
    assert event.detail == {"change": [{"changed": {"fields": ["Description"]}}]}


def test_admin_suspend_action_goes_through_service_and_audit(db, client_for):
    operator = OperatorFactory()
    organisation = OrganisationFactory()
    response = client_for(operator).post(
        "/backoffice/accounts/organisation/",
        {"action": "suspend", "_selected_action": [organisation.pk], "index": 0},
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.status == "suspended"
    event = AuditEvent.objects.get(action=AuditAction.ADMIN_CHANGED, target_id=str(organisation.pk))
    assert (event.actor, event.detail) == (operator, {"status": {"from": "active", "to": "suspended"}})


def test_admin_change_with_invalid_uscc_writes_nothing(db, client_for):
    operator = OperatorFactory(is_superuser=True)
    organisation = OrganisationFactory()
    before = organisation.uscc
    url = f"/backoffice/accounts/organisation/{organisation.pk}/change/"
    response = client_for(operator).post(url, admin_change_data(organisation, uscc=before[:17] + "Z"))
    assert response.status_code == 200
    organisation.refresh_from_db()
    assert organisation.uscc == before
    assert AuditEvent.objects.filter(action=AuditAction.ADMIN_CHANGED).count() == 0


def test_admin_add_of_organisation_is_refused(db, client_for):
    # Organisations are created on the site, where their creator becomes the administrator.
    operator = OperatorFactory(is_superuser=True)
    organisation = OrganisationFactory.build(country=region("GB"), region=None, uscc="", registration_number="SC1")
    response = client_for(operator).post("/backoffice/accounts/organisation/add/", admin_change_data(organisation))
    assert response.status_code == 403
    assert Organisation.objects.count() == 0
    assert AuditEvent.objects.filter(action=AuditAction.ADMIN_ADDED).count() == 0


def test_admin_user_change_goes_through_service(db, client_for):
    operator = OperatorFactory()
    subject = UserFactory(full_name="Old Name")
    url = f"/backoffice/accounts/user/{subject.pk}/change/"
    client = client_for(operator)
    assert client.get(url).status_code == 200
    data = {
        "email": subject.email, "full_name": "New Name", "job_title": "", "phone": "",
        "preferred_language": "en", "email_verified_at_0": "2026-01-02", "email_verified_at_1": "03:04:05",
        "is_active": "on", "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000", "_save": "Save",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    subject.refresh_from_db()
    assert (subject.full_name, subject.preferred_language, subject.platform_role) == ("New Name", "en", "")
    event = AuditEvent.objects.get(action=AuditAction.ADMIN_CHANGED, target_id=str(subject.pk))
    assert event.actor == operator
    assert set(event.detail["fields"]) >= {"full_name", "preferred_language"}


def test_admin_delete_of_organisation_is_refused(db, client_for):
    # Organisations are suspended, never deleted: other records point at them.
    operator = OperatorFactory(is_superuser=True)
    organisation = OrganisationFactory()
    pk = organisation.pk
    response = client_for(operator).post(f"/backoffice/accounts/organisation/{pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Organisation.objects.filter(pk=pk).exists() is True


def test_admin_delete_of_membership_goes_through_service(db, client_for):
    operator = OperatorFactory()
    admin_membership = AdminMembershipFactory()
    member = MembershipFactory(organisation=admin_membership.organisation)
    client = client_for(operator)
    response = client.post(f"/backoffice/accounts/membership/{member.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert Membership.objects.filter(pk=member.pk).exists() is False
    event = AuditEvent.objects.get(target_id=str(member.pk))
    assert (event.action, event.actor, event.detail["to"]) == ("membership_role_changed", operator, None)
    # The last administrator stays.
    client.post(f"/backoffice/accounts/membership/{admin_membership.pk}/delete/", {"post": "yes"})
    assert Membership.objects.filter(pk=admin_membership.pk).exists() is True


def test_admin_audit_events_are_read_only(db, client_for):
    operator = OperatorFactory(is_superuser=True)
    event = audit_record(action=AuditAction.SIGN_IN, actor=operator)
    client = client_for(operator)
    assert client.get(f"/backoffice/core/auditevent/{event.pk}/change/").status_code == 200
    response = client.post(f"/backoffice/core/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists() is True
    assert client.get("/backoffice/core/auditevent/add/").status_code == 403


def test_admin_back_office_refused_to_plain_user(user, client_for):
    response = client_for(user).get("/backoffice/accounts/organisation/")
    assert (response.status_code, response.url) == (
        302, "/backoffice/login/?next=/backoffice/accounts/organisation/"
    )


def test_admin_join_request_approve_action_goes_through_service(db, client_for):
    from duijie.accounts.models import JoinRequest
    from tests.factories import JoinRequestFactory

    operator = OperatorFactory()
    join_request = JoinRequestFactory()
    response = client_for(operator).post(
        "/backoffice/accounts/joinrequest/", {"action": "approve", "_selected_action": [join_request.pk], "index": 0}
    )
    assert response.status_code == 302
    join_request.refresh_from_db()
    assert (join_request.status, join_request.decided_by) == ("approved", operator)
    assert Membership.objects.filter(user=join_request.user, organisation=join_request.organisation).exists()
    assert JoinRequest.objects.count() == 1


def test_admin_join_request_change_form_is_read_only(db, client_for):
    from tests.factories import JoinRequestFactory

    join_request = JoinRequestFactory()
    client = client_for(OperatorFactory())
    url = f"/backoffice/accounts/joinrequest/{join_request.pk}/change/"
    assert client.get(url).status_code == 200
    client.post(url, {"status": "approved"})
    join_request.refresh_from_db()
    assert join_request.status == "pending"


def test_admin_password_change_is_audited(db, client_for):
    operator = OperatorFactory()
    subject = UserFactory()
    url = f"/backoffice/accounts/user/{subject.pk}/password/"
    response = client_for(operator).post(url, {"password1": "brand-new-pass-99", "password2": "brand-new-pass-99",
                                               "usable_password": "true"})
    assert response.status_code == 302
    subject.refresh_from_db()
    assert subject.check_password("brand-new-pass-99") is True
    event = AuditEvent.objects.get(action=AuditAction.PASSWORD_CHANGED)
    assert (event.actor, event.target_id) == (operator, str(subject.pk))


def test_admin_user_add_stores_email_lower_case(db, client_for):
    from duijie.accounts.models import User

    response = client_for(OperatorFactory()).post("/backoffice/accounts/user/add/", {
        "email": "Mixed@Example.ORG", "full_name": "混合", "password1": "brand-new-pass-99",
        "password2": "brand-new-pass-99", "usable_password": "true", "_save": "Save",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
    })
    assert response.status_code == 302
    assert User.objects.filter(email="mixed@example.org").count() == 1


def test_audit_log_detail_is_translated(operator, client_for):
    from duijie.accounts import services

    subject = UserFactory()
    services.user_set_platform_role(actor=operator, user=subject, role="broker")
    html = client_for(operator, language="zh-hans").get(AUDIT_LOG).content.decode()
    assert "角色: 无 → 技术经纪人" in html
