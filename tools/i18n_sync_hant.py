#!/usr/bin/env python3
"""Fill or refresh the Traditional Chinese catalog from the Simplified Chinese one.

zh_Hant is derived, never edited by hand: every msgstr is the zh_Hans msgstr converted with
OpenCC's ``s2twp`` profile (Taiwan standard with Taiwan phrasing), then corrected with
``POST_FIXES`` below where OpenCC's phrasing does not fit this platform. Placeholders
(``%(name)s``, ``%s``, ``%d``, ``{name}``, ``{{ x }}``, ``{% tag %}``, ``<br>``) are
protected before conversion and put back untouched.

Usage (from the repository root, after ``makemessages``)::

    .venv/bin/python tools/i18n_sync_hant.py          # rewrite duijie/locale/zh_Hant/.../django.po
    .venv/bin/python tools/i18n_sync_hant.py --check  # exit 1 if the file is out of date

An entry whose zh_Hans msgstr is still empty is left empty here too and listed on stderr.
To change a Traditional Chinese wording, fix the zh_Hans source or add a ``POST_FIXES`` pair.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

import opencc
import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "duijie" / "locale"
SOURCE = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po"
TARGET = LOCALE_DIR / "zh_Hant" / "LC_MESSAGES" / "django.po"

# Everything a translator must not touch: printf-style and brace placeholders, template
# variables and tags, and angle-bracket markers such as <token>.
PLACEHOLDER_RE = re.compile(
    r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]"  # %(name)s, %(n)d
    r"|%[-#0 +]*\d*(?:\.\d+)?[sdifrxX%]"  # %s, %d, %%
    r"|\{\{.*?\}\}|\{%.*?%\}"  # {{ x }}, {% tag %}
    r"|\{[A-Za-z_][\w.]*\}"  # {name}
    r"|</?[A-Za-z][^<>]*>"  # HTML tags and ASCII markers such as <token>
)
# Private-use characters: OpenCC passes them through unchanged.
_OPEN, _CLOSE = "\ue000", "\ue001"
_TOKEN_RE = re.compile(f"{_OPEN}(\\d+){_CLOSE}")

# Applied in order after conversion: (OpenCC output, wording used on this platform).
POST_FIXES: list[tuple[str, str]] = [
    ("程式碼", "代碼"),  # "代码" is a code (credit code, ISO code), not program source
    ("型別", "類型"),  # "类型" is a kind, not a programming type
    ("賬戶", "帳戶"),
    ("賬號", "帳號"),
    ("平臺", "平台"),
    ("工作臺", "工作台"),
    ("後臺", "後台"),
    ("運營", "營運"),
    ("令牌", "權杖"),  # API token
    ("宣告", "聲明"),  # a declaration (of a conflict of interest), not a proclamation
    ("稽核", "審核"),  # OpenCC turns 审核 (review) into 稽核; keep 稽核 for audit, below
    ("審計", "稽核"),  # audit log
    ("電子郵箱", "電子郵件地址"),
    ("郵箱", "電子郵件"),
    ("釋出", "發布"),  # publish, not a software release
    ("退出登入", "登出"),
    ("重置", "重設"),
    ("許可權", "權限"),
    ("訪問", "存取"),
    ("請求頭", "請求標頭"),
    ("主導航", "主要導覽"),
    ("IP 地址", "IP 位址"),
    ("當前網路地址", "目前的網路位址"),
    ("當前", "目前"),
    ("重新獲取", "重新取得"),
    ("高校院所", "大專院校及研究機構"),
    ("高校", "大專院校"),
    ("科研院所", "研究機構"),
]

PLURAL_FORMS = "nplurals=1; plural=0;"


def protect(text: str) -> tuple[str, list[str]]:
    saved: list[str] = []

    def keep(match: re.Match[str]) -> str:
        saved.append(match.group(0))
        return f"{_OPEN}{len(saved) - 1}{_CLOSE}"

    return PLACEHOLDER_RE.sub(keep, text), saved


def restore(text: str, saved: list[str]) -> str:
    return _TOKEN_RE.sub(lambda m: saved[int(m.group(1))], text)


class Converter:
    def __init__(self) -> None:
        self._cc = opencc.OpenCC("s2twp")

    def __call__(self, text: str) -> str:
        if not text:
            return text
        masked, saved = protect(text)
        converted = self._cc.convert(masked)
        for wrong, right in POST_FIXES:
            converted = converted.replace(wrong, right)
        result = restore(converted, saved)
        if PLACEHOLDER_RE.findall(result) != PLACEHOLDER_RE.findall(text):
            raise ValueError(f"placeholders changed in conversion: {text!r} -> {result!r}")
        return result


def _key(entry: polib.POEntry) -> tuple[str | None, str]:
    return (entry.msgctxt, entry.msgid)


def sync(source: Path = SOURCE, target: Path = TARGET) -> tuple[polib.POFile, list[str]]:
    """The refreshed zh_Hant catalog and the msgids still untranslated in zh_Hans."""
    convert = Converter()
    hans = {_key(e): e for e in polib.pofile(str(source)) if not e.obsolete}
    hant = polib.pofile(str(target), wrapwidth=79)
    hant.metadata.update(
        {
            "Project-Id-Version": "Duijie",
            "Language": "zh_Hant",
            "Language-Team": "Chinese (Traditional)",
            "Last-Translator": "tools/i18n_sync_hant.py (OpenCC s2twp)",
            "PO-Revision-Date": hant.metadata.get("POT-Creation-Date", ""),
            "Plural-Forms": PLURAL_FORMS,
        }
    )
    hant.metadata_is_fuzzy = False
    hant.header = (
        "Duijie: Chinese (Traditional) translation.\n"
        "Generated from zh_Hans by tools/i18n_sync_hant.py; do not edit by hand.\n"
    )
    untranslated: list[str] = []
    for entry in hant:
        if entry.obsolete:
            continue
        src = hans.get(_key(entry))
        if src is None or not src.translated():
            untranslated.append(entry.msgid)
            entry.msgstr = ""
            entry.msgstr_plural = dict.fromkeys(entry.msgstr_plural, "") if entry.msgid_plural else {}
            continue
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgctxt = entry.previous_msgid = entry.previous_msgid_plural = None
        if entry.msgid_plural:
            # Chinese has one plural form.
            entry.msgstr_plural = {0: convert(src.msgstr_plural[0])}
        else:
            entry.msgstr = convert(src.msgstr)
    return hant, untranslated


def gettext_layout(text: str) -> str:
    """The catalog as gettext's own tools lay it out (line wrapping), so that ``makemessages``
    and this script do not rewrap each other's output. Unchanged when msgcat is missing."""
    msgcat = shutil.which("msgcat")
    if msgcat is None:
        return text
    done = subprocess.run(
        [msgcat, "-"], input=text, capture_output=True, text=True, encoding="utf-8", check=True
    )
    return done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the zh_Hant catalog is out of date")
    args = parser.parse_args(argv)
    catalog, untranslated = sync()
    new_text = gettext_layout(str(catalog))
    for msgid in untranslated:
        print(f"untranslated in zh_Hans: {msgid!r}", file=sys.stderr)
    if args.check:
        if TARGET.read_text(encoding="utf-8") != new_text:
            print(f"{TARGET} is out of date; run tools/i18n_sync_hant.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(new_text, encoding="utf-8")
    done = sum(1 for e in catalog if not e.obsolete) - len(untranslated)
    print(f"{TARGET.relative_to(ROOT)}: {done} entries converted from zh_Hans")
    return 1 if untranslated else 0


if __name__ == "__main__":
    sys.exit(main())
