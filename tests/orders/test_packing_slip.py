"""The packing slip (what a carrier needs on the parcel) and the cooperative's order search."""
from __future__ import annotations

from market.accounts.models import Role
from market.orders import numbers, packing
from market.orders import services as orders
from tests.conftest import login


def _shop(make, weight=250):
    coop = make.cooperative(name="HTX Ea Kmat", contact_phone="0262 3850 111")
    staff = make.staff(coop)
    coffee = make.product(coop, name_vi="Cà phê rang xay", price=150_000, weight_grams=weight)
    pepper = make.product(coop, name_vi="Tiêu đen", price=90_000, unit="kg")
    return coop, staff, coffee, pepper


def test_slip_has_what_the_carrier_needs_and_the_cash_to_collect(make):
    _, staff, coffee, pepper = _shop(make)
    order = make.order([(coffee, 3), (pepper, 2)], method="cod", name="Trần Văn Bình",
                       phone="0987 654 321", address_line="12 Hàng Bạc")
    vo = order.vendor_orders[0]
    slip = packing.packing_slip(staff, vo.public_id)
    assert slip.number == vo.number and slip.number.endswith("-1")
    assert (slip.recipient, slip.phone, slip.address_line) == (
        "Trần Văn Bình", "0987654321", "12 Hàng Bạc")
    assert slip.commune == "Phường Hoàn Kiếm" and slip.province == "Thành phố Hà Nội"
    assert [(line.name, line.quantity, line.unit) for line in slip.lines] == [
        ("Cà phê rang xay", 3, "gói"), ("Tiêu đen", 2, "kg")]
    # 3 x 250 g recorded; pepper has no weight: 1 kg a unit, and the slip says it estimated
    assert [line.weight_grams for line in slip.lines] == [750, 2000]
    assert slip.total_weight_grams == 2750 and slip.weight_estimated
    assert slip.cod_amount == vo.total == 3 * 150_000 + 2 * 90_000 + vo.shipping_fee
    assert not slip.prepaid and slip.sender == "HTX Ea Kmat"


def test_prepaid_orders_collect_nothing(make):
    _, staff, coffee, _ = _shop(make)
    vo = make.order([(coffee, 1)], method="vietqr").vendor_orders[0]
    slip = packing.packing_slip(staff, vo.public_id)
    assert slip.cod_amount == 0 and slip.prepaid and not slip.weight_estimated


def test_slip_page_prints_in_either_language(client, make):
    _, staff, coffee, _ = _shop(make)
    vo = make.order([(coffee, 2)], method="cod").vendor_orders[0]
    login(client, staff)
    html = client.get(f"/vi/vendor/orders/{vo.public_id}/slip").get_data(as_text=True)
    assert vo.number in html and "Phường Hoàn Kiếm" in html and "Thành phố Hà Nội" in html
    assert "Thu hộ" in html and "print-a6.css" in html and "js/print.js" in html
    assert "<script>" not in html  # no inline script: the CSP forbids it
    html = client.get(f"/en/vendor/orders/{vo.public_id}/slip?size=a4").get_data(as_text=True)
    assert "print-a4.css" in html and "Cash to collect (COD)" in html and "0.5 kg" in html
    assert client.get(f"/en/vendor/orders/{vo.public_id}/slip?size=../x").status_code == 200
    page = client.get(f"/vi/vendor/orders/{vo.public_id}").get_data(as_text=True)
    assert f"/vi/vendor/orders/{vo.public_id}/slip" in page
    listing = client.get("/vi/vendor/orders").get_data(as_text=True)
    assert f"/vi/vendor/orders/{vo.public_id}/slip" in listing


def test_another_cooperative_and_buyers_get_404_admins_may_print(client, make):
    _, _, coffee, _ = _shop(make)
    buyer = make.user()
    vo = make.order([(coffee, 1)], method="cod", buyer=buyer).vendor_orders[0]
    url = f"/vi/vendor/orders/{vo.public_id}/slip"
    for outsider in (make.staff(), buyer, make.officer()):
        other = client.application.test_client()
        login(other, outsider)
        assert other.get(url).status_code == 404
    admin = client.application.test_client()
    login(admin, make.user(Role.ADMIN))
    assert admin.get(url).status_code == 200


def test_orders_found_by_number_as_typed_and_only_ones_own(make):
    coop, _, coffee, _ = _shop(make)
    other_coop_product = make.product(make.cooperative())
    mine = make.order([(coffee, 1)], method="cod", name="Lê Thị Hoa", phone="0912 000 111")
    split = make.order([(coffee, 1), (other_coop_product, 1)], method="cod")
    theirs = make.order([(other_coop_product, 1)], method="cod")
    typed = numbers.compact(mine.number).lower()  # htx7k3q9m2p
    assert [vo.order_id for vo in orders.vendor_orders_for(coop.id, None, typed)] == [mine.id]
    assert orders.vendor_orders_for(coop.id, None, f" {mine.number.lower()}-1 ")[0].order_id \
        == mine.id
    part_two = split.vendor_orders[1].number  # the other cooperative's part of the order
    assert orders.vendor_orders_for(coop.id, None, part_two) == []
    assert [vo.order_id for vo in orders.vendor_orders_for(coop.id, None, split.number)] == [
        split.id]
    assert orders.vendor_orders_for(coop.id, None, theirs.number) == []
    assert [vo.order_id for vo in orders.vendor_orders_for(coop.id, None, "hoa")] == [mine.id]
    assert [vo.order_id for vo in orders.vendor_orders_for(coop.id, None, "000 111")] == [
        mine.id]
    assert orders.vendor_orders_for(coop.id, None, "%") == []


def test_order_list_search_through_the_page(client, make):
    _, staff, coffee, _ = _shop(make)
    first = make.order([(coffee, 1)], method="cod")
    second = make.order([(coffee, 1)], method="cod")
    login(client, staff)
    html = client.get("/en/vendor/orders", query_string={"q": first.number.lower()}).get_data(
        as_text=True)
    assert first.number in html and second.number not in html
    html = client.get("/en/vendor/orders", query_string={"q": "HTX-2222-2222"}).get_data(
        as_text=True)
    assert "No order matches" in html
