import hashlib
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import resolve
from django.utils import timezone

from duijie.accounts import services
from duijie.accounts.enums import JoinRequestStatus, MembershipRole, OrganisationType, PlatformRole
from duijie.accounts.models import ApiToken, Invitation, JoinRequest, Membership, Organisation, User
from duijie.accounts.tokens import email_verification_token, encode_uid, hash_secret
from duijie.core.enums import AuditAction
from duijie.core.errors import DomainError, PermissionDenied
from duijie.core.models import AuditEvent
from tests.factories import (
    PASSWORD,
    AdminMembershipFactory,
    ApiTokenFactory,
    InvitationFactory,
    JoinRequestFactory,
    MembershipFactory,
    OperatorFactory,
    OrganisationFactory,
    UserFactory,
    make_uscc,
    region,
)
from tests.helpers import english, field_values, fresh_values, in_language

pytestmark = pytest.mark.usefixtures("in_english")

REAL_USCC = "91350100M000100Y43"
VERIFY_SUBJECT = "Verify your e-mail address for %(platform_name)s"


def site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def audit_rows(action: str) -> list[dict]:
    return list(
        AuditEvent.objects.filter(action=action)
        .order_by("id")
        .values("actor_id", "actor_email", "target_type", "target_id", "detail")
    )


# --- user_register ------------------------------------------------------------------------


def test_user_register_creates_unverified_user_with_normalised_email(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = services.user_register(
            email="  Wang.Wei@Example.ORG ", password=PASSWORD, full_name=" 王伟 ", preferred_language="en"
        )
    user.refresh_from_db()
    assert (user.email, user.full_name, user.preferred_language) == ("wang.wei@example.org", "王伟", "en")
    assert user.email_verified_at is None
    assert user.platform_role == PlatformRole.NONE
    assert (user.is_staff, user.is_superuser, user.is_active) == (False, False, True)
    assert user.check_password(PASSWORD) is True


def test_user_register_duplicate_email_in_other_case_is_refused(db, django_capture_on_commit_callbacks):
    existing = UserFactory(email="taken@example.org")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError) as info:
        services.user_register(email="Taken@EXAMPLE.org", password=PASSWORD, full_name="Someone Else")
    assert info.value.code == "email_taken"
    assert english(info.value.message) == (
        "An account with this e-mail address already exists. Sign in or reset your password."
    )
    assert [english(m) for m in info.value.fields["email"]] == ["This e-mail address is already registered."]
    assert list(User.objects.values_list("pk", flat=True)) == [existing.pk]
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1x", "This password is too short. It must contain at least 10 characters."),
        ("1234567890", "This password is too common."),
        ("8630192475", "This password is entirely numeric."),
    ],
)
def test_user_register_weak_password_is_refused(db, django_capture_on_commit_callbacks, password, message):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError) as info:
        services.user_register(email="new@example.org", password=password, full_name="New Person")
    assert info.value.code == "weak_password"
    assert message in [english(m) for m in info.value.fields["password"]]
    assert User.objects.count() == 0
    assert mail.outbox == []


def test_user_register_password_like_the_email_is_refused(db):
    with pytest.raises(DomainError) as info:
        services.user_register(email="zhangsanfeng@example.org", password="zhangsanfeng", full_name="Zhang")
    assert info.value.code == "weak_password"
    assert User.objects.count() == 0


def test_user_register_sends_verification_mail_only_after_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.user_register(email="new@example.org", password=PASSWORD, full_name="New Person")
    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert [m.to for m in mail.outbox] == [["new@example.org"]]


