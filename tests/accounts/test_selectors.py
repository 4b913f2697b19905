import pytest
from django.contrib.auth.models import AnonymousUser

from duijie.accounts import selectors
from duijie.accounts.enums import JoinRequestStatus, OrganisationStatus, OrganisationType, PlatformRole
from duijie.core.errors import NotFound
from tests.factories import (
    AdminMembershipFactory,
    ApiTokenFactory,
    BrokerFactory,
    InvitationFactory,
    JoinRequestFactory,
    MembershipFactory,
    OperatorFactory,
    OrganisationFactory,
    UKOrganisationFactory,
    UserFactory,
)


def pks(queryset) -> list[int]:
    return sorted(obj.pk for obj in queryset)


@pytest.fixture
def active_and_suspended(db):
    return OrganisationFactory(name="A 活跃"), OrganisationFactory(name="B 停用", status=OrganisationStatus.SUSPENDED)


# --- organisations ---------------------------------------------------------------------------


def test_organisations_visible_to_anonymous_hides_suspended(active_and_suspended):
    active, _ = active_and_suspended
    assert pks(selectors.organisations_visible_to(AnonymousUser())) == [active.pk]


def test_organisations_visible_to_outsider_hides_suspended(active_and_suspended, user):
    active, _ = active_and_suspended
    assert pks(selectors.organisations_visible_to(user)) == [active.pk]


def test_organisations_visible_to_member_shows_own_suspended(active_and_suspended):
    active, suspended = active_and_suspended
    member = MembershipFactory(organisation=suspended).user
    assert pks(selectors.organisations_visible_to(member)) == [active.pk, suspended.pk]


def test_organisations_visible_to_operator_shows_all(active_and_suspended, operator):
    active, suspended = active_and_suspended
    assert pks(selectors.organisations_visible_to(operator)) == [active.pk, suspended.pk]


def test_organisations_visible_to_inactive_member_hides_suspended(active_and_suspended):
    active, suspended = active_and_suspended
    member = MembershipFactory(organisation=suspended, user__is_active=False).user
    assert pks(selectors.organisations_visible_to(member)) == [active.pk]


def test_organisations_visible_to_member_of_many_lists_each_once(db):
    organisation = OrganisationFactory()
    user = MembershipFactory(organisation=organisation).user
    MembershipFactory.create_batch(3, organisation=organisation)
    assert [o.pk for o in selectors.organisations_visible_to(user)] == [organisation.pk]


def test_organisation_list_counts_members_and_orders_by_name(db):
    b = OrganisationFactory(name="B")
    a = OrganisationFactory(name="A")
    MembershipFactory.create_batch(2, organisation=b)
    AdminMembershipFactory(organisation=b)
    result = selectors.organisation_list(user=AnonymousUser())
    assert [(o.pk, o.member_count) for o in result] == [(a.pk, 0), (b.pk, 3)]


def test_organisation_list_member_count_not_multiplied_by_membership_join(db):
    organisation = OrganisationFactory()
    members = MembershipFactory.create_batch(3, organisation=organisation)
    result = selectors.organisation_list(user=members[0].user)
    assert [(o.pk, o.member_count) for o in result] == [(organisation.pk, 3)]


def test_organisation_list_filters_by_query_kind_and_country(db):
    suzhou = OrganisationFactory(name="苏州纳米所", name_en="Suzhou Nano Institute", kind=OrganisationType.RESEARCH_INSTITUTE)
    company = OrganisationFactory(name="苏州某公司", name_en="Suzhou Company")
    uk = UKOrganisationFactory(name="Nano University")
    anonymous = AnonymousUser()
    assert pks(selectors.organisation_list(user=anonymous, query="nano")) == sorted([suzhou.pk, uk.pk])
    assert pks(selectors.organisation_list(user=anonymous, query="纳米")) == [suzhou.pk]
    assert pks(selectors.organisation_list(user=anonymous, kind="enterprise")) == [company.pk]
    assert pks(selectors.organisation_list(user=anonymous, country="GB")) == [uk.pk]
    assert pks(selectors.organisation_list(user=anonymous, query="nano", country="CN")) == [suzhou.pk]


def test_organisation_get_suspended_for_outsider_is_not_found(active_and_suspended, user):
    _, suspended = active_and_suspended
    with pytest.raises(NotFound):
        selectors.organisation_get(user=user, pk=suspended.pk)


def test_organisation_get_suspended_for_operator_is_found(active_and_suspended, operator):
    _, suspended = active_and_suspended
    assert selectors.organisation_get(user=operator, pk=suspended.pk) == suspended


def test_organisation_members_for_outsider_is_empty(org_admin, user):
    assert list(selectors.organisation_members(user=user, organisation=org_admin.organisation)) == []


def test_organisation_members_for_anonymous_is_empty(org_admin):
    assert list(selectors.organisation_members(user=AnonymousUser(), organisation=org_admin.organisation)) == []


def test_organisation_members_for_member_lists_admins_first(org_admin):
    organisation = org_admin.organisation
    member = MembershipFactory(organisation=organisation, user__full_name="Aaron")
    result = selectors.organisation_members(user=member.user, organisation=organisation)
    assert [m.pk for m in result] == [org_admin.pk, member.pk]


