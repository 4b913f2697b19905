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
