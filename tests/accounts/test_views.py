import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from duijie.accounts.enums import JoinRequestStatus, MembershipRole, OrganisationStatus, PlatformRole
from duijie.accounts.models import ApiToken, Invitation, JoinRequest, Membership, Organisation, User
from duijie.accounts.tokens import email_verification_token, encode_uid, hash_secret
from duijie.core.models import AuditEvent
from tests.factories import (
    PASSWORD,
    AdminMembershipFactory,
    ApiTokenFactory,
    InvitationFactory,
    JoinRequestFactory,
    MembershipFactory,
    OrganisationFactory,
    UKOrganisationFactory,
    UserFactory,
    make_uscc,
    region,
)
from tests.helpers import field_values, flash_messages, fresh_values, get_counting_queries

LOGIN = "/accounts/sign-in/"
PROFILE = "/accounts/profile/"


def template_names(response) -> list[str]:
    return [t.name for t in response.templates]


def signed_in_pk(client) -> str | None:
    return client.session.get("_auth_user_id")


# --- sign-up, sign-in, sign-out -----------------------------------------------------------------


def sign_up_data(**overrides):
    return {
        "full_name": "Chen Jing", "email": "Chen.Jing@Example.org", "password": PASSWORD,
        "password_again": PASSWORD, "preferred_language": "en", **overrides,
    }


def test_sign_up_creates_user_signs_in_and_sends_link(db, client_for, django_capture_on_commit_callbacks):
    client = client_for(None, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), sign_up_data())
    assert (response.status_code, response.url) == (302, PROFILE)
    user = User.objects.get()
    assert (user.email, user.full_name, user.preferred_language, user.email_verified_at) == (
        "chen.jing@example.org", "Chen Jing", "en", None
    )
    assert signed_in_pk(client) == str(user.pk)
    assert flash_messages(response) == ["Welcome! We sent a verification link to chen.jing@example.org."]
    assert [m.to for m in mail.outbox] == [["chen.jing@example.org"]]


def test_sign_up_passwords_differ_shows_error(db, client_for):
    response = client_for(None, language="en").post(
        reverse("accounts:signup"), sign_up_data(password_again="something-else-42")
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"password_again": ["The two passwords differ."]}
    assert User.objects.count() == 0


def test_sign_up_taken_email_shows_error_on_field(db, client_for):
    UserFactory(email="chen.jing@example.org")
    response = client_for(None, language="en").post(reverse("accounts:signup"), sign_up_data())
    assert response.status_code == 200
    assert response.context["form"].errors == {"email": ["This e-mail address is already registered."]}
    assert User.objects.count() == 1


def test_sign_up_weak_password_shows_error_on_field(db, client_for):
    response = client_for(None, language="en").post(
        reverse("accounts:signup"), sign_up_data(password="1234567890", password_again="1234567890")
    )
    assert response.context["form"].errors == {
        "password": ["This password is too common.", "This password is entirely numeric."]
    }
    assert User.objects.count() == 0


def test_sign_up_when_signed_in_redirects_to_profile(user, client_for):
    response = client_for(user).get(reverse("accounts:signup"))
    assert (response.status_code, response.url) == (302, PROFILE)


def test_sign_in_success_writes_sign_in_event(user, client_for):
    client = client_for(None, language="en")
    response = client.post(LOGIN, {"username": user.email, "password": PASSWORD})
    assert (response.status_code, response.url) == (302, "/")
    assert signed_in_pk(client) == str(user.pk)
    assert list(AuditEvent.objects.values_list("action", "actor_id", "actor_email", "ip_address")) == [
        ("sign_in", user.pk, user.email, "127.0.0.1")
    ]


def test_sign_in_email_in_other_case_succeeds(db, client_for):
    """Addresses are stored in lower case; the one typed at sign-up, capitals and all, still works."""
    user = UserFactory(email="chen.jing@example.org")
    client = client_for(None)
    response = client.post(LOGIN, {"username": "Chen.Jing@Example.ORG", "password": PASSWORD})
    assert (response.status_code, response.url) == (302, "/")
    assert signed_in_pk(client) == str(user.pk)


