"""``duijie expire_demands``: the daily deadline job of the demand chain.

A week before an open demand's deadline its enterprise is told once; after the deadline the demand
moves to "expired" (a history row without actor, an e-mail). Run it daily (docs/deploy.md).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from duijie.demand.services import demands_expire


class Command(BaseCommand):
    help = "Notify enterprises a week before their demands' deadlines and expire demands past them."

    def handle(self, *args: Any, **options: Any) -> None:
        done = demands_expire()
        self.stdout.write(f"{done['noticed']} deadline notice(s) sent, {done['expired']} demand(s) expired.")
