"""Destructive actions take a second, explicit step (no script needed), and only for whoever
may act: others get 404, never the confirmation page."""
from __future__ import annotations

from tests.conftest import login


def test_archiving_asks_first_then_archives(client, make):
    staff = make.staff()
    product = make.product(staff.cooperative, name_vi="Cà phê hạt")
    login(client, staff)
    url = f"/vi/vendor/products/{product.slug}/archive"
    step = client.post(url)
    html = step.get_data(as_text=True)
    assert step.status_code == 200 and "Lưu trữ Cà phê hạt?" in html
    assert 'name="confirmed" value="1"' in html and 'class="danger"' in html
    assert product.status == "active"
    assert client.post(url, data={"confirmed": "1"}).status_code == 302
    assert product.status == "archived"


def test_the_confirmation_step_is_only_for_those_who_may_act(client, make):
    product = make.product(make.staff().cooperative)
    login(client, make.staff())
    assert client.post(f"/vi/vendor/products/{product.slug}/archive").status_code == 404


def test_refusals_and_cancellations_carry_their_fields_to_the_second_step(client, make):
    owner = make.staff(is_owner=True)
    member = make.staff(owner.cooperative, name="Nguyễn Văn Tèo")
    login(client, owner)
    html = client.post(f"/en/vendor/staff/{member.public_id}/remove").get_data(as_text=True)
    assert "Remove Nguyễn Văn Tèo from the staff?" in html and member.cooperative_id
    vo = make.order([(make.product(owner.cooperative), 1)], method="cod").vendor_orders[0]
    html = client.post(f"/en/vendor/orders/{vo.public_id}",
                       data={"to": "cancelled"}).get_data(as_text=True)
    assert f"Cancel order {vo.number}?" in html and 'name="to" value="cancelled"' in html
    assert vo.status == "confirmed"
    client.post(f"/en/vendor/orders/{vo.public_id}", data={"to": "cancelled", "confirmed": "1"})
    assert vo.status == "cancelled"
