from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AchievementStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("achievement status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("achievement status", "Submitted for screening")
    RETURNED = "returned", pgettext_lazy("achievement status", "Returned for changes")
    PUBLISHED = "published", pgettext_lazy("achievement status", "Published")
    IN_NEGOTIATION = "in_negotiation", pgettext_lazy("achievement status", "In negotiation")
    TRANSFERRED = "transferred", pgettext_lazy("achievement status", "Transferred")
    ARCHIVED = "archived", pgettext_lazy("achievement status", "Archived")


# Shown in the exhibition hall to everyone.
PUBLIC_STATUSES = frozenset({AchievementStatus.PUBLISHED, AchievementStatus.IN_NEGOTIATION, AchievementStatus.TRANSFERRED})
# The owner may change content freely.
EDITABLE_STATUSES = frozenset({AchievementStatus.DRAFT, AchievementStatus.RETURNED})


class AchievementAttribute(models.TextChoices):
    ORIGINAL = "original", _("Original innovation")
    INTRODUCED = "introduced", _("Introduced, digested and absorbed")
    SECONDARY = "secondary", _("Secondary development")


class PriceType(models.TextChoices):
    NEGOTIABLE = "negotiable", _("Negotiable")
    RANGE = "range", _("Price range")


class Currency(models.TextChoices):
    CNY = "CNY", _("Chinese yuan (CNY)")
    GBP = "GBP", _("Pound sterling (GBP)")
    EUR = "EUR", _("Euro (EUR)")
    RUB = "RUB", _("Russian rouble (RUB)")
    USD = "USD", _("US dollar (USD)")


class PriceBand(models.TextChoices):
    """Facet bands of the asking price's lower bound, in CNY-equivalent ten-thousands (万元)."""

    NEGOTIABLE = "negotiable", _("Negotiable")
    UNDER_100K = "lt10", _("Under CNY 100,000")
    TO_1M = "10-100", _("CNY 100,000 – 1 million")
    TO_10M = "100-1000", _("CNY 1 – 10 million")
    OVER_10M = "gte1000", _("CNY 10 million and more")


class ContentLanguage(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    ZH_HANT = "zh-hant", "繁體中文"
    EN = "en", "English"
    RU = "ru", "Русский"


class IPType(models.TextChoices):
    INVENTION_PATENT = "invention_patent", _("Invention patent")
    UTILITY_MODEL = "utility_model", _("Utility model")
    DESIGN = "design", _("Design patent")
    PCT_APPLICATION = "pct_application", _("PCT application")
    SOFTWARE_COPYRIGHT = "software_copyright", _("Software copyright")
    IC_LAYOUT = "ic_layout", _("Integrated-circuit layout design")
    KNOW_HOW = "know_how", _("Know-how / technical secret")


class IPStatus(models.TextChoices):
    FILED = "filed", _("Filed")
    GRANTED = "granted", _("Granted")
    LAPSED = "lapsed", _("Lapsed")
    EXPIRED = "expired", _("Expired")


class Jurisdiction(models.TextChoices):
    CN = "CN", _("China")
    US = "US", _("United States")
    EP = "EP", _("European Patent Office")
    GB = "GB", _("United Kingdom")
    WO = "WO", _("PCT (WIPO)")
    OTHER = "other", _("Other")


class AttachmentKind(models.TextChoices):
    IMAGE = "image", _("Image")
    PDF = "pdf", _("PDF document")


class HistoryKind(models.TextChoices):
    TRANSITION = "transition", _("Status change")
    EDIT = "edit", _("Edit")


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("import job status", "Queued")
    RUNNING = "running", pgettext_lazy("import job status", "Running")
    DONE = "done", pgettext_lazy("import job status", "Done")
    FAILED = "failed", pgettext_lazy("import job status", "Failed")


# Still to finish: the job page keeps polling while a job is in one of these.
IMPORT_ACTIVE_STATUSES = frozenset({ImportJobStatus.QUEUED, ImportJobStatus.RUNNING})
