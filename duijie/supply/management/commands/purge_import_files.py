"""``duijie purge_import_files``: delete uploaded import spreadsheets older than the retention period.

Run it daily (cron or a systemd timer, see docs/deploy.md). The jobs and their reports stay.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from duijie.supply.imports import purge_import_files


class Command(BaseCommand):
    help = "Delete the uploaded files of import jobs older than --days (default DUIJIE_IMPORT_FILE_DAYS, 30)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=settings.DUIJIE_IMPORT_FILE_DAYS,
                            help="keep the files of the last DAYS days (default: %(default)s)")

    def handle(self, *args: Any, **options: Any) -> None:
        days = max(1, int(options["days"]))
        purged = purge_import_files(older_than=timedelta(days=days))
        self.stdout.write(f"{purged} import file(s) older than {days} days deleted.")
