"""Importing demands: the template, the dry run's report per row, import none, updates by id, bad files."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from duijie.core.errors import DomainError, PermissionDenied
from duijie.demand import imports
from duijie.demand.models import Demand
from tests.demand.helpers import in_screening
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HEADER = ["外部编号", "标题", "摘要", "保密级别", "技术领域", "目标指标", "所需技术成熟度", "预算下限", "截止日期"]


def csv_file(rows: list[list[str]], encoding: str = "utf-8") -> SimpleUploadedFile:
    text = "\n".join(",".join(row) for row in [HEADER, *rows])
    return SimpleUploadedFile("demands.csv", text.encode(encoding))


def good(external_id: str = "D-1", **overrides: str) -> list[str]:
    values = {"外部编号": external_id, "标题": "焊缝缺陷在线检测", "摘要": "寻求在线检测方案。", "保密级别": "仅摘要",
              "技术领域": "人工智能; new-materials", "目标指标": "检出率 = 95 %; 误报率 = 2 %", "所需技术成熟度": "6",
              "预算下限": "500000", "截止日期": ""}
    values.update(overrides)
    return [values[h] for h in HEADER]


def test_the_template_reads_back_as_a_valid_file(org_admin, in_english):
    report = imports.demands_import(actor=org_admin.user, organisation=org_admin.organisation,
                                    upload=io.BytesIO(imports.template_csv("zh")), dry_run=True)
    assert report.problems == [] and report.rows_checked == 1
    report = imports.demands_import(actor=org_admin.user, organisation=org_admin.organisation,
                                    upload=io.BytesIO(imports.template_csv("en")), dry_run=True)
    assert report.problems == []
    for language in ("zh", "en"):
        report = imports.demands_import(actor=org_admin.user, organisation=org_admin.organisation,
                                        upload=io.BytesIO(imports.template_xlsx(language)), dry_run=True)
        assert report.problems == [] and report.rows_checked == 1


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_good_file_imports_every_row_in_every_encoding(org_admin, encoding):
    report = imports.demands_import(actor=org_admin.user, organisation=org_admin.organisation,
                                    upload=csv_file([good("D-1"), good("D-2", 保密级别="公开")], encoding),
                                    dry_run=False)
    assert (report.created, report.updated, report.problems) == (2, 0, [])
    first = Demand.objects.get(external_id="D-1")
    assert (first.status, first.source, first.confidentiality, first.trl_needed, first.budget_type) == (
        "collected", "import", "summary", 6, "range")
    assert list(first.indicators.values_list("name", "value", "unit")) == [("检出率", "95", "%"), ("误报率", "2", "%")]
    assert sorted(first.fields.values_list("code", flat=True)) == ["ai", "new-materials"]


def test_a_file_with_a_problem_imports_nothing_and_reports_each(org_admin, in_english):
    rows = [good("D-1"), good("D-1"), good("D-3", 技术领域="不存在的领域", 所需技术成熟度="12"),
            good("D-4", 目标指标="没有等号", 保密级别="绝密", 标题="")]
    report = imports.demands_import(actor=org_admin.user, organisation=org_admin.organisation, upload=csv_file(rows),
                                    dry_run=False)
    assert Demand.objects.count() == 0
    found = {(p.row, p.column) for p in report.problems}
    assert {(3, "外部编号"), (4, "技术领域"), (4, "所需技术成熟度"), (5, "目标指标"), (5, "保密级别")} <= found
    assert any(p.row == 5 and "title" in p.problem.lower() for p in report.problems)


def test_reimporting_updates_a_collected_demand_and_refuses_a_screened_one(org_admin):
    imports.demands_import(actor=org_admin.user, organisation=org_admin.organisation, upload=csv_file([good("D-1")]),
                           dry_run=False)
    report = imports.demands_import(actor=org_admin.user, organisation=org_admin.organisation,
                                    upload=csv_file([good("D-1", 标题="新标题")]), dry_run=False)
    assert (report.created, report.updated) == (0, 1)
    assert Demand.objects.get().title == "新标题"
    screened = in_screening(org_admin, external_id="D-9")
    report = imports.demands_import(actor=org_admin.user, organisation=org_admin.organisation,
                                    upload=csv_file([good("D-9")]), dry_run=False)
    assert report.problems and Demand.objects.get(pk=screened.pk).title != "焊缝缺陷在线检测"


@pytest.mark.parametrize(("content", "name"), [
    (b"%PDF-1.4 not a sheet", "scan.pdf"),
    ("名称,其他\nA,B".encode(), "other.csv"),
    ("外部编号,标题\nD-1,T".encode(), "missing.csv"),
    (b"", "empty.csv"),
])
def test_wrong_files_are_refused_as_a_whole(org_admin, content, name):
    with pytest.raises(DomainError) as refused:
        imports.demands_import(actor=org_admin.user, organisation=org_admin.organisation,
                               upload=SimpleUploadedFile(name, content), dry_run=True)
    assert refused.value.code == "import_file"


def test_xlsx_files_are_read_too_and_outsiders_cannot_import(org_admin):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(good("X-1"))
    out = io.BytesIO()
    book.save(out)
    report = imports.demands_import(actor=org_admin.user, organisation=org_admin.organisation,
                                    upload=SimpleUploadedFile("d.xlsx", out.getvalue()), dry_run=False)
    assert report.created == 1
    with pytest.raises(PermissionDenied):
        imports.demands_import(actor=UserFactory(), organisation=org_admin.organisation,
                               upload=csv_file([good()]), dry_run=True)


def test_the_import_page_runs_a_dry_run_then_imports(org_admin, client_for):
    c = client_for(org_admin.user, language="en")
    page = c.post(reverse("demand:import"), {"organisation": org_admin.organisation.pk, "dry_run": "on",
                                             "file": csv_file([good("D-1")])})
    assert page.context["report"].problems == [] and Demand.objects.count() == 0
    done = c.post(reverse("demand:import"), {"organisation": org_admin.organisation.pk,
                                             "file": csv_file([good("D-1")])})
    assert done.status_code == 302 and Demand.objects.count() == 1
    template = c.get(reverse("demand:import_template") + "?lang=en")
    assert template.content.decode("utf-8-sig").startswith("external_id,title,summary")


def test_the_api_imports_with_the_same_rules(org_admin, client_for):
    c = client_for(org_admin.user, language="en")
    dry = c.post("/api/demand/demands/import", {"enterprise": org_admin.organisation.pk, "dry_run": "true",
                                                "file": csv_file([good("D-1"), good("D-1")])})
    assert dry.status_code == 200, dry.content
    body = dry.json()
    assert (body["rows_checked"], body["imported"], body["problems"][0]["row"]) == (2, False, 3)
    done = c.post("/api/demand/demands/import", {"enterprise": org_admin.organisation.pk,
                                                 "file": csv_file([good("D-1")])})
    assert done.json()["created"] == 1 and done.json()["imported"] is True
    assert client_for(UserFactory()).post("/api/demand/demands/import", {
        "enterprise": org_admin.organisation.pk, "file": csv_file([good()])}).status_code == 403
