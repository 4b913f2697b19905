"""Import demands from XLSX or CSV (征集 in bulk): a template with Chinese or English headers, a dry
run with a report per row (row, column, problem), then the import.

Reading (XLSX/CSV by content; UTF-8, UTF-8 with BOM or GB18030) and the cell parsers are the
achievement import's (``supply.imports``). Import none: a file with any problem imports nothing.
Re-importing an external id updates that demand while it is still "collected"; later it is refused
(the platform has screened it). Imported demands start "collected" and are submitted by the
enterprise like any other.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import IO

from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duijie.accounts.models import Organisation, User
from duijie.core.errors import PermissionDenied
from duijie.demand import policies, services
from duijie.demand.enums import DemandSource, DemandStatus
from duijie.demand.models import Demand
from duijie.supply.imports import Column, Problem, Sheet, _norm, _reference, _RowChecker, read_rows
from duijie.taxonomy.models import CooperationMode, TechField

COLUMNS: tuple[Column, ...] = (
    Column("external_id", "外部编号", gettext_lazy(
        "Your own reference, at most 64 characters. Importing the same id again updates the demand while it "
        "is still collected."), required=True),
    Column("title", "标题", gettext_lazy("At most 200 characters."), required=True),
    Column("summary", "摘要", gettext_lazy("At most 1,000 characters; everyone sees it."), required=True),
    Column("language", "语言", gettext_lazy("zh-hans, zh-hant, en or ru. Empty: zh-hans.")),
    Column("confidentiality", "保密级别", gettext_lazy("公开 / public, 仅摘要 / summary or 不公开 / private. Empty: public.")),
    Column("problem", "技术难题", gettext_lazy("The technical problem.")),
    Column("description", "需求描述", gettext_lazy("Further description.")),
    Column("indicators", "目标指标", gettext_lazy(
        "Target indicators separated by ;, each “name = value unit”, e.g. 良品率 = 99.5 %.")),
    Column("fields", "技术领域", gettext_lazy("Technology field codes or names, separated by ;"), required=True),
    Column("cooperation_modes", "合作方式", gettext_lazy("Cooperation mode codes or names, separated by ;")),
    Column("trl_needed", "所需技术成熟度", gettext_lazy("A whole number from 1 to 9.")),
    Column("budget_min", "预算下限", gettext_lazy("Empty: negotiable.")),
    Column("budget_max", "预算上限", gettext_lazy("The upper end of the budget.")),
    Column("currency", "币种", gettext_lazy("CNY, USD, EUR, GBP or RUB. Empty: CNY.")),
    Column("deadline", "截止日期", gettext_lazy("YYYY-MM-DD.")),
    Column("contact_name", "联系人", gettext_lazy("Seen by the platform and assigned brokers only.")),
    Column("contact_phone", "联系电话", gettext_lazy("Seen by the platform and assigned brokers only.")),
    Column("contact_email", "联系邮箱", gettext_lazy("Seen by the platform and assigned brokers only.")),
)
ALIASES = {"external id": "external_id", "field": "fields", "trl": "trl_needed", "deadline date": "deadline"}
TIERS = {"公开": "public", "public": "public", "仅摘要": "summary", "摘要": "summary", "summary": "summary",
         "summary-only": "summary", "不公开": "private", "保密": "private", "private": "private"}
LANGUAGES = {"zh-hans": "zh-hans", "zh": "zh-hans", "中文": "zh-hans", "zh-hant": "zh-hant", "繁体": "zh-hant",
             "en": "en", "english": "en", "英文": "en", "ru": "ru", "俄文": "ru"}
CURRENCIES = {"cny": "CNY", "人民币": "CNY", "rmb": "CNY", "usd": "USD", "美元": "USD", "eur": "EUR", "欧元": "EUR",
              "gbp": "GBP", "英镑": "GBP", "rub": "RUB", "卢布": "RUB"}


def header(column: Column, language: str) -> str:
    return column.zh if language == "zh" else column.key


EXAMPLE = ["DM-2026-001", "高精度极片激光切割", "寻求高速、低毛刺的极片切割方案。", "zh-hans", "公开",
                     "毛刺超过 10 微米", "", "切割速度 = 60 m/min; 毛刺 = 5 μm", "储能与动力电池", "合作开发", "6",
           "500000", "1000000", "CNY", "", "王工", "", "wang@example.com"]


def template_csv(language: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header(c, language) for c in COLUMNS])
    writer.writerow(EXAMPLE)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # with a BOM, so that Excel opens it as UTF-8


def template_xlsx(language: str) -> bytes:
    """The same template as a workbook, with each column's explanation as a comment on its header."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "需求" if language == "zh" else "Demands"
    sheet.append([header(c, language) for c in COLUMNS])
    sheet.append(EXAMPLE)
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=column.required)
        cell.comment = Comment(str(column.help), "Duijie")
        sheet.column_dimensions[cell.column_letter].width = max(12, len(cell.value) * 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class Report:
    rows_checked: int
    problems: list[Problem]
    items: list[services.DemandData]
    updates: dict[str, Demand]
    created: int = 0
    updated: int = 0


def _parse(sheet: Sheet, organisation: Organisation) -> Report:
    problems: list[Problem] = []
    items: list[services.DemandData] = []
    fields, modes = _reference(TechField), _reference(CooperationMode)
    seen: dict[str, int] = {}
    existing = {d.external_id: d for d in Demand.objects.filter(
        organisation=organisation, external_id__in=[v.get("external_id", "") for _n, v in sheet.rows])}
    updates: dict[str, Demand] = {}
    for row, values in sheet.rows:
        check = _RowChecker(sheet, row, problems)
        before = len(problems)
        external_id = values.get("external_id", "").strip()
        if not external_id:
            check.add("external_id", _("Give each demand an external id."))
        elif len(external_id) > 64:
            check.add("external_id", _("At most 64 characters."))
        elif external_id in seen:
            check.add("external_id", _("The same id is on row %(row)d already.") % {"row": seen[external_id]})
        else:
            seen[external_id] = row
        if external_id in existing:
            if existing[external_id].status != DemandStatus.COLLECTED:
                check.add("external_id", _("This demand is past screening: it can no longer be updated by import."))
            else:
                updates[external_id] = existing[external_id]
        tier = TIERS.get(_norm(values.get("confidentiality", "")) or "public")
        if tier is None:
            check.add("confidentiality", _("Write 公开 / public, 仅摘要 / summary or 不公开 / private."))
        language = LANGUAGES.get(_norm(values.get("language", "")).replace("_", "-") or "zh-hans")
        if language is None:
            check.add("language", _("Write zh-hans, zh-hant, en or ru."))
        currency = CURRENCIES.get(_norm(values.get("currency", "")) or "cny")
        if currency is None:
            check.add("currency", _("Write CNY, USD, EUR, GBP or RUB."))
        field_ids = check.codes("fields", values.get("fields", ""), fields, _("Unknown technology field: %(name)s"))
        if not field_ids and not values.get("fields", "").strip():
            check.add("fields", _("Give at least one technology field."))
        mode_ids = check.codes("cooperation_modes", values.get("cooperation_modes", ""), modes,
                               _("Unknown cooperation mode: %(name)s"))
        trl_text = values.get("trl_needed", "").strip()
        trl = int(trl_text) if trl_text.isdigit() else None
        if trl_text and (trl is None or not 1 <= trl <= 9):
            check.add("trl_needed", _("The technology readiness level is a whole number from 1 to 9."))
        budget_min, budget_max = check.decimal("budget_min", values.get("budget_min", "")), check.decimal(
            "budget_max", values.get("budget_max", ""))
        deadline = check.date("deadline", values.get("deadline", ""))
        indicators = []
        for part in filter(None, (p.strip() for p in values.get("indicators", "").replace("；", ";").split(";"))):
            name, sep, rest = part.partition("=")
            value, _space, unit = rest.strip().partition(" ")
            if not sep or not name.strip() or not value.strip():
                check.add("indicators", _("Write each indicator as “name = value unit”: %(part)s") % {"part": part})
            else:
                indicators.append(services.IndicatorData(name.strip(), value.strip(), unit.strip()))
        data = services.DemandData(
            title=values.get("title", ""), summary=values.get("summary", ""), language=language or "zh-hans",
            confidentiality=tier or "public", problem=values.get("problem", ""),
            description=values.get("description", ""), indicators=indicators, field_ids=field_ids,
            cooperation_mode_ids=mode_ids, trl_needed=trl, budget_type="range" if budget_min is not None
            else "negotiable", budget_min=budget_min, budget_max=budget_max, currency=currency or "CNY",
            deadline=deadline, contact_name=values.get("contact_name", ""),
            contact_phone=values.get("contact_phone", ""), contact_email=values.get("contact_email", ""),
            external_id=external_id)
        # The service's own checks, for the columns not reported above already.
        reported = {p.column for p in problems[before:]}
        keys = {c.key for c in COLUMNS}
        for name, messages in services.demand_data_errors(data=data).items():
            key = {"field_ids": "fields", "cooperation_mode_ids": "cooperation_modes"}.get(name, name).split(".")[0]
            if key not in keys:
                key = "indicators" if name.startswith("indicators") else ""
            if sheet.headers.get(key, key) not in reported:
                for message in messages:
                    check.add(key, message)
        items.append(data)
    return Report(rows_checked=len(sheet.rows), problems=problems, items=items, updates=updates)


def demands_import(*, actor: User, organisation: Organisation, upload: IO[bytes] | File,
                   dry_run: bool) -> Report:
    """Check the file; unless ``dry_run`` and if no row has a problem, write every demand in one
    transaction (import none on any problem). Raises ``ImportFileError`` for a file that is not the
    template, ``PermissionDenied`` for someone who may not add demands for ``organisation``."""
    if not policies.can_create_demand_for(actor, organisation):
        raise PermissionDenied(_("Demands are added by members of the enterprise, commissioners and operators."))
    sheet = read_rows(upload, COLUMNS, ALIASES)
    report = _parse(sheet, organisation)
    if dry_run or report.problems:
        return report
    with transaction.atomic():
        for data in report.items:
            demand = report.updates.get(data.external_id)
            if demand is None:
                services.demand_create(actor=actor, organisation=organisation, data=data, source=DemandSource.IMPORT)
                report.created += 1
            else:
                services.demand_update(actor=actor, demand=demand, data=data)
                report.updated += 1
    return report

