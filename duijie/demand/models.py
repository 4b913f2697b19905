"""Technology demands (技术需求) of enterprises: content, confidentiality tier, the chain's history.

Slim models: the chain lives in ``workflow.py``, who may see what in ``policies.py``, every write in
``services.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from duijie.demand.enums import BudgetType, Confidentiality, DemandSource, DemandStatus, HistoryKind
from duijie.supply.enums import ContentLanguage, Currency
from duijie.supply.models import private_storage


class Demand(models.Model):
    """A technology demand of one enterprise.

    ``summary`` is what a summary-only demand shows to everyone; ``description``, ``problem``, the
    indicators, budget, deadline and the rest are its details. ``search_text`` holds every word of
    the demand; ``public_text`` only what its tier shows to anyone (the board searches that).
    """

    organisation = models.ForeignKey("accounts.Organisation", verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                     related_name="demands")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(_("source"), max_length=10, choices=DemandSource.choices, default=DemandSource.SELF)
    confirmed_at = models.DateTimeField(_("confirmed by the enterprise"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=DemandStatus.choices,
                              default=DemandStatus.COLLECTED, db_index=True)
    confidentiality = models.CharField(_("confidentiality"), max_length=10, choices=Confidentiality.choices,
                                       default=Confidentiality.PUBLIC)
    external_id = models.CharField(_("external id"), max_length=64, blank=True)

    language = models.CharField(_("language"), max_length=10, choices=ContentLanguage.choices,
                                default=ContentLanguage.ZH_HANS)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=1000,
                               help_text=_("Shown to everyone, also for a summary-only demand."))
    description = models.TextField(_("description"), blank=True)
    problem = models.TextField(_("technical problem"), blank=True)

    fields = models.ManyToManyField("taxonomy.TechField", verbose_name=_("technology fields"),
                                    related_name="demands")
    industry = models.ForeignKey("taxonomy.Industry", verbose_name=_("industry"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="demands")
    cooperation_modes = models.ManyToManyField("taxonomy.CooperationMode", verbose_name=_("cooperation modes wanted"),
                                               blank=True, related_name="demands")
    trl_needed = models.PositiveSmallIntegerField(
        _("TRL needed"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(9)],
        help_text=_("The readiness the enterprise needs the technology to have."),
    )
    stage = models.CharField(_("stage"), max_length=10, blank=True)  # derived from trl_needed by services
    regions = models.ManyToManyField("taxonomy.Region", verbose_name=_("preferred regions"), blank=True,
                                     related_name="demands")
    budget_type = models.CharField(_("budget"), max_length=12, choices=BudgetType.choices,
                                   default=BudgetType.NEGOTIABLE)
    budget_min = models.DecimalField(_("budget from"), max_digits=14, decimal_places=2, null=True, blank=True)
    budget_max = models.DecimalField(_("budget to"), max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    deadline = models.DateField(_("deadline"), null=True, blank=True)

    contact_name = models.CharField(_("contact person"), max_length=120, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)

    brokers = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("assigned brokers"), blank=True,
                                     related_name="assigned_demands")
    search_text = models.TextField(blank=True, editable=False)
    public_text = models.TextField(blank=True, editable=False)
    expiry_notice_sent_on = models.DateField(null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("demand")
        verbose_name_plural = _("demands")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "external_id"], condition=~models.Q(external_id=""),
                                    name="demand_external_id_unique"),
        ]
        indexes = [models.Index(fields=["status", "confidentiality", "-published_at"], name="demand_board")]

    def __str__(self) -> str:
        return self.title


class DemandTranslation(models.Model):
    """The title and summary of a demand in a further language."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=10, choices=ContentLanguage.choices)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        constraints = [models.UniqueConstraint(fields=["demand", "language"], name="demand_translation_unique")]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class TargetIndicator(models.Model):
    """One target the solution must reach: name, value, unit (e.g. 良品率 ≥ 99.5 %)."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("indicator"), max_length=120)
    value = models.CharField(_("target value"), max_length=60)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("target indicator")
        verbose_name_plural = _("target indicators")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.name} {self.value} {self.unit}".strip()


class DemandAttachment(models.Model):
    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="attachments")
    # Private storage: a demand's files are details, served only through the tier check (views.demand_file).
    file = models.FileField(_("file"), upload_to="demands/%Y/%m/", storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size in bytes"))
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class DemandHistory(models.Model):
    """One row per transition (from → to, with reason), edit, confirmation and broker assignment."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(_("kind"), max_length=12, choices=HistoryKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    from_status = models.CharField(_("from"), max_length=12, choices=DemandStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=DemandStatus.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("demand history entry")
        verbose_name_plural = _("demand history")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.demand_id}: {self.from_status} → {self.to_status}"


