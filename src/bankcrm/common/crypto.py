"""Encryption at rest for C2 personal financial data, and keyed blind indexes for exact search.

Field values are encrypted with MultiFernet: the first key in settings.FIELD_ENCRYPTION_KEYS
encrypts, every listed key decrypts, so keys rotate without downtime (`bankcrm rotate_keys`
re-encrypts under the newest key). Blind indexes are HMAC-SHA256 under a separate key, so the
database can answer "which customer has this mobile number" without holding the number.
"""

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("BANKCRM_FIELD_KEYS must list at least one Fernet key.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "BANKCRM_FIELD_KEYS must hold url-safe base64 32-byte keys."
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as exc:
        raise DecryptionError("A protected value could not be decrypted.") from exc


def rotate(token: str) -> str:
    """Re-encrypt a token under the newest key."""
    try:
        return fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise DecryptionError("A protected value could not be decrypted.") from exc


def blind_index(kind: str, normalized_value: str) -> str:
    """A keyed, deterministic digest of a normalised value; `kind` separates the domains."""
    key = settings.BLIND_INDEX_KEY.encode()
    digest = hmac.new(key, f"{kind}:{normalized_value}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")
