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
    assert keys == [crypto.warehouse_pseudonym("account_number", n) for n in numbers]


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


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        ([["a", "b", "c"]], ("a", "c")),  # sorted: proven distinct by one comparison
        ([["a", "b"], ["c"]], ("a", "c")),  # across Arrow chunks
        ([["b", "a", "c"]], ("a", "c")),  # unsorted but distinct
        ([["a", "b", "a"]], None),  # a repeated key
        ([["a", None, "c"]], ("a", "c")),  # NULLs (rejected rows) do not count
        ([[None, None]], None),
        ([["x"]], ("x", "x")),
    ],
)
def test_distinct_key_range(chunks, expected):
    # when the range of a chunk's keys is asked, then it is given only if they are distinct
    import pyarrow as pa

    from bankcrm.analytics.ingest import _distinct_range

    assert _distinct_range(pa.chunked_array(chunks, pa.string())) == expected
