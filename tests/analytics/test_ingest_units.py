"""Small pieces of the ingestion pipeline."""

import pytest

from bankcrm.analytics.ingest import account_keys
from bankcrm.analytics.mapping import MappingError, build
from bankcrm.common import crypto


def test_batch_account_keys_are_the_blind_index_of_each_number(settings):
    # given account numbers
    numbers = ["6222020000000001", "6222020000000002", "123456789012"]

    # when they are hashed in one batch
    keys = account_keys(numbers)

    # then each is exactly the blind index the holdings carry
    assert keys == [crypto.blind_index("account_number", n) for n in numbers]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"columns": {"amount_due": "X"}}, "Unknown target columns: amount_due."),
        ({"colums": {}}, "Unknown mapping keys: colums."),
        ({"format": "xlsx"}, "format must be csv or parquet."),
        ({"columns": {"direction": "JDBZ"}}, "direction needs a column"),
    ],
)
def test_a_mapping_with_a_mistake_is_refused_with_a_clear_message(data, message):
    # when a mapping with a mistake is read, then it is refused, saying what is wrong
    with pytest.raises(MappingError, match=message):
        build("transactions", data)
