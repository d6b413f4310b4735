from tests.messaging.conftest import sms_gateway, smtp  # noqa: F401 - fixtures
