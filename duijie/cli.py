"""The ``duijie`` console script: a thin wrapper around Django's management commands.

``duijie migrate``, ``duijie demo``, ``duijie runserver`` ... behave as ``manage.py`` would;
``duijie serve`` runs the production server (gunicorn) on 127.0.0.1:8000.
Later apps add ``duijie match ...`` and ``duijie bench ...`` as management commands.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duijie.settings")
    args = list(sys.argv if argv is None else ["duijie", *argv])
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
