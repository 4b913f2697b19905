"""Signed, expiring tokens for e-mail verification and random secrets for links and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "duijie.accounts.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):  # type: ignore[no-untyped-def]
        # Changes once the address is verified or changed, so a used link stops working.
        return f"{user.pk}{user.email}{user.email_verified_at}{timestamp}"


email_verification_token = EmailVerificationTokenGenerator()


def encode_uid(pk: int) -> str:
    return urlsafe_base64_encode(force_bytes(pk))


def decode_uid(uidb64: str) -> int | None:
    try:
        return int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()
