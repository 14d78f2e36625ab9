"""One email per step of an inquiry, through the notifications outbox, in the recipient's
language: the cooperative's team hears of requests, counter-offers, acceptances and
withdrawals; the buyer of quotes, acceptances and refusals. Each links to the thread."""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from market.i18n import format_number, format_vnd
from market.notifications import events
from market.wholesale import terms

THREAD = "wholesale.thread"


class _Rendered:
    """A value formatted when the mail is written, in the recipient's locale."""

    def __init__(self, render):
        self.render = render

    def __str__(self) -> str:
        return self.render(str(get_locale() or "vi"))


def _vnd(amount: int):
    return _Rendered(lambda locale: format_vnd(amount, locale))


def _qty(quantity: int, unit: str):
    return _Rendered(
        lambda locale: f"{format_number(quantity, locale)} {terms.unit_label(unit, quantity)}")


def _goods(rfq):
    return _Rendered(rfq.goods_name)


def _country(code: str):
    return _Rendered(lambda locale: terms.country_name(code, locale))


def _team(rfq):
    return events.team_of(rfq.cooperative_id)


def rfq_sent(rfq) -> int:
    return events.send(
        _team(rfq), _l("Request for quotation: %(goods)s", goods=_goods(rfq)),
        _l("A buyer asks %(coop)s for %(qty)s of %(goods)s, %(incoterm)s %(place)s, to "
           "%(country)s, by %(day)s. Answer with a quote or decline on the inquiry's page.",
           coop=rfq.cooperative.name, qty=_qty(rfq.quantity, rfq.unit), goods=_goods(rfq),
           incoterm=rfq.incoterm, place=rfq.incoterm_place,
           country=_country(rfq.destination_country), day=rfq.target_date.isoformat()),
        THREAD, public_id=rfq.public_id)


def quoted(rfq, quote) -> int:
    return events.send(
        [rfq.buyer], _l("Quote from %(coop)s: %(goods)s", coop=rfq.cooperative.name,
                        goods=_goods(rfq)),
        _l("%(coop)s quotes %(price)s per %(unit)s for %(qty)s, %(incoterm)s %(place)s, "
           "valid until %(day)s. Accept, decline or counter it on the inquiry's page.",
           coop=rfq.cooperative.name, price=_vnd(quote.price_vnd),
           unit=terms.UNITS_BY_CODE[quote.price_unit].singular, qty=_qty(quote.quantity, rfq.unit),
           incoterm=rfq.incoterm, place=rfq.incoterm_place,
           day=quote.valid_until.isoformat()),
        THREAD, public_id=rfq.public_id)


def countered(rfq, event) -> int:
    return events.send(
        _team(rfq), _l("Counter-offer on %(goods)s", goods=_goods(rfq)),
        _l("The buyer answered your quote with a counter-offer. Send a new quote or decline "
           "on the inquiry's page."),
        THREAD, public_id=rfq.public_id)


def accepted(rfq, agreement) -> int:
    subject = _l("Quote accepted: %(goods)s", goods=_goods(rfq))
    body = _l("The quote of %(coop)s for %(goods)s is accepted. The agreement lists both "
              "parties and the terms; print it from its page.",
              coop=rfq.cooperative.name, goods=_goods(rfq))
    return (events.send(_team(rfq), subject, body, "wholesale.agreement",
                        public_id=agreement.public_id)
            + events.send([rfq.buyer], subject, body, "wholesale.agreement",
                          public_id=agreement.public_id))


def declined(rfq) -> int:
    return events.send(_team(rfq), _l("Quote declined: %(goods)s", goods=_goods(rfq)),
                       _l("The buyer declined your quote. The inquiry is closed."),
                       THREAD, public_id=rfq.public_id)


def withdrawn(rfq) -> int:
    return events.send(_team(rfq), _l("Inquiry withdrawn: %(goods)s", goods=_goods(rfq)),
                       _l("The buyer withdrew the request for quotation. The inquiry is "
                          "closed."), THREAD, public_id=rfq.public_id)


def refused(rfq) -> int:
    return events.send([rfq.buyer], _l("%(coop)s cannot quote: %(goods)s",
                                       coop=rfq.cooperative.name, goods=_goods(rfq)),
                       _l("The cooperative declined to quote on your request. Its message is "
                          "on the inquiry's page."), THREAD, public_id=rfq.public_id)
