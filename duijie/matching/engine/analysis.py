"""Text analysis: NFKC and full-width folding, Traditional → Simplified Chinese, Chinese word
segmentation (rjieba, the Rust port of jieba: same segmentation, much faster), English words with
Snowball stemming and stop words. One vocabulary for both languages: Chinese words and English
stems cannot collide."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[a-z0-9]+(?:[.\-][a-z0-9]+)*")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

EN_STOP = frozenset(re.split(r"\s+", """
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having he
her here hers him his how i if in into is it its itself just me more most my no nor not now of off on once
only or other our ours out over own same she should so some such than that the their theirs them then there
these they this those through to too under until up very was we were what when where which while who whom why
will with would you your based using use used via study method methods results paper new proposed approach
""".strip()))
ZH_STOP = frozenset(re.split(r"\s+", "的 了 和 与 及 或 在 对 中 为 是 以 等 并 其 一种 基于 研究 方法 分析 进行 通过 采用 利用 结果 表明 本文 提出 寻求 合作 需求 方案"))


# Longer Latin-script runs (a gene sequence, base64, a hash) are not words anyone searches for; left out,
# they cannot break a store either (PostgreSQL refuses a lexeme over 2,047 bytes).
MAX_WORD = 64


@lru_cache(maxsize=1)
def _t2s():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


# A document's fields are analysed twice at index time (its own terms, then its translation): the
# second pass finds the normalised text and the segmented runs here (about 10% of a build).
@lru_cache(maxsize=16)
def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    if _HAN.search(folded):
        folded = _t2s().convert(folded)
    return folded


@lru_cache(maxsize=4096)
def _cut(run: str) -> tuple[str, ...]:
    import rjieba

    return tuple(w for w in rjieba.cut(run) if w.strip())


def zh_words(text: str) -> list[str]:
    """Chinese words of ``text`` (normalised), stop words left out."""
    return [w for run in _HAN_RUNS.findall(normalise(text)) for w in _cut(run) if w not in ZH_STOP]


_HAN_RUNS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def en_words(text: str) -> list[str]:
    """English (Latin-script) words of ``text``, lower-cased, stop words left out, not stemmed."""
    return [w for w in re.findall(r"[a-z0-9]+", normalise(text)) if w not in EN_STOP and 1 < len(w) <= MAX_WORD]


def stem(words: list[str]) -> list[str]:
    return list(_stemmer().stemWords(words))


def terms(text: str) -> list[str]:
    """The index terms of ``text``: Chinese words and stemmed English words, in order."""
    return [term for term, _word in terms_with_words(text)]


def terms_with_words(text: str) -> list[tuple[str, str]]:
    """(index term, the word as written, normalised) for each term of ``text``."""
    out: list[tuple[str, str]] = []
    for match in _RUN.finditer(normalise(text)):
        run = match.group()
        if _HAN.match(run):
            out.extend((w, w) for w in _cut(run) if w not in ZH_STOP)
        else:
            for word in re.findall(r"[a-z0-9]+", run):
                if word not in EN_STOP and 1 < len(word) <= MAX_WORD:
                    out.append((_stemmer().stemWord(word), word))
    return out


def language(text: str) -> str:
    """"zh" when Han characters make up a fifth of the letters or more, else "en"."""
    letters = [ch for ch in normalise(text) if ch.isalpha()]
    if not letters:
        return "en"
    han = sum(1 for ch in letters if _HAN.match(ch))
    return "zh" if han / len(letters) >= 0.2 else "en"
