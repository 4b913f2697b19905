"""Docking (对接) and brokering (撮合): requests that become cases, their timeline, cooperation intents,
broker profiles, and the working-day calendar of the service-level targets.

A ``DockingRequest`` is the case from its first stage: the requester asks the target's side (the team
behind an achievement, an expert, the enterprise behind a demand or challenge) to make contact; the
target side accepts or declines (double consent); from acceptance a broker runs it through the
pipeline of ``workflow.py`` to a contract.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from duijie.docking.enums import (
    BrokerLevel,
    CalendarDayKind,
    CaseStage,
    DeclineReason,
    EntryKind,
    HistoryKind,
    Origin,
    TargetKind,
    TrainingModule,
)
from duijie.supply.enums import Currency
from duijie.supply.models import private_storage


class DockingRequest(models.Model):
    """A docking request and the case it becomes."""

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.CASCADE,
                                  related_name="docking_requests")
    requester_organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("on behalf of"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    target_kind = models.CharField(_("about"), max_length=12, choices=TargetKind.choices,
                                   default=TargetKind.ACHIEVEMENT)
    achievement = models.ForeignKey("supply.Achievement", verbose_name=_("achievement"), null=True, blank=True,
                                    on_delete=models.CASCADE, related_name="docking_requests")
    expert = models.ForeignKey("supply.Expert", verbose_name=_("expert"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="docking_requests")
    demand = models.ForeignKey("demand.Demand", verbose_name=_("demand"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="docking_requests")
    challenge = models.ForeignKey("demand.Challenge", verbose_name=_("challenge"), null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="docking_requests")
    # The organisation whose members answer the request (the target's side).
    target_organisation = models.ForeignKey("accounts.Organisation", verbose_name=_("answered by"), null=True,
                                            blank=True, on_delete=models.SET_NULL, related_name="+")
    origin = models.CharField(_("started from"), max_length=16, choices=Origin.choices, default=Origin.PAGE)
    event_name = models.CharField(_("event"), max_length=200, blank=True,
                                  help_text=_("For a point-to-point request made at a roadshow or forum."))
    cooperation_mode = models.ForeignKey("taxonomy.CooperationMode", verbose_name=_("cooperation wanted"), null=True,
                                         blank=True, on_delete=models.SET_NULL, related_name="+")
    message = models.TextField(_("message"), max_length=2000)
    status = models.CharField(_("stage"), max_length=20, choices=CaseStage.choices, default=CaseStage.REQUESTED,
                              db_index=True)
    terms_accepted_at = models.DateTimeField(_("confidentiality terms accepted"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    decline_reason = models.CharField(_("reason for declining"), max_length=20, choices=DeclineReason.choices,
                                      blank=True)
    decline_note = models.TextField(_("note on declining"), blank=True,
                                    help_text=_("For the platform only: the requester sees a polite notice."))
    broker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("broker"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="docking_cases")
    stage_entered_at = models.DateTimeField(_("in this stage since"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True, db_index=True)
    stalled_from = models.CharField(_("stalled in"), max_length=20, choices=CaseStage.choices, blank=True)
    reminded_for = models.CharField(max_length=40, blank=True, editable=False)  # "<stage>@<due date>" reminded
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("docking case")
        verbose_name_plural = _("docking cases")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["broker", "status"], name="docking_broker_stage")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.requester} → {self.target}"

    @property
    def target(self) -> Any:
        """The achievement, expert, demand or challenge asked about (the field named by ``target_kind``)."""
        return getattr(self, self.target_kind) if self.target_kind in TargetKind.values else None

    @property
    def target_demand(self) -> Any:
        """The demand behind a demand or challenge target (None for the others)."""
        if self.target_kind == TargetKind.CHALLENGE:
            return self.challenge.demand if self.challenge else None
        return self.demand if self.target_kind == TargetKind.DEMAND else None

    @property
    def target_title(self) -> str:
        if self.target_kind == TargetKind.EXPERT:
            return self.expert.name if self.expert else ""
        target = self.target_demand if self.target_kind == TargetKind.CHALLENGE else self.target
        return target.title if target is not None else ""


class CaseHistory(models.Model):
    """One row per stage change, assignment, consent and reminder: who, from, to, why, when."""

    case = models.ForeignKey(DockingRequest, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(_("kind"), max_length=12, choices=HistoryKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    from_status = models.CharField(_("from"), max_length=20, choices=CaseStage.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=CaseStage.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("case history entry")
        verbose_name_plural = _("case history")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.kind} {self.from_status} → {self.to_status}"


class CaseEntry(models.Model):
    """The case's timeline: notes and calls (the broker's, not shown to the parties), meetings, messages
    between the parties, files."""

    case = models.ForeignKey(DockingRequest, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(_("kind"), max_length=10, choices=EntryKind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True,
                               on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(_("text"), max_length=5000, blank=True)
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    location = models.CharField(_("place"), max_length=200, blank=True)
    online_link = models.URLField(_("online link"), blank=True)
    attendees = models.CharField(_("attendees"), max_length=500, blank=True)
    file = models.FileField(_("file"), upload_to="docking/%Y/%m/", blank=True, storage=private_storage)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("case timeline entry")
        verbose_name_plural = _("case timeline")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.kind}"


class CooperationIntent(models.Model):
    """合作意向: the parties' signed intention to cooperate, recorded on a case or at an event."""

    case = models.ForeignKey(DockingRequest, verbose_name=_("case"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="intents")
    event_name = models.CharField(_("event"), max_length=200, blank=True)
    supply_party = models.CharField(_("technology side"), max_length=200)
    demand_party = models.CharField(_("enterprise side"), max_length=200)
    scope = models.TextField(_("scope"), max_length=2000)
    cooperation_mode = models.ForeignKey("taxonomy.CooperationMode", verbose_name=_("cooperation mode"), null=True,
                                         blank=True, on_delete=models.SET_NULL, related_name="+")
    estimated_amount = models.DecimalField(_("estimated amount"), max_digits=14, decimal_places=2, null=True,
                                           blank=True, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    signed_on = models.DateField(_("signed on"))
    document = models.FileField(_("signed document"), upload_to="docking/intents/%Y/", blank=True,
                                storage=private_storage)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("cooperation intent")
        verbose_name_plural = _("cooperation intents")
        ordering = ["-signed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.supply_party} × {self.demand_party}"


class BrokerProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE,
                                related_name="broker_profile")
    level = models.CharField(_("level"), max_length=14, choices=BrokerLevel.choices, default=BrokerLevel.JUNIOR)
    fields = models.ManyToManyField("taxonomy.TechField", verbose_name=_("fields of expertise"), blank=True,
                                    related_name="brokers")
    regions = models.ManyToManyField("taxonomy.Region", verbose_name=_("regions served"), blank=True,
                                     related_name="brokers")
    organisation = models.ForeignKey("accounts.Organisation", verbose_name=_("organisation"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="brokers")
    bio = models.TextField(_("introduction"), max_length=2000, blank=True)
    is_public = models.BooleanField(_("shown in the broker directory"), default=True)
    accepts_cases = models.BooleanField(_("takes new cases"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("broker profile")
        verbose_name_plural = _("broker profiles")
        ordering = ["user__full_name", "id"]

    def __str__(self) -> str:
        return str(self.user)


class BrokerCertificate(models.Model):
    profile = models.ForeignKey(BrokerProfile, on_delete=models.CASCADE, related_name="certificates")
    name = models.CharField(_("certificate"), max_length=200)
    number = models.CharField(_("number"), max_length=80, blank=True)
    issuer = models.CharField(_("issued by"), max_length=200, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="docking/certificates/", blank=True, storage=private_storage)

    class Meta:
        verbose_name = _("broker certificate")
        verbose_name_plural = _("broker certificates")
        ordering = ["-issued_on", "id"]

    def __str__(self) -> str:
        return self.name


class TrainingRecord(models.Model):
    profile = models.ForeignKey(BrokerProfile, on_delete=models.CASCADE, related_name="trainings")
    course = models.CharField(_("course"), max_length=200)
    module = models.CharField(_("module"), max_length=12, choices=TrainingModule.choices)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, validators=[MinValueValidator(0)])
    completed_on = models.DateField(_("date"))

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-completed_on", "id"]

    def __str__(self) -> str:
        return self.course


class CalendarDay(models.Model):
    """A day the working-day calendar treats differently from the packaged PRC schedule (or from plain
    weekends past the years that schedule covers): a public holiday, or a make-up working day."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=CalendarDayKind.choices)
    name = models.CharField(_("name"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("working-day calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.kind}"
