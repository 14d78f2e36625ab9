"""The RFQ state machine in the service: sending, quoting, countering, re-quoting,
accepting (an agreement), the refusals with their reasons, who may see an inquiry, the
emails each step writes, and the Department's aggregate without contacts."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from market.accounts.models import Role
from market.department import services as department
from market.errors import NotFound, PermissionDenied, ValidationError
from market.extensions import db
from market.notifications.models import OutboxEmail
from market.wholesale import services as wholesale
from market.wholesale.models import Agreement, RfqEvent
from tests.wholesale.conftest import QUOTE_DATA, TODAY, send


def _mails_to(email):
    return list(db.session.scalars(db.select(OutboxEmail).filter_by(recipient=email)
                                   .order_by(OutboxEmail.id)))


def test_rfq_quote_counter_requote_accept_makes_an_agreement(shop):
    coop, owner, product, importer = shop
    rfq = send(importer, product)
    assert (rfq.status, rfq.quantity, rfq.unit, rfq.quantity_kg) == ("open", 2, "tonne", 2000)
    assert rfq.goods == "Green Robusta beans"  # in the buyer's language
    assert rfq.contact_email == importer.email and rfq.company == "Kaffeehaus Import GmbH"
    [to_coop] = _mails_to(owner.email)
    assert to_coop.subject == "Yêu cầu báo giá: Cà phê nhân Robusta"  # in the owner's words
    assert "FOB Ho Chi Minh City" in to_coop.body and "Đức" in to_coop.body  # owner reads vi
    assert f"/vi/inquiries/{rfq.public_id}" in to_coop.body

    first = wholesale.quote(owner, rfq.public_id, QUOTE_DATA, today=TODAY)
    assert rfq.status == "quoted" and first.price_usd_cents == 448669
    [quoted_mail] = _mails_to(importer.email)
    assert quoted_mail.subject.startswith("Quote from HTX Cà phê Ea Tu")
    assert "₫118,000,000 per tonne for 2 tonnes, FOB Ho Chi Minh City" in quoted_mail.body
    assert f"/en/inquiries/{rfq.public_id}" in quoted_mail.body

    wholesale.counter(importer, rfq.public_id, {"price_vnd": "112.000.000", "quantity": "",
                                                "message": "Could you do 112 million?"})
    assert rfq.status == "countered"
    second = wholesale.quote(owner, rfq.public_id, {**QUOTE_DATA, "price_vnd": "115000000"},
                             today=TODAY)
    with pytest.raises(wholesale.InvalidTransition) as stale:
        wholesale.accept(importer, rfq.public_id, first.public_id, today=TODAY)
    assert stale.value.code == "quote_replaced"
    agreement = wholesale.accept(importer, rfq.public_id, second.public_id, today=TODAY)
    assert rfq.status == "accepted" and agreement.rfq_id == rfq.id
    assert agreement.terms["price_vnd"] == 115_000_000
    assert agreement.terms["total_vnd"] == 230_000_000
    assert agreement.terms["incoterm"] == "FOB"
    assert agreement.terms["buyer"]["email"] == importer.email
    assert agreement.terms["seller"]["registration_code"] == coop.registration_code
    history = [(e.action, e.side, e.from_status, e.to_status) for e in rfq.events]
    assert history == [
        ("sent", "buyer", None, "open"), ("quoted", "cooperative", "open", "quoted"),
        ("countered", "buyer", "quoted", "countered"),
        ("quoted", "cooperative", "countered", "quoted"),
        ("accepted", "buyer", "quoted", "accepted")]
    assert rfq.events[2].counter_price_vnd == 112_000_000
    # the acceptance is mailed to both parties, each with the agreement's link
    assert f"/agreements/{agreement.public_id}" in _mails_to(importer.email)[-1].body
    assert f"/agreements/{agreement.public_id}" in _mails_to(owner.email)[-1].body

    with pytest.raises(wholesale.InvalidTransition) as again:
        wholesale.accept(importer, rfq.public_id, second.public_id, today=TODAY)
    assert again.value.code == "rfq_accepted"
    assert str(again.value.message) == "Báo giá này đã được chấp nhận: thỏa thuận đã được lập."
    assert db.session.scalar(db.select(db.func.count()).select_from(Agreement)
                             .filter_by(rfq_id=rfq.id)) == 1


def test_an_expired_quote_cannot_be_accepted_but_can_be_countered(shop):
    _, owner, product, importer = shop
    rfq = send(importer, product)
    q = wholesale.quote(owner, rfq.public_id, QUOTE_DATA, today=TODAY)
    with pytest.raises(wholesale.InvalidTransition) as expired:
        wholesale.accept(importer, rfq.public_id, q.public_id, today=date(2026, 12, 21))
    assert expired.value.code == "quote_expired" and rfq.status == "quoted"
    wholesale.counter(importer, rfq.public_id, {"message": "Please quote again."})
    assert rfq.status == "countered"


def test_each_side_does_only_its_own_steps(shop):
    _, owner, product, importer = shop
    rfq = send(importer, product)
    with pytest.raises(PermissionDenied):
        wholesale.quote(importer, rfq.public_id, QUOTE_DATA, today=TODAY)
    with pytest.raises(wholesale.InvalidTransition):  # nothing to accept yet
        wholesale.accept(importer, rfq.public_id, "x", today=TODAY)
    q = wholesale.quote(owner, rfq.public_id, QUOTE_DATA, today=TODAY)
    with pytest.raises(PermissionDenied):
        wholesale.accept(owner, rfq.public_id, q.public_id, today=TODAY)
    with pytest.raises(wholesale.InvalidTransition):  # a quote waits for the buyer
        wholesale.refuse(owner, rfq.public_id)
    wholesale.decline(importer, rfq.public_id, "Too dear for us.")
    with pytest.raises(wholesale.InvalidTransition) as closed:
        wholesale.quote(owner, rfq.public_id, QUOTE_DATA, today=TODAY)
    assert str(closed.value.message) == "Yêu cầu đã đóng: người mua đã từ chối báo giá."


def test_nobody_else_sees_an_inquiry(shop, make):
    coop, owner, product, importer = shop
    rfq = send(importer, product)
    for stranger in (make.user(), make.staff(make.cooperative(), is_owner=True),
                     make.officer(coop.province_code), make.user(Role.ADMIN)):
        with pytest.raises(NotFound):
            wholesale.get_for(stranger, rfq.public_id)
        with pytest.raises(NotFound):
            wholesale.withdraw(stranger, rfq.public_id)
        assert rfq not in wholesale.for_buyer(stranger)
    assert wholesale.for_buyer(importer) == [rfq]
    assert wholesale.for_cooperative(owner) == [rfq]
    with pytest.raises(PermissionDenied):
        wholesale.for_cooperative(importer)


def test_the_department_sees_aggregates_of_its_province_only(shop, make):
    coop, _, product, importer = shop
    send(importer, product)
    send(importer, product, quantity="500", unit="kg", destination_country="JP")
    send(importer, product, quantity="3", unit="container_20", destination_country="DE")
    officer = make.officer(coop.province_code)
    summary = department.wholesale_inquiries(department.scope_for(officer), "365", "en")
    assert (summary.count, summary.kg, summary.containers_20) == (3, 2500, 3)
    assert {c["code"]: c["count"] for c in summary.countries} == {"DE": 2, "JP": 1}
    assert {c["name"] for c in summary.countries} == {"Germany", "Japan"}
    text = repr(summary)
    assert importer.email not in text and "Kaffeehaus" not in text and "Anna" not in text
    other = make.officer(1)
    assert department.wholesale_inquiries(department.scope_for(other), "365", "en").count == 0


def test_bad_inquiries_are_refused_field_by_field(shop):
    _, _, product, importer = shop
    with pytest.raises(ValidationError) as bad:
        send(importer, product, quantity="2,5x", unit="barrel", incoterm="XYZ",
             destination_country="QQ", target_date="2026-11-30", incoterm_place="")
    assert set(bad.value.errors) == {"quantity", "unit", "incoterm", "destination_country",
                                     "target_date", "incoterm_place"}
    with pytest.raises(ValidationError) as too_much:
        send(importer, product, quantity="5000", unit="container_40")
    assert set(too_much.value.errors) == {"quantity"}
    assert wholesale.for_buyer(importer) == []


def test_a_product_without_the_setting_takes_no_inquiry(shop, make):
    coop, owner, product, _ = shop
    other = make.product(coop, name_vi="Mật ong", name_en="Honey")
    with pytest.raises(NotFound):
        wholesale.target_for_product(other.slug)
    assert wholesale.takes_rfq(coop.id, product.id) and not wholesale.takes_rfq(coop.id, other.id)
    wholesale.save_settings(owner, accepts_all=True, product_ids=[])
    assert wholesale.target_for_product(other.slug).product == other
    assert wholesale.target_for_cooperative(coop.slug).open_goods


# --- the state machine against a model of it -------------------------------------------------

MODEL = {  # (status, action, side) -> next status; anything else is refused
    ("open", "quote", "cooperative"): "quoted",
    ("quoted", "quote", "cooperative"): "quoted",
    ("countered", "quote", "cooperative"): "quoted",
    ("quoted", "counter", "buyer"): "countered",
    ("quoted", "accept", "buyer"): "accepted",
    ("quoted", "decline", "buyer"): "declined",
    ("open", "withdraw", "buyer"): "withdrawn",
    ("countered", "withdraw", "buyer"): "withdrawn",
    ("open", "refuse", "cooperative"): "refused",
    ("countered", "refuse", "cooperative"): "refused",
}
STEPS = [(action, side) for action in ("quote", "counter", "accept", "decline", "withdraw",
                                       "refuse") for side in ("buyer", "cooperative")]


def _step(action, user, rfq):
    if action == "quote":
        return wholesale.quote(user, rfq.public_id, QUOTE_DATA, today=TODAY)
    if action == "counter":
        return wholesale.counter(user, rfq.public_id, {"quantity": "3"})
    if action == "accept":
        current = rfq.current_quote.public_id if rfq.current_quote else ""
        return wholesale.accept(user, rfq.public_id, current, today=TODAY)
    return getattr(wholesale, action)(user, rfq.public_id)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(STEPS), max_size=7))
def test_random_steps_follow_the_model(shop, steps):
    _, owner, product, importer = shop
    rfq = send(importer, product)
    expected, done = "open", 1
    for action, side in steps:
        user = importer if side == "buyer" else owner
        following = MODEL.get((expected, action, side))
        if following is None:
            with pytest.raises((wholesale.InvalidTransition, PermissionDenied)):
                _step(action, user, rfq)
        else:
            _step(action, user, rfq)
            expected, done = following, done + 1
        assert rfq.status == expected
    assert db.session.scalar(db.select(db.func.count()).select_from(RfqEvent)
                             .filter_by(rfq_id=rfq.id)) == done
    assert (rfq.agreement is not None) == (expected == "accepted")


def test_closing_steps_mail_the_other_side(shop):
    _, owner, product, importer = shop
    withdrawn = send(importer, product)
    wholesale.withdraw(importer, withdrawn.public_id, "Bought elsewhere.")
    assert _mails_to(owner.email)[-1].subject == "Yêu cầu đã rút: Cà phê nhân Robusta"
    refused = send(importer, product)
    wholesale.refuse(owner, refused.public_id, "Hết vụ, không đủ hàng.")
    mail = _mails_to(importer.email)[-1]
    assert mail.subject == "HTX Cà phê Ea Tu cannot quote: Green Robusta beans"
    assert f"/en/inquiries/{refused.public_id}" in mail.body
    assert [e.message for e in refused.events][-1] == "Hết vụ, không đủ hàng."
