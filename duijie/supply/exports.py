"""The hall's current filter as a spreadsheet (XLSX) or CSV, in the reader's language.

Only what the hall shows is exported: the rows come from ``selectors.hall_results``, and contact
details never leave the detail page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _

from duijie.supply.display import localised

MAX_EXPORT_ROWS = 10_000


def _headers() -> list[str]:
    return [_("Id"), _("Title"), _("Summary"), _("Language"), _("Institution"), _("Country or region"),
            _("Technology fields"), _("TRL"), _("Stage"), _("Cooperation modes"), _("Asking price"),
            _("Currency"), _("Granted patent"), _("Views"), _("Published"), _("Link")]


def _rows(achievements: Iterable[Any], site_url: str) -> Iterator[list[Any]]:
    for achievement in achievements:
        card = localised(achievement)
        if achievement.price_type == "negotiable":
            price = _("Negotiable")
        else:
            price = f"{achievement.price_min or ''}" + (f" – {achievement.price_max}" if achievement.price_max else "")
        yield [
            achievement.pk, card.title, card.summary, card.language, achievement.organisation.display_name,
            achievement.organisation.country.label if achievement.organisation.country_id else "",
            "; ".join(f.label for f in achievement.fields.all()), achievement.trl or "", achievement.stage,
            "; ".join(m.label for m in achievement.cooperation_modes.all()), price, achievement.currency,
            _("Yes") if achievement.has_granted_patent else _("No"), achievement.view_count,
            achievement.published_at.date().isoformat() if achievement.published_at else "",
            f"{site_url}/hall/achievements/{achievement.pk}/",
        ]


def export_csv(achievements: Iterable[Any], *, site_url: str) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_headers())
    writer.writerows(_rows(achievements, site_url))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(achievements: Iterable[Any], *, site_url: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = _("Achievements")[:31]
    sheet.append(_headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _rows(achievements, site_url):
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHIJKLMNOP", (8, 40, 60, 8, 28, 14, 28, 6, 8, 24, 18, 8, 10, 8, 12, 40), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
