"""A load killed midway (SIGKILL, no chance to clean up) and re-run gives exactly the rows of
one clean run. The load runs as a real `bankcrm ingest` process against the test database."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from bankcrm.analytics import tables
from bankcrm.analytics.models import LakeFile
from bankcrm.integration.services import extracts_ingest
from tests.analytics.conftest import ALICE_CURRENT, ALICE_SAVINGS, BOB_CURRENT

ROWS = 3000
CHUNK = 100


def _extract(path: Path) -> Path:
    accounts = [ALICE_CURRENT, ALICE_SAVINGS, BOB_CURRENT]
    lines = ["id,account,booked_at,amount,currency,balance_after,channel,category"]
    for i in range(ROWS):
        lines.append(
            f"K{i:06d},{accounts[i % 3]},2024-03-{1 + i % 28:02d} 10:{i % 60:02d}:00,"
            f"-{1 + i % 500}.{i % 100:02d},CNY,{10000 - i}.00,pos,consumption"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


def _rows():
    t = tables.table("transactions")
    return tables.to_arrow(t.order_by("id")).to_pylist()


@pytest.mark.django_db(transaction=True)
def test_a_killed_load_rerun_equals_one_clean_run(accounts, tmp_path):
    # given an extract of 30 chunks, loading in a separate `bankcrm ingest` process
    extract = _extract(tmp_path / "big.csv")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bankcrm.config.test_settings",
        "DATABASE_URL": _database_url(),
        "BANKCRM_VAR_DIR": str(settings.VAR_DIR),
        "BANKCRM_LAKE_PATH": str(settings.WAREHOUSE_LAKE_PATH),
    }
    command = [
        str(Path(sys.executable).with_name("bankcrm")),
        "ingest",
        "transactions",
        str(extract),
        "--chunk-rows",
        str(CHUNK),
        "--no-progress",
        "--rejects",
        str(tmp_path / "rejects.csv"),
    ]
    process = subprocess.Popen(  # noqa: S603 - our own command line
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )

    # when it is killed as soon as its first chunk has committed
    deadline = time.monotonic() + 120
    while not LakeFile.objects.filter(table="transactions").exists():
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    committed = LakeFile.objects.filter(table="transactions").count()
    partial = len(_rows())

    # and the same load is run again to the end
    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)  # noqa: S603
    assert rerun.returncode == 0, rerun.stderr
    after_rerun = _rows()

    # then the killed run had stopped midway, and the lake now holds exactly what one clean
    # run into an empty lake holds
    assert process.returncode == -signal.SIGKILL
    assert 1 <= committed < ROWS // CHUNK
    assert 0 < partial < ROWS
    assert f"skipped (already present): {partial:,}" in rerun.stdout
    LakeFile.objects.all().delete()
    settings.WAREHOUSE_LAKE_PATH = tmp_path / "clean-lake"
    from bankcrm.integration.services import warehouse_sync

    warehouse_sync(full=True)
    clean = extracts_ingest(
        feed="transactions", paths=[str(extract)], rejects_path=tmp_path / "clean.csv"
    )
    assert clean.loaded == ROWS
    assert after_rerun == _rows()
    assert len({r["id"] for r in after_rerun}) == ROWS
