"""Keyword search of the exhibition hall: what is indexed, and how a query is put to the database.

The hall's keyword search keeps the meaning of a substring search on the normalised text
(:func:`duijie.core.text.normalise_for_search`: NFKC, case folding, Traditional → Simplified)
for Chinese, and matches English (and other alphabetic) words by their beginning, but runs on an
inverted index in the database instead of scanning every row:

* a run of Chinese characters is indexed as its overlapping bigrams followed by its last character
  (机器人 → ``机器 器人 人``); a query of two or more characters is the phrase of its bigrams, and one
  character is a prefix query (``锂*`` finds 锂电 and a run ending in 锂). The trailing character
  keeps a phrase from running across two runs of the text;
* any other run of letters and digits is one word; the last word of a query term is a prefix.

SQLite answers with an FTS5 table over ``AchievementSearch.tokens`` (kept in step by triggers),
PostgreSQL with a stored ``tsvector`` column generated from the same tokens and a GIN index. Both
are created by migration ``0004``; the tokens are written by ``services.hall_changed``.
"""

from __future__ import annotations

import re

from django.db import connection, transaction

from duijie.core.text import normalise_for_search

MAX_TERMS = 8
MAX_WORD = 60
MAX_PHRASE = 24
_WORDS = re.compile(r"[^\W_]+")


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\U00020000" <= ch <= "\U0003134f"


def _runs(word: str) -> list[tuple[bool, str]]:
    """``word`` split into runs of Han characters and runs of anything else."""
    runs: list[tuple[bool, str]] = []
    for ch in word:
        han = _is_han(ch)
        if runs and runs[-1][0] == han:
            runs[-1] = (han, runs[-1][1] + ch)
        else:
            runs.append((han, ch))
    return runs


def index_tokens(text: str) -> str:
    """The space-separated tokens indexed for ``text`` (normalised first; idempotent on normalised text)."""
    out: list[str] = []
    for word in _WORDS.findall(normalise_for_search(text)):
        for han, run in _runs(word):
            if han:
                out.extend(run[i : i + 2] for i in range(len(run) - 1))
                out.append(run[-1])
            else:
                out.append(run[:MAX_WORD])
    return " ".join(out)


Phrase = list[tuple[str, bool]]  # (token, is a prefix)


def query_phrases(q: str) -> list[Phrase]:
    """One phrase per query term (at most ``MAX_TERMS``); every phrase must match."""
    phrases: list[Phrase] = []
    for term in normalise_for_search(q).split()[:MAX_TERMS]:
        runs = [run for word in _WORDS.findall(term) for run in _runs(word)]
        phrase: Phrase = []
        for i, (han, run) in enumerate(runs):
            last = i == len(runs) - 1
            if han:
                phrase += [(run[j : j + 2], False) for j in range(len(run) - 1)]
                if not last:
                    phrase.append((run[-1], False))  # the run ends here in the text too
                elif len(run) == 1:
                    phrase.append((run, True))  # one character: any bigram it starts, or a run it ends
            else:
                phrase.append((run[:MAX_WORD], last))
        if phrase:
            phrases.append(phrase[:MAX_PHRASE])
    return phrases


def _fts5_query(phrases: list[Phrase]) -> str:
    # Tokens hold letters and digits only, so double quotes need no escaping.
    return " AND ".join(
        "(" + " + ".join(f'"{token}"' + ("*" if prefix else "") for token, prefix in phrase) + ")"
        for phrase in phrases
    )


def _tsquery(phrases: list[Phrase]) -> str:
    return " & ".join(
        "(" + " <-> ".join(f"'{token}'" + (":*" if prefix else "") for token, prefix in phrase) + ")"
        for phrase in phrases
    )


def matching_ids(q: str) -> list[int] | None:
    """Ids of the indexed (public) achievements matching every term of ``q``; ``None`` when ``q``
    holds nothing searchable (only punctuation), so that the caller can ignore it."""
    phrases = query_phrases(q)
    if not phrases:
        return None
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            # The planner costs a sequential scan by pages and not by the vectors it would have to
            # read out of line: for a common word it picks it and takes 30 times longer than the index.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(
                "SELECT achievement_id FROM supply_achievementsearch WHERE vector @@ to_tsquery('simple', %s)",
                [_tsquery(phrases)],
            )
            return [row[0] for row in cursor.fetchall()]
    with connection.cursor() as cursor:
        cursor.execute("SELECT rowid FROM supply_hall_fts WHERE supply_hall_fts MATCH %s", [_fts5_query(phrases)])
        return [row[0] for row in cursor.fetchall()]
