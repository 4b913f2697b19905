"""Technology supply: achievements (科技成果) with their IP assets, experts, themed exhibitions.

Slim models: rules live in ``workflow.py`` (the lifecycle), ``policies.py`` and ``services.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from duijie.supply.enums import (
    AchievementAttribute,
    AchievementStatus,
    AttachmentKind,
    ContentLanguage,
    Currency,
    HistoryKind,
    IPStatus,
    IPType,
    Jurisdiction,
    PriceType,
)


def private_storage():  # type: ignore[no-untyped-def]
    """Files only the application reads (uploaded import spreadsheets): under ``var/private``,
    never served under /media/."""
    from django.conf import settings
    from django.core.files.storage import FileSystemStorage

    return FileSystemStorage(location=settings.VAR_DIR / "private")


class Expert(models.Model):
    """A researcher's public profile: research directions, fields, availability for enterprises."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="expert_profile",
    )
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)
    title = models.CharField(pgettext_lazy("job title", "title"), max_length=120, blank=True,
                             help_text=_("e.g. Professor, Chief engineer"))
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="experts"
    )
    fields = models.ManyToManyField("taxonomy.TechField", verbose_name=_("technology fields"), blank=True,
                                    related_name="experts")
    bio = models.TextField(_("biography"), blank=True)
    available_for_consulting = models.BooleanField(_("available for consulting"), default=False)
    available_part_time = models.BooleanField(_("available for a part-time role in an enterprise"), default=False)
    is_public = models.BooleanField(_("shown in the expert directory"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        lang = get_language() or ""
        return self.name_en if self.name_en and not lang.startswith("zh") else self.name


class ResearchDirection(models.Model):
    """One research direction of an expert, in one language."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="directions")
    language = models.CharField(_("language"), max_length=10, choices=ContentLanguage.choices)
    text = models.CharField(_("research direction"), max_length=300)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("research direction")
        verbose_name_plural = _("research directions")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.text


class Achievement(models.Model):
    """A research achievement offered for transfer, licence or co-development.

    ``title``/``summary`` are in ``language``; other languages live in ``translations``.
    ``search_text`` is the normalised text every language contributes to keyword search
    (written by the services, never by hand).
    """

    status = models.CharField(
        _("status"), max_length=20, choices=AchievementStatus.choices, default=AchievementStatus.DRAFT, db_index=True
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("owning institution"), on_delete=models.PROTECT,
        related_name="achievements",
    )
    recommending_unit = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("recommending unit"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="recommended_achievements",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    external_id = models.CharField(_("external id"), max_length=64, blank=True,
                                   help_text=_("Your own reference; re-importing the same id updates the record."))

    language = models.CharField(_("language"), max_length=10, choices=ContentLanguage.choices,
                                default=ContentLanguage.ZH_HANS)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), max_length=3000)
    description = models.TextField(_("detailed description"), blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)

    fields = models.ManyToManyField("taxonomy.TechField", verbose_name=_("technology fields"),
                                    related_name="achievements")
    industries = models.ManyToManyField("taxonomy.Industry", verbose_name=_("application industries"), blank=True,
                                        related_name="achievements")
    trl = models.PositiveSmallIntegerField(
        _("technology readiness level"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
    )
    stage = models.CharField(_("stage"), max_length=10, blank=True, db_index=True)  # derived from trl by services
    attribute = models.CharField(_("achievement attribute"), max_length=20, choices=AchievementAttribute.choices,
                                 default=AchievementAttribute.ORIGINAL)
    cooperation_modes = models.ManyToManyField("taxonomy.CooperationMode", verbose_name=_("cooperation modes offered"),
                                               blank=True, related_name="achievements")

    price_type = models.CharField(_("asking price"), max_length=12, choices=PriceType.choices,
                                  default=PriceType.NEGOTIABLE)
    price_min = models.DecimalField(_("price from"), max_digits=14, decimal_places=2, null=True, blank=True)
    price_max = models.DecimalField(_("price to"), max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    price_band = models.CharField(_("price band"), max_length=12, blank=True, db_index=True)  # derived by services
    financing_need = models.TextField(_("financing need"), blank=True, help_text=_("For investors: amount and use."))

    experts = models.ManyToManyField(Expert, verbose_name=_("team (expert profiles)"), blank=True,
                                     related_name="achievements")
    team_members = models.TextField(_("other team members"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=120, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    video_url = models.URLField(_("video link"), blank=True)

    has_granted_patent = models.BooleanField(default=False, db_index=True)  # derived by services
    search_text = models.TextField(blank=True, editable=False)
    view_count = models.PositiveIntegerField(_("views"), default=0)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("achievement")
        verbose_name_plural = _("achievements")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "external_id"], condition=~models.Q(external_id=""),
                name="supply_achievement_external_id_unique",
            )
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="supply_ach_status_pub"),
            # The hall's in-memory index re-reads the view counts of public items from this index alone.
            models.Index(fields=["status", "id", "view_count"], name="supply_ach_status_views"),
        ]

    def __str__(self) -> str:
        return self.title


class AchievementTranslation(models.Model):
    """The title and summary of an achievement in a further language."""

    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=10, choices=ContentLanguage.choices)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), max_length=3000, blank=True)

    class Meta:
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        constraints = [models.UniqueConstraint(fields=["achievement", "language"], name="supply_translation_unique")]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class IPAsset(models.Model):
    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="ip_assets")
    ip_type = models.CharField(_("type"), max_length=24, choices=IPType.choices)
    title = models.CharField(_("title"), max_length=300, blank=True)
    number = models.CharField(_("number"), max_length=40, blank=True, db_index=True)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=10, choices=Jurisdiction.choices,
                                    default=Jurisdiction.CN)
    status = models.CharField(_("status"), max_length=10, choices=IPStatus.choices, default=IPStatus.FILED)
    filing_date = models.DateField(_("filing date"), null=True, blank=True)
    grant_date = models.DateField(_("grant date"), null=True, blank=True)

    class Meta:
        verbose_name = _("IP asset")
        verbose_name_plural = _("IP assets")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_ip_type_display()} {self.number}".strip()


class AchievementAttachment(models.Model):
    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=10, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to="achievements/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size in bytes"))
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return self.original_name


class AchievementHistory(models.Model):
    """One row per transition (from → to, with reason) and per edit of a published achievement."""

    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(_("kind"), max_length=12, choices=HistoryKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL,
                              related_name="+")
    from_status = models.CharField(_("from"), max_length=20, choices=AchievementStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=AchievementStatus.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("achievement history entry")
        verbose_name_plural = _("achievement history")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.achievement_id}: {self.from_status} → {self.to_status}"


class AchievementView(models.Model):
    """One row per visitor, item and day: the source of view counts."""

    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="views")
    visitor = models.CharField(max_length=64)
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["achievement", "visitor", "day"], name="supply_view_once")]

    def __str__(self) -> str:
        return f"{self.achievement_id} @ {self.day}"


class Exhibition(models.Model):
    """A themed hall curated by operators (e.g. a technology week); stays online after its dates."""

    slug = models.SlugField(_("address"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True)
    intro = models.TextField(_("introduction"), blank=True)
    intro_en = models.TextField(_("introduction in English"), blank=True)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    is_published = models.BooleanField(_("published"), default=False)
    featured = models.ManyToManyField(Achievement, through="ExhibitionItem", verbose_name=_("featured achievements"),
                                      related_name="exhibitions")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("exhibition")
        verbose_name_plural = _("exhibitions")
        ordering = ["-starts_on", "id"]

    def __str__(self) -> str:
        return self.title


class ExhibitionItem(models.Model):
    exhibition = models.ForeignKey(Exhibition, on_delete=models.CASCADE, related_name="items")
    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="+")
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["exhibition", "achievement"], name="supply_exhibition_item")]

    def __str__(self) -> str:
        return f"{self.exhibition_id}: {self.achievement_id}"


# This class's own import (it was appended to the module as a unit).
from duijie.supply.enums import ImportJobStatus  # noqa: E402


class ImportJob(models.Model):
    """One upload of the bulk import (XLSX or CSV) and its outcome.

    Written only by ``supply.imports``; ``processed`` counts the rows checked so far, so that the
    page can show progress while a large file runs in the background.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("institution"), on_delete=models.CASCADE, related_name="import_jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, on_delete=models.SET_NULL,
        related_name="import_jobs",
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ImportJobStatus.choices,
                              default=ImportJobStatus.QUEUED)
    dry_run = models.BooleanField(_("dry run"), default=False)
    total = models.PositiveIntegerField(_("rows"), default=0)
    processed = models.PositiveIntegerField(_("rows checked"), default=0)
    created = models.PositiveIntegerField(_("achievements created"), default=0)
    updated = models.PositiveIntegerField(_("achievements updated"), default=0)
    report = models.JSONField(_("report"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name or self.file.name} ({self.status})"


class AchievementSearch(models.Model):
    """The keyword-search tokens of one public achievement (``hallsearch.index_tokens``).

    Written only by ``services.hall_changed``. The database indexes them: an FTS5 table on SQLite,
    a generated ``tsvector`` column with a GIN index on PostgreSQL (migration ``0004``).
    """

    achievement = models.OneToOneField(Achievement, primary_key=True, on_delete=models.CASCADE, related_name="+")
    tokens = models.TextField()

    def __str__(self) -> str:
        return str(self.achievement_id)


class HallState(models.Model):
    """One row: the hall's revision, raised in the same transaction as every change that the hall
    shows, so that each server process can bring its in-memory index up to date (``hallindex``).

    ``stamp`` is new with every revision: a process whose index was built at a revision that the
    database no longer holds with the same stamp (a restored backup) rebuilds it from scratch.
    """

    revision = models.BigIntegerField(default=0)
    stamp = models.CharField(max_length=32, blank=True)

    def __str__(self) -> str:
        return f"hall revision {self.revision}"


class HallChange(models.Model):
    """The achievements changed at one hall revision (kept for a while; old rows are pruned)."""

    revision = models.BigIntegerField(db_index=True)
    stamp = models.CharField(max_length=32)
    achievement_id = models.BigIntegerField()  # no foreign key: deleted achievements are changes too

    def __str__(self) -> str:
        return f"{self.revision}: {self.achievement_id}"
