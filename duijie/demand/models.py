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
    file = models.FileField(_("file"), upload_to="demands/%Y/%m/")
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
