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


_WORD = re.compile(r"[^\W_]+")
_STOP = frozenset(["a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "in", "is", "it", "its",
                   "of", "on", "or", "that", "the", "to", "with", "we", "our"])


def _han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def shingles(text: str) -> set[str]:
    """The set of features two near-identical texts share, for a similarity score (duplicate checks):
    Chinese as character bigrams, other words folded to a crude stem, stop words left out."""
    out: set[str] = set()
    for word in _WORD.findall(normalise_for_search(text)):
        run = ""
        for ch in word + " ":
            if _han(ch):
                run += ch
                continue
            if len(run) > 1:
                out.update(run[i : i + 2] for i in range(len(run) - 1))
            elif run:
                out.add(run)
            run = ""
        latin = "".join(ch for ch in word if not _han(ch))
        if len(latin) > 1 and latin not in _STOP:
            for suffix in ("ing", "es", "s"):
                if len(latin) > len(suffix) + 3 and latin.endswith(suffix):
                    latin = latin[: -len(suffix)]
                    break
            out.add(latin)
    return out


def similarity(a: set[str], b: set[str]) -> float:
    """Cosine similarity of two feature sets, 0 to 1."""
    if not a or not b:
        return 0.0
    return len(a & b) / (len(a) * len(b)) ** 0.5
