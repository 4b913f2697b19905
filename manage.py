#!/usr/bin/env python
"""Django's manage.py; the installed ``duijie`` command does the same."""

from duijie.cli import main

if __name__ == "__main__":
    main()
