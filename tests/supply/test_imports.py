"""Bulk import of achievements from XLSX and CSV: templates, checks, the "import none" policy, jobs, API."""

from __future__ import annotations

import csv
import io
import threading
import time
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from duijie.core.errors import PermissionDenied
from duijie.supply import imports
from duijie.supply.enums import AchievementStatus, HistoryKind, ImportJobStatus
from duijie.supply.ip_numbers import cn_application_check_digit
from duijie.supply.models import Achievement, AchievementHistory, ImportJob, IPAsset
from tests.factories import AchievementFactory, MembershipFactory, OperatorFactory, UserFactory
from tests.helpers import get_counting_queries
from tests.supply.helpers import published

pytestmark = pytest.mark.django_db

IMPORT = "/hall/import/"
API = "/api/supply/imports"
HEADER = ["external_id", "title", "summary", "fields", "trl", "ip_type", "ip_number", "ip_status", "filing_date",
          "grant_date"]


@pytest.fixture(autouse=True)
def _inline_jobs(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.IMPORT_JOBS_INLINE = True
    settings.MEDIA_ROOT = tmp_path


def cn_number(body: str = "202310123456") -> str:
    """A valid Chinese invention application number with the given 12 digits."""
    return f"CN{body}.{cn_application_check_digit(body)}"


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def row(external_id: str = "A-1", title: str = "焊缝缺陷机器视觉检测系统", **values: str) -> list[str]:
    """One row under ``HEADER``; unnamed cells get values that import cleanly."""
    cells = {"external_id": external_id, "title": title, "summary": "基于深度学习的在线检测。", "fields": "ai",
             "trl": "6", "ip_type": "", "ip_number": "", "ip_status": "", "filing_date": "", "grant_date": ""}
    cells.update(values)
    return [cells[key] for key in HEADER]


def run(member: Any, data: bytes, *, dry_run: bool = False) -> imports.ImportReport:
    return imports.run_import(actor=member.user, organisation=member.organisation, file=io.BytesIO(data),
                              dry_run=dry_run)


def problems(report: imports.ImportReport) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.problem) for p in report.problems]


def file_error(data: bytes) -> str:
    with pytest.raises(imports.ImportFileError) as caught:
        imports.read_rows(io.BytesIO(data))
    return str(caught.value.message)


# --- Templates ------------------------------------------------------------------------------------------


