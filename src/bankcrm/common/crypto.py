"""Encryption at rest for C2 personal financial data, and keyed blind indexes for exact search.

Field values are encrypted with MultiFernet: the first key in settings.FIELD_ENCRYPTION_KEYS
encrypts, every listed key decrypts, so keys rotate without downtime (`bankcrm rotate_keys`
re-encrypts under the newest key). Blind indexes are HMAC-SHA256 under a separate key, so the
database can answer "which customer has this mobile number" without holding the number. While
the index key is rotated, settings.BLIND_INDEX_KEY_PREVIOUS holds the old one: lookups try both
digests (`blind_index_candidates`) until `bankcrm rotate_keys --index` has re-indexed every row.
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
    except (InvalidToken, UnicodeError) as exc:
        raise DecryptionError("A protected value could not be decrypted.") from exc


@cache
def _newest(key: str) -> Fernet:
    return Fernet(key.encode())


def is_current(token: str) -> bool:
    """Whether a token is already encrypted under the newest key (nothing left to rotate)."""
    try:
        _newest(settings.FIELD_ENCRYPTION_KEYS[0]).decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError):
        return False
    return True


def _digest(key: str, kind: str, normalized_value: str) -> str:
    digest = hmac.new(key.encode(), f"{kind}:{normalized_value}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def blind_index(kind: str, normalized_value: str) -> str:
    """A keyed, deterministic digest of a normalised value; `kind` separates the domains."""
    return _digest(settings.BLIND_INDEX_KEY, kind, normalized_value)


def warehouse_pseudonym(kind: str, normalized_value: str) -> str:
    """The digest the warehouse knows a value by (an account number's `account_key`), under
    the warehouse key: stable across index-key rotations."""
    return _digest(settings.WAREHOUSE_KEY, kind, normalized_value)


def blind_index_candidates(kind: str, normalized_value: str) -> tuple[str, ...]:
    """The digests a stored row may carry: under the current key and, during an index-key
    rotation, under the previous one."""
    current = blind_index(kind, normalized_value)
    previous = getattr(settings, "BLIND_INDEX_KEY_PREVIOUS", "")
    if not previous or previous == settings.BLIND_INDEX_KEY:
        return (current,)
    return (current, _digest(previous, kind, normalized_value))


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")
