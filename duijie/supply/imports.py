"""Bulk import of achievements, with their IP assets, from XLSX and CSV files.

The flow, for a page, the API and the background job alike:

1. ``read_rows``: the file's rows by column (XLSX found by its content, CSV in UTF-8, UTF-8 with a
   byte-order mark or GB18030); a file that is not a spreadsheet, lacks a required column or has a
   column the template does not know raises ``ImportFileError``.
2. ``validate``: every problem as (row as the user sees it, column, problem), and the
   ``services.AchievementData`` of each achievement. One row is one IP asset; rows that share an
   external id are one achievement with several IP assets.
3. ``run_import``: the report; unless it is a dry run, and only when there is no problem at all,
   ``services.achievements_import`` writes every achievement in one transaction ("import none":
   a file with any error imports nothing).

Large files run as an ``ImportJob`` (``import_job_start``, ``import_job_run``): in a background
thread of the web process by default, inline when ``settings.IMPORT_JOBS_INLINE`` is set. The
job's state changes only in ``_job_set``; the steps are listed in ``import_job_run``.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import threading
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from duijie.accounts import policies as account_policies
from duijie.accounts.models import Organisation, User
from duijie.core.errors import DomainError, PermissionDenied
from duijie.core.text import normalise_for_search
from duijie.supply import policies, services
from duijie.supply.enums import (
    IMPORT_ACTIVE_STATUSES,
    ContentLanguage,
    Currency,
    ImportJobStatus,
    IPStatus,
    IPType,
    Jurisdiction,
    PriceType,
)
from duijie.supply.ip_numbers import cn_application_check_digit, validate_ip_asset
from duijie.supply.models import Achievement, AchievementTranslation, ImportJob
from duijie.taxonomy.models import CooperationMode, TechField

logger = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 20 * 1024 * 1024
# A bound on what a small compressed XLSX may unfold to; 10,000-row files are the expected size.
MAX_IMPORT_ROWS = 50_000
# How many rows are checked between two progress updates of a job.
PROGRESS_EVERY = 500
# Problems kept in a job's report (the count is always complete).
MAX_REPORTED_PROBLEMS = 1000
# A job still unfinished after this long was cut off (see ``job_is_stale``).
STALE_JOB_AFTER = timedelta(hours=1)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportFileError(DomainError):
    """The file as a whole cannot be imported: not a spreadsheet, or not the template's columns."""

    def __init__(self, message: Any) -> None:
        super().__init__(message, code="import_file")


# --- Columns -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str  # also the English header
    zh: str  # the Chinese header
    help: Promise
    required: bool = False
    ip: bool = False  # a column of the row's IP asset, not of the achievement


