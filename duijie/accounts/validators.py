"""Identifiers of organisations: the PRC unified social credit code (GB 32100-2015)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 31 characters; I, O, S, V and Z are never used.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 11714 organisation code (positions 9-17): weights for its own check digit.
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def uscc_check_char(first17: str) -> str:
    """The 18th character for the first 17 of a unified social credit code."""
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    total = sum(ORG_CODE_ALPHABET.index(ch) * w for ch, w in zip(first8, ORG_CODE_WEIGHTS, strict=True))
    value = (11 - total % 11) % 11
    return "X" if value == 10 else str(value)


def normalise_uscc(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "").replace("-", "")


def validate_uscc(value: str) -> None:
    code = normalise_uscc(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d."),
            code="uscc_length",
            params={"n": len(code)},
        )
    bad = sorted({ch for ch in code if ch not in USCC_ALPHABET})
    if bad:
        raise ValidationError(
            _("A unified social credit code cannot contain: %(chars)s."),
            code="uscc_chars",
            params={"chars": ", ".join(bad)},
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("Characters 3 to 8 of a unified social credit code are the administrative division code and must be digits."),
            code="uscc_division",
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("The check digit of this unified social credit code is wrong; please check for a typing error."),
            code="uscc_check",
        )
