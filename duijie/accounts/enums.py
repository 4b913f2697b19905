from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PlatformRole(models.TextChoices):
    """A user's role on the platform itself, beside their organisation memberships."""

    NONE = "", pgettext_lazy("platform role", "Member")
    OPERATOR = "operator", _("Operator")
    BROKER = "broker", _("Technology broker")
    COMMISSIONER = "commissioner", _("Technology commissioner")


BROKER_ROLES = frozenset({PlatformRole.BROKER, PlatformRole.COMMISSIONER})


class OrganisationType(models.TextChoices):
    UNIVERSITY = "university", _("University")
    RESEARCH_INSTITUTE = "research_institute", _("Research institute")
    ENTERPRISE = "enterprise", _("Enterprise")
    INVESTOR = "investor", _("Investor")
    TRANSFER_AGENCY = "transfer_agency", _("Technology-transfer agency")
    GOVERNMENT_PARK = "government_park", _("Government or park")
    OVERSEAS_CENTRE = "overseas_centre", _("Overseas innovation centre")


SUPPLY_ORG_TYPES = frozenset({OrganisationType.UNIVERSITY, OrganisationType.RESEARCH_INSTITUTE})


class MembershipRole(models.TextChoices):
    MEMBER = "member", pgettext_lazy("organisation role", "Member")
    ADMIN = "admin", _("Organisation administrator")


class JoinRequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


class OrganisationStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("organisation status", "Active")
    SUSPENDED = "suspended", _("Suspended")
