"""Order numbers: readable, unique, suffixed per cooperative, typed back in any form."""
import re

import pytest

from market.orders import numbers

CANONICAL = re.compile(r"^HTX-[23456789ABCDEFGHJKMNPQRSTWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTWXYZ]{4}$")


def test_new_numbers_avoid_look_alike_characters():
    drawn = {numbers.new_number() for _ in range(2000)}
    assert len(drawn) == 2000
    assert all(CANONICAL.match(n) for n in drawn)
    assert not set("".join(n[4:] for n in drawn)) & set("01ILOUV")


@pytest.mark.parametrize("typed, expected", [
    ("HTX-7K3Q-9M2P", ("HTX-7K3Q-9M2P", None)),
    ("htx-7k3q-9m2p", ("HTX-7K3Q-9M2P", None)),
    ("  HTX 7K3Q 9M2P ", ("HTX-7K3Q-9M2P", None)),
    ("7K3Q9M2P", ("HTX-7K3Q-9M2P", None)),
    ("HTX7K3Q9M2P", ("HTX-7K3Q-9M2P", None)),  # as a bank statement shows it
    ("HTX-7K3Q-9M2P-2", ("HTX-7K3Q-9M2P", 2)),
    ("htx7k3q9m2p2", ("HTX-7K3Q-9M2P", 2)),
])
def test_typed_numbers_are_understood(typed, expected):
    assert numbers.parse(typed) == expected


@pytest.mark.parametrize("typed", ["", None, "HTX-7K3Q", "HTX-7K3Q-9M2O", "HTX-7K3Q-9M2P-X",
                                   "HTX-7K3Q-9M2P-12345", "x" * 500, "HTX-ĐK3Q-9M2P"])
def test_what_cannot_be_a_number_is_refused(typed):
    assert numbers.parse(typed) is None


def test_an_order_and_its_parts_share_one_number(make):
    a, b = make.cooperative(), make.cooperative()
    pa, pb = make.product(a), make.product(b)
    order = make.order([(pa, 1), (pb, 2)], method="vietqr")
    assert CANONICAL.match(order.number)
    assert [vo.number for vo in order.vendor_orders] == [f"{order.number}-1",
                                                         f"{order.number}-2"]
    # The bank transfer message carries the same number, letters and digits only.
    assert order.transfer_reference == order.number.replace("-", "")
    assert numbers.parse(order.transfer_reference) == (order.number, None)
    other = make.order([(pa, 1)])
    assert other.number != order.number
