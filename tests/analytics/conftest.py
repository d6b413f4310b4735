"""Warehouse fixtures: a fresh lake per test, on DuckDB and (marker `spark`) on Spark local[2]."""

from datetime import date
from decimal import Decimal

import pytest

from bankcrm.analytics import backends
from bankcrm.products.models import ProductType
from bankcrm.products.services import holding_create
from tests import factories

BACKENDS = ["duckdb", pytest.param("spark", marks=pytest.mark.spark)]


@pytest.fixture
def backend() -> str:
    """DuckDB; test_warehouse.py overrides this to run on both backends."""
    return "duckdb"


@pytest.fixture
def lake(backend, settings, tmp_path):
    """An empty lake under tmp_path, read and written by the parametrised backend."""
    settings.WAREHOUSE_BACKEND = backend
    settings.WAREHOUSE_LAKE_PATH = tmp_path / "lake"
    settings.WAREHOUSE_SPARK_MASTER = "local[2]"
    yield backends.warehouse()


# Account numbers of the test bank; the first two belong to `alice`, the third to `bob`.
ALICE_CURRENT = "6222020000000001"
ALICE_SAVINGS = "6222020000000002"
BOB_CURRENT = "6222020000000003"


@pytest.fixture
def accounts(bank, lake):
    """Two customers with three accounts, synced into the warehouse's snapshots."""
    from bankcrm.integration.services import warehouse_sync

    deposit = factories.product(type=ProductType.DEMAND_DEPOSIT)
    alice = factories.customer(actor=bank.rm, name="李娜")
    bob = factories.customer(actor=bank.rm, name="王强")
    for owner, number in ((alice, ALICE_CURRENT), (alice, ALICE_SAVINGS), (bob, BOB_CURRENT)):
        holding_create(
            actor=bank.rm,
            customer=owner,
            product=deposit,
            account_number=number,
            balance=Decimal("1000.00"),
            opened_on=date(2020, 1, 1),
        )
    warehouse_sync()
    return {"alice": alice, "bob": bob}


@pytest.fixture(scope="session", autouse=True)
def _stop_spark():
    """One Spark session serves the whole run; stop it cleanly at the end."""
    yield
    import sys

    if "pyspark" in sys.modules:
        from pyspark.sql import SparkSession

        session = SparkSession.getActiveSession()
        if session is not None:
            session.stop()
