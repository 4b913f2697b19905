"""Benchmarks behind ``duijie bench <name>`` (see ``duijie/core/management/commands/bench.py``).

Each benchmark module exposes ``HELP``, ``add_arguments(parser)`` and ``run(options, log) -> dict``; the command
prints the dict as one JSON object on stdout, with the baselines measured in the same run.
Progress goes to stderr. Nothing here is imported by the running application, except the trivial
baseline view (``views.py``), and that only when ``DUIJIE_BENCH_URLS`` is set.
"""

BENCHMARKS: dict[str, str] = {
    "hall": "duijie.bench.hall",
    "match": "duijie.bench.match",
}