class TermsAcceptance(models.Model):
    """A click-through confidentiality agreement (NDA): who accepted the terms of which demand, when,
    and which version of the terms."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="terms_acceptances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="demand_terms")
    version = models.CharField(_("terms version"), max_length=20)
    accepted_at = models.DateTimeField(_("accepted"), auto_now_add=True)

    class Meta:
        verbose_name = _("confidentiality terms accepted")
        verbose_name_plural = _("confidentiality terms accepted")
        constraints = [models.UniqueConstraint(fields=["demand", "user", "version"], name="demand_terms_once")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.demand_id} ({self.version})"


# --- Open challenges (揭榜挂帅) ---------------------------------------------------------------------

from duijie.demand.enums import ApplicationStatus, ChallengeStage  # noqa: E402


class Challenge(models.Model):
    """A demand run as a competition with a bounty (揭榜挂帅). The demand carries the content; the
    challenge the bounty, who may apply, the window, the documents asked for and the rubric."""

    demand = models.OneToOneField(Demand, verbose_name=_("demand"), on_delete=models.CASCADE, related_name="challenge")
    stage = models.CharField(_("stage"), max_length=12, choices=ChallengeStage.choices,
                             default=ChallengeStage.COLLECTION, db_index=True)
    bounty = models.DecimalField(_("bounty"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    bounty_payer = models.CharField(_("bounty paid by"), max_length=200,
                                    help_text=_("Usually the enterprise itself."))
    subsidy = models.DecimalField(_("government subsidy"), max_digits=14, decimal_places=2, null=True, blank=True)
    subsidy_source = models.CharField(_("subsidy from"), max_length=200, blank=True)
    eligible_kinds = models.JSONField(_("eligible organisation types"), default=list, blank=True,
                                      help_text=_("Empty: any type."))
    eligible_regions = models.ManyToManyField("taxonomy.Region", verbose_name=_("eligible regions"), blank=True,
                                              related_name="+", help_text=_("Empty: anywhere."))
    opens_at = models.DateTimeField(_("applications open"))
    closes_at = models.DateTimeField(_("applications close"))
    required_documents = models.JSONField(_("required documents"), default=list, blank=True)
    announcement = models.TextField(_("public announcement"), blank=True)
    publicity_ends_at = models.DateTimeField(_("publicity period ends"), null=True, blank=True)
    winner = models.ForeignKey("Application", verbose_name=_("winner"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    result_notice = models.TextField(_("result notice"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("open challenge")
        verbose_name_plural = _("open challenges")
        ordering = ["closes_at", "id"]

    def __str__(self) -> str:
        return self.demand.title


class Criterion(models.Model):
    """One criterion of the evaluation rubric; the weights of a challenge add up to 100."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("criterion"), max_length=200)
    weight = models.PositiveSmallIntegerField(_("weight (%)"), validators=[MinValueValidator(1),
                                                                           MaxValueValidator(100)])
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("evaluation criterion")
        verbose_name_plural = _("evaluation criteria")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight} %)"


class Application(models.Model):
    """A team's application (揭榜) on behalf of its organisation."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="applications")
    organisation = models.ForeignKey("accounts.Organisation", verbose_name=_("applicant"), on_delete=models.PROTECT,
                                     related_name="challenge_applications")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.SUBMITTED)
    proposal = models.TextField(_("proposal"))
    technical_route = models.TextField(_("technical route"))
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2)
    timeline = models.TextField(_("timeline"))
    team = models.TextField(_("team"))
    submitted_at = models.DateTimeField(_("submitted"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["challenge", "organisation"], condition=models.Q(status="submitted"),
                                    name="challenge_one_live_application_per_organisation"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.challenge}"


class ApplicationAttachment(models.Model):
    """A document an application brings (one of the challenge's required documents, or another)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    document = models.CharField(_("document"), max_length=200)
    file = models.FileField(_("file"), upload_to="applications/%Y/%m/", storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size in bytes"))

    def __str__(self) -> str:
        return self.original_name


class Reviewer(models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="reviewers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="challenge_reviews")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reviewer")
        verbose_name_plural = _("reviewers")
        constraints = [models.UniqueConstraint(fields=["challenge", "user"], name="challenge_reviewer_once")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.challenge}"


class ConflictDeclaration(models.Model):
    """A reviewer's declaration, per application, of a conflict of interest (or of none)."""

    reviewer = models.ForeignKey(Reviewer, on_delete=models.CASCADE, related_name="declarations")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="declarations")
    conflicted = models.BooleanField(_("conflict of interest"))
    note = models.TextField(_("note"), blank=True)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["reviewer", "application"], name="challenge_declare_once")]

    def __str__(self) -> str:
        return f"{self.reviewer_id}/{self.application_id}: {self.conflicted}"


class Score(models.Model):
    reviewer = models.ForeignKey(Reviewer, on_delete=models.CASCADE, related_name="scores")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    value = models.DecimalField(_("score"), max_digits=5, decimal_places=2,
                                validators=[MinValueValidator(0), MaxValueValidator(100)])
    comment = models.TextField(_("comment"), blank=True)
    scored_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["reviewer", "application", "criterion"],
                                               name="challenge_score_once")]

    def __str__(self) -> str:
        return f"{self.reviewer_id}/{self.application_id}/{self.criterion_id}: {self.value}"


class Objection(models.Model):
    """An objection raised during the result publicity period (结果公示), and how it was resolved."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="objections")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("objection"))
    raised_at = models.DateTimeField(auto_now_add=True)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class ChallengeHistory(models.Model):
    """One row per stage change, winner decision and objection resolution."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="history")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    from_stage = models.CharField(max_length=12, choices=ChallengeStage.choices, blank=True)
    to_stage = models.CharField(max_length=12, choices=ChallengeStage.choices, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.challenge_id}: {self.from_stage} → {self.to_stage}"
