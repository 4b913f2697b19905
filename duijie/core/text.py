"""Text normalisation shared by search: NFKC (folds full-width forms), case folding, and
Traditional → Simplified Chinese, so that 機器人 finds 机器人 and ＡＩ finds ai."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def normalise_for_search(text: str) -> str:
    """The searchable form of ``text`` (idempotent)."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).casefold()
    if any("\u3400" <= ch <= "\u9fff" for ch in folded):
        folded = _t2s().convert(folded)
    return _SPACES.sub(" ", folded).strip()
