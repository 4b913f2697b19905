"""The engine's tantivy store on its own (no database): persistence, readers in other processes, the
parallel build."""

from __future__ import annotations

import pytest

from duijie.matching.engine import index as engine
from duijie.matching.engine import parallel
from duijie.matching.engine.store import Row, TantivyStore

DOCS = [
    engine.Doc(id="a", title="锂电池极片激光切割", abstract="高速激光切割，毛刺小。", keywords=["激光切割"]),
    engine.Doc(id="b", title="焊缝缺陷机器视觉检测", abstract="基于深度学习的焊缝缺陷在线检测。"),
    engine.Doc(id="c", title="Laser welding of battery tabs", abstract="Low-spatter laser welding.", lang="en"),
    engine.Doc(id="d", title="Solid-state electrolyte", abstract="A sulfide solid electrolyte for batteries.", lang="en"),
    engine.Doc(id="e", title="农业无人机植保系统", abstract="提高喷洒均匀度。"),
] * 3
DOCS = [engine.Doc(id=f"{d.id}{n}", title=d.title, abstract=d.abstract, keywords=d.keywords, lang=d.lang)
        for n, d in enumerate(DOCS)]


def test_a_persisted_store_is_read_back_and_shared(tmp_path):
    writer = TantivyStore(tmp_path / "ix")
    writer.write([Row(1, "zh", ["激光", "切割", "激光"], ["laser", "cut"]), Row(2, "en", ["weld"], ["焊接"])])
    reader = TantivyStore(tmp_path / "ix")  # another process opening the folder
    assert reader.search("zh", [("own", "激光", 1.0)], 5)[0][0] == 1
    assert reader.own_terms("zh", 1) == {"激光", "切割"}
    writer.write([Row(3, "zh", ["激光"], [])], deletes=[1])
    reader.refresh(force=True)  # what a search does at most REFRESH_SECONDS later
    assert [key for key, _score in reader.search("zh", [("own", "激光", 1.0)], 5)] == [3]
    assert (reader.num_docs("zh"), reader.doc_freq("en", "trans", "焊接")) == (1, 1)


def test_a_persisted_index_takes_numeric_ids_only(tmp_path):
    ix = engine.Index(store=TantivyStore(tmp_path / "ix"), keep_docs=False)
    ix.upsert([engine.Doc(id="42", title="激光切割")])
    assert [h.id for h in ix.search("激光切割")[0]] == ["42"]
    with pytest.raises(ValueError, match="numeric ids only"):
        ix.upsert([engine.Doc(id="csl-1", title="激光切割")])


@pytest.mark.parametrize("query", ["激光切割", "laser welding battery", "固态电解质", "无人机"])
def test_the_parallel_build_ranks_as_the_serial_one(query):
    serial = engine.Index(DOCS)
    forked = engine.Index()
    assert parallel.build(forked, DOCS, workers=2) == len(DOCS)
    assert [(h.id, round(h.score, 4)) for h in forked.search(query, 5)[0]] == [
        (h.id, round(h.score, 4)) for h in serial.search(query, 5)[0]]
    assert set(forked.docs) == {d.id for d in DOCS}
