"""factory_boy factories: plain objects with no surprises. Reference data comes from the migrations."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from duijie.accounts.enums import JoinRequestStatus, MembershipRole, OrganisationType, PlatformRole
from duijie.accounts.models import ApiToken, Invitation, JoinRequest, Membership, Organisation, User
from duijie.accounts.tokens import hash_secret
from duijie.accounts.validators import uscc_check_char
from duijie.core.text import normalise_for_search
from duijie.supply.enums import AchievementStatus, PriceBand
from duijie.supply.models import Achievement, Expert
from duijie.taxonomy.models import Region, TechField

PASSWORD = "correct-horse-42"


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def make_uscc(n: int) -> str:
    """A valid unified social credit code: registered in Suzhou (320500), serial ``n``."""
    body = f"91320500{n:09d}"[:17]
    return body + uscc_check_char(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Sequence(lambda n: f"User {n}")
    preferred_language = "zh-hans"
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.django.Password(PASSWORD)


class OperatorFactory(UserFactory):
    platform_role = PlatformRole.OPERATOR
    is_staff = True


class BrokerFactory(UserFactory):
    platform_role = PlatformRole.BROKER


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"苏州测试科技有限公司{n}")
    name_en = factory.Sequence(lambda n: f"Suzhou Test Technology Co. {n}")
    kind = OrganisationType.ENTERPRISE
    country = factory.LazyFunction(lambda: region("CN"))
    region = factory.LazyFunction(lambda: region("CN-320500"))
    uscc = factory.Sequence(make_uscc)


class UKOrganisationFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Test University {n}")
    name_en = factory.SelfAttribute("name")
    kind = OrganisationType.UNIVERSITY
    country = factory.LazyFunction(lambda: region("GB"))
    region = factory.LazyFunction(lambda: region("GB-ENG-NW"))
    uscc = ""
    registration_number = factory.Sequence(lambda n: f"RC{n:06d}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = MembershipRole.MEMBER


class AdminMembershipFactory(MembershipFactory):
    role = MembershipRole.ADMIN


class InvitationFactory(factory.django.DjangoModelFactory):
    """An open shareable link; ``raw_token`` is the secret in the link (only its hash is stored)."""

    class Meta:
        model = Invitation

    class Params:
        raw_token = factory.Sequence(lambda n: f"invitation-token-{n}")

    organisation = factory.SubFactory(OrganisationFactory)
    email = ""
    role = MembershipRole.MEMBER
    token_hash = factory.LazyAttribute(lambda o: hash_secret(o.raw_token))
    created_by = factory.SubFactory(UserFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
    max_uses = 1


class JoinRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JoinRequest

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    message = ""
    status = JoinRequestStatus.PENDING


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """An active token; ``raw_token`` is the secret a client sends (only its hash is stored)."""

    class Meta:
        model = ApiToken

    class Params:
        raw_token = factory.Sequence(lambda n: f"dj_test-token-{n:06d}")

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Script {n}")
    prefix = factory.LazyAttribute(lambda o: o.raw_token[:9])
    token_hash = factory.LazyAttribute(lambda o: hash_secret(o.raw_token))


class AchievementFactory(factory.django.DjangoModelFactory):
    """A published achievement, created directly (no service). ``fields=["code", ...]`` sets its
    technology fields; ``search_text`` covers the title and summary."""

    class Meta:
        model = Achievement
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"测试成果{n}")
    summary = "一项可以转化的技术。"
    language = "zh-hans"
    status = AchievementStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    price_band = PriceBand.NEGOTIABLE
    search_text = factory.LazyAttribute(lambda o: normalise_for_search(f"{o.title} {o.summary}"))

    @factory.post_generation
    def fields(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create and extracted:
            self.fields.set(TechField.objects.filter(code__in=extracted))

    @factory.post_generation
    def hall(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        # What the services do after every change: the hall's keyword index and revision.
        if create:
            from duijie.supply.services import hall_changed

            hall_changed([self.pk])


class ExpertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expert

    name = factory.Sequence(lambda n: f"专家{n}")
    organisation = factory.SubFactory(OrganisationFactory)
