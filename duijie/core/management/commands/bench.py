"""``duijie bench <name>``: benchmarks that print one JSON object with their figures and the baselines
measured in the same run (progress on stderr).

    duijie bench hall [--achievements N] [--database sqlite|postgresql|both] [--requests R] [--concurrency C]

Each benchmark lives in ``duijie/bench/<name>.py`` (registered in ``duijie.bench.BENCHMARKS``) with
``HELP``, ``add_arguments(parser)`` and ``run(options, log) -> dict``; adding one (``duijie bench match``)
is adding a module and a line.
"""

from __future__ import annotations

import importlib
import json
import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duijie.bench import BENCHMARKS
from duijie.bench.runtime import log_to_stderr


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


class Command(BaseCommand):
    help = "Run a benchmark and print its figures, with the baselines measured in the same run, as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        subparsers = parser.add_subparsers(dest="benchmark", metavar="BENCHMARK", required=True)
        for name, module_path in BENCHMARKS.items():
            module = importlib.import_module(module_path)
            sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
            module.add_arguments(sub)

    def handle(self, *args: Any, **options: Any) -> None:
        module = importlib.import_module(BENCHMARKS[options["benchmark"]])
        # A terminated run cleans up like an interrupted one (servers, databases, temporary files).
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            result = module.run(options, log_to_stderr)
        except KeyboardInterrupt:
            raise CommandError("interrupted; servers, databases and temporary files were removed", returncode=130) from None
        finally:
            signal.signal(signal.SIGTERM, previous)
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
