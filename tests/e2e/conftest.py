"""Browser tests: Debian's Chromium driven through Playwright's sync API against ``live_server``.

While Playwright's sync API is started, ``asyncio.get_running_loop()`` answers in this thread
(the loop runs on a greenlet of the same thread). Two consequences for Django:

* ORM calls would raise "You cannot call this from an async context"; the tests only touch
  the database between browser actions, so the check is switched off for this folder.
* ``django.db.connections`` keeps its connections per *context* instead of per thread while a
  loop runs, so the tests get a second connection object, one that lacks the
  ``_test_serialized_contents`` that ``serialized_rollback`` restores the reference data
  from. The ``browser`` fixture hands the serialized contents on to that connection.

Playwright is started per module, so that no running loop is left behind for the tests
that pytest runs after this folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
    "--no-first-run",
    "--disable-sync",
]
# Fail fast rather than wait out Playwright's 30 s default.
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def browser(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        # Required, not optional: `./dev test` installs Debian's chromium before running pytest.
        pytest.fail(f"{CHROMIUM} is missing: run `./dev test`, or `apt-get install chromium chromium-driver`")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    thread_connections = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        # From here on ``connections[alias]`` is a context-local connection (see above).
        for alias, thread_connection in thread_connections.items():
            contents = getattr(thread_connection, "_test_serialized_contents", None)
            if contents is not None and connections[alias] is not thread_connection:
                connections[alias]._test_serialized_contents = contents
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            with django_db_blocker.unblock():
                for alias in thread_connections:
                    if connections[alias] is not thread_connections[alias]:
                        connections[alias].close()


@dataclass
class Session:
    """One browser context and its page, with what the page reported."""

    context: Any
    page: Any
    base_url: str
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # "status url" of every 4xx/5xx answer and failed load
    console: list[tuple[str, str, str]] = field(default_factory=list)  # (type, text, page url)
    page_errors: list[str] = field(default_factory=list)

    def goto(self, path: str) -> Any:
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.ok, f"{path}: {response.status if response else 'no response'}"
        return response

    def console_errors(self) -> list[tuple[str, str, str]]:
        return [entry for entry in self.console if entry[0] == "error"]

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def open_browser(browser: Any, live_server: Any) -> Iterator[Callable[..., Session]]:
    """``open_browser(language="en", viewport=(w, h))``: a fresh context on the live server."""
    contexts: list[Any] = []

    def make(language: str | None = None, viewport: tuple[int, int] = (1280, 900)) -> Session:
        context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]},
            locale="en-GB" if language == "en" else "zh-CN",
        )
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        if language:
            from django.conf import settings

            context.add_cookies(
                [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
            )
        page = context.new_page()
        session = Session(context=context, page=page, base_url=live_server.url)
        page.on("request", lambda request: session.requests.append(request.url))
        page.on("response", lambda response: response.status >= 400
                and session.failed.append(f"{response.status} {response.url}"))
        page.on("requestfailed", lambda request: session.failed.append(f"failed {request.url}"))
        page.on("console", lambda msg: session.console.append((msg.type, msg.text, page.url)))
        page.on("pageerror", lambda error: session.page_errors.append(str(error)))
        return session

    yield make
    for context in contexts:
        context.close()
