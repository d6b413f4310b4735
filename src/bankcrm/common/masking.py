"""The masking policy, in one table so it can be tightened in one place (security.md)."""

from collections.abc import Callable


def _keep(head: int, tail: int) -> Callable[[str], str]:
    def mask(value: str) -> str:
        if len(value) <= head + tail:
            return "*" * len(value)
        return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]

    return mask


def _mobile(value: str) -> str:
    digits = value[3:] if value.startswith("+86") else value.lstrip("+")
    if len(digits) < 8:
        return "*" * len(digits)
    return digits[:3] + "****" + digits[-4:]


def _email(value: str) -> str:
    local, at, domain = value.partition("@")
    if not at:
        return "*" * len(value)
    return f"{local[:1]}***@{domain}"


def _name(value: str) -> str:
    return value[:1] + "*" * max(len(value) - 1, 1) if value else value


POLICY: dict[str, Callable[[str], str]] = {
    "id_number": _keep(6, 4),
    "mobile": _mobile,
    "card_number": _keep(6, 4),
    "account_number": _keep(0, 4),
    "email": _email,
    "name": _name,
}


def mask(kind: str, value: str | None) -> str:
    if not value:
        return ""
    return POLICY[kind](value)
