import pytest

from tests import factories


@pytest.fixture
def bank(db) -> factories.Bank:
    return factories.Bank()


@pytest.fixture
def customer(bank):
    """A customer of the Chaoyang sub-branch, in `bank.rm`'s book."""
    return factories.customer(
        actor=bank.rm,
        name="张三丰",
        mobile="13800138000",
        id_number="11010519491231002X",
        email="sanfeng@example.cn",
    )
