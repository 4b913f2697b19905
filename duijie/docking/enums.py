from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CaseStage(models.TextChoices):
    """The docking case pipeline (撮合), declared in ``workflow.py``. A request is a case from its first
    stage on."""

    REQUESTED = "requested", pgettext_lazy("docking stage", "Requested")
    ACCEPTED = "accepted", pgettext_lazy("docking stage", "Accepted")
    MEETING = "meeting", pgettext_lazy("docking stage", "Meeting")
    NEGOTIATING = "negotiating", pgettext_lazy("docking stage", "Negotiating")
    INTENT_SIGNED = "intent_signed", pgettext_lazy("docking stage", "Intent signed")
    CONTRACTED = "contracted", pgettext_lazy("docking stage", "Contracted")
    DECLINED = "declined", pgettext_lazy("docking stage", "Declined")
    STALLED = "stalled", pgettext_lazy("docking stage", "Stalled")


OPEN_STAGES = frozenset({CaseStage.REQUESTED, CaseStage.ACCEPTED, CaseStage.MEETING, CaseStage.NEGOTIATING,
                         CaseStage.INTENT_SIGNED, CaseStage.STALLED})
# The stages a case moves through with both parties' consent: contact details are shared in these.
CONSENTED_STAGES = frozenset({CaseStage.ACCEPTED, CaseStage.MEETING, CaseStage.NEGOTIATING, CaseStage.INTENT_SIGNED,
                              CaseStage.CONTRACTED})
BOARD_STAGES = [CaseStage.REQUESTED, CaseStage.ACCEPTED, CaseStage.MEETING, CaseStage.NEGOTIATING,
                CaseStage.INTENT_SIGNED, CaseStage.CONTRACTED, CaseStage.STALLED, CaseStage.DECLINED]


class TargetKind(models.TextChoices):
    ACHIEVEMENT = "achievement", _("Achievement")
    EXPERT = "expert", _("Expert")
    DEMAND = "demand", _("Demand")
    CHALLENGE = "challenge", _("Challenge")


class Origin(models.TextChoices):
    """Where the requester started from."""

    PAGE = "page", _("Its page")
    RECOMMENDATION = "recommendation", _("A recommendation")
    EVENT = "event", _("An event (point to point)")


class DeclineReason(models.TextChoices):
    NOT_RELEVANT = "not_relevant", _("Not relevant to our work")
    NO_CAPACITY = "no_capacity", _("No capacity at present")
    ALREADY_PARTNERED = "already_partnered", _("Already cooperating with another party")
    TERMS = "terms", _("The cooperation wanted does not suit us")
    INSUFFICIENT = "insufficient", _("Too little information to go on")
    OTHER = "other", _("Another reason")


class HistoryKind(models.TextChoices):
    TRANSITION = "transition", _("Stage change")
    ASSIGNMENT = "assignment", _("Broker assignment")
    CONSENT = "consent", _("Consent")
    REMINDER = "reminder", _("SLA reminder")


class EntryKind(models.TextChoices):
    NOTE = "note", _("Note")
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    MESSAGE = "message", _("Message")
    FILE = "file", _("File")


class BrokerLevel(models.TextChoices):
    """Levels of the national technology-broker system, the commissioner first."""

    COMMISSIONER = "commissioner", _("Technology commissioner")
    JUNIOR = "junior", _("Junior technology broker")
    INTERMEDIATE = "intermediate", _("Intermediate technology broker")
    SENIOR = "senior", _("Senior technology broker")


LEVEL_RANK = {BrokerLevel.COMMISSIONER: 0, BrokerLevel.JUNIOR: 1, BrokerLevel.INTERMEDIATE: 2, BrokerLevel.SENIOR: 3}


class TrainingModule(models.TextChoices):
    """The four modules of the national technology-broker training outline."""

    COMMON = "common", _("Common knowledge")
    POLICY_LAW = "policy_law", _("Policy and law")
    PRACTICE = "practice", _("Practical skills")
    IMPROVEMENT = "improvement", _("Capability improvement")


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday (no work)")
    WORKDAY = "workday", _("Make-up working day")
