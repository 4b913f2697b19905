"""``duijie demo``: load (or complete) the demo world and print the demo accounts.

Safe to run again: it creates only what is missing and never changes an existing object.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from duijie.core.demo import DEMO_PASSWORD, LOADERS, DemoContext, run_demo


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """Plain-text table lines, aligned for mixed Latin and CJK text."""
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


class Command(BaseCommand):
    help = (
        "Load the demo world (organisations, people and, as apps add them, their content). "
        "Idempotent: creates only what is missing and never changes existing objects."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--quiet", action="store_true",
            help="Do not list every object; print only the totals and the demo accounts.",
        )
        parser.add_argument(
            "--only", action="append", default=[], metavar="APP",
            help="Load only this app's demo objects (repeatable), e.g. --only accounts.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity: int = options["verbosity"]
        quiet: bool = options["quiet"]
        only: list[str] = options["only"]
        # "duijie.<app>.demo.load": pick by the app's name.
        loaders = [path for path in LOADERS if path.split(".")[1] in only] if only else None
        ctx = run_demo(write=self.stdout.write, verbose=verbosity >= 1 and not quiet, loaders=loaders)
        if verbosity < 1:
            return
        if not quiet:
            self.stdout.write("")
            for line in format_table(("object", "created", "found"), ctx.summary_rows()):
                self.stdout.write(line)
            self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(
            f"Demo data: {ctx.total_created} created, {ctx.total_existing} already there."
        ))
        self._print_accounts(ctx)

    def _print_accounts(self, ctx: DemoContext) -> None:
        if not ctx.accounts:
            return
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}, unless changed since):")
        rows = [(a.role, a.email, DEMO_PASSWORD, a.full_name, a.organisation) for a in ctx.accounts]
        for line in format_table(("role", "e-mail", "password", "name", "organisation"), rows):
            self.stdout.write(line)
        self.stdout.write("The operator account also signs in to the back office at /backoffice/.")
