"""A small fixed-window rate limit on the shared cache (Redis in production), for forms that
send e-mail or create accounts: sign-up, password reset, verification links."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def hit(*, scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt; True while the key is within ``limit`` attempts in the window."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    cache_key = f"duijie:ratelimit:{scope}:{digest}"
    if cache.add(cache_key, 1, timeout=window_seconds):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.set(cache_key, 1, timeout=window_seconds)
        count = 1
    return count <= limit


def limit_posts(scope: str, *, per_hour: int) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Refuse a view's POSTs from one client address beyond ``per_hour`` an hour (429 page).

    ``DUIJIE_RATE_LIMIT_FACTOR`` scales every limit (0 switches them off)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            factor = settings.RATE_LIMIT_FACTOR
            if request.method == "POST" and factor > 0:
                address = request.META.get("REMOTE_ADDR", "")
                if not hit(scope=scope, key=address, limit=int(per_hour * factor), window_seconds=3600):
                    return render(request, "429.html", status=429)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