def test_sign_in_lockout_cannot_be_dodged_by_changing_case(db, client_for):
    user = UserFactory(email="chen.jing@example.org")
    client = client_for(None)
    for variant in ["CHEN.JING@example.org", "Chen.Jing@example.org", "chen.JING@example.org",
                    "chen.jing@EXAMPLE.org", "Chen.jing@Example.org"]:
        client.post(LOGIN, {"username": variant, "password": "wrong-password"})
    response = client.post(LOGIN, {"username": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert signed_in_pk(client) is None


def test_sign_in_follows_safe_next(user, client_for):
    response = client_for(None).post(
        LOGIN, {"username": user.email, "password": PASSWORD, "next": "/accounts/organisations/"}
    )
    assert response.url == "/accounts/organisations/"


def test_sign_in_ignores_next_to_another_host(user, client_for):
    response = client_for(None).post(
        LOGIN, {"username": user.email, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.url == "/"


def test_sign_in_wrong_password_writes_failed_event(user, client_for):
    client = client_for(None, language="en")
    response = client.post(LOGIN, {"username": user.email, "password": "not-the-password"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The e-mail address or password is not correct. Passwords are case-sensitive."
    ]
    assert signed_in_pk(client) is None
    assert list(AuditEvent.objects.values_list("action", "actor_id", "actor_email", "ip_address")) == [
        ("sign_in_failed", None, user.email, "127.0.0.1")
    ]


def test_sign_in_unknown_address_writes_failed_event(db, client_for):
    client_for(None).post(LOGIN, {"username": "nobody@example.org", "password": "whatever-123"})
    assert list(AuditEvent.objects.values_list("action", "actor_email")) == [("sign_in_failed", "nobody@example.org")]


def test_sign_in_inactive_user_is_refused(db, client_for):
    user = UserFactory(is_active=False)
    client = client_for(None)
    response = client.post(LOGIN, {"username": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert signed_in_pk(client) is None


def test_sign_in_after_five_failures_is_locked_even_with_right_password(user, client_for):
    client = client_for(None, language="en")
    statuses = [
        client.post(LOGIN, {"username": user.email, "password": f"wrong-{i}"}).status_code for i in range(5)
    ]
    # The fifth failure reaches the limit and is itself answered with the lock-out page.
    assert statuses == [200, 200, 200, 200, 429]
    response = client.post(LOGIN, {"username": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "accounts/locked_out.html" in template_names(response)
    assert "Too many failed sign-ins" in response.content.decode()
    assert signed_in_pk(client) is None
    assert AuditEvent.objects.filter(action="sign_in").count() == 0
    assert AuditEvent.objects.filter(action="sign_in_failed", actor_email=user.email).count() >= 5


def test_sign_in_lockout_is_per_address(user, client_for):
    locked = client_for(None)
    for i in range(5):
        locked.post(LOGIN, {"username": user.email, "password": f"wrong-{i}"})
    other = client_for(None, REMOTE_ADDR="198.51.100.20")
    response = other.post(LOGIN, {"username": user.email, "password": PASSWORD})
    assert (response.status_code, response.url) == (302, "/")
    assert signed_in_pk(other) == str(user.pk)


def test_sign_in_four_failures_then_success_is_allowed(user, client_for):
    client = client_for(None)
    for i in range(4):
        client.post(LOGIN, {"username": user.email, "password": f"wrong-{i}"})
    response = client.post(LOGIN, {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in_pk(client) == str(user.pk)


def test_sign_out_writes_event_and_signs_out(user, client_for):
    client = client_for(user)
    response = client.post(reverse("accounts:logout"))
    assert (response.status_code, response.url) == (302, "/")
    assert signed_in_pk(client) is None
    assert list(AuditEvent.objects.filter(action="sign_out").values_list("actor_id", "ip_address")) == [
        (user.pk, "127.0.0.1")
    ]


def test_sign_out_by_get_is_not_allowed(user, client_for):
    client = client_for(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert signed_in_pk(client) == str(user.pk)


# --- e-mail verification and password reset ---------------------------------------------------------


def verify_url(user, token=None) -> str:
    token = token or email_verification_token.make_token(user)
    return reverse("accounts:verify_email", kwargs={"uidb64": encode_uid(user.pk), "token": token})


def test_verify_link_verifies_and_sends_anonymous_to_sign_in(db, client_for):
    user = UserFactory(email_verified_at=None)
    response = client_for(None, language="en").get(verify_url(user))
    assert (response.status_code, response.url) == (302, LOGIN)
    assert flash_messages(response) == ["Your e-mail address is verified."]
    user.refresh_from_db()
    assert user.email_verified is True


def test_verify_link_signed_in_goes_to_profile(db, client_for):
    user = UserFactory(email_verified_at=None)
    response = client_for(user).get(verify_url(user))
    assert response.url == PROFILE
    user.refresh_from_db()
    assert user.email_verified is True


def test_verify_link_bad_token_leaves_unverified(db, client_for):
    user = UserFactory(email_verified_at=None)
    response = client_for(None, language="en").get(verify_url(user, token="bad-token"))
    assert response.url == LOGIN
    assert flash_messages(response) == [
        "This verification link is invalid or has expired. Ask for a new one from your profile."
    ]
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_verify_link_unknown_user_goes_home(db, client_for):
    response = client_for(None, language="en").get(
        reverse("accounts:verify_email", kwargs={"uidb64": encode_uid(987654), "token": "x-y"})
    )
    assert (response.status_code, response.url) == (302, "/")
    assert flash_messages(response) == [
        "This verification link is invalid or has expired. Ask for a new one from your profile."
    ]


def test_resend_verification_sends_new_link(db, client_for, django_capture_on_commit_callbacks):
    user = UserFactory(email_verified_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).post(reverse("accounts:resend_verification"))
    assert response.url == PROFILE
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_password_reset_sends_mail_with_working_link(user, client_for, settings):
    settings.SITE_URL = "https://duijie.example.org"
    user.preferred_language = "en"
    user.save()
    # The page is asked for in Chinese; the mail follows the account's language.
    client = client_for(None, language="zh-hans")
    response = client.post(reverse("accounts:password_reset"), {"email": user.email.upper()})
    assert (response.status_code, response.url) == (302, "/accounts/password/reset/sent/")
    assert [(m.to, m.subject) for m in mail.outbox] == [([user.email], "Reset your password")]
    # Links point at the configured site, never at the Host header of the request.
    link = re.search(r"https://duijie\.example\.org(/accounts/password/reset/[^/\s]+/[^/\s]+/)", mail.outbox[0].body)
    assert link is not None
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"] is True
    set_password_url = form_page.redirect_chain[-1][0]
    done = client.post(set_password_url, {"new_password1": "a-brand-new-secret-7", "new_password2": "a-brand-new-secret-7"})
    assert (done.status_code, done.url) == (302, "/accounts/password/reset/complete/")
    user.refresh_from_db()
    assert user.check_password("a-brand-new-secret-7") is True


def test_password_reset_is_rate_limited_per_address(user, client_for):
    client = client_for(None, language="en")
    answers = [client.post(reverse("accounts:password_reset"), {"email": user.email}).status_code for _ in range(11)]
    assert answers == [302] * 10 + [429]
    assert len(mail.outbox) == 10


def test_sign_up_is_rate_limited_per_address(db, client_for):
    client = client_for(None, language="en")
    answers = [client.post(reverse("accounts:signup"), {}).status_code for _ in range(11)]
    assert answers == [200] * 10 + [429]


def test_password_reset_unknown_address_sends_nothing(db, client_for):
    response = client_for(None).post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert response.url == "/accounts/password/reset/sent/"
    assert mail.outbox == []


def test_password_change_writes_audit_event(user, client_for):
    response = client_for(user).post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "another-secret-99", "new_password2": "another-secret-99"},
    )
    assert response.url == PROFILE
    user.refresh_from_db()
    assert user.check_password("another-secret-99") is True
    assert list(AuditEvent.objects.filter(action="password_changed").values_list("actor_id", "target_id")) == [
        (user.pk, str(user.pk))
    ]


# --- profile and API tokens -----------------------------------------------------------------------------


def test_profile_anonymous_is_sent_to_sign_in(db, client_for):
    response = client_for(None).get(PROFILE)
    assert (response.status_code, response.url) == (302, f"{LOGIN}?next={PROFILE}")


def test_profile_shows_own_memberships(user, client_for):
    membership = MembershipFactory(user=user)
    MembershipFactory()
    response = client_for(user).get(PROFILE)
    assert response.status_code == 200
    assert list(response.context["memberships"]) == [membership]
    assert response.context["form"].initial["full_name"] == user.full_name


def test_profile_edit_saves_and_switches_language(user, client_for):
    client = client_for(user, language="en")
    response = client.post(
        PROFILE, {"full_name": "Liu Yang", "job_title": "Engineer", "phone": "+44 20 7946 0000", "preferred_language": "ru"}
    )
    assert (response.status_code, response.url) == (302, PROFILE)
    user.refresh_from_db()
    assert (user.full_name, user.job_title, user.phone, user.preferred_language) == (
        "Liu Yang", "Engineer", "+44 20 7946 0000", "ru"
    )
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    assert flash_messages(response) == ["Your profile has been saved."]


def test_profile_edit_without_name_shows_error(user, client_for):
    client = client_for(user, language="en")
    before = fresh_values(user)
    response = client.post(PROFILE, {"full_name": "", "preferred_language": "en"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"full_name": ["This field is required."]}
    assert fresh_values(user) == before


def test_token_create_shows_secret_once(user, client_for):
    client = client_for(user, language="en")
    response = client.post(reverse("accounts:token_create"), {"name": "Nightly export"})
    assert (response.status_code, response.url) == (302, PROFILE + "#tokens")
    token = ApiToken.objects.get(user=user)
    first = client.get(PROFILE)
    shown = first.context["new_token"]
    assert shown.startswith("dj_")
    assert hash_secret(shown) == token.token_hash
    assert shown in first.content.decode()
    second = client.get(PROFILE)
    assert second.context["new_token"] is None
    assert shown not in second.content.decode()
    assert token.prefix in second.content.decode()


def test_token_create_without_name_shows_error(user, client_for):
    response = client_for(user, language="en").post(reverse("accounts:token_create"), {"name": ""})
    assert flash_messages(response) == ["Give the token a name."]
    assert ApiToken.objects.count() == 0


def test_token_revoke_revokes_own_token(user, client_for):
    token = ApiTokenFactory(user=user)
    response = client_for(user).post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.url == PROFILE + "#tokens"
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_revoke_of_someone_elses_token_is_not_found(user, client_for):
    token = ApiTokenFactory()
    response = client_for(user).post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


# --- organisations ------------------------------------------------------------------------------------------


def test_organisation_list_hides_suspended_and_counts_members(db, client_for):
    shown = OrganisationFactory(name="A 公司")
    MembershipFactory.create_batch(2, organisation=shown)
    OrganisationFactory(status=OrganisationStatus.SUSPENDED)
    response = client_for(None, language="en").get(reverse("accounts:organisation_list"))
    assert response.status_code == 200
    assert [(o.pk, o.member_count) for o in response.context["page"].object_list] == [(shown.pk, 2)]
    assert "1 organisation" in response.content.decode()


def test_organisation_list_filters_by_country(db, client_for):
    OrganisationFactory()
    uk = UKOrganisationFactory()
    response = client_for(None).get(reverse("accounts:organisation_list"), {"country": "GB"})
    assert [o.pk for o in response.context["page"].object_list] == [uk.pk]
    assert [c.code for c in response.context["countries"]] == ["CN", "GB", "RU"]


def make_listed_organisations(count: int) -> None:
    for _ in range(count):
        organisation = OrganisationFactory()
        AdminMembershipFactory(organisation=organisation)
        MembershipFactory(organisation=organisation)


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_organisation_list_queries_do_not_grow_with_items(db, client_for, who):
    if who == "anonymous":
        viewer = None
        make_listed_organisations(1)
    else:
        # The member's own suspended organisation is the first item (the signed-in query joins memberships).
        viewer = MembershipFactory(organisation__status=OrganisationStatus.SUSPENDED).user
    client = client_for(viewer)
    url = reverse("accounts:organisation_list")
    one, response = get_counting_queries(client, url)
    assert len(response.context["page"].object_list) == 1
    make_listed_organisations(4)
    five, response = get_counting_queries(client, url)
    assert len(response.context["page"].object_list) == 5
    assert five == one


def test_organisation_detail_for_outsider_hides_members_and_offers_join(org_admin, user, client_for):
    response = client_for(user).get(reverse("accounts:organisation_detail", args=[org_admin.organisation_id]))
    assert response.status_code == 200
    context = response.context
    assert list(context["members"]) == []
    assert (context["can_edit"], context["can_manage"], context["can_join"], context["is_member"]) == (
        False, False, True, False
    )
    assert org_admin.user.full_name not in response.content.decode()


def test_organisation_detail_for_member_lists_people(org_admin, client_for):
    member = MembershipFactory(organisation=org_admin.organisation)
    response = client_for(member.user).get(reverse("accounts:organisation_detail", args=[org_admin.organisation_id]))
    assert [m.pk for m in response.context["members"]] == [org_admin.pk, member.pk]
    assert (response.context["can_edit"], response.context["is_member"]) == (False, True)


def test_organisation_detail_for_admin_allows_edit(org_admin, client_for):
    response = client_for(org_admin.user).get(reverse("accounts:organisation_detail", args=[org_admin.organisation_id]))
    assert (response.context["can_edit"], response.context["can_manage"], response.context["can_join"]) == (
        True, True, False
    )


def test_organisation_detail_suspended_for_outsider_is_404(user, client_for):
    organisation = OrganisationFactory(status=OrganisationStatus.SUSPENDED)
    response = client_for(user).get(reverse("accounts:organisation_detail", args=[organisation.pk]))
    assert response.status_code == 404
    assert "404.html" in template_names(response)


def test_organisation_detail_anonymous_cannot_join(org_admin, client_for):
    response = client_for(None).get(reverse("accounts:organisation_detail", args=[org_admin.organisation_id]))
    assert response.status_code == 200
    assert (response.context["can_join"], response.context["pending_request"]) == (False, False)


def organisation_form_data(**overrides):
    return {
        "name": "南京示例大学", "name_en": "Nanjing Example University", "kind": "university",
        "country": region("CN").pk, "region": region("CN-320100").pk, "uscc": make_uscc(4242),
        "registration_number": "", "website": "https://example.edu.cn", "description": "", **overrides,
    }


def test_organisation_create_page_creates_and_makes_admin(user, client_for):
    client = client_for(user, language="en")
    response = client.post(reverse("accounts:organisation_create"), organisation_form_data())
    organisation = Organisation.objects.get()
    assert (response.status_code, response.url) == (302, f"/accounts/organisations/{organisation.pk}/")
    assert (organisation.name, organisation.region.code, organisation.created_by) == (
        "南京示例大学", "CN-320100", user
    )
    assert list(organisation.memberships.values_list("user_id", "role")) == [(user.pk, "admin")]
    assert flash_messages(response) == ["Organisation created. You are its administrator."]


def test_organisation_create_page_duplicate_uscc_shows_field_error(user, client_for):
    existing = OrganisationFactory()
    response = client_for(user, language="en").post(
        reverse("accounts:organisation_create"), organisation_form_data(uscc=existing.uscc)
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "uscc": ["An organisation with this unified social credit code is already registered."]
    }
    assert list(Organisation.objects.values_list("pk", flat=True)) == [existing.pk]


def test_organisation_create_page_region_of_other_country_shows_field_error(user, client_for):
    response = client_for(user, language="en").post(
        reverse("accounts:organisation_create"),
        organisation_form_data(country=region("GB").pk, region=region("CN-320100").pk, uscc="",
                               registration_number="RC1"),
    )
    assert response.context["form"].errors == {"region": ["This region is not in the chosen country."]}
    assert Organisation.objects.count() == 0


def test_organisation_create_page_unverified_user_is_sent_to_profile(db, client_for):
    user = UserFactory(email_verified_at=None)
    response = client_for(user, language="en").get(reverse("accounts:organisation_create"))
    assert (response.status_code, response.url) == (302, PROFILE)
    assert flash_messages(response) == ["Verify your e-mail address before creating an organisation."]


def test_organisation_edit_by_admin_saves(org_admin, client_for):
    organisation = org_admin.organisation
    data = organisation_form_data(name="改名后的公司", uscc=organisation.uscc, region=organisation.region_id)
    response = client_for(org_admin.user).post(reverse("accounts:organisation_edit", args=[organisation.pk]), data)
    assert (response.status_code, response.url) == (302, f"/accounts/organisations/{organisation.pk}/")
    organisation.refresh_from_db()
    assert (organisation.name, organisation.kind, organisation.website) == (
        "改名后的公司", "university", "https://example.edu.cn"
    )


def test_organisation_edit_page_shows_form_to_admin(org_admin, client_for):
    response = client_for(org_admin.user).get(reverse("accounts:organisation_edit", args=[org_admin.organisation_id]))
    assert response.status_code == 200
    assert response.context["form"].instance == org_admin.organisation


@pytest.mark.parametrize("who", ["outsider", "member"])
def test_organisation_edit_without_permission_is_403(org_admin, client_for, who):
    organisation = org_admin.organisation
    viewer = UserFactory() if who == "outsider" else MembershipFactory(organisation=organisation).user
    client = client_for(viewer, language="en")
    url = reverse("accounts:organisation_edit", args=[organisation.pk])
    before = field_values(organisation)
    page = client.get(url)
    assert page.status_code == 403
    assert "403.html" in template_names(page)
    assert "Access denied" in page.content.decode()
    post = client.post(url, organisation_form_data(name="Taken over", uscc=organisation.uscc))
    assert post.status_code == 403
    assert fresh_values(organisation) == before


def test_organisation_edit_anonymous_is_sent_to_sign_in(org_admin, client_for):
    url = reverse("accounts:organisation_edit", args=[org_admin.organisation_id])
    response = client_for(None).get(url)
    assert (response.status_code, response.url) == (302, f"{LOGIN}?next={url}")


def test_organisation_members_outsider_is_403(org_admin, user, client_for):
    response = client_for(user).get(reverse("accounts:organisation_members", args=[org_admin.organisation_id]))
    assert response.status_code == 403
    assert "403.html" in template_names(response)


def test_organisation_members_member_sees_list_without_management(org_admin, client_for):
    member = MembershipFactory(organisation=org_admin.organisation)
    JoinRequestFactory(organisation=org_admin.organisation)
    response = client_for(member.user).get(reverse("accounts:organisation_members", args=[org_admin.organisation_id]))
    assert response.status_code == 200
    assert [m.pk for m in response.context["members"]] == [org_admin.pk, member.pk]
    assert response.context["can_manage"] is False
    assert list(response.context["join_requests"]) == []
    assert list(response.context["invitations"]) == []


def test_organisation_members_admin_sees_requests_and_invitations(org_admin, client_for):
    join_request = JoinRequestFactory(organisation=org_admin.organisation)
    invitation = InvitationFactory(organisation=org_admin.organisation)
    response = client_for(org_admin.user).get(reverse("accounts:organisation_members", args=[org_admin.organisation_id]))
    assert response.context["can_manage"] is True
    assert list(response.context["join_requests"]) == [join_request]
    assert list(response.context["invitations"]) == [invitation]


def test_organisation_members_operator_may_manage(org_admin, operator, client_for):
    response = client_for(operator).get(reverse("accounts:organisation_members", args=[org_admin.organisation_id]))
    assert response.status_code == 200
    assert response.context["can_manage"] is True


def test_membership_role_page_promotes_member(org_admin, client_for):
    member = MembershipFactory(organisation=org_admin.organisation)
    response = client_for(org_admin.user).post(reverse("accounts:membership_role", args=[member.pk]), {"role": "admin"})
    assert response.url == f"/accounts/organisations/{org_admin.organisation_id}/members/"
    member.refresh_from_db()
    assert member.role == "admin"


def test_membership_remove_page_last_admin_shows_error(org_admin, client_for):
    response = client_for(org_admin.user, language="en").post(reverse("accounts:membership_remove", args=[org_admin.pk]))
    assert response.url == f"/accounts/organisations/{org_admin.organisation_id}/members/"
    assert flash_messages(response) == ["An organisation needs at least one administrator."]
    assert Membership.objects.filter(pk=org_admin.pk).exists() is True


def test_membership_remove_page_member_leaves_to_profile(org_admin, client_for):
    member = MembershipFactory(organisation=org_admin.organisation)
    response = client_for(member.user, language="en").post(reverse("accounts:membership_remove", args=[member.pk]))
    assert response.url == PROFILE
    assert flash_messages(response) == ["You have left the organisation."]
    assert Membership.objects.filter(user=member.user).exists() is False


# --- invitations through the pages ---------------------------------------------------------------------------


def test_invitation_flow_through_pages(org_admin, client_for, django_capture_on_commit_callbacks):
    organisation = org_admin.organisation
    admin_client = client_for(org_admin.user, language="en")
    members_url = f"/accounts/organisations/{organisation.pk}/members/"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("accounts:invitation_create", args=[organisation.pk]),
            {"email": "guest@example.org", "role": "member", "days": 14, "max_uses": 1},
        )
    assert response.url == members_url
    assert flash_messages(response) == ["Invitation sent to guest@example.org."]
    assert [m.to for m in mail.outbox] == [["guest@example.org"]]
    path = re.search(r"(/accounts/invite/[^/\s]+/)", mail.outbox[0].body).group(1)

    # The link is shown to the administrator once.
    assert admin_client.get(members_url).context["new_invitation_url"] == f"http://testserver{path}"
    assert admin_client.get(members_url).context["new_invitation_url"] is None

    # Anonymous: the invitation is shown with a way to sign in.
    anonymous_page = client_for(None).get(path)
    assert anonymous_page.status_code == 200
    assert anonymous_page.context["invitation"] == Invitation.objects.get()
    assert f'href="{LOGIN}?next={path}"' in anonymous_page.content.decode()

    guest = UserFactory(email="guest@example.org", email_verified_at=None)
    guest_client = client_for(guest, language="en")
    assert guest_client.get(path).status_code == 200
    accepted = guest_client.post(path)
    assert (accepted.status_code, accepted.url) == (302, f"/accounts/organisations/{organisation.pk}/")
    assert flash_messages(accepted) == [f"Welcome to {organisation.name}."]
    assert list(Membership.objects.filter(user=guest).values_list("organisation_id", "role")) == [
        (organisation.pk, "member")
    ]
    guest.refresh_from_db()
    assert guest.email_verified is True

    # Used up: a second acceptance only shows the error.
    again = client_for(UserFactory(email="other@example.org"), language="en").post(path)
    assert again.status_code == 200
    assert "Invitation not valid" in again.content.decode()


def test_invitation_create_page_shareable_link(org_admin, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(org_admin.user, language="en").post(
            reverse("accounts:invitation_create", args=[org_admin.organisation_id]),
            {"email": "", "role": "admin", "days": 30, "max_uses": 10},
        )
    assert flash_messages(response) == ["Invitation link created."]
    assert list(Invitation.objects.values_list("email", "role", "max_uses")) == [("", "admin", 10)]
    assert mail.outbox == []


def test_invitation_create_page_by_member_shows_error(org_admin, client_for):
    member = MembershipFactory(organisation=org_admin.organisation)
    response = client_for(member.user, language="en").post(
        reverse("accounts:invitation_create", args=[org_admin.organisation_id]),
        {"email": "", "role": "member", "days": 14, "max_uses": 1},
    )
    assert flash_messages(response) == ["You do not have permission to do this."]
    assert Invitation.objects.count() == 0


def test_invitation_accept_page_wrong_email_shows_error(db, client_for):
    invitation = InvitationFactory(raw_token="tok-1", email="guest@example.org")
    user = UserFactory(email="not.guest@example.org")
    response = client_for(user, language="en").post("/accounts/invite/tok-1/")
    assert response.status_code == 200
    assert flash_messages(response) == [
        "This invitation was sent to another e-mail address. Sign in with that address to accept it."
    ]
    assert Membership.objects.filter(user=user).exists() is False
    invitation.refresh_from_db()
    assert invitation.use_count == 0


def test_invitation_accept_page_unknown_token_is_not_valid(db, client_for):
    response = client_for(None, language="en").get("/accounts/invite/no-such-token/")
    assert response.status_code == 200
    assert response.context["invitation"] is None
    assert "Invitation not valid" in response.content.decode()


def test_invitation_revoke_page(org_admin, client_for):
    invitation = InvitationFactory(organisation=org_admin.organisation)
    response = client_for(org_admin.user).post(reverse("accounts:invitation_revoke", args=[invitation.pk]))
    assert response.url == f"/accounts/organisations/{org_admin.organisation_id}/members/"
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


# --- join requests through the pages ------------------------------------------------------------------------


def test_join_request_flow_through_pages(org_admin, client_for, django_capture_on_commit_callbacks):
    organisation = org_admin.organisation
    requester = UserFactory()
    requester_client = client_for(requester, language="en")
    detail_url = f"/accounts/organisations/{organisation.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        response = requester_client.post(reverse("accounts:join_request_create", args=[organisation.pk]),
                                         {"message": "We would like to cooperate."})
    assert response.url == detail_url
    assert flash_messages(response) == ["Your request has been sent to the organisation's administrators."]
    join_request = JoinRequest.objects.get()
    assert (join_request.user, join_request.status, join_request.message) == (
        requester, "pending", "We would like to cooperate."
    )
    assert [m.to for m in mail.outbox] == [[org_admin.user.email]]
    assert requester_client.get(detail_url).context["pending_request"] is True

    admin_client = client_for(org_admin.user, language="en")
    members_page = admin_client.get(f"/accounts/organisations/{organisation.pk}/members/")
    assert list(members_page.context["join_requests"]) == [join_request]
    with django_capture_on_commit_callbacks(execute=True):
        decided = admin_client.post(reverse("accounts:join_request_decide", args=[join_request.pk]),
                                    {"decision": "approve"})
    assert decided.url == f"/accounts/organisations/{organisation.pk}/members/"
    assert flash_messages(decided) == ["Request approved."]
    join_request.refresh_from_db()
    assert (join_request.status, join_request.decided_by) == ("approved", org_admin.user)
    assert Membership.objects.get(user=requester).role == MembershipRole.MEMBER
    assert [m.to for m in mail.outbox[1:]] == [[requester.email]]


def test_join_request_decide_page_decline(org_admin, client_for):
    join_request = JoinRequestFactory(organisation=org_admin.organisation)
    response = client_for(org_admin.user, language="en").post(
        reverse("accounts:join_request_decide", args=[join_request.pk]), {"decision": "decline"}
    )
    assert flash_messages(response) == ["Request declined."]
    join_request.refresh_from_db()
    assert join_request.status == JoinRequestStatus.DECLINED
    assert Membership.objects.filter(user=join_request.user).exists() is False


def test_join_request_decide_page_by_outsider_changes_nothing(org_admin, user, client_for):
    join_request = JoinRequestFactory(organisation=org_admin.organisation)
    before = field_values(join_request)
    response = client_for(user, language="en").post(
        reverse("accounts:join_request_decide", args=[join_request.pk]), {"decision": "approve"}
    )
    assert flash_messages(response) == ["You do not have permission to do this."]
    assert fresh_values(join_request) == before


def test_join_request_create_page_twice_shows_error(org_admin, user, client_for):
    JoinRequestFactory(user=user, organisation=org_admin.organisation)
    response = client_for(user, language="en").post(
        reverse("accounts:join_request_create", args=[org_admin.organisation_id]), {"message": ""}
    )
    assert flash_messages(response) == ["You have already asked to join; the administrators will answer."]
    assert JoinRequest.objects.count() == 1


def test_join_request_cancel_page(user, client_for):
    join_request = JoinRequestFactory(user=user)
    response = client_for(user, language="en").post(reverse("accounts:join_request_cancel", args=[join_request.pk]))
    assert response.url == PROFILE
    assert flash_messages(response) == ["Your request has been withdrawn."]
    join_request.refresh_from_db()
    assert join_request.status == "cancelled"


def test_join_request_cancel_page_of_someone_else_is_404(user, client_for):
    join_request = JoinRequestFactory()
    response = client_for(user).post(reverse("accounts:join_request_cancel", args=[join_request.pk]))
    assert response.status_code == 404
    join_request.refresh_from_db()
    assert join_request.status == "pending"


# --- operators: users and platform roles -----------------------------------------------------------------------


def test_user_list_operator_sees_everyone(operator, client_for):
    others = [MembershipFactory().user, UserFactory()]
    response = client_for(operator).get(reverse("accounts:user_list"))
    assert response.status_code == 200
    assert sorted(u.pk for u in response.context["page"].object_list) == sorted([operator.pk] + [u.pk for u in others])


def test_user_list_filters_by_role(operator, client_for):
    broker = UserFactory(platform_role=PlatformRole.BROKER)
    UserFactory()
    response = client_for(operator).get(reverse("accounts:user_list"), {"role": "broker"})
    assert [u.pk for u in response.context["page"].object_list] == [broker.pk]


@pytest.mark.parametrize("who", ["user", "org_admin"])
def test_user_list_non_operator_is_403(db, client_for, who):
    viewer = UserFactory() if who == "user" else AdminMembershipFactory().user
    response = client_for(viewer).get(reverse("accounts:user_list"))
    assert response.status_code == 403
    assert "403.html" in template_names(response)


def test_user_list_queries_do_not_grow_with_items(operator, client_for):
    client = client_for(operator)
    url = reverse("accounts:user_list")
    MembershipFactory()
    one, response = get_counting_queries(client, url)
    assert len(response.context["page"].object_list) == 2  # the operator and one member
    for _ in range(4):
        user = MembershipFactory().user
        MembershipFactory(user=user)
    five, response = get_counting_queries(client, url)
    assert len(response.context["page"].object_list) == 6
    assert five == one


def test_user_role_page_changes_role_and_returns(operator, user, client_for):
    response = client_for(operator, language="en").post(
        reverse("accounts:user_role", args=[user.pk]), {"role": "commissioner", "next": "/accounts/users/?q=x"}
    )
    assert (response.status_code, response.url) == (302, "/accounts/users/?q=x")
    assert flash_messages(response) == [f"Platform role of {user.full_name} changed."]
    user.refresh_from_db()
    assert user.platform_role == "commissioner"
    assert list(AuditEvent.objects.filter(action="role_changed").values_list("actor_id", "target_id", "detail")) == [
        (operator.pk, str(user.pk), {"from": "", "to": "commissioner"})
    ]


def test_user_role_page_ignores_next_to_another_host(operator, user, client_for):
    response = client_for(operator).post(
        reverse("accounts:user_role", args=[user.pk]), {"role": "broker", "next": "https://evil.example/"}
    )
    assert response.url == "/accounts/users/"


def test_user_role_page_by_non_operator_changes_nothing(db, client_for):
    actor = AdminMembershipFactory().user
    subject = UserFactory()
    response = client_for(actor, language="en").post(reverse("accounts:user_role", args=[subject.pk]), {"role": "operator"})
    assert flash_messages(response) == ["You do not have permission to do this."]
    subject.refresh_from_db()
    assert (subject.platform_role, subject.is_staff) == ("", False)
    assert AuditEvent.objects.filter(action="role_changed").count() == 0


def test_operator_navigation_shows_operator_links(operator, user, client_for):
    operator_page = client_for(operator).get("/")
    assert [url for _, url, _ in operator_page.context["operator_nav_items"]] == [
        "/hall/screening/", "/demands/screening/", "/accounts/users/", "/matching/index/", "/operator/audit/",
        "/backoffice/",
    ]
    assert client_for(user).get("/").context["operator_nav_items"] == []



def test_members_page_queries_do_not_grow_with_members(org_admin, client_for):
    from tests.factories import JoinRequestFactory

    client = client_for(org_admin.user)
    url = reverse("accounts:organisation_members", args=[org_admin.organisation.pk])
    MembershipFactory(organisation=org_admin.organisation)
    JoinRequestFactory(organisation=org_admin.organisation)
    one, response = get_counting_queries(client, url)
    assert len(response.context["members"]) == 2
    for _ in range(4):
        MembershipFactory(organisation=org_admin.organisation)
        JoinRequestFactory(organisation=org_admin.organisation)
    five, response = get_counting_queries(client, url)
    assert (len(response.context["members"]), len(response.context["join_requests"])) == (6, 5)
    assert five == one
