"""The production settings module: passes Django's deployment checks, refuses unsafe keys."""

import base64
import os
import secrets
import subprocess
import sys

import pytest


def _production_env(**overrides: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BANKCRM_", "DATABASE_", "DJANGO_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bankcrm.config.production",
            "BANKCRM_SECRET_KEY": secrets.token_urlsafe(64),
            "BANKCRM_FIELD_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "BANKCRM_INDEX_KEY": secrets.token_urlsafe(32),
            "BANKCRM_WAREHOUSE_KEY": secrets.token_urlsafe(32),
            "BANKCRM_ALLOWED_HOSTS": "crm.bank.example",
            "BANKCRM_PUBLIC_URL": "https://crm.bank.example",
            "DATABASE_URL": "postgres://crm@db.bank.example:5432/crm",
        }
    )
    env.update(overrides)
    return env


def _bankcrm(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "bankcrm.manage", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deployment_check():
    result = _bankcrm("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret():
    env = _production_env()
    del env["BANKCRM_FIELD_KEYS"]
    result = _bankcrm("check", env=env)
    assert result.returncode != 0
    assert "BANKCRM_FIELD_KEYS is required" in result.stderr


def test_production_refuses_links_to_customers_that_are_not_https():
    result = _bankcrm("check", env=_production_env(BANKCRM_PUBLIC_URL="http://crm.bank.example"))
    assert result.returncode != 0
    assert "BANKCRM_PUBLIC_URL must be an https:// address" in result.stderr


@pytest.mark.parametrize("same_as", ["BANKCRM_INDEX_KEY", "dev-only-warehouse-pseudonym-key"])
def test_production_refuses_a_warehouse_key_that_is_not_its_own(same_as):
    env = _production_env()
    env["BANKCRM_WAREHOUSE_KEY"] = env.get(same_as, same_as)
    result = _bankcrm("check", env=env)
    assert result.returncode != 0
    assert "warehouse keys" in result.stderr


def test_production_refuses_an_index_key_equal_to_the_secret_key():
    env = _production_env()
    env["BANKCRM_INDEX_KEY"] = env["BANKCRM_SECRET_KEY"]
    result = _bankcrm("check", env=env)
    assert result.returncode != 0
    assert "separate from SECRET_KEY" in result.stderr
