"""``duijie bench hall``: the exhibition hall at 100,000 achievements, served by a production server.

For each database (SQLite, PostgreSQL when reachable):

1. a throwaway database (a file in a temporary folder; a new ``duijie_bench_<random>`` PostgreSQL
   database, dropped at the end), migrated with ``duijie migrate`` in a subprocess whose
   ``DATABASE_URL`` and ``DUIJIE_VAR_DIR`` point at temporary places (the project's ``var/`` is never touched);
2. filled with N achievements by :mod:`duijie.bench.fill` (bulk writes, then ANALYZE);
3. served by gunicorn (``duijie.wsgi:application``, 2 sync workers, on a free 127.0.0.1 port) with the
   baseline route ``/__bench__/trivial`` switched on (``DUIJIE_BENCH_URLS=1``);
4. measured with :mod:`duijie.bench.loadgen`: after a warm-up, R requests per scenario at concurrency C,
   p50/p95/p99 and requests per second, and each scenario's p95 as a ratio of the trivial view's p95
   measured by the same server in the same run.

Prints one JSON object (stdout); progress goes to stderr. Servers, databases and temporary files are
removed at the end, also on Ctrl-C and on errors.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from duijie.bench import loadgen, runtime

HELP = "hall list, faceted, search and detail latency at N achievements, next to a trivial view"
GOAL_MS = 100.0
GOAL_AT = 100_000
GOAL = "list p95 < 100 ms at 100,000 achievements"
# Every scenario but the unfiltered list cycles through more distinct URLs than a server process
# keeps filter results for (``selectors.MASK_MEMO_SIZE``), so that each request computes its own.
# Keyword searches take the keywords most records carry, one query word each (fill's figures).
VARIANTS = 60
SCENARIOS = ("trivial", "list", "faceted", "search_zh", "search_en", "detail")


def add_arguments(parser: Any) -> None:
    parser.add_argument("--achievements", type=int, default=GOAL_AT, metavar="N",
                        help="achievements to fill the database with (default: %(default)s)")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both",
                        help="which database(s) to measure (default: both; PostgreSQL only if reachable)")
    parser.add_argument("--requests", type=int, default=300, metavar="R",
                        help="measured requests per scenario (default: %(default)s)")
    parser.add_argument("--concurrency", type=int, default=4, metavar="C",
                        help="simultaneous connections (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=None, metavar="W",
                        help="unmeasured requests per scenario first (default: R/10, 5 to 30)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default: %(default)s)")
    parser.add_argument("--time-limit", type=float, default=45.0, metavar="SECONDS",
                        help="stop measuring a scenario after this long and report what was measured "
                             "(default: %(default)s; warm-ups stop after a third of it)")
    parser.add_argument("--postgres-url", default=None,
                        help="PostgreSQL server to create the throwaway database on "
                             "(default: DATABASE_URL if PostgreSQL, else postgres://postgres@127.0.0.1:5432/postgres)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random detail pages (default: %(default)s)")


def run(options: dict[str, Any], log: runtime.Log = runtime.log_to_stderr) -> dict[str, Any]:
    n = int(options["achievements"])
    requests = max(1, int(options["requests"]))
    concurrency = max(1, int(options["concurrency"]))
    warmup = options.get("warmup")
    warmup = max(5, min(30, requests // 10)) if warmup is None else max(0, int(warmup))
    which = options.get("database") or "both"
    kinds = ("sqlite", "postgresql") if which == "both" else (which,)
    settings = {
        "requests": requests, "concurrency": concurrency, "warmup": warmup,
        "workers": int(options.get("workers") or 2), "time_limit": float(options.get("time_limit") or 45.0),
        "seed": int(options.get("seed") or 1),
    }
    result: dict[str, Any] = {
        "benchmark": "hall",
        "achievements": n,
        "requests": requests,
        "concurrency": concurrency,
        "warmup": warmup,
        "machine": runtime.machine(),
        "server": {"program": "gunicorn", "app": "duijie.wsgi:application", "workers": settings["workers"],
                   "worker_class": "sync", "conn_max_age": 60, "bind": "127.0.0.1"},
        "paths": {},
        "databases": {},
        "goal": GOAL,
        "goal_met": {},
    }
    for kind in kinds:
        log(f"[{kind}]")
        if kind == "postgresql":
            server = runtime.postgres_server_url(options.get("postgres_url"))
            if not runtime.postgres_reachable(server):
                log("  skipped: PostgreSQL unreachable")
                result["databases"][kind] = {"status": "skipped: unreachable"}
                result["goal_met"][kind] = None
                continue
        else:
            server = ""
        try:
            figures = _bench_database(kind, server, n, settings, log)
        except Exception as exc:  # report and go on with the next database; Ctrl-C still stops everything
            log(f"  failed: {exc}")
            result["databases"][kind] = {"status": f"failed: {type(exc).__name__}: {exc}"}
            result["goal_met"][kind] = None
            continue
        result["paths"] = figures.pop("paths")
        result["databases"][kind] = figures
        list_p95 = figures["scenarios"]["list"]["p95_ms"]
        result["goal_met"][kind] = (
            None if n < GOAL_AT or list_p95 is None or figures["scenarios"]["list"]["errors"]
            else list_p95 < GOAL_MS
        )
    return result


def _environment(database_url: str, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DUIJIE_STATIC_ROOT", "DUIJIE_MEDIA_ROOT", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    env.update({
        "DJANGO_SETTINGS_MODULE": "duijie.settings",
        "DATABASE_URL": database_url,
        "DUIJIE_VAR_DIR": str(var_dir),
        "DUIJIE_SECRET_KEY": secrets.token_urlsafe(40),
        "DUIJIE_DEBUG": "false",
        "DUIJIE_STATIC_MANIFEST": "0",
        "DUIJIE_LOGIN_THROTTLE": "false",
        "DUIJIE_BENCH_URLS": "1",
        "DUIJIE_DB_CONN_MAX_AGE": "60",  # as .env.example recommends for production
        "DUIJIE_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def _paths(fill: dict[str, Any], count: int, seed: int) -> dict[str, list[str]]:
    top_fields = list(fill.get("top_fields") or {}) or ["ai"]
    modes = list(fill.get("modes") or []) or ["transfer"]
    ids = list(fill.get("public_ids_sample") or [])
    rng = random.Random(seed)
    details = [f"/hall/achievements/{rng.choice(ids)}/" for _ in range(count)] if ids else ["/hall/achievements/1/"]
    stages = ("early", "middle", "mature")
    faceted = [
        "/hall/?" + urlencode({"field": top_fields[i % len(top_fields)], "stage": stages[i // len(top_fields) % 3],
                               "mode": modes[i % len(modes)]})
        for i in range(VARIANTS)
    ]
    # Browsing the unfiltered hall: the first pages, newest first and most viewed first.
    listing = [f"/hall/?page={1 + i // 2}" + ("&sort=views" if i % 2 else "") for i in range(20)]

    def cycle(paths: list[str]) -> list[str]:
        paths = paths or ["/hall/"]
        return [paths[i % len(paths)] for i in range(count)]

    return {
        "trivial": ["/__bench__/trivial"],
        "list": cycle(listing),
        "faceted": cycle(faceted),
        "search_zh": cycle(["/hall/?q=" + quote(w) for w in fill.get("keywords_zh", [])[:VARIANTS]]),
        "search_en": cycle(["/hall/?q=" + quote(w) for w in fill.get("keywords_en", [])[:VARIANTS]]),
        "detail": details,
    }


def _bench_database(kind: str, server: str, n: int, settings: dict[str, Any], log: runtime.Log) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"duijie-bench-{kind}-") as tmp, contextlib.ExitStack() as stack:
        folder = Path(tmp)
        var_dir = folder / "var"
        var_dir.mkdir()
        if kind == "sqlite":
            url = f"sqlite:///{folder / 'bench.sqlite3'}"
        else:
            url = stack.enter_context(runtime.postgres_database(server, log))
        env = _environment(url, var_dir)

        log("  migrating ...")
        migrate_seconds = runtime.run_checked(runtime.duijie_command("migrate", "--noinput", "-v", "0"), env, log)
        log(f"  filling {n:,} achievements ...")
        stats_file = folder / "fill.json"
        started = time.perf_counter()
        runtime.run_checked([sys.executable, "-m", "duijie.bench.fill", "--achievements", str(n),
                             "--out", str(stats_file)], env, log)
        fill_wall = time.perf_counter() - started
        fill = json.loads(stats_file.read_text(encoding="utf-8"))
        log(f"  filled in {fill['fill_seconds']} s (+ ANALYZE {fill['analyze_seconds']} s)")
        paths = _paths(fill, settings["requests"] + settings["warmup"], settings["seed"])

        app = stack.enter_context(runtime.Gunicorn(env, log, workers=settings["workers"],
                                                   log_file=folder / "gunicorn.log"))
        scenarios: dict[str, Any] = {}
        for name in SCENARIOS:
            scenarios[name] = _measure(app, name, paths[name], settings, log)
        trivial_p95 = scenarios["trivial"]["p95_ms"]
        trivial_p50 = scenarios["trivial"]["p50_ms"]
        for figures in scenarios.values():
            figures["p95_ratio"] = _ratio(figures["p95_ms"], trivial_p95)
            figures["p50_ratio"] = _ratio(figures["p50_ms"], trivial_p50)
        return {
            "status": "ok",
            "version": _version(kind, url),
            "migrate_seconds": round(migrate_seconds, 2),
            "fill_seconds": fill["fill_seconds"],
            "fill_wall_seconds": round(fill_wall, 2),
            "analyze_seconds": fill["analyze_seconds"],
            "rows": {key: fill[key] for key in ("achievements", "public", "organisations", "field_rows", "mode_rows",
                                                "ip_assets")},
            # Load beyond about C (the busy workers and the load generator) is other work on the machine.
            "load_average_after": runtime.load_average(),
            "server_restarts": app.restarts,  # after something outside stopped it (see stderr)
            "scenarios": scenarios,
            "paths": {name: {"distinct": len(set(p)), "first": p[0]} for name, p in paths.items()},
        }


def _measure(server: runtime.Gunicorn, name: str, paths: list[str], settings: dict[str, Any],
             log: runtime.Log) -> dict[str, Any]:
    for attempt in (1, 2):
        port = server.ensure()
        started = time.perf_counter()
        try:
            status, _body = loadgen.get(port, paths[0], timeout=120)
        except OSError as exc:
            status = exc  # type: ignore[assignment]
        first_ms = round((time.perf_counter() - started) * 1000, 1)
        if status != 200:
            log(f"  {name}: {paths[0]} answered {status}")
        warmup = settings["warmup"]
        if warmup:
            loadgen.run(port, paths[-warmup:], requests=warmup, concurrency=settings["concurrency"],
                        time_limit=settings["time_limit"] / 3)
        measured = paths[: settings["requests"]] if len(paths) > 1 else paths
        result = loadgen.run(port, measured, requests=settings["requests"], concurrency=settings["concurrency"],
                             time_limit=settings["time_limit"])
        if server.alive() or attempt == 2:
            break
        # Stopped from outside while measuring (nothing here stops it): measure this scenario again.
    figures = result.figures()
    # The first request of the first hall scenario also builds one process's in-memory index.
    figures["first_request_ms"] = first_ms
    log(f"  {name:<10} p50 {figures['p50_ms']} ms  p95 {figures['p95_ms']} ms  p99 {figures['p99_ms']} ms  "
        f"{figures['rps']} req/s  errors {figures['errors']}" + ("  (time limit)" if result.truncated else ""))
    return figures


def _ratio(value: float | None, base: float | None) -> float | None:
    if value is None or not base:
        return None
    return round(value / base, 2)


def _version(kind: str, url: str) -> str:
    if kind == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with contextlib.suppress(Exception), runtime.connect(url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        return f"PostgreSQL {row[0]}" if row else "PostgreSQL"
    return "PostgreSQL"
