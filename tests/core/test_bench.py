"""``duijie bench hall`` end to end, small: a throwaway SQLite database, gunicorn, the load generator."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from duijie.bench import fill, hall, loadgen


def test_bench_hall_smoke(tmp_path):  # type: ignore[no-untyped-def]
    completed = subprocess.run(
        [sys.executable, "-m", "duijie.cli", "bench", "hall", "--achievements", "300", "--requests", "20",
         "--database", "sqlite"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout)  # stdout is the one JSON object; progress went to stderr
    assert result["benchmark"] == "hall"
    assert result["achievements"] == 300
    assert {"cpu_count", "python", "django"} <= set(result["machine"])
    assert "postgresql" not in result["databases"]
    sqlite = result["databases"]["sqlite"]
    assert sqlite["status"] == "ok", sqlite
    assert sqlite["rows"]["achievements"] == 300
    assert sqlite["fill_seconds"] >= 0
    assert set(sqlite["scenarios"]) == set(hall.SCENARIOS)
    for name, figures in sqlite["scenarios"].items():
        assert figures["requests"] == 20, name
        assert figures["errors"] == 0, (name, figures["statuses"])
        assert figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"], name
        assert figures["p95_ratio"] > 0, name
        assert figures["rps"] > 0, name
    assert sqlite["scenarios"]["trivial"]["p95_ratio"] == 1.0
    # Searches and facet states vary, so that no server-side memo answers them all.
    for name in ("faceted", "search_zh", "search_en"):
        assert result["paths"][name]["distinct"] > 10, (name, result["paths"][name])
    assert result["goal"] == hall.GOAL
    assert result["goal_met"] == {"sqlite": None}  # 300 achievements: the goal is about 100,000


def test_trivial_route_exists_only_when_switched_on(client):  # type: ignore[no-untyped-def]
    assert client.get("/__bench__/trivial").status_code == 404


@pytest.mark.parametrize(("values", "p", "expected"), [
    ([5.0], 95, 5.0), ([1.0, 2.0, 3.0, 4.0], 50, 2.5), ([1.0, 2.0, 3.0, 4.0, 5.0], 95, 4.8),
])
def test_percentile_interpolates_between_ranks(values, p, expected):  # type: ignore[no-untyped-def]
    assert loadgen.percentile(values, p) == pytest.approx(expected)
    assert loadgen.percentile([], p) is None


def test_fill_rows_are_deterministic_and_derived_as_the_services_derive():  # type: ignore[no-untyped-def]
    import json as json_module

    from duijie.core.text import normalise_for_search
    from duijie.supply.hallsearch import index_tokens
    from duijie.supply.services import price_band_for, stage_for_trl

    codes = {"ai", "ai.computer-vision", "new-materials", "new-materials.composites", "new-energy",
             "new-energy.solar"}
    source = fill.Source(codes)
    orgs = [{"id": k + 1, "country": ("CN", "GB", "RU")[k % 3], "admin_id": k + 1, "admin_name": "A",
             "admin_email": "a@example.org"} for k in range(6)]
    plan = fill.Plan(source, orgs, modes=[1, 2, 3], fields={c: n for n, c in enumerate(sorted(codes), 1)})
    assert plan.achievement(7) == plan.achievement(7)
    assert len({fill.mix(i, 1) % 100 for i in range(1000)}) == 100  # well spread, not i % 100
    for i in range(0, 3000, 7):
        row = plan.achievement(i)
        assert row["stage"] == stage_for_trl(row["trl"])
        assert row["price_band"] == price_band_for(row["price_type"], row["price_min"], row["currency"])
        keywords = json_module.loads(row["keywords"])
        assert row["search_text"] == normalise_for_search(" ".join([row["title"], row["summary"], " ".join(keywords)]))
        assert source.tokens(row["search_text"]) == index_tokens(row["search_text"])
        assert row["has_granted_patent"] == any(
            kind in ("invention_patent", "utility_model") and status == "granted" for kind, _n, _j, status, _f, _g in row["_ip"]
        )
        assert (row["published_at"] is None) == (row["status"] in ("draft", "submitted"))
        assert 1 <= len(plan.field_ids(i)) <= 2 and 1 <= len(plan.mode_ids(i)) <= 3
