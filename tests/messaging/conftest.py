"""Fixtures of the outbox tests: a real SMTP server and a fake SMS gateway, both on loopback,
that can be stopped and started again (the server that was down comes back)."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bankcrm.customers.services import consent_set


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """aiosmtpd on a fixed loopback port; `received` keeps (recipients, message text)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[tuple[list[str], str]] = []
        self._controller = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        received = self.received

        class Keep:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's
                received.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
                return "250 OK"

        self._controller = Controller(Keep(), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp(settings):
    """Django's mail pointed at a local SMTP server, not started yet (call .start())."""
    import logging

    # The test server's own log quotes each recipient: quiet it (the app's logs stay checked).
    server_log = logging.getLogger("mail.log")
    level = server_log.level
    server_log.setLevel(logging.WARNING)
    server = SmtpServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()
    server_log.setLevel(level)


class Gateway:
    """A fake SMS gateway: records each JSON POST; answers with `status` (200: {"id": ...})."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length).decode())
                gateway.requests.append({"headers": dict(self.headers), "body": body})
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                if gateway.status == 200:
                    self.wfile.write(json.dumps({"id": f"GW{len(gateway.requests)}"}).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sms_gateway(settings):
    gateway = Gateway()
    settings.MESSAGING_SMS_GATEWAY_URL = gateway.url
    settings.MESSAGING_SMS_GATEWAY_TOKEN = "gw-secret"
    settings.MESSAGING_SMS_SENDER = "BANKCRM"
    yield gateway
    gateway.close()


def consent(bank, customer, channel: str, purpose: str = "service", granted: bool = True):
    return consent_set(
        actor=bank.rm,
        customer=customer,
        channel=channel,
        purpose=purpose,
        granted=granted,
        source="branch form",
    )
