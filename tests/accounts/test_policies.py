"""Each policy asked for every kind of person: the answers are compared as one table."""

import pytest
from django.contrib.auth.models import AnonymousUser

from duijie.accounts import policies
from duijie.accounts.enums import PlatformRole
from tests.factories import (
    AdminMembershipFactory,
    BrokerFactory,
    MembershipFactory,
    OperatorFactory,
    OrganisationFactory,
    UserFactory,
)

PEOPLE = ["anonymous", "user", "member", "admin", "operator", "inactive"]


@pytest.fixture
def organisation(db):
    return OrganisationFactory()


@pytest.fixture
def people(organisation):
    """One person of each kind. ``inactive`` is a deactivated administrator of the organisation."""
    return {
        "anonymous": AnonymousUser(),
        "user": UserFactory(),
        "member": MembershipFactory(organisation=organisation).user,
        "admin": AdminMembershipFactory(organisation=organisation).user,
        "operator": OperatorFactory(),
        "inactive": AdminMembershipFactory(organisation=organisation, user__is_active=False).user,
    }


def answers(policy, people, *args):
    return {name: policy(person, *args) for name, person in people.items()}


def table(*allowed):
    return {name: name in allowed for name in PEOPLE}


def test_is_authenticated_for_each_person(people):
    assert answers(policies.is_authenticated, people) == table("user", "member", "admin", "operator")


def test_is_authenticated_none_is_false():
    assert policies.is_authenticated(None) is False


def test_is_operator_for_each_person(people):
    assert answers(policies.is_operator, people) == table("operator")


def test_is_operator_superuser_without_role_is_operator(db):
    assert policies.is_operator(UserFactory(is_superuser=True)) is True


def test_is_operator_inactive_operator_is_not(db):
    assert policies.is_operator(OperatorFactory(is_active=False)) is False


def test_is_operator_broker_is_not(db):
    broker = BrokerFactory()
    assert broker.platform_role == PlatformRole.BROKER
    assert policies.is_operator(broker) is False


def test_is_org_admin_for_each_person(people, organisation):
    assert answers(policies.is_org_admin, people, organisation) == table("admin")


def test_is_org_admin_of_another_organisation_is_false(people):
    assert answers(policies.is_org_admin, people, OrganisationFactory()) == table()


def test_is_org_member_for_each_person(people, organisation):
    assert answers(policies.is_org_member, people, organisation) == table("member", "admin")


def test_can_create_organisation_for_each_person(people):
    assert answers(policies.can_create_organisation, people) == table("user", "member", "admin", "operator")


def test_can_create_organisation_unverified_user_is_refused(db):
    assert policies.can_create_organisation(UserFactory(email_verified_at=None)) is False


def test_can_edit_organisation_for_each_person(people, organisation):
    assert answers(policies.can_edit_organisation, people, organisation) == table("admin", "operator")


def test_can_manage_members_for_each_person(people, organisation):
    assert answers(policies.can_manage_members, people, organisation) == table("admin", "operator")


def test_can_view_members_for_each_person(people, organisation):
    assert answers(policies.can_view_members, people, organisation) == table("member", "admin", "operator")


def test_can_request_to_join_for_each_person(people, organisation):
    assert answers(policies.can_request_to_join, people, organisation) == table("user", "operator")


def test_can_set_platform_role_for_each_person(people):
    assert answers(policies.can_set_platform_role, people) == table("operator")


def test_can_view_audit_log_for_each_person(people):
    assert answers(policies.can_view_audit_log, people) == table("operator")


def test_can_view_user_a_member_for_each_person(people):
    assert answers(policies.can_view_user, people, people["member"]) == table("member", "admin", "operator")


def test_can_view_user_an_outsider_for_each_person(people):
    """A user with no organisation is seen by themselves and operators only."""
    assert answers(policies.can_view_user, people, people["user"]) == table("user", "operator")
