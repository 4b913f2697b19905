from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from duijie.accounts import services
from duijie.accounts.enums import MembershipRole, PlatformRole
from duijie.accounts.models import Membership, Organisation, User
from duijie.accounts.validators import validate_uscc
from duijie.core.demo import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD

EXPECTED_ORGANISATIONS = {
    "university": 7,
    "research_institute": 1,
    "enterprise": 6,
    "investor": 1,
    "transfer_agency": 1,
    "government_park": 1,
    "overseas_centre": 1,
}
EXPECTED_ROLES = {"operator": 1, "broker": 1, "commissioner": 1, "": 23}
TABLE_EMAILS = [
    "operator", "broker", "commissioner", "researcher", "tto", "enterprise", "enterprise-admin",
    "investor", "park", "uk-researcher",
]


@pytest.fixture(autouse=True)
def _fast_hasher(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_demo(*args: str) -> str:
    # The accounts loader alone: the whole world (with hundreds of achievements) is tested in tests/supply.
    out = StringIO()
    call_command("demo", *args, "--only", "accounts", stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list[dict]]:
    return {
        "users": list(User.objects.order_by("pk").values()),
        "organisations": list(Organisation.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
    }


@pytest.mark.django_db
def test_demo_creates_the_world_once():
    run_demo("--quiet")

    assert dict(Counter(Organisation.objects.values_list("kind", flat=True))) == EXPECTED_ORGANISATIONS
    assert dict(Counter(User.objects.values_list("platform_role", flat=True))) == EXPECTED_ROLES
    assert Membership.objects.count() == 25
    first = snapshot()

    output = run_demo("--quiet")

    assert "0 created, 69 already there" in output
    assert snapshot() == first


@pytest.mark.django_db
def test_demo_output_lists_what_it_created_and_the_accounts():
    first = run_demo()
    assert "created  accounts.Organisation        西交利物浦大学" in first
    assert "69 created, 0 already there" in first
    for local in TABLE_EMAILS:
        assert f"{local}@{DEMO_EMAIL_DOMAIN}" in first
    assert DEMO_PASSWORD in first

    second = run_demo()
    assert "found    accounts.Organisation        西交利物浦大学" in second
    assert "  created  accounts." not in second
    assert "0 created, 69 already there" in second


@pytest.mark.django_db
def test_demo_runs_silently_at_verbosity_zero():
    assert run_demo("--verbosity", "0") == ""
    assert User.objects.count() == 26


@pytest.mark.django_db
def test_chinese_organisations_have_valid_credit_codes_and_others_registration_numbers():
    run_demo("--quiet")
    for organisation in Organisation.objects.select_related("country", "region"):
        if organisation.country.code == "CN":
            validate_uscc(organisation.uscc)
            # The division code (characters 3-8) lies in the organisation's province.
            assert organisation.uscc[2:4] in {organisation.region.gbt2260_code[:2], "10"}
        else:
            assert organisation.uscc == ""
            assert organisation.registration_number
        organisation.full_clean()
        assert organisation.website.startswith("https://") and ".example.org" in organisation.website
        assert organisation.description and organisation.name_en
        assert organisation.memberships.filter(role=MembershipRole.ADMIN).exists()


@pytest.mark.django_db
def test_every_demo_account_signs_in_with_the_demo_password():
    run_demo("--quiet")
    users = list(User.objects.all())
    assert users
    for user in users:
        assert user.email.endswith(f"@{DEMO_EMAIL_DOMAIN}")
        assert user.email_verified
        signed_in = authenticate(RequestFactory().post("/"), username=user.email, password=DEMO_PASSWORD)
        assert signed_in == user, user.email


@pytest.mark.django_db
def test_demo_people_have_the_expected_roles_and_languages():
    run_demo("--quiet")
    operator = User.objects.get(email=f"operator@{DEMO_EMAIL_DOMAIN}")
    assert operator.is_superuser and operator.is_staff and operator.platform_role == PlatformRole.OPERATOR

    broker = User.objects.get(email=f"broker@{DEMO_EMAIL_DOMAIN}")
    assert broker.is_broker and not broker.is_staff
    assert broker.memberships.get().organisation.kind == "transfer_agency"
    commissioner = User.objects.get(email=f"commissioner@{DEMO_EMAIL_DOMAIN}")
    assert commissioner.platform_role == PlatformRole.COMMISSIONER
    assert commissioner.memberships.get().organisation.kind == "government_park"

    tto = Membership.objects.get(user__email=f"tto@{DEMO_EMAIL_DOMAIN}")
    assert tto.role == MembershipRole.ADMIN and tto.organisation.kind == "university"
    uk = Membership.objects.get(user__email=f"uk-researcher@{DEMO_EMAIL_DOMAIN}")
    assert uk.organisation.country.code == "GB" and uk.user.preferred_language == "en"

    languages = set(User.objects.values_list("preferred_language", flat=True))
    assert languages == {"zh-hans", "zh-hant", "en", "ru"}


@pytest.mark.django_db
def test_second_run_keeps_what_people_changed():
    run_demo("--quiet")
    operator = User.objects.get(email=f"operator@{DEMO_EMAIL_DOMAIN}")
    robotics = Organisation.objects.get(name="苏州智造精工机器人有限公司")
    services.organisation_update(actor=operator, organisation=robotics, description="Edited by the operator.")
    researcher = User.objects.get(email=f"researcher@{DEMO_EMAIL_DOMAIN}")
    services.user_update_profile(actor=researcher, user=researcher, full_name="张晓岚", job_title="教授")
    researcher.set_password("a-new-secret-2026")
    researcher.save(update_fields=["password"])
    broker = User.objects.get(email=f"broker@{DEMO_EMAIL_DOMAIN}")
    services.user_set_platform_role(actor=operator, user=broker, role=PlatformRole.NONE)
    membership = Membership.objects.get(user__email=f"enterprise@{DEMO_EMAIL_DOMAIN}")
    services.membership_set_role(actor=operator, membership=membership, role=MembershipRole.ADMIN)
    before = snapshot()

    output = run_demo("--quiet")

    assert "0 created" in output
    assert snapshot() == before
    robotics.refresh_from_db()
    assert robotics.description == "Edited by the operator."
    researcher.refresh_from_db()
    assert researcher.job_title == "教授"
    assert researcher.check_password("a-new-secret-2026")


@pytest.mark.django_db
def test_demo_restores_only_what_was_deleted():
    run_demo("--quiet")
    Membership.objects.filter(user__email=f"broker@{DEMO_EMAIL_DOMAIN}").delete()
    User.objects.filter(email=f"investor@{DEMO_EMAIL_DOMAIN}").delete()

    output = run_demo("--quiet")

    assert "3 created" in output  # the investor, their admin membership, the broker's membership
    assert User.objects.count() == 26
    assert Membership.objects.filter(user__email=f"broker@{DEMO_EMAIL_DOMAIN}").exists()
    investor = Membership.objects.get(user__email=f"investor@{DEMO_EMAIL_DOMAIN}")
    assert investor.role == MembershipRole.ADMIN
    assert Organisation.objects.filter(kind="investor").count() == 1
