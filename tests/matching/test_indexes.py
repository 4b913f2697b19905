"""The matching indexes' lifecycle: built from the database, persisted, updated incrementally on
publish, edit and archive, rebuilt in the background with progress while readers go on."""

from __future__ import annotations

import dataclasses
import json
import threading
from pathlib import Path

import pytest

from duijie.matching import indexes
from duijie.supply import services as supply_services
from tests.factories import AdminMembershipFactory, OperatorFactory
from tests.supply.helpers import data, published

pytestmark = pytest.mark.django_db


def _found(text: str) -> list[str]:
    hits, _plan = indexes.achievements().search(text, 10)
    return [h.id for h in hits]


def _folder() -> Path:
    return indexes.root() / "achievements"


def test_the_index_is_built_on_first_use_and_kept_on_disk():
    item = published(title="锂电池极片激光切割", summary="高速激光切割，毛刺小。")
    assert _found("激光切割") == [str(item.pk)]
    folder = _folder()
    generation = (folder / "CURRENT").read_text()
    state = json.loads((folder / generation / "state.json").read_text())
    assert state["docs"] == 1
    assert sorted(p.name for p in (folder / generation).iterdir() if p.is_dir()) == ["en", "zh"]
    # Another process (here: this one, forgetting its handles) opens the same generation, no rebuild.
    indexes.reset()
    assert _found("激光切割") == [str(item.pk)]
    assert (folder / "CURRENT").read_text() == generation


def test_publish_edit_and_archive_reach_the_next_query():
    owner = AdminMembershipFactory()
    operator = OperatorFactory()
    first = published(owner, operator, title="焊缝缺陷机器视觉检测", summary="在线检测焊缝气孔。")
    assert _found("焊缝") == [str(first.pk)]
    generation = (_folder() / "CURRENT").read_text()

    second = published(owner, operator, title="焊缝跟踪激光传感器", summary="激光视觉引导焊接机器人。")
    assert sorted(_found("焊缝")) == sorted([str(first.pk), str(second.pk)])

    supply_services.achievement_update(actor=owner.user, achievement=second,
                                       data=data(title="农业无人机植保系统", summary="提高喷洒均匀度。", keywords=[]))
    assert _found("焊缝") == [str(first.pk)]
    assert _found("无人机植保") == [str(second.pk)]

    supply_services.achievement_transition(actor=operator, achievement=first, name="archive")
    assert _found("焊缝") == []
    # Withdrawn from the hall (returned to its institution for changes): gone too.
    supply_services.achievement_transition(actor=operator, achievement=second, name="return", reason="补充数据")
    assert _found("无人机植保") == []
    # All of it applied to the same generation: incremental, not rebuilt.
    assert (_folder() / "CURRENT").read_text() == generation
    state = json.loads((_folder() / generation / "state.json").read_text())
    assert state["docs"] == 0


def test_another_process_sees_a_change_applied_by_one():
    owner, operator = AdminMembershipFactory(), OperatorFactory()
    published(owner, operator, title="焊缝缺陷机器视觉检测", summary="在线检测焊缝气孔。")
    reader = indexes.achievements()  # "process" A keeps this index open
    indexes.reset()  # "process" B: a handle of its own on the same folder
    item = published(owner, operator, title="固态电池电解质", summary="硫化物固态电解质。")
    assert _found("固态电解质") == [str(item.pk)]  # B applied the change
    reader.store.refresh(force=True)  # A at its next search (at most REFRESH_SECONDS later)
    assert [h.id for h in reader.search("固态电解质", 10)[0]] == [str(item.pk)]


def test_an_index_of_another_database_is_rebuilt():
    item = published(title="锂电池极片激光切割", summary="高速激光切割。")
    assert _found("激光切割") == [str(item.pk)]
    folder = _folder()
    generation = (folder / "CURRENT").read_text()
    state_file = folder / generation / "state.json"
    state = json.loads(state_file.read_text())
    state_file.write_text(json.dumps({**state, "revision": state["revision"] + 100, "stamp": "elsewhere"}))
    indexes.reset()
    assert _found("激光切割") == [str(item.pk)]
    assert (folder / "CURRENT").read_text() != generation


