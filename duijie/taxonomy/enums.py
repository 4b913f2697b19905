from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TRLStage(models.TextChoices):
    EARLY = "early", pgettext_lazy("technology stage", "Early stage")
    MIDDLE = "middle", pgettext_lazy("technology stage", "Middle stage")
    MATURE = "mature", pgettext_lazy("technology stage", "Mature stage")


class RegionKind(models.TextChoices):
    COUNTRY = "country", _("Country or territory")
    PROVINCE = "province", _("Province-level division")
    CITY = "city", _("City")
    NATION = "nation", _("Constituent nation")
    REGION = "region", pgettext_lazy("region kind", "Region")
    FEDERAL_SUBJECT = "federal_subject", _("Federal subject")
