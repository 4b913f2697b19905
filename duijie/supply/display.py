"""What a card or a detail page shows of an achievement in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from duijie.core.i18n import active_language


@dataclass
class LocalisedAchievement:
    achievement: Any
    title: str
    summary: str
    language: str  # the language the text is actually in

    def __getattr__(self, name: str) -> Any:
        return getattr(self.achievement, name)


def localised(achievement: Any) -> LocalisedAchievement:
    """Title and summary in the active UI language when a translation exists (translations are
    prefetched by the selectors), else Chinese for a Chinese reader, else the original."""
    wanted = active_language()
    if achievement.language == wanted:
        return LocalisedAchievement(achievement, achievement.title, achievement.summary, achievement.language)
    by_language = {t.language: t for t in achievement.translations.all()}
    for language in (wanted, "zh-hans" if wanted == "zh-hant" else "", "en" if wanted == "ru" else ""):
        translation = by_language.get(language)
        if translation is not None:
            return LocalisedAchievement(achievement, translation.title, translation.summary or achievement.summary,
                                        language)
    return LocalisedAchievement(achievement, achievement.title, achievement.summary, achievement.language)
