"""The PostgreSQL backend of the matching index: the same interface and the same rankings as the tantivy
store, and the same lifecycle (incremental updates, generations). Its tests run in the PostgreSQL run of
the suite; the SQLite run checks that the backend is refused there."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from duijie.matching import indexes, pgstore
from duijie.matching.engine import index as engine
from duijie.matching.engine.store import Row, TantivyStore

ON_POSTGRESQL = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")

CORPUS = [
    engine.Doc(id="1", title="锂电池极片激光切割", abstract="高速激光切割，毛刺小，适用于锂电池极片。", keywords=["激光切割", "锂电池"]),
    engine.Doc(id="2", title="焊缝缺陷机器视觉检测", abstract="基于深度学习的焊缝缺陷在线检测。", keywords=["机器视觉", "焊接"]),
    engine.Doc(id="3", title="Laser welding of battery tabs", abstract="Low-spatter laser welding for lithium battery tabs.",
               keywords=["laser welding", "battery"], lang="en"),
    engine.Doc(id="4", title="Solid-state electrolyte for lithium batteries",
               abstract="A sulfide solid electrolyte with high ionic conductivity.", keywords=["electrolyte"], lang="en"),
    engine.Doc(id="5", title="农业无人机植保系统", abstract="提高喷洒均匀度，减少农药用量。", keywords=["无人机", "植保"]),
    engine.Doc(id="6", title="Machine vision inspection of weld seams",
               abstract="Deep learning finds porosity in weld seams online.", keywords=["machine vision"], lang="en"),
]
QUERIES = ["激光切割锂电池", "焊缝缺陷检测", "laser welding battery", "solid electrolyte", "固态电解质", "weld seam vision",
           "无人机喷洒"]


def test_tsvector_literals_keep_term_frequencies_and_quote_lexemes():
    assert pgstore.tsvector(["激光", "data", "激光", "it's"]) == "'激光':1,2 'data':1 'it''s':1"
    assert pgstore.tsvector([]) == ""
    assert pgstore.tsvector(["a"] * 300).count(",") == pgstore.MAX_TF - 1


if ON_POSTGRESQL:

    pytestmark = pytest.mark.django_db

    def _both() -> tuple[engine.Index, engine.Index]:
        memory = engine.Index(CORPUS, store=TantivyStore())
        database = engine.Index(CORPUS, store=pgstore.PgStore("test:1"))
        return memory, database

    def test_both_backends_rank_alike():
        memory, database = _both()
        for query in QUERIES:
            expected, _plan = memory.search(query, 5)
            found, _plan = database.search(query, 5)
            assert [h.id for h in found] == [h.id for h in expected], query
            assert [round(h.score, 2) for h in found] == pytest.approx([round(h.score, 2) for h in expected],
                                                                      rel=0.02), query

    def test_statistics_and_frequencies_follow_writes():
        store = pgstore.PgStore("test:2")
        store.write([Row(1, "zh", ["激光", "切割", "激光"], ["laser"]), Row(2, "zh", ["焊缝"], [])])
        assert (store.num_docs("zh"), store.doc_freq("zh", "own", "激光"), store.own_terms("zh", 1)) == (
            2, 1, {"激光", "切割"})
        store.write([Row(1, "en", ["weld"], ["焊缝"])], deletes=[2])
        assert (store.num_docs("zh"), store.num_docs("en"), store.doc_freq("zh", "own", "激光")) == (0, 1, 0)
        assert store.search("en", [("own", "weld", 1.0)], 5)[0][0] == 1
        assert store.search("zh", [("own", "激光", 1.0)], 5) == []

    def test_a_key_twice_in_one_write_keeps_the_last(settings):
        store = pgstore.PgStore("test:3")
        store.write([Row(1, "zh", ["激光"], []), Row(1, "en", ["weld"], [])])
        assert (store.num_docs("zh"), store.num_docs("en"), store.doc_freq("en", "own", "weld")) == (0, 1, 1)

    def test_the_lifecycle_runs_on_postgresql(settings):
        from duijie.matching.models import IndexedDoc, IndexState
        from duijie.supply import services as supply_services
        from tests.factories import AdminMembershipFactory, OperatorFactory
        from tests.supply.helpers import published

        settings.DUIJIE_MATCHING_BACKEND = "postgresql"
        indexes.reset()
        owner, operator = AdminMembershipFactory(), OperatorFactory()
        # A gene sequence in a summary: one 2,400-letter run, longer than PostgreSQL takes as a lexeme.
        first = published(owner, operator, title="锂电池极片激光切割", summary="高速激光切割。 " + "atgc" * 600)

        def found(text: str) -> list[str]:
            return [h.id for h in indexes.achievements().search(text, 5)[0]]

        assert found("激光切割") == [str(first.pk)]
        generation = IndexState.objects.get(name="achievements").generation
        second = published(owner, operator, title="激光切割机器人", summary="激光切割薄板。")
        assert sorted(found("激光切割")) == sorted([str(first.pk), str(second.pk)])
        supply_services.achievement_transition(actor=operator, achievement=first, name="archive")
        assert found("激光切割") == [str(second.pk)]
        assert IndexState.objects.get(name="achievements").generation == generation  # incremental
        status = indexes.rebuild(background=False)
        assert (status.state, status.done) == ("done", 1)
        assert IndexState.objects.get(name="achievements").generation == status.generation != generation
        assert found("激光切割") == [str(second.pk)]
        assert set(IndexedDoc.objects.values_list("generation", flat=True)) <= {
            f"achievements:{status.generation}", f"achievements:{generation}"}

else:

    def test_the_postgresql_backend_is_refused_on_another_database(settings):
        settings.DUIJIE_MATCHING_BACKEND = "postgresql"
        with pytest.raises(ImproperlyConfigured):
            indexes.backend_name()
