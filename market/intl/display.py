"""What a page shows of the rate table for the visitor of this request: their display
currency (chosen, kept in the session; else by the page's language) and the estimate of an
amount in it. Views call these and hand the result to templates."""
from __future__ import annotations

from babel.dates import format_date
from flask import session

from market.i18n import current_lang
from market.intl import rates, zones


def chosen_currency() -> str | None:
    return rates.display_currency(session.get("currency"), current_lang())


def estimate(amount_vnd, latest=None) -> dict | None:
    """The estimate of a VND amount in the visitor's currency with its rate's date, or None
    (no currency chosen, no amount, or no rate for it yet). `latest`: a function that
    returns rates.latest() (a kept copy), called only when an estimate is shown."""
    currency = chosen_currency()
    if currency is None or amount_vnd is None:
        return None
    lang = current_lang()
    found = rates.estimate(int(amount_vnd), (latest or rates.latest)().get(currency), lang)
    if found is None:
        return None
    return {"text": found.text, "currency": found.currency, "rate_date": found.rate_date,
            "date_text": format_date(found.rate_date, "long", locale=lang)}


def zone_table(country: str | None) -> dict | None:
    """Abroad (any country but Vietnam): where the zone table's fees come from and of what
    date, for the page that quotes them; None at home."""
    if not country or country == "VN":
        return None
    source, as_of = zones.origin()
    if as_of is None:
        return None
    return {"source": str(source),
            "date_text": format_date(as_of, "long", locale=current_lang())}
