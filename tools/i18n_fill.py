"""Fill catalog entries from a JSON file of translations, clearing the fuzzy flag.

Usage: python tools/i18n_fill.py translations.json
The JSON maps a locale (zh_Hans, en, ru) to a list of objects
``{"msgid", "msgctxt"?, "msgstr"?, "msgstr_plural"?}``. Run tools/i18n_sync_hant.py afterwards
for Traditional Chinese. Lists what is still missing in every catalog.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "duijie" / "locale"


def fill(locale: str, rows: list[dict]) -> int:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(path), wrapwidth=79)
    index = {(e.msgctxt, e.msgid): e for e in po}
    done = 0
    for row in rows:
        entry = index.get((row.get("msgctxt"), row["msgid"]))
        if entry is None:
            print(f"{locale}: no entry for {row['msgid']!r}", file=sys.stderr)
            continue
        if "msgstr_plural" in row:
            entry.msgstr_plural = {int(k): v for k, v in row["msgstr_plural"].items()}
        else:
            entry.msgstr = row["msgstr"] if locale != "en" else row.get("msgstr", entry.msgid)
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgctxt = entry.previous_msgid_plural = None
        done += 1
    po.save(str(path))
    return done


def missing(locale: str) -> list[str]:
    po = polib.pofile(str(LOCALE_DIR / locale / "LC_MESSAGES" / "django.po"))
    return [e.msgid for e in po if not e.translated() or "fuzzy" in e.flags]


def main() -> None:
    if len(sys.argv) > 1:
        data = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
        for locale, rows in data.items():
            print(f"{locale}: {fill(locale, rows)} entries filled")
    for locale in ("zh_Hans", "zh_Hant", "en", "ru"):
        left = missing(locale)
        print(f"{locale}: {len(left)} missing" + (f" -> {left}" if left else ""))


if __name__ == "__main__":
    main()
