"""What the matching app records: every recommendation shown (an impression, with the features it was
ranked on), clicks and verdicts on them, the re-ranking models trained from those verdicts, and when
a broker last looked at the console."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Surface(models.TextChoices):
    DEMAND = "demand", _("Achievements for a demand")
    ACHIEVEMENT = "achievement", _("Demands for an achievement")
    CONSOLE = "console", _("Broker console")
    EXPERTS = "experts", _("Experts for a demand")


class Verdict(models.TextChoices):
    INTERESTED = "interested", _("Interested")
    NOT_RELEVANT = "not_relevant", _("Not relevant")


# A recommended pair is a demand and either an achievement or an expert, never both nor neither.
ONE_OFFER = (models.Q(achievement__isnull=False, expert__isnull=True)
             | models.Q(achievement__isnull=True, expert__isnull=False))


class Impression(models.Model):
    """One recommendation shown to one person: the pair (a demand and an achievement or an expert), where,
    at which rank, and why."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("shown to"), on_delete=models.CASCADE,
                             related_name="+")
    surface = models.CharField(_("where"), max_length=12, choices=Surface.choices)
    demand = models.ForeignKey("demand.Demand", verbose_name=_("demand"), on_delete=models.CASCADE, related_name="+")
    achievement = models.ForeignKey("supply.Achievement", verbose_name=_("achievement"), on_delete=models.CASCADE,
                                    related_name="+", null=True, blank=True)
    expert = models.ForeignKey("supply.Expert", verbose_name=_("expert"), on_delete=models.CASCADE,
                               related_name="+", null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"))
    score = models.FloatField(_("score"))
    features = models.JSONField(_("features"), default=dict)
    model_version = models.CharField(_("model version"), max_length=20)
    clicked_at = models.DateTimeField(_("opened"), null=True, blank=True)
    created_at = models.DateTimeField(_("shown"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("impression")
        verbose_name_plural = _("impressions")
        indexes = [models.Index(fields=["user", "demand", "achievement"])]
        constraints = [models.CheckConstraint(condition=ONE_OFFER, name="matching_impression_one_offer")]

    def __str__(self) -> str:
        return f"{self.demand_id} ↔ {_offer(self)} #{self.rank}"


class Feedback(models.Model):
    """A person's verdict on a recommended pair (a demand and an achievement or an expert); the latest one
    counts (one row per person, pair, surface)."""

    impression = models.ForeignKey(Impression, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.CASCADE,
                             related_name="+")
    surface = models.CharField(_("where"), max_length=12, choices=Surface.choices)
    demand = models.ForeignKey("demand.Demand", verbose_name=_("demand"), on_delete=models.CASCADE, related_name="+")
    achievement = models.ForeignKey("supply.Achievement", verbose_name=_("achievement"), on_delete=models.CASCADE,
                                    related_name="+", null=True, blank=True)
    expert = models.ForeignKey("supply.Expert", verbose_name=_("expert"), on_delete=models.CASCADE,
                               related_name="+", null=True, blank=True)
    verdict = models.CharField(_("verdict"), max_length=14, choices=Verdict.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    features = models.JSONField(_("features"), default=dict)
    created_at = models.DateTimeField(_("given"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        # A NULL never equals another in a unique constraint, so each kind of pair needs its own:
        # an achievement pair's rows have no expert, an expert pair's no achievement.
        constraints = [models.UniqueConstraint(fields=["user", "demand", "achievement", "surface"],
                                               name="matching_feedback_once_per_pair"),
                       models.UniqueConstraint(fields=["user", "demand", "expert", "surface"],
                                               name="matching_feedback_once_per_expert_pair"),
                       models.CheckConstraint(condition=ONE_OFFER, name="matching_feedback_one_offer")]

    def __str__(self) -> str:
        return f"{self.demand_id} ↔ {_offer(self)}: {self.verdict}"


def _offer(row: Impression | Feedback) -> str:
    return f"expert {row.expert_id}" if row.expert_id else str(row.achievement_id)


class RankingModel(models.Model):
    """Re-ranking weights fitted from feedback (``duijie match train``). The product uses the newest
    active model; a model that scored worse than the one before is stored but not activated."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    weights = models.JSONField(_("weights"), default=dict)
    intercept = models.FloatField(_("intercept"), default=0.0)
    rows = models.PositiveIntegerField(_("feedback rows"))
    auc_before = models.FloatField(_("AUC of the model in use"))
    auc_after = models.FloatField(_("AUC of this model (cross-validated)"))
    active = models.BooleanField(_("in use"), default=False)
    created_at = models.DateTimeField(_("trained"), auto_now_add=True)

    class Meta:
        verbose_name = _("ranking model")
        verbose_name_plural = _("ranking models")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version}"


class ConsoleVisit(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(_("last visit"))

    def __str__(self) -> str:
        return f"{self.user_id}: {self.seen_at:%Y-%m-%d %H:%M}"


class IndexedDoc(models.Model):
    """A document of a matching index kept in PostgreSQL (``matching.pgstore``): the engine's terms as
    ``tsvector`` columns (text on SQLite, where this backend is not used), with GIN indexes."""

    generation = models.CharField(max_length=64)
    key = models.BigIntegerField()
    lang = models.CharField(max_length=2)
    own = models.TextField(default="")
    trans = models.TextField(default="")
    own_len = models.PositiveIntegerField(default=0)
    trans_len = models.PositiveIntegerField(default=0)
    terms = models.TextField(default="")  # the distinct own terms, one a line

    class Meta:
        constraints = [models.UniqueConstraint(fields=["generation", "key"], name="matching_indexeddoc_key")]
        indexes = [models.Index(fields=["generation", "lang"], name="matching_indexeddoc_lang")]

    def __str__(self) -> str:
        return f"{self.generation}/{self.key}"


class IndexStat(models.Model):
    """Document count and total field lengths of one language of an index generation (BM25's averages)."""

    generation = models.CharField(max_length=64)
    lang = models.CharField(max_length=2)
    docs = models.BigIntegerField(default=0)
    own_len = models.BigIntegerField(default=0)
    trans_len = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["generation", "lang"], name="matching_indexstat_lang")]

    def __str__(self) -> str:
        return f"{self.generation}/{self.lang}: {self.docs}"


class IndexState(models.Model):
    """Which generation of a PostgreSQL-kept index is live, the hall revision it reflects, and its last
    full build's progress (the tantivy backend keeps the same in files beside the index)."""

    name = models.CharField(max_length=64, unique=True)
    generation = models.CharField(max_length=64, blank=True)
    revision = models.BigIntegerField(default=-1)
    stamp = models.CharField(max_length=32, blank=True)
    docs = models.BigIntegerField(default=0)
    synced_at = models.DateTimeField(null=True, blank=True)
    build = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.name}: {self.generation}"


class IndexTerm(models.Model):
    """How many documents of one language of an index generation hold a term in a field (BM25's document
    frequencies for the PostgreSQL backend), adjusted in the same transaction as every write."""

    generation = models.CharField(max_length=64)
    lang = models.CharField(max_length=2)
    field = models.CharField(max_length=5)
    term = models.TextField()
    df = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["generation", "lang", "field", "term"],
                                               name="matching_indexterm_key")]

    def __str__(self) -> str:
        return f"{self.generation}/{self.lang}/{self.field}/{self.term}: {self.df}"
