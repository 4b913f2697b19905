import pytest

from duijie.accounts import services
from duijie.accounts.enums import MembershipRole
from duijie.accounts.models import Membership
from duijie.core.errors import DomainError, PermissionDenied
from duijie.core.models import AuditEvent
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_organisation_set_verified_by_operator_records_audit(operator):
    organisation = OrganisationFactory(is_verified=False)
    services.organisation_set_verified(actor=operator, organisation=organisation)
    organisation.refresh_from_db()
    assert organisation.is_verified is True
    event = AuditEvent.objects.get(target_type="accounts.Organisation", target_id=str(organisation.pk))
    assert (event.action, event.actor, event.detail) == ("admin_changed", operator, {"is_verified": True})


def test_organisation_set_verified_refused_for_plain_user(user):
    organisation = OrganisationFactory(is_verified=False)
    with pytest.raises(PermissionDenied):
        services.organisation_set_verified(actor=user, organisation=organisation)
    organisation.refresh_from_db()
    assert organisation.is_verified is False


def test_membership_add_by_operator_creates_membership(operator):
    organisation, member = OrganisationFactory(), UserFactory()
    membership = services.membership_add(actor=operator, organisation=organisation, user=member,
                                         role=MembershipRole.ADMIN)
    assert list(Membership.objects.values_list("user", "organisation", "role")) == [
        (member.pk, organisation.pk, "admin")
    ]
    assert AuditEvent.objects.get(target_id=str(membership.pk)).detail == {
        "from": None, "to": "admin", "organisation": organisation.pk,
    }


def test_membership_add_twice_is_refused(operator):
    organisation, member = OrganisationFactory(), UserFactory()
    services.membership_add(actor=operator, organisation=organisation, user=member)
    with pytest.raises(DomainError) as excinfo:
        services.membership_add(actor=operator, organisation=organisation, user=member)
    assert excinfo.value.code == "already_member"
    assert Membership.objects.count() == 1


def test_membership_add_refused_for_non_operator(user):
    with pytest.raises(PermissionDenied):
        services.membership_add(actor=user, organisation=OrganisationFactory(), user=UserFactory())
    assert Membership.objects.count() == 0


def test_organisation_set_status_rejects_unknown_status(operator):
    organisation = OrganisationFactory()
    with pytest.raises(DomainError) as excinfo:
        services.organisation_set_status(actor=operator, organisation=organisation, status="closed")
    assert excinfo.value.code == "invalid_status"
    organisation.refresh_from_db()
    assert organisation.status == "active"


def test_user_update_by_operator_refuses_protected_fields(operator):
    subject = UserFactory()
    subject.is_superuser = True
    with pytest.raises(DomainError) as excinfo:
        services.user_update_by_operator(actor=operator, user=subject, changed=["is_superuser"])
    assert excinfo.value.code == "readonly_fields"
    subject.refresh_from_db()
    assert subject.is_superuser is False


def test_user_update_by_operator_cannot_deactivate_self(operator):
    same_account = type(operator).objects.get(pk=operator.pk)  # as the back-office form holds it
    same_account.is_active = False
    with pytest.raises(DomainError) as excinfo:
        services.user_update_by_operator(actor=operator, user=same_account, changed=["is_active"])
    assert excinfo.value.code == "self_deactivation"
    operator.refresh_from_db()
    assert operator.is_active is True


def test_user_update_by_operator_refused_for_plain_user(user):
    other = UserFactory(full_name="Before")
    other.full_name = "After"
    with pytest.raises(PermissionDenied):
        services.user_update_by_operator(actor=user, user=other, changed=["full_name"])
    other.refresh_from_db()
    assert other.full_name == "Before"


def test_last_active_admin_cannot_leave_when_other_admin_is_inactive(operator):
    from tests.factories import AdminMembershipFactory

    active = AdminMembershipFactory()
    AdminMembershipFactory(organisation=active.organisation, user=UserFactory(is_active=False))
    with pytest.raises(DomainError) as excinfo:
        services.membership_remove(actor=active.user, membership=active)
    assert excinfo.value.code == "last_admin"
    assert Membership.objects.filter(pk=active.pk).exists()


def _join_audits():
    return list(
        AuditEvent.objects.filter(action="membership_role_changed").order_by("id").values_list("detail__how", "detail__to")
    )


def test_organisation_create_audits_the_creator_joining(user):
    from tests.factories import region

    services.organisation_create(actor=user, name="伦敦示例", kind="university", country=region("GB"),
                                 registration_number="RC1")
    assert _join_audits() == [("created", "admin")]


def test_invitation_accept_and_join_approval_are_audited(org_admin):
    invitee, requester = UserFactory(), UserFactory()
    _, raw = services.invitation_create(actor=org_admin.user, organisation=org_admin.organisation,
                                        role=MembershipRole.ADMIN)
    services.invitation_accept(user=invitee, raw_token=raw)
    join_request = services.join_request_create(user=requester, organisation=org_admin.organisation)
    services.join_request_decide(actor=org_admin.user, join_request=join_request, approve=True)
    assert _join_audits() == [("invitation", "admin"), ("join_request", "member")]


def test_operator_changing_an_email_clears_its_verification(operator):
    subject = UserFactory(email="old@example.org")
    subject.email = "New@Example.org"
    services.user_update_by_operator(actor=operator, user=subject, changed=["email"])
    subject.refresh_from_db()
    assert (subject.email, subject.email_verified_at) == ("new@example.org", None)


def test_password_set_by_operator_is_audited_and_revokes_tokens(operator):
    subject = UserFactory()
    token, _ = services.api_token_create(actor=subject, name="script")
    services.user_record_password_set_by_operator(actor=operator, user_id=subject.pk)
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="password_changed")
    assert (event.actor, event.target_id, event.detail) == (operator, str(subject.pk), {"by_operator": True})
