"""A session-wide guard: no customer's ID number, mobile or email may appear in the log output.

A logging handler records every message (with its traceback) that any logger emits during the
whole test run. After each test that touched the database, the protected values of every
customer it created are collected (decrypted from the database before the test's data goes).
At the end of the session, any collected value found in any recorded message fails the run.

Hooked into pytest from tests/conftest.py.
"""

import logging
import threading

import pytest

# Shorter values (a 5-character passport number) could match unrelated text by chance.
MIN_LENGTH = 8


class RecordingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.messages: list[str] = []
        self._guard = threading.Lock()
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # noqa: BLE001 - a broken record must not break the suite
            text = str(record.msg)
        with self._guard:
            self.messages.append(text)


def variants(value: str) -> set[str]:
    """The spellings a value may be logged in: a mobile as +86… and as its 11 digits."""
    found = {value}
    if value.startswith("+86"):
        found.add(value[3:])
    return {v for v in found if len(v) >= MIN_LENGTH}


def leaks(messages: list[str], seeded: set[str]) -> list[tuple[str, str]]:
    """(value, message) for every seeded value that some message contains."""
    return [
        (value, message) for value in sorted(seeded) for message in messages if value in message
    ]


def mask(value: str) -> str:
    return value[:3] + "*" * (len(value) - 5) + value[-2:]


class LogGuard:
    def __init__(self) -> None:
        self.handler = RecordingHandler()
        self.seeded: set[str] = set()
        self.found: list[tuple[str, str]] = []

    def install(self) -> None:
        """On the root logger, and on every logger that does not pass records up to it."""
        logging.getLogger().addHandler(self.handler)
        for logger in logging.Logger.manager.loggerDict.values():
            if isinstance(logger, logging.Logger) and not logger.propagate:
                logger.addHandler(self.handler)

    def collect(self) -> None:
        """The protected values of every customer now in the database (values that no
        configured key decrypts, written by key-rotation tests, are skipped)."""
        from django.db.models import TextField
        from django.db.models.functions import Cast

        from bankcrm.common import crypto
        from bankcrm.customers.models import Customer

        raw = Customer.objects.annotate(
            **{
                f"raw_{n}": Cast(n, output_field=TextField())
                for n in ("id_number", "mobile", "email")
            }
        ).values_list("raw_id_number", "raw_mobile", "raw_email")
        for row in raw:
            for token in row:
                if not token:
                    continue
                try:
                    self.seeded |= variants(crypto.decrypt(token))
                except crypto.DecryptionError:
                    continue

    def check(self) -> None:
        self.found = leaks(self.handler.messages, self.seeded)


GUARD = LogGuard()


def pytest_sessionstart(session):
    GUARD.install()


@pytest.fixture(autouse=True)
def _collect_seeded_personal_data(request):
    """After a test that used the database, remember its customers' protected values."""
    names = set(request.fixturenames)
    database = next((n for n in ("transactional_db", "db") if n in names), None)
    if database is not None:
        request.getfixturevalue(database)  # set up first, so torn down after this collects
    elif request.node.get_closest_marker("django_db") is None:
        yield
        return
    yield
    try:
        GUARD.collect()
    except Exception:  # noqa: BLE001, S110 - a test that broke its connection: nothing to collect
        pass


def pytest_sessionfinish(session, exitstatus):
    GUARD.check()
    if GUARD.found and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not GUARD.found:
        return
    terminalreporter.section("personal data in the log output", red=True)
    for value, message in GUARD.found[:20]:
        shown = message.replace(value, mask(value))
        terminalreporter.write_line(f"{mask(value)} in: {shown[:300]}")
    terminalreporter.write_line(
        f"{len(GUARD.found)} log message(s) hold a seeded ID number, mobile or email."
    )