def test_organisation_members_for_operator_lists_all(org_admin, operator):
    member = MembershipFactory(organisation=org_admin.organisation)
    result = selectors.organisation_members(user=operator, organisation=org_admin.organisation)
    assert pks(result) == sorted([org_admin.pk, member.pk])


def test_organisation_admins_excludes_members_and_inactive(db):
    organisation = OrganisationFactory()
    admin = AdminMembershipFactory(organisation=organisation).user
    AdminMembershipFactory(organisation=organisation, user__is_active=False)
    MembershipFactory(organisation=organisation)
    AdminMembershipFactory()
    assert list(selectors.organisation_admins(organisation=organisation)) == [admin]


def test_organisation_pending_join_requests_only_for_managers(org_admin):
    organisation = org_admin.organisation
    pending = JoinRequestFactory(organisation=organisation)
    JoinRequestFactory(organisation=organisation, status=JoinRequestStatus.DECLINED)
    member = MembershipFactory(organisation=organisation).user
    assert pks(selectors.organisation_pending_join_requests(user=org_admin.user, organisation=organisation)) == [
        pending.pk
    ]
    assert list(selectors.organisation_pending_join_requests(user=member, organisation=organisation)) == []


def test_organisation_open_invitations_hides_revoked_and_outsiders(org_admin):
    from django.utils import timezone

    organisation = org_admin.organisation
    open_invitation = InvitationFactory(organisation=organisation)
    InvitationFactory(organisation=organisation, revoked_at=timezone.now())
    member = MembershipFactory(organisation=organisation).user
    assert pks(selectors.organisation_open_invitations(user=org_admin.user, organisation=organisation)) == [
        open_invitation.pk
    ]
    assert list(selectors.organisation_open_invitations(user=member, organisation=organisation)) == []


# --- users -----------------------------------------------------------------------------------------


@pytest.fixture
def colleagues(db):
    """Two organisations: ``me`` is in both, with one colleague in each; ``stranger`` in neither."""
    me = UserFactory()
    first, second = OrganisationFactory(), OrganisationFactory()
    MembershipFactory(user=me, organisation=first)
    MembershipFactory(user=me, organisation=second)
    colleague_1 = MembershipFactory(organisation=first).user
    colleague_2 = MembershipFactory(organisation=second).user
    # Shares both organisations with me: must still be listed once.
    both = MembershipFactory(organisation=first).user
    MembershipFactory(user=both, organisation=second)
    stranger = MembershipFactory().user
    return {"me": me, "colleagues": [colleague_1, colleague_2, both], "stranger": stranger}


def test_users_visible_to_anonymous_sees_none(colleagues):
    assert list(selectors.users_visible_to(AnonymousUser())) == []


def test_users_visible_to_user_sees_self_and_colleagues_once(colleagues):
    me = colleagues["me"]
    result = [u.pk for u in selectors.users_visible_to(me)]
    assert sorted(result) == sorted([me.pk] + [u.pk for u in colleagues["colleagues"]])
    assert len(result) == len(set(result))


def test_users_visible_to_user_without_organisation_sees_self(colleagues, user):
    assert list(selectors.users_visible_to(user)) == [user]


def test_users_visible_to_operator_sees_all(colleagues, operator):
    from duijie.accounts.models import User

    assert pks(selectors.users_visible_to(operator)) == sorted(User.objects.values_list("pk", flat=True))
    assert len(pks(selectors.users_visible_to(operator))) == 6


def test_user_get_stranger_is_not_found(colleagues):
    with pytest.raises(NotFound):
        selectors.user_get(user=colleagues["me"], pk=colleagues["stranger"].pk)


def test_user_list_filters_by_role_and_query(operator):
    broker = BrokerFactory(full_name="Broker Bai")
    plain = UserFactory(full_name="Plain Pan")
    assert [u.pk for u in selectors.user_list(user=operator, role=PlatformRole.BROKER)] == [broker.pk]
    assert [u.pk for u in selectors.user_list(user=operator, role=PlatformRole.NONE)] == [plain.pk]
    assert [u.pk for u in selectors.user_list(user=operator, query="bai")] == [broker.pk]
    assert [u.pk for u in selectors.user_list(user=operator, query=plain.email.upper())] == [plain.pk]


def test_user_memberships_tokens_and_join_requests_of_anonymous_are_empty(db):
    anonymous = AnonymousUser()
    assert list(selectors.user_memberships(user=anonymous)) == []
    assert list(selectors.user_api_tokens(user=anonymous)) == []
    assert list(selectors.user_join_requests(user=anonymous)) == []


def test_user_memberships_tokens_and_join_requests_are_the_users_own(user):
    membership = MembershipFactory(user=user)
    token = ApiTokenFactory(user=user)
    join_request = JoinRequestFactory(user=user)
    MembershipFactory()
    ApiTokenFactory()
    JoinRequestFactory()
    assert list(selectors.user_memberships(user=user)) == [membership]
    assert list(selectors.user_api_tokens(user=user)) == [token]
    assert list(selectors.user_join_requests(user=user)) == [join_request]


def test_users_visible_to_operator_alone_sees_self(db):
    operator = OperatorFactory()
    assert list(selectors.users_visible_to(operator)) == [operator]