def test_template_round_trip_through_the_page(org_admin, client_for, in_english):
    client = client_for(org_admin.user, language="en")
    response = client.get(reverse("supply:import_template", args=["xlsx"]), {"lang": "zh"})
    assert response["Content-Type"] == imports.XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="duijie-import-template-zh.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == [column.zh for column in imports.COLUMNS]
    assert sheet.cell(row=2, column=1).value == "DJ-2024-001"
    assert workbook.sheetnames[1] == "填写说明"  # the template's language, not the page's
    # The person adds a second IP asset to the example and a new achievement, and uploads it.
    second = {"外部编号": "DJ-2024-001", "知识产权类型": "软件著作权", "知识产权号": "2023SR0123456"}
    third = {"外部编号": "DJ-2024-002", "标题": "新型锂电池隔膜", "摘要": "高孔隙率隔膜。",
             "技术领域": "新材料；Computer vision", "合作方式": "技术许可; transfer", "价格类型": "面议"}
    headers = [cell.value for cell in sheet[1]]
    for values in (second, third):
        sheet.append([values.get(header, "") for header in headers])
    out = io.BytesIO()
    workbook.save(out)
    upload = SimpleUploadedFile("成果.xlsx", out.getvalue())
    response = client.post(IMPORT, {"organisation": org_admin.organisation.pk, "file": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("supply:import_job", args=[job.pk])
    assert (job.status, job.dry_run, job.total, job.processed, job.created, job.updated) == (
        ImportJobStatus.DONE, False, 3, 3, 2, 0)
    assert job.original_name == "成果.xlsx"
    first = Achievement.objects.get(external_id="DJ-2024-001")
    assert (first.title, first.status, first.language, first.trl, first.price_type, first.price_min) == (
        "一种焊缝缺陷机器视觉检测方法", AchievementStatus.DRAFT, "zh-hans", 6, "range", 500000)
    assert list(first.ip_assets.order_by("id").values_list("ip_type", "number", "status", "filing_date")) == [
        ("invention_patent", cn_number(), "filed", date(2023, 3, 1)),
        ("software_copyright", "2023SR0123456", "filed", None),
    ]
    assert [f.code for f in first.fields.all()] == ["ai.computer-vision"]
    assert first.created_by == org_admin.user and first.organisation == org_admin.organisation
    new = Achievement.objects.get(external_id="DJ-2024-002")
    assert sorted(f.code for f in new.fields.all()) == ["ai.computer-vision", "new-materials"]
    assert sorted(m.code for m in new.cooperation_modes.all()) == ["licence", "transfer"]
    assert (new.price_type, new.language, new.ip_assets.count()) == ("negotiable", "zh-hans", 0)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_csv_template_imports_as_it_is(org_admin, client_for, language, in_english):
    response = client_for(org_admin.user).get(reverse("supply:import_template", args=["csv"]), {"lang": language})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    header = next(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert header == [imports.header_for(column.key, language) for column in imports.COLUMNS]
    report = run(org_admin, response.content)
    assert (report.created, report.updated, report.problems) == (1, 0, [])
    expected = "一种焊缝缺陷机器视觉检测方法" if language == "zh" else "Machine-vision inspection of weld defects"
    assert Achievement.objects.get().title == expected


# --- Dry run, updates, encodings -----------------------------------------------------------------------


def test_dry_run_reports_and_saves_nothing(org_admin, in_english):
    data = csv_bytes([HEADER, row("A-1"), row("A-2", title="新型锂电池隔膜", fields="nope")])
    report = run(org_admin, data, dry_run=True)
    assert problems(report) == [(3, "fields", "Unknown technology field “nope”: use a code or a name from the "
                                              "reference data.")]
    clean = run(org_admin, csv_bytes([HEADER, row("A-1")]), dry_run=True)
    assert (clean.rows_checked, clean.problems, clean.would_create, clean.would_update) == (1, [], 1, 0)
    assert (clean.created, clean.imported) == (0, False)
    assert Achievement.objects.count() == 0


def test_reimport_with_the_same_external_id_updates_instead_of_duplicating(org_admin, in_english):
    first = run(org_admin, csv_bytes([HEADER, row("A-1", ip_type="invention_patent", ip_number=cn_number())]))
    assert (first.created, first.updated) == (1, 0)
    achievement = Achievement.objects.get()
    again = run(org_admin, csv_bytes([
        HEADER, row("A-1", title="焊缝缺陷检测系统（第二版）", trl="7", ip_type="utility_model",
                    ip_number=cn_number("202320123456")),
        row("A-2", title="新型锂电池隔膜"),
    ]))
    assert (again.created, again.updated, again.problems) == (1, 1, [])
    achievement.refresh_from_db()
    assert (achievement.title, achievement.trl, achievement.stage, achievement.status) == (
        "焊缝缺陷检测系统（第二版）", 7, "mature", AchievementStatus.DRAFT)
    assert list(achievement.ip_assets.values_list("ip_type", "number")) == [
        ("utility_model", cn_number("202320123456"))]
    assert Achievement.objects.filter(organisation=org_admin.organisation).count() == 2
    dry = run(org_admin, csv_bytes([HEADER, row("A-1"), row("A-3")]), dry_run=True)
    assert (dry.would_create, dry.would_update) == (1, 1)


def test_an_update_keeps_what_the_file_does_not_set(org_admin, in_english):
    from duijie.supply import services
    from duijie.taxonomy.models import CooperationMode, Industry
    from tests.supply.helpers import data, granted_patent

    industry = Industry.objects.filter(is_active=True).first()
    item = services.achievement_create(actor=org_admin.user, organisation=org_admin.organisation, data=data(
        external_id="K-1", description="详细介绍", keywords=["视觉"], modes=["transfer"], industry_ids=[industry.pk],
        attribute="secondary", financing_need="500万元", price_type="range", price_min=100000,
        translations={"en": ("Weld inspection", "Online weld inspection.")}, ip_assets=[granted_patent()]))
    report = run(org_admin, csv_bytes([["external_id", "title", "summary", "fields"],
                                       ["K-1", "新标题", "新摘要", "ai;new-materials"]]))
    assert (report.updated, report.problems) == (1, [])
    item.refresh_from_db()
    assert (item.title, item.description, item.keywords, item.attribute, item.financing_need) == (
        "新标题", "详细介绍", ["视觉"], "secondary", "500万元")
    assert (item.price_type, item.price_min, item.has_granted_patent) == ("range", 100000, True)
    assert [i.pk for i in item.industries.all()] == [industry.pk]
    assert list(item.cooperation_modes.all()) == [CooperationMode.objects.get(code="transfer")]
    assert list(item.translations.values_list("language", "title")) == [("en", "Weld inspection")]
    assert list(item.ip_assets.values_list("number", flat=True)) == [granted_patent().number]
    assert sorted(f.code for f in item.fields.all()) == ["ai", "new-materials"]
    # A column in the file, even with an empty cell, sets its field.
    run(org_admin, csv_bytes([["external_id", "title", "summary", "fields", "description", "ip_type"],
                              ["K-1", "新标题", "新摘要", "ai", "", ""]]))
    item.refresh_from_db()
    assert (item.description, item.ip_assets.count(), item.has_granted_patent) == ("", 0, False)


def test_updating_a_published_achievement_keeps_it_published_and_records_the_edit(org_admin, in_english):
    item = published(org_admin, external_id="P-1", title="旧标题")
    report = run(org_admin, csv_bytes([HEADER, row("P-1", title="新标题", trl="6")]))
    assert (report.updated, report.problems) == (1, [])
    item.refresh_from_db()
    assert (item.title, item.status) == ("新标题", AchievementStatus.PUBLISHED)
    edit = AchievementHistory.objects.get(achievement=item, kind=HistoryKind.EDIT)
    assert (edit.actor, edit.detail) == (org_admin.user, {"fields": ["title", "summary"]})


def test_an_imported_update_writes_what_achievement_update_writes(org_admin, in_english):
    from duijie.supply import services
    from tests.helpers import field_values
    from tests.supply.helpers import data, granted_patent

    by_import = published(org_admin, external_id="Q-1", ip_assets=[granted_patent()], modes=["transfer"])
    by_service = published(org_admin, external_id="Q-2", ip_assets=[granted_patent()], modes=["transfer"])
    run(org_admin, csv_bytes([HEADER, row("Q-1", title="新标题", summary="新摘要", fields="ai;new-materials",
                                          trl="3", ip_type="utility_model", ip_number=cn_number("202320123456"))]))
    ai_and_materials = data(fields=["ai", "new-materials"]).field_ids
    services.achievement_update(actor=org_admin.user, achievement=by_service, data=data(
        title="新标题", summary="新摘要", field_ids=ai_and_materials, trl=3, modes=["transfer"], external_id="Q-2",
        ip_assets=[services.IPAssetData(ip_type="utility_model", number=cn_number("202320123456"))]))
    ignored = {"id", "external_id", "updated_at", "created_at", "published_at"}
    imported, serviced = field_values(Achievement.objects.get(pk=by_import.pk)), field_values(
        Achievement.objects.get(pk=by_service.pk))
    assert {k: v for k, v in imported.items() if k not in ignored} == {
        k: v for k, v in serviced.items() if k not in ignored}
    for name in ("fields", "cooperation_modes", "ip_assets"):
        assert sorted(map(str, getattr(by_import, name).all())) == sorted(map(str, getattr(by_service, name).all()))
    history = [h.detail for h in AchievementHistory.objects.filter(kind=HistoryKind.EDIT).order_by("achievement_id")]
    assert history == [{"fields": ["title", "summary", "trl", "fields", "ip_assets"]}] * 2


def test_an_achievement_under_screening_is_not_changed(org_admin, in_english):
    AchievementFactory(organisation=org_admin.organisation, external_id="S-1", status=AchievementStatus.SUBMITTED,
                       title="审核中的成果")
    report = run(org_admin, csv_bytes([HEADER, row("S-1", title="改过的标题"), row("S-2")]))
    assert problems(report) == [(2, "external_id", "The achievement with this external id (“审核中的成果”) cannot be "
                                                   "changed while it is “Submitted for screening”.")]
    assert list(Achievement.objects.values_list("title", flat=True)) == ["审核中的成果"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_utf8_utf8_with_bom_and_gb18030(org_admin, encoding, in_english):
    data = csv_bytes([["外部编号", "标题", "摘要", "技术领域", "合作方式"],
                      ["G-1", "焊缝缺陷机器视觉检测系统", "基于深度学习的在线检测。", "人工智能", "技术转让"]], encoding)
    assert data.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    report = run(org_admin, data)
    assert (report.created, report.problems) == (1, [])
    achievement = Achievement.objects.get()
    assert (achievement.title, [f.code for f in achievement.fields.all()]) == ("焊缝缺陷机器视觉检测系统", ["ai"])
    assert [m.code for m in achievement.cooperation_modes.all()] == ["transfer"]


def test_traditional_headers_semicolons_and_labels_in_any_language(org_admin, in_english):
    lines = "外部編號;標題;摘要;技術領域;价格类型;价格下限;币种\nT-1;Welding vision;Online inspection.;Artificial intelligence;区间;1,000,000;美元\n"
    report = run(org_admin, lines.encode("utf-8"))
    assert (report.created, report.problems) == (1, [])
    achievement = Achievement.objects.get()
    assert (achievement.language, achievement.price_type, achievement.price_min, achievement.currency) == (
        "en", "range", 1000000, "USD")


# --- Files that cannot be imported ---------------------------------------------------------------------


def test_a_file_that_is_not_a_spreadsheet_gets_a_clear_error(in_english):
    message = "This file is not a spreadsheet we can read: upload the template filled in, saved as XLSX or CSV."
    assert file_error(b"%PDF-1.4 a document") == message
    assert file_error(b"\x89PNG\r\n\x1a\n....") == message
    assert file_error(b"PK\x03\x04 a zip that is no workbook") == message
    assert file_error(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old") == (
        "This is an old Excel file (.xls): save it as XLSX or CSV and upload it again.")
    assert file_error(b"Dear colleague,\nplease find attached...\n") == (
        "This does not look like an import file: none of the names in its first row is a column of the template "
        "(such as 标题 or title). Download the template and fill it in.")
    assert file_error(b"  \n") == "The file is empty."


def test_missing_columns_are_named(in_english):
    assert file_error(csv_bytes([["标题", "ip_type"], ["成果", ""]])) == (
        "Required columns are missing: 外部编号 (external_id), 摘要 (summary), 技术领域 (fields).")


def test_unknown_columns_are_named(in_english):
    assert file_error(csv_bytes([[*HEADER, "备注", "budget"], [*row(), "", "1"]])) == (
        "Unknown columns: 备注, budget. Remove them or name them as in the template.")
    assert file_error(csv_bytes([[*HEADER, ""], [*row(), "orphan value"]])) == (
        "Unknown columns: column 11 (no name). Remove them or name them as in the template.")
    assert file_error(csv_bytes([[*HEADER, "标题"], [*row(), "x"]])) == "These columns appear twice: 标题."


def test_a_bad_cn_patent_number_is_reported_and_nothing_is_imported(org_admin, in_english):
    body = "202310123456"
    wrong = "0" if cn_application_check_digit(body) != "0" else "1"
    data = csv_bytes([HEADER, row("A-1"),
                      row("A-2", title="新型锂电池隔膜", ip_type="invention_patent", ip_number=f"CN{body}.{wrong}"),
                      row("A-2", title="", ip_type="发明专利", ip_number=cn_number(), ip_status="granted")])
    report = run(org_admin, data)
    assert problems(report) == [
        (3, "ip_number", f"The check digit of CN{body}.{wrong} does not match the digits before it: one of them "
                         "is probably mistyped."),
        (4, "grant_date", "A granted invention patent needs its grant date."),
    ]
    assert (report.created, report.imported) == (0, False)
    assert Achievement.objects.count() == 0 and IPAsset.objects.count() == 0


def test_every_kind_of_row_problem_is_reported_on_its_row_and_column(org_admin, in_english):
    data = csv_bytes([HEADER, row("", title="无编号"), row("B-1", title="", summary="", fields=""),
                      row("B-2", trl="12", filing_date="2023-13-01", ip_type="专利权"),
                      row("B-3", title="x" * 301)])
    assert problems(run(org_admin, data)) == [
        (2, "external_id", "Give the external id: your own reference of the achievement."),
        (3, "title", "Give the achievement a title."),
        (3, "summary", "Write a short summary."),
        (3, "fields", "Choose at least one technology field."),
        (4, "trl", "The technology readiness level is a whole number from 1 to 9."),
        (4, "ip_type", "Unknown type of IP asset: use e.g. invention_patent, utility_model, design, "
                       "pct_application, software_copyright, ic_layout or know_how."),
        (4, "filing_date", "Enter a date as YYYY-MM-DD, e.g. 2023-03-01."),
        (5, "title", "Ensure this value has at most 300 characters (it has 301)."),
    ]


def test_duplicate_external_ids_with_different_titles_are_a_conflict(org_admin, in_english):
    data = csv_bytes([HEADER, row("D-1", title="焊缝检测"), row("D-2"), row("D-1", title="电池隔膜"),
                      row("D-1", title="", trl="3")])
    assert problems(run(org_admin, data)) == [
        (4, "title", "The external id D-1 is used on row 2 for a different title (“焊缝检测”): give each achievement "
                     "its own id."),
        (5, "trl", "Row 2 gives another value for the same external id D-1: leave this cell empty or repeat that "
                   "value."),
    ]
    assert Achievement.objects.count() == 0


def test_rows_with_the_same_external_id_add_ip_assets_to_one_achievement(org_admin, in_english):
    data = csv_bytes([HEADER, row("M-1", ip_type="invention_patent", ip_number=cn_number(), ip_status="已授权",
                                  filing_date="2023/3/1", grant_date="2024年5月6日"),
                      row("M-1", title="", summary="", fields="", trl="", ip_type="know_how"),
                      row("M-1", ip_type="pct_application", ip_number="PCT/CN2023/123456")])
    report = run(org_admin, data)
    assert (report.rows_checked, report.created, report.problems) == (3, 1, [])
    achievement = Achievement.objects.get()
    assert list(achievement.ip_assets.order_by("id").values_list("ip_type", "jurisdiction", "status", "grant_date")) == [
        ("invention_patent", "CN", "granted", date(2024, 5, 6)),
        ("know_how", "CN", "filed", None),
        ("pct_application", "WO", "filed", None),
    ]
    assert achievement.has_granted_patent is True


# --- Permission ----------------------------------------------------------------------------------------


def test_an_outsider_may_not_import_for_an_institution(org_admin, client_for, in_english):
    outsider = UserFactory()
    with pytest.raises(PermissionDenied):
        imports.run_import(actor=outsider, organisation=org_admin.organisation, file=io.BytesIO(b""), dry_run=True)
    with pytest.raises(PermissionDenied):
        imports.import_job_start(actor=outsider, organisation=org_admin.organisation,
                                 upload=SimpleUploadedFile("a.csv", csv_bytes([HEADER, row()])), dry_run=False)
    assert ImportJob.objects.count() == 0
    # The page offers only the person's own institutions; without one it sends them to their profile.
    client = client_for(outsider, language="en")
    response = client.post(IMPORT, {"organisation": org_admin.organisation.pk,
                                    "file": SimpleUploadedFile("a.csv", csv_bytes([HEADER, row()]))})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:profile")
    member_elsewhere = MembershipFactory().user
    response = client_for(member_elsewhere, language="en").post(IMPORT, {
        "organisation": org_admin.organisation.pk, "file": SimpleUploadedFile("a.csv", csv_bytes([HEADER, row()]))})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "organisation": ["Select a valid choice. That choice is not one of the available choices."]}
    assert ImportJob.objects.count() == 0 and Achievement.objects.count() == 0


def test_an_operator_imports_for_any_institution(org_admin, client_for):
    operator = OperatorFactory()
    client = client_for(operator, language="en")
    url = f"{IMPORT}?organisation={org_admin.organisation.pk}"
    assert client.get(url).status_code == 200
    client.post(url, {"organisation": org_admin.organisation.pk,
                      "file": SimpleUploadedFile("a.csv", csv_bytes([HEADER, row()]))})
    assert list(Achievement.objects.values_list("organisation", "created_by")) == [
        (org_admin.organisation.pk, operator.pk)]


# --- Jobs ------------------------------------------------------------------------------------------------


def test_a_10000_row_file_runs_as_a_job_in_reasonable_time(org_admin, in_english):
    lines = [HEADER]
    for n in range(10_000):
        lines.append(row(f"L-{n}", title=f"成果{n}", fields="ai;计算机视觉", ip_type="invention_patent",
                         ip_number=cn_number(f"2023101{n:05d}"), filing_date="2023-03-01"))
    upload = SimpleUploadedFile("big.csv", csv_bytes(lines))
    started = time.perf_counter()
    job = imports.import_job_start(actor=org_admin.user, organisation=org_admin.organisation, upload=upload,
                                   dry_run=False)
    elapsed = time.perf_counter() - started
    assert (job.status, job.total, job.processed, job.created, job.updated, job.error) == (
        ImportJobStatus.DONE, 10_000, 10_000, 10_000, 0, "")
    assert job.report == {"rows_checked": 10_000, "problem_count": 0, "problems": [], "would_create": 10_000,
                          "would_update": 0}
    assert Achievement.objects.count() == 10_000 and IPAsset.objects.count() == 10_000
    assert elapsed < 60, f"10,000 rows took {elapsed:.1f} s"
    assert imports.job_summary(job) == "10000 created, 0 updated."


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_background_thread_runs_the_job(org_admin, settings, in_english):
    settings.IMPORT_JOBS_INLINE = False
    job = imports.import_job_start(actor=org_admin.user, organisation=org_admin.organisation,
                                   upload=SimpleUploadedFile("a.csv", csv_bytes([HEADER, row()])), dry_run=False)
    # Outside a transaction the thread starts at once (on_commit runs immediately).
    thread = next(t for t in threading.enumerate() if t.name == f"duijie-import-{job.pk}")
    thread.join(timeout=30)
    job.refresh_from_db()
    assert (job.status, job.created, job.processed) == (ImportJobStatus.DONE, 1, 1)
    assert Achievement.objects.get().external_id == "A-1"


def test_a_job_with_an_unreadable_file_fails_with_the_reason(org_admin, in_english):
    job = imports.import_job_start(actor=org_admin.user, organisation=org_admin.organisation,
                                   upload=SimpleUploadedFile("scan.pdf", b"%PDF-1.4"), dry_run=True)
    assert (job.status, job.error) == (ImportJobStatus.FAILED, "This file is not a spreadsheet we can read: "
                                       "upload the template filled in, saved as XLSX or CSV.")
    assert imports.job_summary(job) == ("Nothing imported: This file is not a spreadsheet we can read: upload the "
                                        "template filled in, saved as XLSX or CSV.")


def test_job_page_shows_the_report_with_a_summary(org_admin, client_for):
    client = client_for(org_admin.user, language="en")
    data = csv_bytes([HEADER, row("A-1"), row("A-2", trl="10"), row("A-3", fields="x;y")])
    client.post(IMPORT, {"organisation": org_admin.organisation.pk, "dry_run": "on",
                         "file": SimpleUploadedFile("a.csv", data)})
    job = ImportJob.objects.get()
    response = client.get(reverse("supply:import_job", args=[job.pk]))
    assert response.templates[0].name == "supply/import_job.html"
    assert response.context["summary"] == "3 rows checked, 3 problems, nothing imported."
    assert response.context["problems"] == [
        {"row": 3, "column": "trl", "problem": "The technology readiness level is a whole number from 1 to 9."},
        {"row": 4, "column": "fields", "problem": "Unknown technology field “x”: use a code or a name from the "
                                                  "reference data."},
        {"row": 4, "column": "fields", "problem": "Unknown technology field “y”: use a code or a name from the "
                                                  "reference data."},
    ]
    html = response.content.decode()
    assert "hx-trigger" not in html and "<progress" not in html
    assert "Import this file now" not in html
    partial = client.get(reverse("supply:import_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert partial.templates[0].name == "supply/_import_job_status.html"
    assert "<html" not in partial.content.decode()


def test_a_running_job_polls_with_a_progress_bar(org_admin, client_for):
    job = ImportJob.objects.create(organisation=org_admin.organisation, created_by=org_admin.user, file="imports/x.csv",
                                   original_name="x.csv", status=ImportJobStatus.RUNNING, total=10_000, processed=2500)
    url = reverse("supply:import_job", args=[job.pk])
    response = client_for(org_admin.user, language="en").get(url, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert f'hx-get="{url}" hx-trigger="every 1s" hx-swap="outerHTML"' in html
    assert '<progress id="import-progress" class="import-progress" value="2500" max="10000">' in html
    assert response.context["summary"] == "Checking rows: 2500 of 10000."
    assert client_for(UserFactory()).get(url).status_code == 404


def test_a_job_cut_off_by_a_restart_stops_polling(org_admin, client_for):
    job = ImportJob.objects.create(organisation=org_admin.organisation, created_by=org_admin.user, file="imports/x.csv",
                                   status=ImportJobStatus.RUNNING, total=10, processed=10)
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=2))
    response = client_for(org_admin.user, language="en").get(reverse("supply:import_job", args=[job.pk]))
    assert response.context["active"] is False
    assert response.context["summary"] == ("This import stopped before it finished (the server was probably "
                                           "restarted); nothing was imported. Upload the file again.")
    assert "hx-trigger" not in response.content.decode()


def test_a_clean_dry_run_can_be_imported_from_the_job_page(org_admin, client_for):
    client = client_for(org_admin.user, language="en")
    client.post(IMPORT, {"organisation": org_admin.organisation.pk, "dry_run": "on",
                         "file": SimpleUploadedFile("a.csv", csv_bytes([HEADER, row("A-1"), row("A-2")]))})
    dry = ImportJob.objects.get()
    response = client.get(reverse("supply:import_job", args=[dry.pk]))
    assert response.context["summary"] == ("2 rows checked, no problems. Dry run: nothing imported; the import "
                                           "would create 2 and update 0 achievements.")
    assert "Import this file now" in response.content.decode()
    assert Achievement.objects.count() == 0
    response = client.post(reverse("supply:import_job_confirm", args=[dry.pk]))
    real = ImportJob.objects.exclude(pk=dry.pk).get()
    assert response["Location"] == reverse("supply:import_job", args=[real.pk])
    assert (real.dry_run, real.created, real.original_name) == (False, 2, "a.csv")
    assert client.get(reverse("supply:import_job", args=[real.pk])).context["summary"] == "2 created, 0 updated."


def test_import_page_lists_recent_jobs_without_a_query_per_job(org_admin, client_for):
    client = client_for(org_admin.user, language="en")
    ImportJob.objects.create(organisation=org_admin.organisation, created_by=org_admin.user, file="imports/1.csv")
    ImportJob.objects.create(organisation=org_admin.organisation, created_by=UserFactory(), file="imports/2.csv")
    one, response = get_counting_queries(client, IMPORT)
    assert len(response.context["jobs"]) == 1
    for _ in range(4):
        ImportJob.objects.create(organisation=org_admin.organisation, created_by=org_admin.user, file="imports/n.csv")
    five, response = get_counting_queries(client, IMPORT)
    assert len(response.context["jobs"]) == 5
    assert five == one
    html = response.content.decode()
    assert 'href="/hall/import/template.xlsx?lang=zh"' in html and 'href="/hall/import/template.csv?lang=en"' in html
    assert "Nothing is imported from a file with any problem." in html


def test_my_achievements_links_to_the_import(org_admin, client_for):
    html = client_for(org_admin.user).get(reverse("supply:my_achievements")).content.decode()
    assert f'href="{IMPORT}"' in html


# --- API ---------------------------------------------------------------------------------------------------


def test_api_imports_a_file_and_reports_the_job(org_admin, client_for, in_english):
    client = client_for(org_admin.user, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(API, {"organisation": org_admin.organisation.pk, "dry_run": "false",
                                 "file": SimpleUploadedFile("a.csv", csv_bytes([HEADER, row("A-1")]))})
    assert response.status_code == 202
    job = ImportJob.objects.get()
    body = response.json()
    assert body == {
        "id": job.pk, "organisation": {"id": org_admin.organisation.pk, "name": org_admin.organisation.display_name},
        "file_name": "a.csv", "status": "done", "dry_run": False, "total": 1, "processed": 1, "created": 1,
        "updated": 0, "problem_count": 0, "problems": [], "summary": "1 created, 0 updated.", "error": "",
        "created_at": body["created_at"], "finished_at": body["finished_at"],
    }
    assert body["finished_at"] is not None
    assert client.get(f"{API}/{job.pk}").json() == body
    assert Achievement.objects.get().external_id == "A-1"


def test_api_dry_run_reports_problems(org_admin, client_for):
    client = client_for(org_admin.user, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(API, {"organisation": org_admin.organisation.pk, "dry_run": "true",
                                 "file": SimpleUploadedFile("a.csv", csv_bytes([HEADER, row("A-1", trl="0")]))})
    body = response.json()
    assert (response.status_code, body["status"], body["dry_run"], body["problem_count"]) == (202, "done", True, 1)
    assert body["problems"] == [{"row": 2, "column": "trl",
                                 "problem": "The technology readiness level is a whole number from 1 to 9."}]
    assert body["summary"] == "1 row checked, 1 problem, nothing imported."
    assert Achievement.objects.count() == 0


def test_api_refuses_outsiders_and_hides_other_peoples_jobs(org_admin, client_for):
    outsider = client_for(UserFactory(), HTTP_ACCEPT_LANGUAGE="en")
    response = outsider.post(API, {"organisation": org_admin.organisation.pk,
                                   "file": SimpleUploadedFile("a.csv", csv_bytes([HEADER, row()]))})
    assert (response.status_code, response.json()) == (403, {
        "code": "permission_denied", "message": "Only members of the institution can import its achievements.",
        "fields": {}})
    job = ImportJob.objects.create(organisation=org_admin.organisation, created_by=org_admin.user,
                                   file="imports/x.csv")
    assert outsider.get(f"{API}/{job.pk}").status_code == 404
    assert client_for(None).get(f"{API}/{job.pk}").status_code == 401
    assert client_for(OperatorFactory()).get(f"{API}/{job.pk}").status_code == 200
    assert ImportJob.objects.count() == 1


# --- Unit level ----------------------------------------------------------------------------------------------


def test_xlsx_cells_are_read_as_the_user_sees_them(org_admin, in_english):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["X-1", "焊缝检测", "摘要", "ai", 6.0, "invention_patent", cn_number(), "filed",
                  date(2023, 3, 1), None])
    sheet.append([None] * len(HEADER))
    sheet.append(["X-2", "电池隔膜", "摘要", "new-materials", 3, "know_how", None, None,
                  datetime(2022, 5, 1, 9, 30), None])
    out = io.BytesIO()
    workbook.save(out)
    parsed = imports.read_rows(io.BytesIO(out.getvalue()))
    assert [(number, values["external_id"], values["trl"], values["filing_date"]) for number, values in parsed.rows] == [
        (2, "X-1", "6", "2023-03-01"), (4, "X-2", "3", "2022-05-01 09:30:00")]
    report = run(org_admin, out.getvalue())
    assert (report.created, report.problems) == (2, [])
    assert IPAsset.objects.get(ip_type="know_how").filing_date == date(2022, 5, 1)


def test_a_file_with_too_many_rows_is_refused(monkeypatch, in_english):
    monkeypatch.setattr(imports, "MAX_IMPORT_ROWS", 2)
    assert imports.read_rows(io.BytesIO(csv_bytes([HEADER, row("A-1"), row("A-2")]))).rows[1][0] == 3
    assert file_error(csv_bytes([HEADER, row("A-1"), row("A-2"), row("A-3")])) == (
        "A file may hold at most 2 rows; split it into several files.")



def test_old_import_files_are_deleted_and_the_jobs_kept(org_admin, in_english):
    import os
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    job = imports.import_job_start(actor=org_admin.user, organisation=org_admin.organisation,
                                   upload=SimpleUploadedFile("a.csv", csv_bytes([HEADER, row()])), dry_run=True)
    path = job.file.path
    assert os.path.exists(path) and imports.job_can_confirm(org_admin.user, job)
    report = job.report
    assert imports.purge_import_files(older_than=timedelta(days=30)) == 0
    later = timezone.now() + timedelta(days=31)
    assert imports.purge_import_files(older_than=timedelta(days=30), now=later) == 1
    job.refresh_from_db()
    assert not job.file and not os.path.exists(path)
    assert job.report == report and job.status == ImportJobStatus.DONE  # the job and its report stay
    assert not imports.job_can_confirm(org_admin.user, job)  # nothing left to import
    assert imports.purge_import_files(older_than=timedelta(days=30), now=later) == 0
    out = io.StringIO()
    call_command("purge_import_files", "--days", "7", stdout=out)
    assert out.getvalue().strip() == "0 import file(s) older than 7 days deleted."


def test_spreadsheets_are_parsed_with_defusedxml():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True
