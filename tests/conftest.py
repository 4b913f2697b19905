from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import AdminMembershipFactory, OperatorFactory, UserFactory


@pytest.fixture(autouse=True)
def _test_defaults(settings):  # type: ignore[no-untyped-def]
    # Mail stays in memory; sign-in throttling state is per test.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


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
    """``client_for(user)``: a test client signed in as that user."""

    def make(user) -> Client:  # type: ignore[no-untyped-def]
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make
