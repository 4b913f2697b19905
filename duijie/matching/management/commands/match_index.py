"""``duijie match_index``: the achievements matching index: where it stands, and a full rebuild.

    duijie match_index              # backend, live generation, documents, hall revision, last build
    duijie match_index --rebuild    # build a new generation now (progress on stderr), then switch to it

Readers keep using the live generation during a rebuild. Incremental updates need no command: the
index follows the hall's change log at every match (docs/matching.md, "The index").
"""

from __future__ import annotations

import json
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Show the matching index's state, or rebuild it in full (--rebuild)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="build a new generation from the database")
        parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                            help="processes analysing the texts (default: one per core)")

    def handle(self, *args: Any, **options: Any) -> None:
        from duijie.matching import indexes

        if options["rebuild"]:
            def progress(status: indexes.Status) -> None:
                self.stderr.write(f"  {status.done}/{status.total} ({status.percent}%)")

            status = indexes.rebuild(background=False, requested_by="duijie match_index", progress=progress,
                                     workers=max(1, options["workers"]))
            if status.state != "done":
                raise CommandError(f"the build failed: {status.error}")
            rate = round(status.done / status.seconds) if status.seconds else status.done
            self.stdout.write(f"built {status.generation}: {status.done} achievements in {status.seconds} s "
                              f"({rate}/s)")
            return
        self.stdout.write(json.dumps({**indexes.live_state(), "build": indexes.status().__dict__},
                                     ensure_ascii=False, indent=2, default=str))
