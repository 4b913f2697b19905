"""``duijie docking_sla``: the service-level job of docking cases. Marks running cases idle for
``DUIJIE_DOCKING_STALL_DAYS`` as stalled, and reminds the broker and the operators of each case past its
stage's working-day target (once per stage). Run it daily, or hourly (docs/deploy.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from duijie.docking.services import cases_check_service_levels


class Command(BaseCommand):
    help = "Mark idle docking cases stalled and remind brokers and operators of overdue cases."

    def handle(self, *args: Any, **options: Any) -> None:
        done = cases_check_service_levels()
        self.stdout.write(f"{done['stalled']} case(s) marked stalled, {done['reminded']} reminder(s) sent.")
