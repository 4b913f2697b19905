from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DemandStatus(models.TextChoices):
    COLLECTED = "collected", pgettext_lazy("demand status", "Collected")
    SCREENING = "screening", pgettext_lazy("demand status", "Screening")
    PUBLISHED = "published", pgettext_lazy("demand status", "Published")
    MATCHING = "matching", pgettext_lazy("demand status", "Matching")
    BROKERING = "brokering", pgettext_lazy("demand status", "Brokering")
    CONTRACTED = "contracted", pgettext_lazy("demand status", "Contract registered")
    FULFILLED = "fulfilled", pgettext_lazy("demand status", "Policy fulfilled")
    REJECTED = "rejected", pgettext_lazy("demand status", "Rejected")
    WITHDRAWN = "withdrawn", pgettext_lazy("demand status", "Withdrawn")
    EXPIRED = "expired", pgettext_lazy("demand status", "Expired")


# On the public board (subject to the confidentiality tier).
BOARD_STATUSES = frozenset({DemandStatus.PUBLISHED, DemandStatus.MATCHING, DemandStatus.BROKERING,
                            DemandStatus.CONTRACTED, DemandStatus.FULFILLED})
# Still open to supply: the deadline job expires these.
OPEN_STATUSES = frozenset({DemandStatus.PUBLISHED, DemandStatus.MATCHING, DemandStatus.BROKERING})
# The owners may still change the content.
EDITABLE_STATUSES = frozenset({DemandStatus.COLLECTED})
# Compared against by the duplicate check: everything not closed without result.
LIVE_STATUSES = frozenset({DemandStatus.COLLECTED, DemandStatus.SCREENING, *BOARD_STATUSES})


class Confidentiality(models.TextChoices):
    PUBLIC = "public", _("Public: everything but the contact")
    SUMMARY = "summary", _("Summary only: details after signing in and accepting the confidentiality terms")
    PRIVATE = "private", _("Private: operators, our organisation and assigned brokers only")


class DemandSource(models.TextChoices):
    SELF = "self", _("Submitted by the enterprise")
    VISIT = "visit", _("Recorded by a technology commissioner after a visit")
    IMPORT = "import", _("Imported from a spreadsheet")


class BudgetType(models.TextChoices):
    NEGOTIABLE = "negotiable", _("Negotiable")
    RANGE = "range", _("Budget range")


class HistoryKind(models.TextChoices):
    TRANSITION = "transition", _("Status change")
    EDIT = "edit", _("Edit")
    CONFIRM = "confirm", _("Confirmed by the enterprise")
    BROKER = "broker", _("Broker assignment")


class ChallengeStage(models.TextChoices):
    """揭榜挂帅, in the order Chinese platforms run it."""

    COLLECTION = "collection", _("Demand collection")
    REVIEW = "review", _("Demand review")
    SITE_VISIT = "site_visit", _("Site visit")
    ANNOUNCED = "announced", _("List published (发榜)")
    MATCHMAKING = "matchmaking", _("Matchmaking")
    TALKS = "talks", _("Talks")
    SUBMISSION = "submission", _("Submission of materials")
    EVALUATION = "evaluation", _("Evaluation (论证揭榜)")
    PUBLICITY = "publicity", _("Result publicity (结果公示)")
    AWARDED = "awarded", _("Winner announced")


CHALLENGE_ORDER = list(ChallengeStage.values)
# Shown on the public challenge board from the list publication on.
PUBLIC_STAGES = frozenset(CHALLENGE_ORDER[CHALLENGE_ORDER.index(ChallengeStage.ANNOUNCED):])


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("application status", "Submitted")
    WITHDRAWN = "withdrawn", pgettext_lazy("application status", "Withdrawn")
