"""Structured signals in words: which declared facts moved a recommendation up or down."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

# (feature, moved up) → words
SIGNAL_WORDS = {
    ("subfield", True): _("shares a technology field"),
    ("field", True): _("same broad field"),
    ("field", False): _("a different field"),
    ("trl", True): _("mature enough (TRL)"),
    ("trl", False): _("less mature than needed (TRL)"),
    ("mode", True): _("a cooperation mode in common"),
    ("mode", False): _("no cooperation mode in common"),
    ("region", True): _("in a preferred region"),
    ("region", False): _("outside the preferred regions"),
    ("budget", True): _("asking price within the budget"),
    ("budget", False): _("asking price above the budget"),
}


def signal_words(name: str, effect: float) -> str:
    return str(SIGNAL_WORDS.get((name, effect > 0), name))


@register.filter
def signal_text(signal: tuple[str, float]) -> str:
    name, effect = signal
    return signal_words(name, effect)
