"""Helpers for content that carries labels in every UI language."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# UI language code -> model field suffix.
LANGUAGE_SUFFIXES: dict[str, str] = {
    "zh-hans": "zh_hans",
    "zh-hant": "zh_hant",
    "en": "en",
    "ru": "ru",
}
# When a label is missing in the asked language, try these in order.
FALLBACKS: dict[str, list[str]] = {
    "zh-hans": ["zh_hans", "zh_hant", "en", "ru"],
    "zh-hant": ["zh_hant", "zh_hans", "en", "ru"],
    "en": ["en", "zh_hans", "zh_hant", "ru"],
    "ru": ["ru", "en", "zh_hans", "zh_hant"],
}


def active_language() -> str:
    lang = (get_language() or settings.LANGUAGE_CODE).lower()
    return lang if lang in LANGUAGE_SUFFIXES else settings.LANGUAGE_CODE


def pick_label(obj: object, prefix: str = "name", language: str | None = None) -> str:
    """The object's ``<prefix>_<lang>`` attribute in the active language, with fallbacks."""
    lang = (language or active_language()).lower()
    for suffix in FALLBACKS.get(lang, FALLBACKS[settings.LANGUAGE_CODE]):
        value = getattr(obj, f"{prefix}_{suffix}", "")
        if value:
            return str(value)
    return ""


class MultilingualNameModel(models.Model):
    """Abstract: a name in each UI language; ``label`` answers in the active one."""

    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=200)
    name_zh_hant = models.CharField(_("name (Traditional Chinese)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return pick_label(self, "name")
