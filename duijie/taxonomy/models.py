"""Reference data: technology fields, industries, TRL, cooperation modes, regions.

Rows are loaded by data migrations from ``taxonomy/data/*.json`` (see ``loaders.py``)
and edited by operators in the back office.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from duijie.core.i18n import MultilingualNameModel, pick_label
from duijie.taxonomy.enums import RegionKind, TRLStage


class ActiveQuerySet(models.QuerySet):
    def active(self) -> ActiveQuerySet:
        return self.filter(is_active=True)


class ReferenceEntry(MultilingualNameModel):
    """Abstract: a reference row with labels, an order and an on/off switch (retired rows stay
    for the records that point at them)."""

    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        abstract = True


class TechField(ReferenceEntry):
    """A technology field; top-level fields have sub-fields (one level of nesting or more)."""

    code = models.CharField(
        _("code"), max_length=80, unique=True,
        validators=[RegexValidator(r"^[a-z0-9][a-z0-9.-]*$", _("Lower-case letters, digits, dots and hyphens only."))],
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent field"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    class Meta:
        verbose_name = _("technology field")
        verbose_name_plural = _("technology fields")
        ordering = ["sort_order", "code"]


class Industry(ReferenceEntry):
    """An application industry (GB/T 4754 sections and selected divisions)."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent industry"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    class Meta:
        verbose_name = _("industry")
        verbose_name_plural = _("industries")
        ordering = ["sort_order", "code"]


class TechnologyReadinessLevel(MultilingualNameModel):
    """TRL 1–9 as described by GB/T 22900, with its stage (early / middle / mature)."""

    level = models.PositiveSmallIntegerField(
        _("level"), unique=True, validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    stage = models.CharField(_("stage"), max_length=10, choices=TRLStage.choices)
    description_zh_hans = models.TextField(_("description (Simplified Chinese)"))
    description_zh_hant = models.TextField(_("description (Traditional Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"))
    description_ru = models.TextField(_("description (Russian)"), blank=True)

    class Meta:
        verbose_name = _("technology readiness level")
        verbose_name_plural = _("technology readiness levels")
        ordering = ["level"]

    @property
    def description(self) -> str:
        return pick_label(self, "description")

    def __str__(self) -> str:
        return f"TRL {self.level} · {self.label}"


class CooperationMode(ReferenceEntry):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    class Meta:
        verbose_name = _("cooperation mode")
        verbose_name_plural = _("cooperation modes")
        ordering = ["sort_order", "code"]


class Region(ReferenceEntry):
    """Countries (ISO 3166-1), Chinese provinces and cities (GB/T 2260), UK nations and
    regions, Russian federal subjects; nested through ``parent``."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=RegionKind.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    iso_code = models.CharField(_("ISO code"), max_length=10, blank=True, db_index=True)
    gbt2260_code = models.CharField(_("GB/T 2260 code"), max_length=6, blank=True, db_index=True)
    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["sort_order", "code"]