COLUMNS: tuple[Column, ...] = (
    Column("external_id", "外部编号", gettext_lazy(
        "Your own reference, at most 64 characters. Importing the same id again updates the achievement; "
        "rows with the same id add IP assets to one achievement."), required=True),
    Column("title", "标题", gettext_lazy("At most 300 characters."), required=True),
    Column("summary", "摘要", gettext_lazy("At most 3,000 characters."), required=True),
    Column("language", "语言", gettext_lazy(
        "Language of the title and summary: zh-hans, zh-hant, en or ru (or its name). Empty: guessed from the title.")),
    Column("description", "详细介绍", gettext_lazy("The detailed description.")),
    Column("keywords", "关键词", gettext_lazy("At most 10, separated by ; or ,")),
    Column("fields", "技术领域", gettext_lazy(
        "Technology field codes or names in any language, separated by ; (see the reference data)."), required=True),
    Column("trl", "技术成熟度", gettext_lazy("Technology readiness level, a whole number from 1 to 9.")),
    Column("cooperation_modes", "合作方式", gettext_lazy(
        "Cooperation mode codes or names, separated by ; (e.g. transfer; licence).")),
    Column("price_type", "价格类型", gettext_lazy(
        "面议 / negotiable or 区间 / range. Empty: a range when a lower price is given, else negotiable.")),
    Column("price_min", "价格下限", gettext_lazy("The lower end of the price range, e.g. 500000.")),
    Column("price_max", "价格上限", gettext_lazy("The upper end of the price range.")),
    Column("currency", "币种", gettext_lazy("CNY, USD, EUR, GBP or RUB. Empty: CNY.")),
    Column("contact_name", "联系人", gettext_lazy("Shown only after a docking request is accepted.")),
    Column("contact_phone", "联系电话", gettext_lazy("Shown only after a docking request is accepted.")),
    Column("contact_email", "联系邮箱", gettext_lazy("Shown only after a docking request is accepted.")),
    Column("ip_type", "知识产权类型", gettext_lazy(
        "invention_patent, utility_model, design, pct_application, software_copyright, ic_layout or know_how "
        "(or the name, e.g. 发明专利). Leave the IP columns empty for a row without an IP asset."), ip=True),
    Column("ip_number", "知识产权号", gettext_lazy(
        "e.g. CN202310123456.6, US11123456B2, PCT/CN2023/123456, 2023SR0123456."), ip=True),
    Column("jurisdiction", "法域", gettext_lazy(
        "CN, US, EP, GB, WO or other. Empty: taken from the number's prefix, else CN."), ip=True),
    Column("ip_status", "知识产权状态", gettext_lazy(
        "filed, granted, lapsed or expired (or the name, e.g. 已授权). Empty: granted with a grant date, "
        "else filed."), ip=True),
    Column("filing_date", "申请日", gettext_lazy("YYYY-MM-DD, e.g. 2023-03-01."), ip=True),
    Column("grant_date", "授权日", gettext_lazy("YYYY-MM-DD; required for a granted invention patent."), ip=True),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
REQUIRED_KEYS = tuple(column.key for column in COLUMNS if column.required)
ACHIEVEMENT_KEYS = tuple(column.key for column in COLUMNS if not column.ip and column.key != "external_id")
IP_KEYS = tuple(column.key for column in COLUMNS if column.ip)
# Where a service's field error belongs: achievement fields and IP-asset fields by column.
SERVICE_FIELD_COLUMNS = {key: key for key in ACHIEVEMENT_KEYS} | {"external_id": "external_id"}
IP_FIELD_COLUMNS = {"ip_type": "ip_type", "number": "ip_number", "jurisdiction": "jurisdiction",
                    "status": "ip_status", "filing_date": "filing_date", "grant_date": "grant_date"}


def _norm(text: str) -> str:
    """The form in which headers and labels are compared: NFKC, case-folded, Traditional as
    Simplified Chinese, spaces and hyphens as underscores, marks such as * and : dropped."""
    folded = normalise_for_search(str(text)).strip(" *:：")
    return re.sub(r"[\s\-]+", "_", folded)


@lru_cache(maxsize=1)
def _header_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for column in COLUMNS:
        for name in (column.key, column.zh):
            aliases[_norm(name)] = column.key
    aliases.update({_norm(name): key for name, key in (
        ("external id", "external_id"), ("ip number", "ip_number"), ("ip status", "ip_status"),
        ("ip type", "ip_type"), ("trl", "trl"), ("cooperation mode", "cooperation_modes"),
        ("field", "fields"), ("technology fields", "fields"), ("keyword", "keywords"),
    )})
    return aliases


def header_for(key: str, language: str) -> str:
    """The template's header of a column in ``language`` ("zh" or "en")."""
    return COLUMNS_BY_KEY[key].zh if language == "zh" else key


# --- Templates -----------------------------------------------------------------------------------------


def _example_row(language: str) -> dict[str, str]:
    """One row that imports as it is (the round trip is tested)."""
    zh = language == "zh"
    field_row = (TechField.objects.filter(code="ai.computer-vision", is_active=True).first()
                 or TechField.objects.filter(is_active=True).order_by("sort_order", "code").first())
    modes = list(CooperationMode.objects.filter(is_active=True).order_by("sort_order", "code")[:2])
    body = "202310123456"
    return {
        "external_id": "DJ-2024-001",
        "title": "一种焊缝缺陷机器视觉检测方法" if zh else "Machine-vision inspection of weld defects",
        "summary": "基于深度学习的焊缝缺陷在线检测，识别率高于 98%。" if zh
        else "Online detection of weld defects by deep learning, over 98% recognition rate.",
        "language": "zh-hans" if zh else "en",
        "description": "",
        "keywords": "机器视觉; 焊接" if zh else "machine vision; welding",
        "fields": (field_row.name_zh_hans if zh else field_row.name_en) if field_row else "",
        "trl": "6",
        "cooperation_modes": "; ".join(m.name_zh_hans if zh else m.name_en for m in modes),
        "price_type": "区间" if zh else "range",
        "price_min": "500000",
        "price_max": "2000000",
        "currency": "CNY",
        "contact_name": "张老师" if zh else "Dr Zhang",
        "contact_phone": "010-12345678",
        "contact_email": "tto@example.edu.cn",
        "ip_type": "发明专利" if zh else "invention_patent",
        "ip_number": f"CN{body}.{cn_application_check_digit(body)}",
        "jurisdiction": "CN",
        "ip_status": "已申请" if zh else "filed",
        "filing_date": "2023-03-01",
        "grant_date": "",
    }


def template_csv(language: str) -> bytes:
    """The import template as CSV: headers in Chinese (``zh``) or English (``en``) and one example
    row, UTF-8 with a byte-order mark so that Excel shows Chinese text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    example = _example_row(language)
    writer.writerow([header_for(column.key, language) for column in COLUMNS])
    writer.writerow([example[column.key] for column in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx(language: str) -> bytes:
    """The import template as XLSX: a data sheet (headers and one example row, required columns
    in bold) and a sheet that explains every column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    with translation.override("zh-hans" if language == "zh" else "en"):
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = _("Achievements")[:31]
        example = _example_row(language)
        sheet.append([header_for(column.key, language) for column in COLUMNS])
        sheet.append([example[column.key] for column in COLUMNS])
        for cell, column in zip(sheet[1], COLUMNS, strict=True):
            cell.font = Font(bold=column.required)
        for cell in sheet[2]:
            cell.number_format = "@"  # text: keeps leading zeros and long numbers as typed
        sheet.freeze_panes = "A2"
        for index, column in enumerate(COLUMNS):
            sheet.column_dimensions[sheet.cell(row=1, column=index + 1).column_letter].width = (
                40 if column.key in ("title", "summary", "description") else 18)
        notes = workbook.create_sheet(_("Instructions")[:31])
        notes.append([_("Column"), _("Required"), _("What to enter")])
        for cell in notes[1]:
            cell.font = Font(bold=True)
        for column in COLUMNS:
            notes.append([header_for(column.key, language), _("Yes") if column.required else "", str(column.help)])
        notes.append([])
        notes.append([_("One row is one IP asset: rows with the same external id add IP assets to one "
                        "achievement; leave the achievement's columns empty on those rows, or repeat them.")])
        notes.append([_("A file with any problem imports nothing: correct the rows the report names and "
                        "upload the whole file again.")])
        notes.column_dimensions["A"].width = 18
        notes.column_dimensions["C"].width = 100
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- Reading ---------------------------------------------------------------------------------------------


@dataclass
class Sheet:
    """The rows of an import file: ``headers`` maps each column key to its header as written in
    the file; ``rows`` holds (row number as the user sees it, values by column key), blank rows left out."""

    headers: dict[str, str]
    rows: list[tuple[int, dict[str, str]]]


_BINARY_SIGNATURES = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc: the old Office formats


def _not_a_spreadsheet() -> ImportFileError:
    return ImportFileError(_(
        "This file is not a spreadsheet we can read: upload the template filled in, saved as XLSX or CSV."
    ))


def read_rows(uploaded_file: IO[bytes] | File, columns: tuple[Column, ...] | None = None,
              aliases: dict[str, str] | None = None) -> Sheet:
    """The rows of an XLSX or CSV file (found by content, not by name); raises ``ImportFileError``.

    ``columns`` and ``aliases`` (header → key) describe another template than the achievements'
    (the demand import reads its files here too)."""
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    raw = uploaded_file.read()
    if not raw.strip():
        raise ImportFileError(_("The file is empty."))
    if raw.startswith(b"PK\x03\x04"):
        cells = _xlsx_cells(raw)
    elif raw.startswith(_OLE_SIGNATURE):
        raise ImportFileError(_("This is an old Excel file (.xls): save it as XLSX or CSV and upload it again."))
    elif raw.startswith(_BINARY_SIGNATURES) or b"\x00" in raw[:8192]:
        raise _not_a_spreadsheet()
    else:
        cells = _csv_cells(_decode(raw))
    return _sheet(cells, columns, aliases)


def _decode(raw: bytes) -> str:
    """UTF-8, UTF-8 with a byte-order mark, or GB18030 (what Excel saves in Chinese Windows)."""
    for encoding in ("utf-8", "utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text.removeprefix("\ufeff")
    raise ImportFileError(_("The CSV file is neither UTF-8 nor GB18030 text: save it again as CSV UTF-8."))


def _csv_cells(text: str) -> Iterator[list[str]]:
    first_line = text.split("\n", 1)[0]
    aliases = _header_aliases()

    def known(delimiter: str) -> int:
        return sum(_norm(cell) in aliases for cell in next(csv.reader([first_line], delimiter=delimiter), []))

    # Excel writes ; instead of , in some locales, and tab-separated text is pasted around.
    delimiter = max((",", ";", "\t"), key=known)
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise _not_a_spreadsheet() from exc


def _xlsx_cells(raw: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    # openpyxl raises many kinds of errors (zip, XML, missing parts) for files it cannot read.
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        rows = workbook.worksheets[0].iter_rows(values_only=True)
    except Exception as exc:
        raise _not_a_spreadsheet() from exc
    try:
        while True:
            try:
                values = next(rows)
            except StopIteration:
                break
            except Exception as exc:
                raise _not_a_spreadsheet() from exc
            yield [_cell_text(value) for value in values]
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as the text the user sees (dates as YYYY-MM-DD, 6.0 as 6)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _sheet(cells: Iterator[list[str]], columns: tuple[Column, ...] | None = None,
           extra_aliases: dict[str, str] | None = None) -> Sheet:
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, row in enumerate(cells, start=1):
        row = [cell.strip() for cell in row]
        if not any(row):
            continue
        if header is None:
            header = row
        elif len(rows) == MAX_IMPORT_ROWS:
            raise ImportFileError(_("A file may hold at most %(count)s rows; split it into several files.")
                                  % {"count": f"{MAX_IMPORT_ROWS:,}"})
        else:
            rows.append((number, row))
    if header is None:
        raise ImportFileError(_("The file is empty."))
    if columns is None:
        aliases, by_key = _header_aliases(), COLUMNS_BY_KEY
        required = REQUIRED_KEYS
    else:
        by_key = {column.key: column for column in columns}
        aliases = {_norm(name): c.key for c in columns for name in (c.key, c.zh)}
        aliases.update({_norm(name): key for name, key in (extra_aliases or {}).items()})
        required = tuple(c.key for c in columns if c.required)
    keys: list[str | None] = []
    headers: dict[str, str] = {}
    unknown: list[str] = []
    twice: list[str] = []
    for name in header:
        key = aliases.get(_norm(name)) if name else None
        if name and key is None:
            unknown.append(name)
        elif key is not None and key in headers:
            twice.append(name)
            key = None
        elif key is not None:
            headers[key] = name
        keys.append(key)
    if not headers:
        raise ImportFileError(_(
            "This does not look like an import file: none of the names in its first row is a column of the "
            "template (such as 标题 or title). Download the template and fill it in."
        ))
    for index, name in enumerate(header):
        if not name and any(index < len(row) and row[index] for _n, row in rows):
            unknown.append(_("column %(number)s (no name)") % {"number": index + 1})
    messages: list[str] = []
    missing = [key for key in required if key not in headers]
    if missing:
        messages.append(_("Required columns are missing: %(columns)s.") % {
            "columns": ", ".join(f"{by_key[key].zh} ({key})" for key in missing)})
    if unknown:
        messages.append(_("Unknown columns: %(columns)s. Remove them or name them as in the template.") % {
            "columns": ", ".join(unknown)})
    if twice:
        messages.append(_("These columns appear twice: %(columns)s.") % {"columns": ", ".join(twice)})
    if messages:
        raise ImportFileError(" ".join(messages))
    return Sheet(headers=headers, rows=[
        (number, {key: row[index] if index < len(row) else "" for index, key in enumerate(keys) if key})
        for number, row in rows
    ])


# --- Validation --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    row: int  # as the user sees it: the header is row 1
    column: str  # the header as written in the file; "" for the row as a whole
    problem: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "problem": self.problem}


@dataclass
class Validation:
    rows_checked: int
    problems: list[Problem]
    items: list[services.AchievementData]
    updates: int  # how many items update an achievement the institution has already

    @property
    def creates(self) -> int:
        return len(self.items) - self.updates


@dataclass
class _Group:
    """The rows of one external id: the first gives the achievement, every row may add an IP asset."""

    row: int
    values: dict[str, str]
    data: services.AchievementData | None = None
    ip_rows: list[int] = field(default_factory=list)


def _choice_aliases(choices: Iterable[tuple[str, Any]], extra: dict[str, str] | None = None) -> dict[str, str]:
    """Value → value, and the label in every UI language → value, compared by ``_norm``."""
    aliases: dict[str, str] = {}
    for value, label in choices:
        aliases[_norm(value)] = value
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                aliases.setdefault(_norm(str(label)), value)
    for name, value in (extra or {}).items():
        aliases[_norm(name)] = value
    return aliases


@lru_cache(maxsize=1)
def _aliases() -> dict[str, dict[str, str]]:
    """Codes and labels of every choice column (labels do not change while the process runs)."""
    return {
        "language": _choice_aliases(ContentLanguage.choices, {
            "zh": "zh-hans", "zh-cn": "zh-hans", "中文": "zh-hans", "简体": "zh-hans", "zh-tw": "zh-hant",
            "zh-hk": "zh-hant", "繁体": "zh-hant", "english": "en", "英文": "en", "俄文": "ru", "russian": "ru"}),
        "price_type": _choice_aliases(PriceType.choices, {"区间": "range", "价格区间": "range"}),
        "currency": _choice_aliases(Currency.choices, {
            "人民币": "CNY", "rmb": "CNY", "元": "CNY", "美元": "USD", "欧元": "EUR", "英镑": "GBP", "卢布": "RUB"}),
        "ip_type": _choice_aliases(IPType.choices, {"发明": "invention_patent", "pct": "pct_application",
                                                    "软件著作权": "software_copyright", "软著": "software_copyright",
                                                    "技术秘密": "know_how"}),
        "ip_status": _choice_aliases(IPStatus.choices, {"申请": "filed", "申请中": "filed", "授权": "granted",
                                                        "失效": "lapsed", "届满": "expired", "期满": "expired"}),
        "jurisdiction": _choice_aliases(Jurisdiction.choices, {"pct": "WO", "其他": "other"}),
    }


def _reference(model: Any) -> dict[str, int]:
    """Codes and names in every language → pk, for the active rows of a reference table (one query)."""
    lookup: dict[str, int] = {}
    for row in model.objects.filter(is_active=True).values("pk", "code", "name_zh_hans", "name_zh_hant", "name_en",
                                                          "name_ru"):
        for name in ("name_ru", "name_en", "name_zh_hant", "name_zh_hans", "code"):
            if row[name]:
                lookup[_norm(row[name])] = row["pk"]
    return lookup


_LIST_SEPARATORS = re.compile(r"[;；\n|]")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_CJK = re.compile(r"[\u3400-\u9fff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_NUMBER_PREFIX = re.compile(r"^(?:PCT|WO|CN|US|EP|GB|ZL)", re.IGNORECASE)


class _RowChecker:
    """Turns the cells of one row into values, collecting each problem under its column."""

    def __init__(self, sheet: Sheet, row: int, problems: list[Problem]) -> None:
        self.sheet = sheet
        self.row = row
        self.problems = problems

    def add(self, key: str, message: Any) -> None:
        self.problems.append(Problem(self.row, self.sheet.headers.get(key, key) if key else "", str(message)))

    def choice(self, key: str, value: str, message: Any) -> str | None:
        found = _aliases()[key].get(_norm(value))
        if found is None:
            self.add(key, message)
        return found

    def codes(self, key: str, value: str, lookup: dict[str, int], message: str) -> list[int]:
        pks: list[int] = []
        for part in _LIST_SEPARATORS.split(value):
            name = part.strip()
            if not name:
                continue
            pk = lookup.get(_norm(name))
            if pk is None:
                self.add(key, message % {"name": name})
            elif pk not in pks:
                pks.append(pk)
        return pks

    def decimal(self, key: str, value: str) -> Decimal | None:
        if not value:
            return None
        try:
            number = Decimal(re.sub(r"[\s,，¥￥$]", "", unicodedata.normalize("NFKC", value)))
        except InvalidOperation:
            self.add(key, _("Enter a number, e.g. 500000."))
            return None
        if not number.is_finite():
            self.add(key, _("Enter a number, e.g. 500000."))
            return None
        return number

    def date(self, key: str, value: str) -> date | None:
        if not value:
            return None
        # A spreadsheet date cell may carry a time of day: the date part is what counts.
        text = re.sub(r"[ T]\d{1,2}:\d{2}(?::\d{2})?$", "", unicodedata.normalize("NFKC", value).strip())
        match = _DATE.fullmatch(text) or (re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text))
        if match:
            try:
                return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                pass
        self.add(key, _("Enter a date as YYYY-MM-DD, e.g. 2023-03-01."))
        return None


def validate(
    sheet: Sheet, organisation: Organisation, *, actor: User | None = None,
    progress: Callable[[int], None] | None = None,
) -> Validation:
    """Every problem of the rows, and the data of each achievement (in the order of first rows).

    Checks required values, field and cooperation-mode codes, TRL, prices, dates, IP numbers
    (``ip_numbers.validate_ip_asset``), every rule of ``achievement_create``, external ids that
    the file uses for different achievements, and — with ``actor`` — whether the achievements the
    file would update may be changed by them now. ``progress(rows)`` is called every
    ``PROGRESS_EVERY`` rows. Reads: the reference tables and the institution's external ids, once.
    """
    problems: list[Problem] = []
    fields = _reference(TechField)
    modes = _reference(CooperationMode)
    groups: dict[str, _Group] = {}
    for count, (row, values) in enumerate(sheet.rows, start=1):
        check = _RowChecker(sheet, row, problems)
        external_id = values.get("external_id", "")
        if not external_id:
            check.add("external_id", _("Give the external id: your own reference of the achievement."))
        elif len(external_id) > 64:
            check.add("external_id", _("An external id has at most 64 characters."))
        else:
            group = groups.get(external_id)
            if group is None:
                group = groups[external_id] = _Group(row=row, values=values)
                group.data = _achievement_data(check, values, fields, modes)
            else:
                _check_same_achievement(check, group, values)
            if any(values.get(key) for key in IP_KEYS):
                asset = _ip_asset(check, values)
                if asset is not None and group.data is not None:
                    group.data.ip_assets = [*(group.data.ip_assets or []), asset]
                    group.ip_rows.append(row)
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    if progress is not None:
        progress(len(sheet.rows))

    if not any(key in sheet.headers for key in IP_KEYS):
        # A file without IP columns leaves the stored IP assets as they are.
        for group in groups.values():
            if group.data is not None:
                group.data.ip_assets = None
    updates = _check_existing(sheet, groups, organisation, actor, problems)
    items: list[services.AchievementData] = []
    reported = {(p.row, p.column) for p in problems}
    for group in groups.values():
        if group.data is None:
            continue
        items.append(group.data)
        _service_problems(sheet, group, problems, reported)
    problems.sort(key=lambda p: p.row)
    return Validation(rows_checked=len(sheet.rows), problems=problems, items=items, updates=updates)


def _achievement_data(
    check: _RowChecker, values: dict[str, str], fields: dict[str, int], modes: dict[str, int]
) -> services.AchievementData:
    get = values.get
    title = get("title", "")
    language = get("language", "")
    if language:
        language = check.choice("language", language, _("Unknown language: use zh-hans, zh-hant, en or ru.")) or ""
    else:
        language = "zh-hans" if _CJK.search(title) else "ru" if _CYRILLIC.search(title) else "en"
    field_ids = check.codes("fields", get("fields", ""), fields, _(
        "Unknown technology field “%(name)s”: use a code or a name from the reference data."))
    mode_ids = check.codes("cooperation_modes", get("cooperation_modes", ""), modes, _(
        "Unknown cooperation mode “%(name)s”: use a code or a name from the reference data."))
    trl: int | None = None
    if get("trl"):
        match = re.fullmatch(r"(?:TRL\s*)?(\d{1,2})", unicodedata.normalize("NFKC", get("trl", "")), re.IGNORECASE)
        trl = int(match.group(1)) if match else None
        if trl is None or not 1 <= trl <= 9:
            check.add("trl", _("The technology readiness level is a whole number from 1 to 9."))
            trl = None
    price_min = check.decimal("price_min", get("price_min", ""))
    price_max = check.decimal("price_max", get("price_max", ""))
    price_type = get("price_type", "")
    if price_type:
        price_type = check.choice("price_type", price_type, _(
            "The price type is 面议 (negotiable) or 区间 (range).")) or PriceType.NEGOTIABLE
    else:
        price_type = PriceType.RANGE if price_min is not None else PriceType.NEGOTIABLE
    currency = get("currency", "")
    currency = (check.choice("currency", currency, _("Unknown currency: use CNY, USD, EUR, GBP or RUB."))
                if currency else Currency.CNY) or Currency.CNY
    return services.AchievementData(
        title=title, summary=get("summary", ""), language=language, description=get("description", ""),
        keywords=[get("keywords", "")] if get("keywords") else [], field_ids=field_ids,
        cooperation_mode_ids=mode_ids, trl=trl, price_type=price_type, price_min=price_min, price_max=price_max,
        currency=currency, contact_name=get("contact_name", ""), contact_phone=get("contact_phone", ""),
        contact_email=get("contact_email", ""), external_id=get("external_id", ""), ip_assets=[],
    )


def _check_same_achievement(check: _RowChecker, group: _Group, values: dict[str, str]) -> None:
    """A further row of an external id may leave the achievement's columns empty or repeat them."""
    title = values.get("title", "")
    if title and title != group.values.get("title", ""):
        check.add("title", _(
            "The external id %(id)s is used on row %(row)s for a different title (“%(title)s”): give each "
            "achievement its own id."
        ) % {"id": values["external_id"], "row": group.row, "title": group.values.get("title", "")})
    for key in ACHIEVEMENT_KEYS:
        value = values.get(key, "")
        if key != "title" and value and value != group.values.get(key, ""):
            check.add(key, _(
                "Row %(row)s gives another value for the same external id %(id)s: leave this cell empty or "
                "repeat that value."
            ) % {"row": group.row, "id": values["external_id"]})


def _ip_asset(check: _RowChecker, values: dict[str, str]) -> services.IPAssetData | None:
    get = values.get
    problems_before = len(check.problems)
    ip_type = None
    if not get("ip_type"):
        check.add("ip_type", _("Give the type of the IP asset (e.g. 发明专利 or invention_patent)."))
    else:
        ip_type = check.choice("ip_type", get("ip_type", ""), _(
            "Unknown type of IP asset: use e.g. invention_patent, utility_model, design, pct_application, "
            "software_copyright, ic_layout or know_how."))
    number = get("ip_number", "")
    if len(number) > 40:
        check.add("ip_number", _("A number has at most 40 characters."))
    jurisdiction = get("jurisdiction", "")
    if jurisdiction:
        jurisdiction = check.choice("jurisdiction", jurisdiction, _(
            "Unknown jurisdiction: use CN, US, EP, GB, WO or other.")) or ""
    else:
        prefix = _NUMBER_PREFIX.match(unicodedata.normalize("NFKC", number).strip())
        code = prefix.group(0).upper() if prefix else "CN"
        jurisdiction = {"PCT": "WO", "ZL": "CN"}.get(code, code)
    filing_date = check.date("filing_date", get("filing_date", ""))
    grant_date = check.date("grant_date", get("grant_date", ""))
    status = get("ip_status", "")
    if status:
        status = check.choice("ip_status", status, _(
            "Unknown IP status: use filed, granted, lapsed or expired.")) or ""
    else:
        status = IPStatus.GRANTED if grant_date else IPStatus.FILED
    if len(check.problems) > problems_before or ip_type is None:
        return None
    for name, messages in validate_ip_asset(
        ip_type=ip_type, jurisdiction=jurisdiction, number=number, status=status, filing_date=filing_date,
        grant_date=grant_date,
    ).items():
        for message in messages:
            check.add(IP_FIELD_COLUMNS.get(name, "ip_number"), message)
    if len(check.problems) > problems_before:
        return None
    return services.IPAssetData(ip_type=ip_type, number=number, jurisdiction=jurisdiction, status=status,
                                filing_date=filing_date, grant_date=grant_date)


def _service_problems(sheet: Sheet, group: _Group, problems: list[Problem], reported: set[tuple[int, str]]) -> None:
    """The services' own rules (required values, lengths, prices, e-mail), each on its row and column;
    a column already reported on that row (``reported``) is not reported twice."""
    assert group.data is not None
    for name, messages in services.achievement_data_errors(data=group.data).items():
        parts = name.split(".")
        if parts[0] == "ip_assets" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(group.ip_rows):
            row, key = group.ip_rows[int(parts[1])], IP_FIELD_COLUMNS.get(parts[2], "ip_number")
        else:
            row, key = group.row, SERVICE_FIELD_COLUMNS.get(name, "")
        column = sheet.headers.get(key, key) if key else ""
        if (row, column) in reported:
            continue
        reported.add((row, column))
        for message in messages:
            problems.append(Problem(row, column, message))


# Columns that may be left out of a file, and what they set: an update keeps what a missing column
# would have set. What no column sets (industries, team, translations, ...) is always kept.
OPTIONAL_COLUMN_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "language": ("language",), "description": ("description",), "keywords": ("keywords",), "trl": ("trl",),
    "cooperation_modes": ("cooperation_mode_ids",), "currency": ("currency",),
    "contact_name": ("contact_name",), "contact_phone": ("contact_phone",), "contact_email": ("contact_email",),
}
PRICE_COLUMNS = ("price_type", "price_min", "price_max")
NOT_IMPORTED_ATTRIBUTES = ("attribute", "financing_need", "team_members", "video_url", "recommending_unit_id")
EXISTING_BATCH = 500


def _check_existing(
    sheet: Sheet, groups: dict[str, _Group], organisation: Organisation, actor: User | None,
    problems: list[Problem],
) -> int:
    """How many groups update an achievement the institution has already. Those ``actor`` may not
    change now are problems; the data of the others keeps what the file does not set (see
    ``OPTIONAL_COLUMN_ATTRIBUTES``). Reads: the institution's external ids, then the matched
    achievements and their relations in batches."""
    matched = [
        external_id for external_id in Achievement.objects.filter(organisation=organisation).exclude(
            external_id="").values_list("external_id", flat=True)
        if external_id in groups and groups[external_id].data is not None
    ]
    editable: dict[str, bool] = {}
    for start in range(0, len(matched), EXISTING_BATCH):
        achievements = list(Achievement.objects.filter(
            organisation=organisation, external_id__in=matched[start:start + EXISTING_BATCH]).select_related(
            "organisation"))
        stored = _stored_relations([a.pk for a in achievements])
        for achievement in achievements:
            group = groups[achievement.external_id]
            if actor is not None:
                # The policy depends on the actor, the institution and the status only: ask once per status.
                if achievement.status not in editable:
                    editable[achievement.status] = policies.can_edit_achievement(actor, achievement)
                if not editable[achievement.status]:
                    problems.append(Problem(group.row, sheet.headers["external_id"], _(
                        "The achievement with this external id (“%(title)s”) cannot be changed while it is "
                        "“%(status)s”."
                    ) % {"title": achievement.title, "status": achievement.get_status_display()}))
            assert group.data is not None
            _keep_what_the_file_does_not_set(sheet, group.data, achievement, stored[achievement.pk])
    return len(matched)


def _stored_relations(pks: list[int]) -> dict[int, dict[str, Any]]:
    """The related rows of existing achievements that an import keeps, one query per relation."""
    stored: dict[int, dict[str, Any]] = {pk: {"industry_ids": [], "expert_ids": [], "cooperation_mode_ids": [],
                                              "translations": {}} for pk in pks}
    for attribute, relation, column in (("industry_ids", "industries", "industry_id"),
                                        ("expert_ids", "experts", "expert_id"),
                                        ("cooperation_mode_ids", "cooperation_modes", "cooperationmode_id")):
        through = getattr(Achievement, relation).through
        for achievement_id, other_id in through.objects.filter(achievement_id__in=pks).order_by("pk").values_list(
                "achievement_id", column):
            stored[achievement_id][attribute].append(other_id)
    for achievement_id, language, title, summary in AchievementTranslation.objects.filter(
            achievement_id__in=pks).values_list("achievement_id", "language", "title", "summary"):
        stored[achievement_id]["translations"][language] = (title, summary)
    return stored


def _keep_what_the_file_does_not_set(
    sheet: Sheet, data: services.AchievementData, achievement: Achievement, stored: dict[str, Any]
) -> None:
    for name in NOT_IMPORTED_ATTRIBUTES:
        setattr(data, name, getattr(achievement, name))
    data.industry_ids = stored["industry_ids"]
    data.expert_ids = stored["expert_ids"]
    data.translations = {language: texts for language, texts in stored["translations"].items()
                         if language != achievement.language}
    for column, attributes in OPTIONAL_COLUMN_ATTRIBUTES.items():
        if column not in sheet.headers:
            for name in attributes:
                setattr(data, name, stored[name] if name in stored else getattr(achievement, name))
    if not any(column in sheet.headers for column in PRICE_COLUMNS):
        data.price_type, data.price_min, data.price_max = (
            achievement.price_type, achievement.price_min, achievement.price_max)


# --- Running --------------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    rows_checked: int
    problems: list[Problem]
    dry_run: bool
    created: int = 0
    updated: int = 0
    would_create: int = 0
    would_update: int = 0

    @property
    def imported(self) -> bool:
        return not self.dry_run and not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "rows_checked": self.rows_checked, "problem_count": len(self.problems),
            "problems": [p.as_dict() for p in self.problems[:MAX_REPORTED_PROBLEMS]],
            "would_create": self.would_create, "would_update": self.would_update,
        }