def test_a_full_rebuild_reports_progress_and_switches_generation(monkeypatch):
    monkeypatch.setattr(indexes, "PROGRESS_EVERY", 2)
    owner, operator = AdminMembershipFactory(), OperatorFactory()
    items = [published(owner, operator, title=f"激光焊接工艺 {n}", summary="激光焊接。") for n in range(5)]
    assert len(_found("激光焊接")) == 5
    before = (_folder() / "CURRENT").read_text()
    seen: list[tuple[str, int, int]] = []
    status = indexes.rebuild(background=False, requested_by="operator@example.org",
                             progress=lambda s: seen.append((s.state, s.done, s.total)))
    assert (status.state, status.done, status.total, status.percent) == ("done", 5, 5, 100)
    assert seen == [("running", 2, 5), ("running", 4, 5), ("done", 5, 5)]
    assert (_folder() / "CURRENT").read_text() == status.generation != before
    on_disk = json.loads((_folder() / "status.json").read_text())
    assert (on_disk["state"], on_disk["done"], on_disk["requested_by"]) == ("done", 5, "operator@example.org")
    assert sorted(_found("激光焊接")) == sorted(str(i.pk) for i in items)


def test_a_failed_build_keeps_the_live_generation(monkeypatch):
    item = published(title="锂电池极片激光切割", summary="高速激光切割。")
    assert _found("激光切割") == [str(item.pk)]
    before = (_folder() / "CURRENT").read_text()

    def broken(_achievement):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(indexes, "achievement_doc", broken)
    status = indexes.rebuild(background=False)
    assert (status.state, status.error) == ("failed", "RuntimeError: disk full")
    assert (_folder() / "CURRENT").read_text() == before
    monkeypatch.undo()
    assert _found("激光切割") == [str(item.pk)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_searches_during_a_background_rebuild_never_fail():
    owner, operator = AdminMembershipFactory(), OperatorFactory()
    wanted = published(owner, operator, title="锂电池极片激光切割", summary="高速激光切割，毛刺小。")
    for n in range(30):
        published(owner, operator, title=f"农业无人机植保系统 {n}", summary="提高喷洒均匀度。")
    assert _found("激光切割") == [str(wanted.pk)]
    errors: list[BaseException] = []
    results: list[list[str]] = []
    stop = threading.Event()

    def read() -> None:
        from django.db import connection

        try:
            while not stop.is_set():
                results.append(_found("激光切割"))
        except BaseException as exc:  # any error at all is the failure under test
            errors.append(exc)
        finally:
            connection.close()  # the thread's own connection

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        for _ in range(3):
            status = indexes.rebuild(background=True)
            assert status.state == "running"
            for _wait in range(600):
                if indexes.status().state != "running":
                    break
                threading.Event().wait(0.05)
            assert indexes.status().state == "done"
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert errors == []
    assert results and all(found == [str(wanted.pk)] for found in results)
    assert dataclasses.asdict(indexes.status())["done"] == 31


def _wait_for_build() -> indexes.Status:
    for _wait in range(600):
        status = indexes.status()
        if status.state != "running":
            return status
        threading.Event().wait(0.05)
    raise AssertionError("the build did not finish")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_operators_see_the_index_and_rebuild_it_from_the_page(client_for):
    from django.urls import reverse

    from tests.factories import BrokerFactory, UserFactory

    operator = OperatorFactory()
    published(AdminMembershipFactory(), operator, title="锂电池极片激光切割", summary="高速激光切割。")
    _found("激光切割")
    page = client_for(operator, language="en").get(reverse("matching:index"))
    assert page.status_code == 200
    assert page.context["overview"].docs == 1
    assert page.context["overview"].revision == page.context["overview"].hall_revision
    assert "up to date" in page.content.decode()
    for outsider in (UserFactory(), BrokerFactory()):
        assert client_for(outsider).get(reverse("matching:index")).status_code == 403
        assert client_for(outsider).post(reverse("matching:index_rebuild")).status_code in (302, 403)
    assert client_for(None).get(reverse("matching:index")).status_code == 302  # to sign in
    before = (_folder() / "CURRENT").read_text()
    answer = client_for(operator, language="en").post(reverse("matching:index_rebuild"))
    assert answer.status_code == 302
    status = _wait_for_build()
    assert (status.state, status.done, status.requested_by) == ("done", 1, operator.email)
    assert (_folder() / "CURRENT").read_text() == status.generation != before
    part = client_for(operator, language="en").get(reverse("matching:index"), HTTP_HX_REQUEST="true")
    assert part.templates[0].name == "matching/_index_status.html"
    assert "1 of 1 achievements" in part.content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_index_api_for_operators_only(client_for):
    from tests.factories import ApiTokenFactory, UserFactory

    operator = OperatorFactory()
    published(AdminMembershipFactory(), operator, title="锂电池极片激光切割", summary="高速激光切割。")
    ApiTokenFactory(user=operator, raw_token="dj_index-operator")
    ApiTokenFactory(user=UserFactory(), raw_token="dj_index-member")
    as_operator = {"HTTP_AUTHORIZATION": "Bearer dj_index-operator"}
    as_member = {"HTTP_AUTHORIZATION": "Bearer dj_index-member"}
    c = client_for(None)
    assert c.get("/api/matching/index").status_code == 401
    assert c.get("/api/matching/index", **as_member).status_code == 403
    assert c.post("/api/matching/index/rebuild", **as_member).status_code == 403
    started = c.post("/api/matching/index/rebuild", **as_operator)
    assert started.status_code == 202
    assert started.json()["state"] == "running"
    assert _wait_for_build().state == "done"
    body = c.get("/api/matching/index", **as_operator).json()
    assert (body["backend"], body["docs"], body["build"]["state"], body["build"]["done"], body["build"]["percent"]) == (
        "tantivy", 1, "done", 1, 100)
    assert body["revision"] == body["hall_revision"]


def test_the_index_command_rebuilds_and_reports():
    from io import StringIO

    from django.core.management import call_command

    published(title="锂电池极片激光切割", summary="高速激光切割。")
    out, err = StringIO(), StringIO()
    call_command("match_index", "--rebuild", stdout=out, stderr=err)
    assert out.getvalue().startswith("built gen-")
    assert " 1 achievements in " in out.getvalue()
    shown = StringIO()
    call_command("match_index", stdout=shown)
    state = json.loads(shown.getvalue())
    assert (state["backend"], state["docs"], state["build"]["state"]) == ("tantivy", 1, "done")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_demand_page_says_matches_come_once_the_first_build_is_done(client_for, monkeypatch):
    from django.urls import reverse

    from tests.demand.helpers import published as published_demand

    monkeypatch.setattr(indexes, "INLINE_BUILD_LIMIT", 0)  # a hall too large to index in a request
    owner, operator = AdminMembershipFactory(), OperatorFactory()
    item = published(AdminMembershipFactory(), operator, title="锂电池极片激光切割", summary="高速激光切割。")
    demand = published_demand(owner, operator, title="激光切割锂电池极片", summary="寻求高速激光切割方案。")
    url = reverse("demand:detail", args=[demand.pk])
    with indexes._Files(_folder()).lock("build", wait=True):  # the build waits for us
        page = client_for(owner.user, language="en").get(url)
        assert page.context["recommendations"] == []
        assert page.context["matching_building"].state == "running"
        assert "once the exhibition hall's index is built (0% done)" in page.content.decode()
    assert _wait_for_build().state == "done"
    page = client_for(owner.user, language="en").get(url)
    assert [r.achievement for r in page.context["recommendations"]] == [item]
    assert page.context["matching_building"] is None


def test_the_board_index_follows_publish_edit_and_withdraw_without_a_rebuild():
    from duijie.demand import services as demand_services
    from tests.demand.helpers import data as demand_data
    from tests.demand.helpers import published as published_demand

    def board_found(text: str) -> list[str]:
        return [h.id for h in indexes.board().search(text, 10)[0]]

    owner, operator = AdminMembershipFactory(), OperatorFactory()
    first = published_demand(owner, operator, title="焊缝缺陷在线检测", summary="寻求焊缝缺陷的机器视觉检测方案。")
    assert board_found("焊缝缺陷") == [str(first.pk)]
    board = indexes.board()
    second = published_demand(owner, operator, title="农业无人机植保", summary="提高喷洒均匀度。")
    assert board_found("无人机植保") == [str(second.pk)]
    demand_services.demand_update(actor=operator, demand=second,
                                  data=demand_data(title="固态电池电解质", summary="寻求硫化物固态电解质。"))
    assert (board_found("无人机植保"), board_found("固态电解质")) == ([], [str(second.pk)])
    demand_services.demand_transition(actor=owner.user, demand=first, name="withdraw")
    assert board_found("焊缝缺陷") == []
    assert indexes.board() is board  # the same index throughout, brought up to date


def test_an_edit_keeps_the_language_found():
    """tantivy counts a replaced document in a term's frequency until its segment merges: an edit must
    not turn the term's weight negative and hide the language's documents."""
    owner, operator = AdminMembershipFactory(), OperatorFactory()
    published(owner, operator, title="锂电池极片激光切割", summary="高速激光切割。")
    english = [published(owner, operator, title=f"Solid-state electrolyte {n}", language="en", keywords=["electrolyte"],
                         summary="A sulfide solid electrolyte for batteries.") for n in range(6)]
    assert sorted(_found("electrolyte")) == sorted(str(a.pk) for a in english)
    supply_services.achievement_update(actor=owner.user, achievement=english[0], data=data(
        title="Solid-state electrolyte 0", summary="A sulfide solid electrolyte for all-solid batteries.",
        keywords=["electrolyte"], language="en"))
    assert sorted(_found("electrolyte")) == sorted(str(a.pk) for a in english)
    assert sorted(_found("固态电解质")) == sorted(str(a.pk) for a in english)


def test_a_generation_missing_a_shard_is_rebuilt_not_served_empty():
    import shutil

    item = published(title="锂电池极片激光切割", summary="高速激光切割。")
    assert _found("激光切割") == [str(item.pk)]
    generation = (_folder() / "CURRENT").read_text()
    shutil.rmtree(_folder() / generation / "zh")
    indexes.reset()  # a process starting now
    assert _found("激光切割") == [str(item.pk)]
    assert (_folder() / "CURRENT").read_text() != generation


def test_a_failure_to_catch_up_leaves_searches_answering():
    owner, operator = AdminMembershipFactory(), OperatorFactory()
    first = published(owner, operator, title="锂电池极片激光切割", summary="高速激光切割。")
    assert _found("激光切割") == [str(first.pk)]
    generation = (_folder() / "CURRENT").read_text()
    (_folder() / generation / "zh" / "meta.json").write_text("{broken")  # a disk gone bad under a live index
    published(owner, operator, title="激光切割机器人", summary="激光切割薄板。")
    assert _found("激光切割") == [str(first.pk)]  # the index as it was: no error page
    assert _found("激光切割") == [str(first.pk)]  # and again at the next search


def test_a_very_long_token_is_not_indexed():
    from duijie.matching.engine import analysis

    assert analysis.terms("基因序列 " + "atgc" * 600 + " dna") == ["基因", "序列", "dna"]
    item = published(title="基因序列比对", summary="序列 " + "atgc" * 600)
    assert _found("基因序列") == [str(item.pk)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_many_changes_at_once_are_applied_in_the_background(monkeypatch):
    monkeypatch.setattr(indexes, "CATCH_UP_INLINE", 2)
    owner, operator = AdminMembershipFactory(), OperatorFactory()
    published(owner, operator, title="农业无人机植保系统", summary="提高喷洒均匀度。")
    assert len(_found("无人机")) == 1
    many = [published(owner, operator, title=f"激光切割工艺 {n}", summary="激光切割薄板。") for n in range(5)]
    _found("激光切割")  # starts the catch-up in the background and answers at once
    for _wait in range(600):
        if len(_found("激光切割")) == 5:
            break
        threading.Event().wait(0.05)
    assert sorted(_found("激光切割")) == sorted(str(a.pk) for a in many)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_second_rebuild_request_while_one_starts_joins_it():
    item = published(title="锂电池极片激光切割", summary="高速激光切割。")
    assert _found("激光切割") == [str(item.pk)]
    before = {p.name for p in _folder().glob("gen-*")}
    # Back to back: the second comes before the first's thread has taken the build lock.
    first = indexes.rebuild(background=True, requested_by="first@example.org")
    second = indexes.rebuild(background=True, requested_by="second@example.org")
    assert (second.state, second.started_at, second.requested_by) == ("running", first.started_at,
                                                                       "first@example.org")
    assert _wait_for_build().state == "done"
    assert len({p.name for p in _folder().glob("gen-*")} - before) == 1  # one build, not two
