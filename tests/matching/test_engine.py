"""The matching engine alone (no database): analysis, translation, ranking, scoring, the CLI contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from duijie.matching.engine import analysis, evaluate, index, lexicon


@pytest.mark.parametrize(("text", "expected"), [
    ("機器學習", ["机器", "学习"]),  # Traditional → Simplified, then segmented
    ("ＡＩ芯片", ["ai", "芯片"]),  # full-width folded
    ("Deep learning for weld defects", ["deep", "learn", "weld", "defect"]),  # stemmed, stop words out
    ("基于深度学习的焊缝缺陷检测", ["深度", "学习", "焊缝", "缺陷", "检测"]),
    ("锂电池 lithium batteries", ["锂电池", "lithium", "batteri"]),  # mixed text
])
def test_analysis(text, expected):
    assert analysis.terms(text) == expected


@pytest.mark.parametrize(("text", "lang"), [("焊缝缺陷检测", "zh"), ("weld inspection", "en"),
                                            ("PBFT 共识机制", "zh"), ("", "en")])
def test_language(text, lang):
    assert analysis.language(text) == lang


def test_translations_both_ways():
    lx = lexicon.cedict()
    zh_en = {(zh, en) for zh, en, _w in lx.zh_to_en(["共识", "容错"])}
    assert {("共识", "consensus"), ("容错", "fault")} <= zh_en
    en_zh = {(en, zh) for en, zh, _w in lx.en_to_zh(["consensus", "mechanism", "blockchain"])}
    assert ("blockchain", "区块链") in en_zh and ("consensus", "共识") in en_zh


@pytest.mark.parametrize(("words", "expected"), [
    (["樟树"], ("樟树", "camphor")),  # the common word before the county-level city of the same name
    (["碳储量"], ("碳", "carbon")),  # not in the dictionary: translated by its parts, elements included
    (["碳储量"], ("储量", "reserv")),
    (["膜"], ("膜", "membran")),  # a character with one short entry
])
def test_a_chinese_word_translates_to_its_likeliest_english_stem(words, expected):
    translations = lexicon.cedict().zh_to_en(words, limit=3)
    assert expected in [(source, stem) for source, stem, _weight in translations]
    assert translations[0][2] == max(w for s, _t, w in translations if s == translations[0][0])


def test_single_characters_with_many_senses_stay_untranslated():
    assert lexicon.cedict().zh_to_en(["热", "水"]) == []


@pytest.mark.parametrize(("words", "best"), [
    (["social"], "社会性"),  # a definition in the word itself ("social") before one that stems alike ("socialism")
    (["consensus"], "共识"),
    (["classification"], "类别"),
])
def test_an_english_word_translates_to_its_likeliest_chinese_word(words, best):
    assert lexicon.cedict().en_to_zh(words, limit=3)[0][1] == best


def test_the_verb_of_a_noun_the_stemmer_keeps_apart_is_looked_up_too():
    assert "应用" in [zh for _en, zh, _w in lexicon.cedict().en_to_zh(["application"], limit=5)]


def test_words_in_a_row_that_the_dictionary_has_as_one_headword_are_translated_together():
    lx = lexicon.cedict()
    assert lx.zh_units("小波变换的时间序列") == ["小波", "变换", "时间序列"]
    assert ("小波", "wavelet") in lx.translate_document("小波变换", "zh")


def test_headwords_are_written_as_the_index_writes_them():
    lx = lexicon.cedict()
    assert lx.index_terms("深度学习") == ["深度", "学习"]
    assert lx.translate_document("deep learning", "en") == [("deep learning", "深度"), ("deep learning", "学习")]
    plan = index.Index(DOCS).plan("deep learning for welds")
    assert {("deep learning", "深度"), ("deep learning", "学习")} <= {(s, t) for s, t, _w in plan.translations}


def test_an_unknown_english_word_glued_from_two_known_ones_is_split():
    ix = index.Index(DOCS)
    assert ix.plan("weldsdefects").terms == ["weld", "defect"]
    assert ix.plan("crackweld").terms == ["crackweld"]  # "crack" is in no document


DOCS = [
    index.Doc("zh-1", title="基于区块链的共识机制研究", abstract="提出一种改进的拜占庭容错共识算法。", lang="zh"),
    index.Doc("zh-2", title="焊缝缺陷的深度学习检测", abstract="卷积神经网络识别焊缝气孔。", lang="zh"),
    index.Doc("en-1", title="Weld defect detection with deep learning", abstract="A convolutional network finds "
              "porosity in welds.", lang="en"),
    index.Doc("en-2", title="Consensus in consortium blockchains", abstract="A fault-tolerant protocol.", lang="en"),
]


def test_a_chinese_demand_finds_the_english_achievement_and_the_reverse():
    ix = index.Index(DOCS)
    hits, plan = ix.search("区块链 共识机制")
    assert hits[0].id == "zh-1" and "en-2" in [h.id for h in hits]
    assert any(target == "consensus" for _s, target, _w in plan.translations)
    hits, _plan = ix.search("consortium blockchain consensus")
    assert hits[0].id == "en-2" and "zh-1" in [h.id for h in hits]


def test_an_explanation_names_the_terms_and_the_translations_that_linked_the_texts():
    ix = index.Index(DOCS)
    _hits, plan = ix.search("区块链 共识机制")
    english = next(d for d in DOCS if d.id == "en-2")
    why = index.explain(plan, english)
    assert why.terms == [] and ("共识", "consensus") in why.translations
    chinese = next(d for d in DOCS if d.id == "zh-1")
    assert "共识" in index.explain(plan, chinese).terms
    _hits, plan = ix.search("Weld defects")
    assert index.explain(plan, next(d for d in DOCS if d.id == "en-1")).terms == ["weld", "defects"]
    _zh_hits, plan = ix.search("焊缝缺陷")
    assert ("缺陷", "defect") in index.explain(plan, next(d for d in DOCS if d.id == "en-1")).translations


def test_metrics_follow_the_dev_set_definitions():
    judged = {"a": 2, "b": 1, "c": 1}
    perfect = evaluate.scores(["a", "b", "c"], judged)
    assert perfect == {"nDCG@10": 1.0, "MRR@10": 1.0, "R@100": 1.0, "R@100>=1": 1.0}
    late = evaluate.scores(["x", "a"], judged)
    assert late["MRR@10"] == 0.5 and late["R@100>=1"] == pytest.approx(1 / 3)
    assert evaluate.scores([], judged)["nDCG@10"] == 0.0


def test_match_rank_writes_the_run_contract(tmp_path: Path):
    achievements = tmp_path / "a.jsonl"
    demands = tmp_path / "d.jsonl"
    achievements.write_text("\n".join(json.dumps({"id": d.id, "lang": d.lang, "title": d.title,
                                                  "abstract": d.abstract, "keywords": []}, ensure_ascii=False)
                                      for d in DOCS), encoding="utf-8")
    demands.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in [
        {"id": "q1", "text": "焊缝缺陷检测", "lang": "zh"}, {"id": "q2", "text": "blockchain consensus"}]),
        encoding="utf-8")
    out = tmp_path / "run.tsv"
    done = subprocess.run([sys.executable, "-m", "duijie.cli", "match", "rank", "--achievements", str(achievements),
                           "--demands", str(demands), "--top", "2", "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(q, rank) for q, _a, rank, _s in lines] == [("q1", "1"), ("q1", "2"), ("q2", "1"), ("q2", "2")]
    assert lines[0][1] in ("zh-2", "en-1") and all(float(s) > 0 for *_rest, s in lines)


def test_documents_are_translated_too_so_a_query_finds_words_its_own_translations_miss():
    lx = lexicon.cedict()
    pairs = lx.translate_document("焊缝缺陷检测", "zh")
    assert ("缺陷", "defect") in pairs
    assert ("温度传感器", "sensor") in lx.translate_document("温度传感器", "zh")  # looked up by its parts
    ix = index.Index(DOCS)
    hits, plan = ix.search("porosity defects in welds")
    assert "zh-2" in [h.id for h in hits]
    why = index.explain(plan, next(d for d in DOCS if d.id == "zh-2"))
    assert ("defects", "缺陷") in why.translations


def test_a_query_its_own_language_answers_fully_keeps_other_languages_down():
    ix = index.Index(DOCS)
    _hits, covered = ix.search("焊缝 缺陷 深度 学习")
    _hits, uncovered = ix.search("焊缝 缺陷 深度 学习 孔隙率 激光")
    assert covered.coverage == 1.0 and uncovered.coverage < covered.coverage
    assert index._gain(covered.coverage) < index._gain(uncovered.coverage)
    assert index._gain(0.0) == index.GAIN_WHEN_NOT and index._gain(1.0) == pytest.approx(index.GAIN_WHEN_COVERED)
