"""The outbox's settings: a Django setting of the same name wins (tests, settings modules), else
the environment variable BANKCRM_<NAME>, else the default. docs/messaging.md lists them."""

from django.conf import settings

from bankcrm.config.env import env, env_int

_INTS = {
    # Attempts before a message is given up (status failed).
    "MESSAGING_MAX_ATTEMPTS": 6,
    # Backoff: BASE · 2^(attempt−1) seconds after a failed attempt, at most MAX.
    "MESSAGING_RETRY_BASE_SECONDS": 60,
    "MESSAGING_RETRY_MAX_SECONDS": 6 * 3600,
    # A message `sending` for longer than this (a worker that died) returns to the queue.
    "MESSAGING_LEASE_SECONDS": 300,
    # The periodic sweep's interval (`bankcrm dispatch_outbox --schedule`).
    "MESSAGING_SWEEP_SECONDS": 60,
    # Timeout of one call to a channel's gateway.
    "MESSAGING_HTTP_TIMEOUT": 10,
}
_STRINGS = {
    "MESSAGING_SMS_GATEWAY_URL": "",  # env BANKCRM_SMS_GATEWAY_URL
    "MESSAGING_SMS_GATEWAY_TOKEN": "",  # env BANKCRM_SMS_GATEWAY_TOKEN
    "MESSAGING_SMS_SENDER": "",  # env BANKCRM_SMS_SENDER: the sender id the gateway shows
    "PUBLIC_URL": "http://127.0.0.1:8000",  # env BANKCRM_PUBLIC_URL: links in messages
}
_ENV_NAMES = {
    "MESSAGING_SMS_GATEWAY_URL": "BANKCRM_SMS_GATEWAY_URL",
    "MESSAGING_SMS_GATEWAY_TOKEN": "BANKCRM_SMS_GATEWAY_TOKEN",
    "MESSAGING_SMS_SENDER": "BANKCRM_SMS_SENDER",
    "PUBLIC_URL": "BANKCRM_PUBLIC_URL",
}


def setting_int(name: str) -> int:
    value = getattr(settings, name, None)
    if value is not None:
        return int(value)
    return env_int(f"BANKCRM_{name}", _INTS[name])


def setting_str(name: str) -> str:
    value = getattr(settings, name, None)
    if value is not None:
        return str(value)
    return env(_ENV_NAMES.get(name, f"BANKCRM_{name}"), _STRINGS[name])


def public_url() -> str:
    return setting_str("PUBLIC_URL").rstrip("/")