def test_user_register_verification_mail_has_working_link(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = services.user_register(
            email="new@example.org", password=PASSWORD, full_name="New Person", preferred_language="en"
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.org"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.subject == "Verify your e-mail address for Duijie"
    link = re.search(re.escape(site_url()) + r"(/accounts/verify/[^/\s]+/[^/\s]+/)", message.body)
    assert link is not None
    assert message.body.startswith("Hello New Person,\n")
    match = resolve(link.group(1))
    assert match.url_name == "verify_email"
    assert match.kwargs["uidb64"] == encode_uid(user.pk)
    assert email_verification_token.check_token(user, match.kwargs["token"]) is True


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en", "ru"])
def test_user_register_verification_mail_is_in_the_users_language(
    db, django_capture_on_commit_callbacks, language
):
    with django_capture_on_commit_callbacks(execute=True):
        services.user_register(
            email="new@example.org", password=PASSWORD, full_name="New Person", preferred_language=language
        )
    expected = in_language(language, VERIFY_SUBJECT, platform_name=settings.PLATFORM_NAME)
    assert [m.subject for m in mail.outbox] == [expected]


@pytest.mark.parametrize("language", ["zh-hans", "ru"])
def test_user_register_verification_mail_is_not_english_for_others(
    db, django_capture_on_commit_callbacks, language
):
    with django_capture_on_commit_callbacks(execute=True):
        services.user_register(
            email="new@example.org", password=PASSWORD, full_name="New Person", preferred_language=language
        )
    assert mail.outbox[0].subject != "Verify your e-mail address for Duijie"
    assert "Please confirm your e-mail address" not in mail.outbox[0].body


def test_user_send_verification_verified_user_gets_no_mail(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.user_send_verification(user=user)
    assert mail.outbox == []


# --- user_verify_email ------------------------------------------------------------------------


def test_user_verify_email_good_token_sets_verified_time(db):
    user = UserFactory(email_verified_at=None)
    before = timezone.now()
    services.user_verify_email(user=user, token=email_verification_token.make_token(user))
    user.refresh_from_db()
    assert user.email_verified is True
    assert before <= user.email_verified_at <= timezone.now()


def test_user_verify_email_bad_token_is_refused(db):
    user = UserFactory(email_verified_at=None)
    with pytest.raises(DomainError) as info:
        services.user_verify_email(user=user, token="abc-0123456789abcdef")
    assert info.value.code == "invalid_token"
    assert english(info.value.message) == (
        "This verification link is invalid or has expired. Ask for a new one from your profile."
    )
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_user_verify_email_token_of_another_user_is_refused(db):
    user, other = UserFactory(email_verified_at=None), UserFactory(email_verified_at=None)
    with pytest.raises(DomainError):
        services.user_verify_email(user=user, token=email_verification_token.make_token(other))
    assert User.objects.filter(email_verified_at__isnull=False).count() == 0


def test_user_verify_email_token_for_old_address_is_refused(db):
    user = UserFactory(email_verified_at=None, email="old@example.org")
    token = email_verification_token.make_token(user)
    User.objects.filter(pk=user.pk).update(email="new@example.org")
    user.refresh_from_db()
    with pytest.raises(DomainError):
        services.user_verify_email(user=user, token=token)


def test_user_verify_email_expired_token_is_refused(db, settings):
    user = UserFactory(email_verified_at=None)
    token = email_verification_token.make_token(user)
    settings.PASSWORD_RESET_TIMEOUT = -1
    with pytest.raises(DomainError):
        services.user_verify_email(user=user, token=token)
    user.refresh_from_db()
    assert user.email_verified_at is None


# --- user_update_profile --------------------------------------------------------------------


def test_user_update_profile_by_self_saves(user):
    services.user_update_profile(
        actor=user, user=user, full_name=" 李娜 ", phone=" +86 512 1234 ", job_title=" CTO ",
        preferred_language="ru",
    )
    user.refresh_from_db()
    assert (user.full_name, user.phone, user.job_title, user.preferred_language) == (
        "李娜", "+86 512 1234", "CTO", "ru"
    )


def test_user_update_profile_of_someone_else_is_refused(user):
    other = UserFactory()
    before = field_values(other)
    with pytest.raises(PermissionDenied):
        services.user_update_profile(actor=user, user=other, full_name="Changed")
    assert fresh_values(other) == before


# --- user_set_platform_role --------------------------------------------------------------------


def test_user_set_platform_role_by_operator_changes_role_and_audits(operator, user):
    services.user_set_platform_role(actor=operator, user=user, role=PlatformRole.BROKER)
    user.refresh_from_db()
    assert (user.platform_role, user.is_staff) == ("broker", False)
    assert audit_rows(AuditAction.ROLE_CHANGED) == [
        {"actor_id": operator.pk, "actor_email": operator.email, "target_type": "accounts.User",
         "target_id": str(user.pk), "detail": {"from": "", "to": "broker"}}
    ]


def test_user_set_platform_role_operator_gets_back_office_access(operator, user):
    services.user_set_platform_role(actor=operator, user=user, role=PlatformRole.OPERATOR)
    user.refresh_from_db()
    assert (user.platform_role, user.is_staff) == ("operator", True)


def test_user_set_platform_role_withdrawn_operator_loses_back_office_access(operator):
    other = OperatorFactory()
    services.user_set_platform_role(actor=operator, user=other, role=PlatformRole.NONE)
    other.refresh_from_db()
    assert (other.platform_role, other.is_staff) == ("", False)
    assert audit_rows(AuditAction.ROLE_CHANGED)[0]["detail"] == {"from": "operator", "to": ""}


def test_user_set_platform_role_by_non_operator_is_refused(db):
    actor = AdminMembershipFactory().user
    subject = UserFactory()
    before = field_values(subject)
    with pytest.raises(PermissionDenied) as info:
        services.user_set_platform_role(actor=actor, user=subject, role=PlatformRole.OPERATOR)
    assert info.value.code == "permission_denied"
    assert fresh_values(subject) == before
    assert audit_rows(AuditAction.ROLE_CHANGED) == []


def test_user_set_platform_role_unknown_role_is_refused(operator, user):
    with pytest.raises(DomainError) as info:
        services.user_set_platform_role(actor=operator, user=user, role="king")
    assert info.value.code == "invalid_role"
    assert list(info.value.fields) == ["role"]
    user.refresh_from_db()
    assert user.platform_role == ""


def test_user_set_platform_role_operator_cannot_demote_self(operator):
    with pytest.raises(DomainError) as info:
        services.user_set_platform_role(actor=operator, user=operator, role=PlatformRole.NONE)
    assert info.value.code == "self_demotion"
    operator.refresh_from_db()
    assert operator.platform_role == "operator"


def test_user_set_platform_role_same_role_writes_no_audit_row(operator):
    broker = UserFactory(platform_role=PlatformRole.BROKER)
    services.user_set_platform_role(actor=operator, user=broker, role=PlatformRole.BROKER)
    assert audit_rows(AuditAction.ROLE_CHANGED) == []


# --- organisation_create / organisation_update ---------------------------------------------------


def cn_data(**overrides):
    data = {
        "name": "福州示例科技有限公司", "name_en": "Fuzhou Example Technology", "kind": OrganisationType.ENTERPRISE,
        "country": region("CN"), "region": region("CN-350100"), "uscc": REAL_USCC,
    }
    return {**data, **overrides}


def uk_data(**overrides):
    data = {
        "name": "University of Example", "kind": OrganisationType.UNIVERSITY, "country": region("GB"),
        "region": region("GB-ENG-NW"), "registration_number": " RC000123 ",
    }
    return {**data, **overrides}


def test_organisation_create_cn_with_valid_uscc_makes_creator_admin(user):
    organisation = services.organisation_create(actor=user, **cn_data(uscc="9135 0100 m000 100y 43"))
    organisation.refresh_from_db()
    assert organisation.uscc == REAL_USCC
    assert (organisation.name, organisation.country.code, organisation.region.code) == (
        "福州示例科技有限公司", "CN", "CN-350100"
    )
    assert organisation.created_by == user
    assert (organisation.status, organisation.is_verified) == ("active", False)
    assert list(organisation.memberships.values_list("user_id", "role")) == [(user.pk, "admin")]


def test_organisation_create_uk_with_registration_number(user):
    organisation = services.organisation_create(actor=user, **uk_data())
    organisation.refresh_from_db()
    assert (organisation.uscc, organisation.registration_number) == ("", "RC000123")
    assert list(organisation.memberships.values_list("user_id", "role")) == [(user.pk, "admin")]


def test_organisation_create_cn_without_uscc_is_refused(user):
    with pytest.raises(DomainError) as info:
        services.organisation_create(actor=user, **cn_data(uscc=""))
    assert info.value.code == "validation_error"
    assert {k: [english(m) for m in v] for k, v in info.value.fields.items()} == {
        "uscc": ["Organisations registered in China need their unified social credit code."]
    }
    assert Organisation.objects.count() == 0
    assert Membership.objects.count() == 0


def test_organisation_create_cn_with_bad_check_digit_is_refused(user):
    with pytest.raises(DomainError) as info:
        services.organisation_create(actor=user, **cn_data(uscc=REAL_USCC[:17] + "4"))
    assert {k: [english(m) for m in v] for k, v in info.value.fields.items()} == {
        "uscc": ["The check digit of this unified social credit code is wrong; please check for a typing error."]
    }
    assert Organisation.objects.count() == 0


def test_organisation_create_uk_with_uscc_is_refused(user):
    with pytest.raises(DomainError) as info:
        services.organisation_create(actor=user, **uk_data(uscc=REAL_USCC))
    assert {k: [english(m) for m in v] for k, v in info.value.fields.items()} == {
        "uscc": ["The unified social credit code is only for organisations registered in China; "
                 "use the registration number instead."]
    }
    assert Organisation.objects.count() == 0


def test_organisation_create_duplicate_uscc_is_refused(user):
    existing = OrganisationFactory(uscc=REAL_USCC)
    with pytest.raises(DomainError) as info:
        services.organisation_create(actor=user, **cn_data(uscc=REAL_USCC.lower()))
    assert {k: [english(m) for m in v] for k, v in info.value.fields.items()} == {
        "uscc": ["An organisation with this unified social credit code is already registered."]
    }
    assert list(Organisation.objects.values_list("pk", flat=True)) == [existing.pk]
    assert Membership.objects.filter(user=user).count() == 0


def test_organisation_create_region_outside_country_is_refused(user):
    with pytest.raises(DomainError) as info:
        services.organisation_create(actor=user, **uk_data(region=region("CN-320500")))
    assert {k: [english(m) for m in v] for k, v in info.value.fields.items()} == {
        "region": ["This region is not in the chosen country."]
    }
    assert Organisation.objects.count() == 0


def test_organisation_create_city_inside_province_inside_country_is_accepted(user):
    organisation = services.organisation_create(actor=user, **cn_data(region=region("CN-320500"), uscc=make_uscc(7)))
    assert organisation.region.parent.parent.code == "CN"


def test_organisation_create_unverified_user_is_refused(db):
    actor = UserFactory(email_verified_at=None)
    with pytest.raises(PermissionDenied) as info:
        services.organisation_create(actor=actor, **cn_data())
    assert english(info.value.message) == "Verify your e-mail address before creating an organisation."
    assert Organisation.objects.count() == 0


def test_organisation_create_unknown_field_is_refused(user):
    with pytest.raises(DomainError) as info:
        services.organisation_create(actor=user, **cn_data(status="suspended", is_verified=True))
    assert info.value.code == "unknown_fields"
    assert english(info.value.message) == "Unknown fields: is_verified, status"
    assert Organisation.objects.count() == 0


def test_organisation_update_by_admin_saves(org_admin):
    organisation = org_admin.organisation
    services.organisation_update(
        actor=org_admin.user, organisation=organisation, name="新名称有限公司", website="https://example.cn"
    )
    organisation.refresh_from_db()
    assert (organisation.name, organisation.website) == ("新名称有限公司", "https://example.cn")


def test_organisation_update_by_operator_saves(operator):
    organisation = OrganisationFactory()
    services.organisation_update(actor=operator, organisation=organisation, description="Checked.")
    organisation.refresh_from_db()
    assert organisation.description == "Checked."


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_organisation_update_without_permission_is_refused(db, who):
    organisation = OrganisationFactory()
    actor = MembershipFactory(organisation=organisation).user if who == "member" else UserFactory()
    before = field_values(organisation)
    with pytest.raises(PermissionDenied):
        services.organisation_update(actor=actor, organisation=organisation, name="Taken over")
    assert fresh_values(organisation) == before


def test_organisation_update_invalid_data_changes_nothing(org_admin):
    organisation = org_admin.organisation
    before = field_values(organisation)
    with pytest.raises(DomainError) as info:
        services.organisation_update(
            actor=org_admin.user, organisation=organisation, name="Renamed", uscc=REAL_USCC[:17] + "0"
        )
    assert list(info.value.fields) == ["uscc"]
    assert fresh_values(organisation) == before


def test_organisation_update_to_a_taken_uscc_is_refused(org_admin):
    other = OrganisationFactory()
    organisation = org_admin.organisation
    before = field_values(organisation)
    with pytest.raises(DomainError) as info:
        services.organisation_update(actor=org_admin.user, organisation=organisation, uscc=other.uscc)
    assert {k: [english(m) for m in v] for k, v in info.value.fields.items()} == {
        "uscc": ["An organisation with this unified social credit code is already registered."]
    }
    assert fresh_values(organisation) == before


def test_organisation_update_keeping_its_own_uscc_is_accepted(org_admin):
    organisation = org_admin.organisation
    services.organisation_update(actor=org_admin.user, organisation=organisation, uscc=organisation.uscc.lower())
    organisation.refresh_from_db()
    assert organisation.uscc == organisation.uscc.upper()


def test_organisation_update_moving_to_uk_needs_uscc_removed(org_admin):
    organisation = org_admin.organisation
    with pytest.raises(DomainError) as info:
        services.organisation_update(
            actor=org_admin.user, organisation=organisation, country=region("GB"), region=None
        )
    assert list(info.value.fields) == ["uscc"]
    services.organisation_update(
        actor=org_admin.user, organisation=organisation, country=region("GB"), region=None, uscc=""
    )
    organisation.refresh_from_db()
    assert (organisation.country.code, organisation.uscc) == ("GB", "")


# --- memberships ------------------------------------------------------------------------------------


def test_membership_set_role_admin_promotes_member_and_audits(org_admin):
    membership = MembershipFactory(organisation=org_admin.organisation)
    services.membership_set_role(actor=org_admin.user, membership=membership, role=MembershipRole.ADMIN)
    membership.refresh_from_db()
    assert membership.role == "admin"
    assert audit_rows(AuditAction.MEMBERSHIP_ROLE_CHANGED) == [
        {"actor_id": org_admin.user.pk, "actor_email": org_admin.user.email, "target_type": "accounts.Membership",
         "target_id": str(membership.pk),
         "detail": {"from": "member", "to": "admin", "organisation": org_admin.organisation_id}}
    ]


def test_membership_set_role_last_admin_cannot_be_demoted(org_admin):
    MembershipFactory(organisation=org_admin.organisation)
    with pytest.raises(DomainError) as info:
        services.membership_set_role(actor=org_admin.user, membership=org_admin, role=MembershipRole.MEMBER)
    assert info.value.code == "last_admin"
    assert english(info.value.message) == "An organisation needs at least one administrator."
    org_admin.refresh_from_db()
    assert org_admin.role == "admin"
    assert audit_rows(AuditAction.MEMBERSHIP_ROLE_CHANGED) == []


def test_membership_set_role_one_of_two_admins_can_be_demoted(org_admin):
    other = AdminMembershipFactory(organisation=org_admin.organisation)
    services.membership_set_role(actor=org_admin.user, membership=other, role=MembershipRole.MEMBER)
    other.refresh_from_db()
    assert other.role == "member"


def test_membership_set_role_by_member_is_refused(org_admin):
    member = MembershipFactory(organisation=org_admin.organisation)
    with pytest.raises(PermissionDenied):
        services.membership_set_role(actor=member.user, membership=member, role=MembershipRole.ADMIN)
    member.refresh_from_db()
    assert member.role == "member"


def test_membership_set_role_admin_of_another_organisation_is_refused(org_admin):
    member = MembershipFactory()
    with pytest.raises(PermissionDenied):
        services.membership_set_role(actor=org_admin.user, membership=member, role=MembershipRole.ADMIN)
    member.refresh_from_db()
    assert member.role == "member"


def test_membership_set_role_unknown_role_is_refused(org_admin):
    member = MembershipFactory(organisation=org_admin.organisation)
    with pytest.raises(DomainError) as info:
        services.membership_set_role(actor=org_admin.user, membership=member, role="owner")
    assert info.value.code == "invalid_role"
    member.refresh_from_db()
    assert member.role == "member"


def test_membership_remove_by_admin_deletes_and_audits(org_admin):
    member = MembershipFactory(organisation=org_admin.organisation)
    member_pk = member.pk
    services.membership_remove(actor=org_admin.user, membership=member)
    assert Membership.objects.filter(pk=member_pk).exists() is False
    assert audit_rows(AuditAction.MEMBERSHIP_ROLE_CHANGED) == [
        {"actor_id": org_admin.user.pk, "actor_email": org_admin.user.email, "target_type": "accounts.Membership",
         "target_id": str(member_pk),
         "detail": {"from": "member", "to": None, "organisation": org_admin.organisation_id}}
    ]


def test_membership_remove_member_may_leave(org_admin):
    member = MembershipFactory(organisation=org_admin.organisation)
    services.membership_remove(actor=member.user, membership=member)
    assert list(Membership.objects.values_list("pk", flat=True)) == [org_admin.pk]


def test_membership_remove_last_admin_cannot_leave(org_admin):
    MembershipFactory(organisation=org_admin.organisation)
    with pytest.raises(DomainError) as info:
        services.membership_remove(actor=org_admin.user, membership=org_admin)
    assert info.value.code == "last_admin"
    assert fresh_values(org_admin) == field_values(org_admin)
    assert audit_rows(AuditAction.MEMBERSHIP_ROLE_CHANGED) == []


def test_membership_remove_last_admin_cannot_be_removed_by_operator(org_admin, operator):
    with pytest.raises(DomainError) as info:
        services.membership_remove(actor=operator, membership=org_admin)
    assert info.value.code == "last_admin"
    assert Membership.objects.filter(pk=org_admin.pk).exists() is True


def test_membership_remove_by_other_member_is_refused(org_admin):
    member, other = MembershipFactory.create_batch(2, organisation=org_admin.organisation)
    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=other.user, membership=member)
    assert Membership.objects.filter(pk=member.pk).exists() is True


# --- invitations -------------------------------------------------------------------------------------


def test_invitation_create_by_email_stores_only_hash_and_sends_mail(org_admin, django_capture_on_commit_callbacks):
    organisation = org_admin.organisation
    org_admin.user.preferred_language = "en"
    with django_capture_on_commit_callbacks(execute=True):
        invitation, raw = services.invitation_create(
            actor=org_admin.user, organisation=organisation, email=" Guest@Example.ORG ", role=MembershipRole.ADMIN,
            days=7, max_uses=5,
        )
    invitation.refresh_from_db()
    assert invitation.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {str(value) for value in field_values(invitation).values()}
    assert (invitation.email, invitation.role, invitation.max_uses, invitation.use_count) == (
        "guest@example.org", "admin", 1, 0
    )
    assert timedelta(days=7) - timedelta(minutes=1) < invitation.expires_at - timezone.now() <= timedelta(days=7)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["guest@example.org"]
    assert message.subject == f"You are invited to join {organisation.name} on Duijie"
    assert f"{site_url()}/accounts/invite/{raw}/" in message.body
    assert message.body.startswith(f"{org_admin.user.full_name} invites you to join {organisation.name}.")


def test_invitation_create_mail_uses_existing_users_language(org_admin, django_capture_on_commit_callbacks):
    UserFactory(email="guest@example.org", preferred_language="ru")
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(actor=org_admin.user, organisation=org_admin.organisation, email="guest@example.org")
    expected = in_language(
        "ru", "You are invited to join %(org)s on %(platform_name)s",
        org=org_admin.organisation.name, platform_name=settings.PLATFORM_NAME,
    )
    assert [m.subject for m in mail.outbox] == [expected]


def test_invitation_create_shareable_link_sends_no_mail(org_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, raw = services.invitation_create(
            actor=org_admin.user, organisation=org_admin.organisation, max_uses=25
        )
    assert (invitation.email, invitation.role, invitation.max_uses) == ("", "member", 25)
    assert Invitation.objects.get(token_hash=hash_secret(raw)) == invitation
    assert mail.outbox == []


def test_invitation_create_by_member_is_refused(db, django_capture_on_commit_callbacks):
    member = MembershipFactory()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        services.invitation_create(actor=member.user, organisation=member.organisation, email="guest@example.org")
    assert Invitation.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [({"days": 0}, "invalid_days"), ({"days": 91}, "invalid_days"), ({"max_uses": 0}, "invalid_max_uses"),
     ({"max_uses": 501}, "invalid_max_uses"), ({"role": "owner"}, "invalid_role")],
)
def test_invitation_create_out_of_range_is_refused(org_admin, kwargs, code):
    with pytest.raises(DomainError) as info:
        services.invitation_create(actor=org_admin.user, organisation=org_admin.organisation, **kwargs)
    assert info.value.code == code
    assert Invitation.objects.count() == 0


def test_invitation_accept_creates_membership_with_invited_role(db):
    invitation = InvitationFactory(raw_token="secret-1", role=MembershipRole.ADMIN, max_uses=3)
    user = UserFactory()
    membership = services.invitation_accept(user=user, raw_token="secret-1")
    assert (membership.user, membership.organisation, membership.role) == (user, invitation.organisation, "admin")
    invitation.refresh_from_db()
    assert invitation.use_count == 1


def test_invitation_accept_by_email_verifies_address_and_settles_join_request(db):
    user = UserFactory(email="guest@example.org", email_verified_at=None)
    invitation = InvitationFactory(raw_token="secret-1", email="guest@example.org")
    join_request = JoinRequestFactory(user=user, organisation=invitation.organisation)
    services.invitation_accept(user=user, raw_token="secret-1")
    user.refresh_from_db()
    join_request.refresh_from_db()
    assert user.email_verified is True
    assert (join_request.status, join_request.decided_by) == ("approved", invitation.created_by)


def test_invitation_accept_email_matches_in_any_case(db):
    user = UserFactory(email="guest@example.org")
    InvitationFactory(raw_token="secret-1", email="Guest@Example.org")
    assert services.invitation_accept(user=user, raw_token="secret-1").user == user


def expect_refused(invitation, user, raw_token, code):
    before = field_values(invitation)
    with pytest.raises(DomainError) as info:
        services.invitation_accept(user=user, raw_token=raw_token)
    assert info.value.code == code
    assert fresh_values(invitation) == before
    return info.value


def test_invitation_accept_wrong_email_is_refused(db):
    invitation = InvitationFactory(raw_token="secret-1", email="guest@example.org")
    user = UserFactory(email="someone.else@example.org", email_verified_at=None)
    error = expect_refused(invitation, user, "secret-1", "invitation_email_mismatch")
    assert english(error.message) == (
        "This invitation was sent to another e-mail address. Sign in with that address to accept it."
    )
    assert Membership.objects.filter(user=user).count() == 0
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_invitation_accept_expired_is_refused(db):
    invitation = InvitationFactory(raw_token="secret-1", expires_at=timezone.now() - timedelta(seconds=1))
    user = UserFactory()
    error = expect_refused(invitation, user, "secret-1", "invalid_invitation")
    assert english(error.message) == "This invitation link is invalid, used up or expired."
    assert Membership.objects.count() == 0


def test_invitation_accept_revoked_is_refused(db):
    invitation = InvitationFactory(raw_token="secret-1", revoked_at=timezone.now())
    expect_refused(invitation, UserFactory(), "secret-1", "invalid_invitation")
    assert Membership.objects.count() == 0


def test_invitation_accept_used_up_is_refused(db):
    invitation = InvitationFactory(raw_token="secret-1", max_uses=2)
    services.invitation_accept(user=UserFactory(), raw_token="secret-1")
    services.invitation_accept(user=UserFactory(), raw_token="secret-1")
    invitation.refresh_from_db()
    assert invitation.use_count == 2
    late = UserFactory()
    expect_refused(invitation, late, "secret-1", "invalid_invitation")
    assert Membership.objects.filter(user=late).count() == 0


def test_invitation_accept_unknown_token_is_refused(db):
    with pytest.raises(DomainError) as info:
        services.invitation_accept(user=UserFactory(), raw_token="no-such-token")
    assert info.value.code == "invalid_invitation"


def test_invitation_accept_already_member_is_refused(db):
    member = MembershipFactory()
    invitation = InvitationFactory(raw_token="secret-1", organisation=member.organisation, role=MembershipRole.ADMIN)
    expect_refused(invitation, member.user, "secret-1", "already_member")
    member.refresh_from_db()
    assert member.role == "member"


def test_invitation_revoke_by_admin_sets_time(org_admin):
    invitation = InvitationFactory(organisation=org_admin.organisation)
    services.invitation_revoke(actor=org_admin.user, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert invitation.is_usable is False


def test_invitation_revoke_twice_keeps_first_time(org_admin):
    first = timezone.now() - timedelta(days=1)
    invitation = InvitationFactory(organisation=org_admin.organisation, revoked_at=first)
    services.invitation_revoke(actor=org_admin.user, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.revoked_at == first


def test_invitation_revoke_by_member_is_refused(db):
    member = MembershipFactory()
    invitation = InvitationFactory(organisation=member.organisation)
    with pytest.raises(PermissionDenied):
        services.invitation_revoke(actor=member.user, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


# --- join requests ---------------------------------------------------------------------------------------


def test_join_request_create_mails_each_active_admin_in_their_language(db, django_capture_on_commit_callbacks):
    organisation = OrganisationFactory()
    english_admin = AdminMembershipFactory(organisation=organisation, user__preferred_language="en").user
    russian_admin = AdminMembershipFactory(organisation=organisation, user__preferred_language="ru").user
    AdminMembershipFactory(organisation=organisation, user__is_active=False)
    MembershipFactory(organisation=organisation)
    requester = UserFactory(full_name="Zhao Lei")
    with django_capture_on_commit_callbacks(execute=True):
        join_request = services.join_request_create(
            user=requester, organisation=organisation, message="  We make sensors.  "
        )
    join_request.refresh_from_db()
    assert (join_request.status, join_request.message, join_request.decided_at) == (
        "pending", "We make sensors.", None
    )
    by_recipient = {tuple(m.to): m for m in mail.outbox}
    assert set(by_recipient) == {(english_admin.email,), (russian_admin.email,)}
    assert by_recipient[(english_admin.email,)].subject == f"Zhao Lei asks to join {organisation.name}"
    assert by_recipient[(russian_admin.email,)].subject == in_language(
        "ru", "%(name)s asks to join %(org)s", name="Zhao Lei", org=organisation.name
    )
    body = by_recipient[(english_admin.email,)].body
    assert "We make sensors." in body
    assert f"{site_url()}/accounts/organisations/{organisation.pk}/members/" in body


def test_join_request_create_by_member_is_refused(db):
    member = MembershipFactory()
    with pytest.raises(DomainError) as info:
        services.join_request_create(user=member.user, organisation=member.organisation)
    assert info.value.code == "already_member"
    assert JoinRequest.objects.count() == 0


def test_join_request_create_duplicate_pending_is_refused(db, django_capture_on_commit_callbacks):
    existing = JoinRequestFactory()
    AdminMembershipFactory(organisation=existing.organisation)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError) as info:
        services.join_request_create(user=existing.user, organisation=existing.organisation)
    assert info.value.code == "duplicate_request"
    assert list(JoinRequest.objects.values_list("pk", flat=True)) == [existing.pk]
    assert mail.outbox == []


def test_join_request_create_again_after_decline_is_accepted(db):
    declined = JoinRequestFactory(status=JoinRequestStatus.DECLINED)
    again = services.join_request_create(user=declined.user, organisation=declined.organisation)
    assert JoinRequest.objects.filter(user=declined.user).count() == 2
    assert again.status == "pending"


def test_join_request_decide_approve_creates_membership_and_mails(org_admin, django_capture_on_commit_callbacks):
    join_request = JoinRequestFactory(organisation=org_admin.organisation, user__preferred_language="en")
    with django_capture_on_commit_callbacks(execute=True):
        services.join_request_decide(actor=org_admin.user, join_request=join_request, approve=True)
    join_request.refresh_from_db()
    assert (join_request.status, join_request.decided_by) == ("approved", org_admin.user)
    assert join_request.decided_at is not None
    assert list(
        Membership.objects.filter(user=join_request.user).values_list("organisation_id", "role")
    ) == [(org_admin.organisation_id, "member")]
    organisation = org_admin.organisation
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([join_request.user.email], f"Welcome to {organisation.name}")
    ]
    assert mail.outbox[0].body.startswith(f"Your request to join {organisation.name} has been approved.")
    assert f"{site_url()}/accounts/organisations/{organisation.pk}/" in mail.outbox[0].body


def test_join_request_decide_decline_creates_no_membership(org_admin, django_capture_on_commit_callbacks):
    join_request = JoinRequestFactory(organisation=org_admin.organisation, user__preferred_language="en")
    with django_capture_on_commit_callbacks(execute=True):
        services.join_request_decide(actor=org_admin.user, join_request=join_request, approve=False)
    join_request.refresh_from_db()
    assert join_request.status == "declined"
    assert Membership.objects.filter(user=join_request.user).exists() is False
    name = org_admin.organisation.name
    assert [(m.to, m.subject) for m in mail.outbox] == [([join_request.user.email], f"Your request to join {name}")]
    assert mail.outbox[0].body.startswith(f"Your request to join {name} was not approved.")


def test_join_request_decide_by_member_is_refused(db, django_capture_on_commit_callbacks):
    join_request = JoinRequestFactory()
    member = MembershipFactory(organisation=join_request.organisation)
    before = field_values(join_request)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        services.join_request_decide(actor=member.user, join_request=join_request, approve=True)
    assert fresh_values(join_request) == before
    assert Membership.objects.filter(user=join_request.user).exists() is False
    assert mail.outbox == []


def test_join_request_decide_twice_is_refused(org_admin):
    join_request = JoinRequestFactory(organisation=org_admin.organisation)
    services.join_request_decide(actor=org_admin.user, join_request=join_request, approve=False)
    join_request.refresh_from_db()
    before = field_values(join_request)
    with pytest.raises(DomainError) as info:
        services.join_request_decide(actor=org_admin.user, join_request=join_request, approve=True)
    assert info.value.code == "not_pending"
    assert fresh_values(join_request) == before
    assert Membership.objects.filter(user=join_request.user).exists() is False


def test_join_request_cancel_by_requester(db):
    join_request = JoinRequestFactory()
    services.join_request_cancel(user=join_request.user, join_request=join_request)
    join_request.refresh_from_db()
    assert join_request.status == "cancelled"
    assert join_request.decided_at is not None


def test_join_request_cancel_by_someone_else_is_refused(db):
    join_request = JoinRequestFactory()
    before = field_values(join_request)
    with pytest.raises(PermissionDenied):
        services.join_request_cancel(user=UserFactory(), join_request=join_request)
    assert fresh_values(join_request) == before


def test_join_request_cancel_after_decision_is_refused(db):
    join_request = JoinRequestFactory(status=JoinRequestStatus.APPROVED)
    with pytest.raises(DomainError) as info:
        services.join_request_cancel(user=join_request.user, join_request=join_request)
    assert info.value.code == "not_pending"
    join_request.refresh_from_db()
    assert join_request.status == "approved"


# --- API tokens --------------------------------------------------------------------------------------------


def test_api_token_create_returns_secret_stored_only_hashed(user):
    token, raw = services.api_token_create(actor=user, name="  Nightly export  ")
    token.refresh_from_db()
    assert raw.startswith("dj_")
    assert len(raw) > 40
    assert (token.name, token.prefix, token.user) == ("Nightly export", raw[:9], user)
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {str(value) for value in field_values(token).values()}
    assert audit_rows(AuditAction.TOKEN_CREATED) == [
        {"actor_id": user.pk, "actor_email": user.email, "target_type": "accounts.ApiToken",
         "target_id": str(token.pk), "detail": {}}
    ]


def test_api_token_create_gives_a_new_secret_each_time(user):
    _, first = services.api_token_create(actor=user, name="a")
    _, second = services.api_token_create(actor=user, name="a")
    assert first != second


def test_api_token_create_without_name_is_refused(user):
    with pytest.raises(DomainError) as info:
        services.api_token_create(actor=user, name="   ")
    assert info.value.code == "name_required"
    assert ApiToken.objects.count() == 0


def test_api_token_create_21st_active_token_is_refused(user):
    ApiTokenFactory.create_batch(20, user=user)
    with pytest.raises(DomainError) as info:
        services.api_token_create(actor=user, name="one too many")
    assert info.value.code == "too_many_tokens"
    assert english(info.value.message) == "You have 20 active tokens; revoke one first."
    assert ApiToken.objects.filter(user=user).count() == 20
    assert audit_rows(AuditAction.TOKEN_CREATED) == []


def test_api_token_create_revoked_tokens_do_not_count(user):
    ApiTokenFactory.create_batch(19, user=user)
    ApiTokenFactory(user=user, revoked_at=timezone.now())
    services.api_token_create(actor=user, name="twentieth active")
    assert ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() == 20


def test_api_token_authenticate_returns_user_and_records_use(user):
    token, raw = services.api_token_create(actor=user, name="script")
    assert services.api_token_authenticate(raw=raw) == user
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_api_token_authenticate_records_use_at_most_once_a_minute(user):
    recent = timezone.now() - timedelta(seconds=20)
    token = ApiTokenFactory(user=user, raw_token="dj_recent", last_used_at=recent)
    assert services.api_token_authenticate(raw="dj_recent") == user
    token.refresh_from_db()
    assert token.last_used_at == recent


@pytest.mark.parametrize("raw", ["", "dj_wrong", "not-even-prefixed", "DJ_TEST-TOKEN"])
def test_api_token_authenticate_unknown_secret_gives_none(user, raw):
    ApiTokenFactory(user=user, raw_token="dj_test-token")
    assert services.api_token_authenticate(raw=raw) is None


def test_api_token_authenticate_revoked_gives_none(user):
    ApiTokenFactory(user=user, raw_token="dj_revoked", revoked_at=timezone.now())
    assert services.api_token_authenticate(raw="dj_revoked") is None


def test_api_token_authenticate_inactive_user_gives_none(db):
    ApiTokenFactory(user__is_active=False, raw_token="dj_inactive")
    assert services.api_token_authenticate(raw="dj_inactive") is None


def test_api_token_revoke_by_owner_and_audits(user):
    token, raw = services.api_token_create(actor=user, name="script")
    services.api_token_revoke(actor=user, token=token)
    token.refresh_from_db()
    assert token.is_active is False
    assert services.api_token_authenticate(raw=raw) is None
    assert [row["target_id"] for row in audit_rows(AuditAction.TOKEN_REVOKED)] == [str(token.pk)]


def test_api_token_revoke_by_operator(operator):
    token = ApiTokenFactory()
    services.api_token_revoke(actor=operator, token=token)
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_api_token_revoke_by_someone_else_is_refused(user):
    token = ApiTokenFactory()
    before = field_values(token)
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=user, token=token)
    assert fresh_values(token) == before
    assert audit_rows(AuditAction.TOKEN_REVOKED) == []


def test_api_token_revoke_twice_writes_one_audit_row(user):
    token = ApiTokenFactory(user=user)
    services.api_token_revoke(actor=user, token=token)
    services.api_token_revoke(actor=user, token=token)
    assert len(audit_rows(AuditAction.TOKEN_REVOKED)) == 1

