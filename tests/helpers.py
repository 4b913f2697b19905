"""Small helpers shared by the tests (no fixtures here: those live in conftest.py)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import translation


def field_values(obj: models.Model) -> dict[str, Any]:
    """Every stored column of ``obj``, for "a failed service changed nothing" comparisons."""
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def fresh_values(obj: models.Model) -> dict[str, Any]:
    """``field_values`` of the row as it is in the database now."""
    return field_values(type(obj)._default_manager.get(pk=obj.pk))


def in_language(language: str, text: Any, **params: Any) -> str:
    """``text`` (a msgid or a lazy string) as it reads in ``language``, with ``%(name)s`` filled in."""
    with translation.override(language):
        result = translation.gettext(text) if isinstance(text, str) else str(text)
        if params:
            params = {key: str(value) for key, value in params.items()}
            result = result % params
        return result


def english(text: Any) -> str:
    """A lazy or translatable message in the source language."""
    return in_language("en", text)


def get_counting_queries(client: Any, url: str) -> tuple[int, Any]:
    """GET ``url``; answers the number of SQL queries it took and the response."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    return len(context.captured_queries), response


def flash_messages(response: Any) -> list[str]:
    """The messages a view queued for the next page, as text."""
    from django.contrib.messages import get_messages

    return [str(message) for message in get_messages(response.wsgi_request)]


def warm_hall(settings: Any) -> None:
    """Bring the hall's in-memory index up to date and keep its view counts, so that the queries a
    request makes afterwards are its own (what a warm server process makes per request)."""
    from duijie.supply import hallindex

    settings.DUIJIE_HALL_VIEWS_TTL = 3600
    hallindex.snapshot()
