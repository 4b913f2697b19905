from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def facet_options(options: list[dict[str, Any]] | None, selected: Any) -> list[dict[str, Any]]:
    """Facet options marked ``selected`` against the current query value (one value or a list)."""
    chosen = {str(v) for v in (selected if isinstance(selected, list | tuple) else [selected]) if v not in ("", None)}
    return [{**option, "selected": str(option["value"]) in chosen} for option in options or []]
