from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation

from tests.factories import AdminMembershipFactory, OperatorFactory, UserFactory


@pytest.fixture(autouse=True)
def _test_defaults(settings, tmp_path):  # type: ignore[no-untyped-def]
    # Mail stays in memory; sign-in throttling state is per test.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Hashing is not under test here; the default hasher costs ~0.3 s per factory user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Rate-limit counters live in the cache (Redis in the PostgreSQL run): each test starts afresh.
    from django.core.cache import cache

    cache.clear()
    # The hall's in-memory index starts from each test's own database, and re-reads view counts.
    from duijie.supply import hallindex

    settings.DUIJIE_HALL_VIEWS_TTL = 0
    hallindex.reset()
    # Each test's matching indexes live in its own folder (they are kept on disk, per database).
    settings.DUIJIE_MATCHING_DIR = str(tmp_path / "matching")
    from duijie.matching import selectors as matching

    matching.reset()


@pytest.fixture
def in_english():  # type: ignore[no-untyped-def]
    """Messages made during the test read in the source language, whatever translations exist."""
    with translation.override("en"):
        yield


@pytest.fixture
def user(db):  # type: ignore[no-untyped-def]
    return UserFactory()


@pytest.fixture
def operator(db):  # type: ignore[no-untyped-def]
    return OperatorFactory()


@pytest.fixture
def org_admin(db):  # type: ignore[no-untyped-def]
    """An administrator membership (``.user``, ``.organisation``)."""
    return AdminMembershipFactory()


@pytest.fixture
def client_for():  # type: ignore[no-untyped-def]
    """``client_for(user)``: a test client signed in as that user (``None``: anonymous).

    ``language="en"`` asks for pages in that language (the language cookie), so that a test
    can compare with the source wording whatever translations exist.
    """

    def make(user, *, language: str | None = None, **defaults) -> Client:  # type: ignore[no-untyped-def]
        client = Client(**defaults)
        if language:
            client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
        if user is not None:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make