def _can_import(actor: User, organisation: Organisation) -> bool:
    return policies.can_create_achievement_for(actor, organisation)


def run_import(
    *, actor: User, organisation: Organisation, file: IO[bytes] | File, dry_run: bool,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check the file and, unless ``dry_run``, import it when it has no problem at all ("import
    none": any problem and nothing is written). Raises ``ImportFileError`` for a file that cannot be
    read as the template. Side effects: those of ``services.achievements_import``."""
    if not _can_import(actor, organisation):
        raise PermissionDenied(_("Only members of the institution can import its achievements."))
    return _run_sheet(actor=actor, organisation=organisation, sheet=read_rows(file), dry_run=dry_run,
                      progress=progress)


def _run_sheet(
    *, actor: User, organisation: Organisation, sheet: Sheet, dry_run: bool,
    progress: Callable[[int], None] | None,
) -> ImportReport:
    validation = validate(sheet, organisation, actor=actor, progress=progress)
    report = ImportReport(rows_checked=validation.rows_checked, problems=validation.problems, dry_run=dry_run,
                          would_create=validation.creates, would_update=validation.updates)
    if dry_run or validation.problems:
        return report
    try:
        outcome = services.achievements_import(actor=actor, organisation=organisation, items=validation.items)
    except PermissionDenied:
        raise
    except DomainError as exc:
        # Only when the data changed between the check and the write: the whole file is refused.
        report.problems = [Problem(0, "", str(exc.message))]
        return report
    report.created, report.updated = outcome.created, outcome.updated
    return report


# --- Jobs -------------------------------------------------------------------------------------------------------


def import_jobs_visible_to(user: Any) -> QuerySet[ImportJob]:
    """The jobs a user may follow: their own; operators see every job."""
    qs = ImportJob.objects.select_related("organisation", "created_by")
    if account_policies.is_operator(user):
        return qs
    if not account_policies.is_authenticated(user):
        return qs.none()
    return qs.filter(created_by=user)


def import_job_get(*, user: Any, pk: int) -> ImportJob:
    from duijie.core.errors import NotFound

    try:
        return import_jobs_visible_to(user).get(pk=pk)
    except ImportJob.DoesNotExist:
        raise NotFound() from None


def _job_set(job: ImportJob, **changes: Any) -> None:
    """The one place a job changes: written at once (outside any transaction of the import), so
    that the job page sees progress while the import runs."""
    ImportJob.objects.filter(pk=job.pk).update(**changes)
    for name, value in changes.items():
        setattr(job, name, value)


def import_job_start(
    *, actor: User, organisation: Organisation, upload: UploadedFile | File, dry_run: bool
) -> ImportJob:
    """Store the upload as a queued job and run it: in a background thread once the transaction
    commits, or at once when ``settings.IMPORT_JOBS_INLINE`` is set. Operators and members of the
    institution. Side effects: the file is stored under ``imports/``; the job's own (see
    ``import_job_run``)."""
    if not _can_import(actor, organisation):
        raise PermissionDenied(_("Only members of the institution can import its achievements."))
    size = upload.size or 0
    if size == 0:
        raise DomainError(_("The file is empty."), code="validation_error",
                          fields={"file": [_("The file is empty.")]})
    if size > MAX_IMPORT_BYTES:
        message = _("An import file may be at most 20 MB; split it into several files.")
        raise DomainError(message, code="file_too_large", fields={"file": [message]})
    upload.seek(0)
    extension = "xlsx" if upload.read(4) == b"PK\x03\x04" else "csv"
    upload.seek(0)
    original = get_valid_filename((upload.name or "import").rsplit("/", 1)[-1])[:150] or "import"
    with transaction.atomic():
        job = ImportJob(organisation=organisation, created_by=actor, dry_run=dry_run, original_name=original)
        # A generated name: the file holds contact details and must not be guessable under /media/.
        job.file.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
        job.save()
    language = translation.get_language() or settings.LANGUAGE_CODE
    if settings.IMPORT_JOBS_INLINE:
        import_job_run(job.pk, language=language)
        job.refresh_from_db()
    else:
        transaction.on_commit(lambda: _start_thread(job.pk, language))
    return job


def job_can_confirm(user: Any, job: ImportJob) -> bool:
    """Whether ``user`` may import the file of this job now: their own dry run that found no problem,
    whose file is still kept (see ``purge_import_files``)."""
    return (job.status == ImportJobStatus.DONE and job.dry_run and not job.report.get("problem_count")
            and bool(job.file) and job.created_by_id is not None and job.created_by_id == getattr(user, "pk", None))


def purge_import_files(*, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete the uploaded files of import jobs started more than ``older_than`` ago (they hold contact
    details); the jobs and their reports stay. Returns how many files were deleted."""
    cutoff = (now or timezone.now()) - older_than
    purged = 0
    jobs = ImportJob.objects.filter(created_at__lt=cutoff).exclude(file="").exclude(
        status__in=[ImportJobStatus.QUEUED, ImportJobStatus.RUNNING], created_at__gte=cutoff - timedelta(days=1))
    for job in jobs.iterator():
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")
        purged += 1
    if purged:
        logger.info("deleted the files of %d import jobs older than %s", purged, older_than)
    return purged


def import_job_confirm(*, actor: User, job: ImportJob) -> ImportJob:
    """Import the file of a dry run that found no problem (a new job with the same file).
    Side effects: those of ``import_job_start``."""
    if not job_can_confirm(actor, job):
        raise DomainError(_("Only your own dry run without problems can be imported this way."), code="invalid")
    with job.file.open("rb") as stored:
        return import_job_start(actor=actor, organisation=job.organisation,
                                upload=File(stored, name=job.original_name), dry_run=False)


def _start_thread(job_id: int, language: str) -> None:
    thread = threading.Thread(target=_run_in_thread, args=(job_id, language), name=f"duijie-import-{job_id}",
                              daemon=True)
    thread.start()


def _run_in_thread(job_id: int, language: str) -> None:
    try:
        import_job_run(job_id, language=language)
    finally:
        # The thread's own database connection: Django opens one per thread and never closes it.
        connection.close()


def import_job_run(job_id: int, *, language: str | None = None) -> ImportJob:
    """Run a queued job; a job that is not queued is left alone. Messages read in ``language``
    (default: the language the person who started it prefers).

    Steps: queued → running (``total`` set once the file is read; ``processed`` grows every
    ``PROGRESS_EVERY`` rows checked); then done (``report``, ``created``/``updated``, ``finished_at``)
    — with nothing written when it is a dry run or any row has a problem — or failed (``error``:
    the file cannot be read, the person may no longer import, or an unexpected error, which is logged).
    """
    job = ImportJob.objects.select_related("organisation", "created_by").get(pk=job_id)
    if job.status != ImportJobStatus.QUEUED:
        return job
    _job_set(job, status=ImportJobStatus.RUNNING)
    if language is None:
        language = job.created_by.preferred_language if job.created_by else settings.LANGUAGE_CODE
    with translation.override(language):
        try:
            if job.created_by is None or not _can_import(job.created_by, job.organisation):
                raise PermissionDenied(_("Only members of the institution can import its achievements."))
            with job.file.open("rb") as stored:
                sheet = read_rows(stored)
            _job_set(job, total=len(sheet.rows))
            report = _run_sheet(actor=job.created_by, organisation=job.organisation, sheet=sheet,
                                dry_run=job.dry_run, progress=lambda rows: _job_set(job, processed=rows))
        except DomainError as exc:
            _job_set(job, status=ImportJobStatus.FAILED, error=str(exc.message), finished_at=timezone.now())
            return job
        except Exception:
            logger.exception("Import job %s failed", job_id)
            _job_set(job, status=ImportJobStatus.FAILED, finished_at=timezone.now(), error=_(
                "The import stopped because of an unexpected error; nothing was imported. Please try again "
                "later or tell the platform operators."))
            return job
        _job_set(job, status=ImportJobStatus.DONE, processed=report.rows_checked, created=report.created,
                 updated=report.updated, report=report.as_json(), finished_at=timezone.now())
    return job


def job_is_stale(job: ImportJob) -> bool:
    """A job still queued or running long after it started: its process ended (a restart) before it
    finished. Its one write transaction never committed, so nothing of it was imported."""
    return job.status in IMPORT_ACTIVE_STATUSES and timezone.now() - job.created_at > STALE_JOB_AFTER


def job_is_active(job: ImportJob) -> bool:
    """Whether the job page should keep asking for news."""
    return job.status in IMPORT_ACTIVE_STATUSES and not job_is_stale(job)


def job_summary(job: ImportJob) -> str:
    """One sentence on where a job stands, e.g. "12 rows checked, 3 problems, nothing imported."."""
    report = job.report or {}
    if job_is_stale(job):
        return _("This import stopped before it finished (the server was probably restarted); nothing was "
                 "imported. Upload the file again.")
    if job.status == ImportJobStatus.QUEUED:
        return _("Waiting to start…")
    if job.status == ImportJobStatus.RUNNING:
        if not job.total:
            return _("Reading the file…")
        if job.processed >= job.total:
            return _("All %(total)s rows checked; saving…") % {"total": job.total}
        return _("Checking rows: %(processed)s of %(total)s.") % {"processed": job.processed, "total": job.total}
    if job.status == ImportJobStatus.FAILED:
        return _("Nothing imported: %(error)s") % {"error": job.error}
    rows = report.get("rows_checked", job.total)
    checked = ngettext("%(count)s row checked", "%(count)s rows checked", rows) % {"count": rows}
    problem_count = report.get("problem_count", 0)
    if problem_count:
        problems = ngettext("%(count)s problem", "%(count)s problems", problem_count) % {"count": problem_count}
        return _("%(checked)s, %(problems)s, nothing imported.") % {"checked": checked, "problems": problems}
    if job.dry_run:
        return _(
            "%(checked)s, no problems. Dry run: nothing imported; the import would create %(create)s and "
            "update %(update)s achievements."
        ) % {"checked": checked, "create": report.get("would_create", 0), "update": report.get("would_update", 0)}
    return _("%(created)s created, %(updated)s updated.") % {"created": job.created, "updated": job.updated}
