"""One email per domain event, to the people who must act on it, each in the recipient's
own language (`User.locale`) with absolute links from MARKET_PUBLIC_BASE_URL.

The domain services call these functions where the event happens, in the same
transaction: the cooperative's team hears of new orders, payments, disputes and the
decision on its application; officers of the province (admins where the province has none)
hear of a new item in their queue."""
from __future__ import annotations

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from market.accounts.models import Role, User
from market.extensions import db
from market.i18n import LOCALES, format_vnd
from market.notifications.services import enqueue
from market.urls import public_base_url


def _link(endpoint: str, locale: str, **values) -> str:
    values["lang"] = locale
    if has_request_context():
        return public_base_url() + url_for(endpoint, **values)
    with current_app.test_request_context():
        return public_base_url() + url_for(endpoint, **values)


def send(recipients, subject, body, endpoint: str, **values) -> int:
    """Queue one mail per recipient (once per address), subject and body rendered in the
    recipient's locale; the body ends with the link to act on. Returns how many."""
    sent = set()
    for user in recipients:
        if user.email in sent:
            continue
        sent.add(user.email)
        locale = user.locale if user.locale in LOCALES else "vi"
        with force_locale(locale):
            link = _link(endpoint, locale, **values)
        enqueue(user.email, locale, subject,
                _l("%(body)s\n\nOpen: %(link)s\n\nHTX Market", body=body, link=link))
    return len(sent)


def team_of(cooperative_id: int) -> list[User]:
    """The cooperative's owner and staff (active accounts)."""
    return list(db.session.scalars(
        db.select(User).where(User.cooperative_id == cooperative_id,
                              User.role == Role.COOP_STAFF.value,
                              User.is_active_account.is_(True))
        .order_by(User.is_owner.desc(), User.id)))


def reviewers_of(province_code: int) -> list[User]:
    """Officers of the province; the admins when the province has none."""
    active = User.is_active_account.is_(True)
    officers = list(db.session.scalars(
        db.select(User).where(User.role == Role.OFFICER.value,
                              User.province_code == province_code, active).order_by(User.id)))
    return officers or list(db.session.scalars(
        db.select(User).where(User.role == Role.ADMIN.value, active).order_by(User.id)))


# --- to the cooperative ------------------------------------------------------------------

def new_order(vendor_order) -> int:
    return send(team_of(vendor_order.cooperative_id),
                _l("New order %(id)s", id=vendor_order.number),
                _l("A buyer ordered %(n)d item(s) from %(coop)s, %(total)s in all. %(next)s",
                   n=sum(line.quantity for line in vendor_order.lines),
                   coop=vendor_order.cooperative.name, total=_vnd(vendor_order.total),
                   next=_l("Cash on delivery: pack it now.")
                   if vendor_order.status == "confirmed"
                   else _l("Wait for the payment before packing; we will tell you.")),
                "orders.vendor_order", public_id=vendor_order.public_id)


def payment_received(vendor_order) -> int:
    return send(team_of(vendor_order.cooperative_id),
                _l("Payment received for order %(id)s", id=vendor_order.number),
                _l("The buyer's payment of %(total)s reached the platform. Pack and ship the "
                   "order.", total=_vnd(vendor_order.total)),
                "orders.vendor_order", public_id=vendor_order.public_id)


def dispute_opened(dispute) -> int:
    vo = dispute.vendor_order
    count = send(team_of(vo.cooperative_id),
                 _l("A buyer opened a dispute about order %(id)s", id=vo.number),
                 _l("Answer the buyer on the order's page; an officer of the province "
                    "decides after reading both sides."),
                 "orders.vendor_order", public_id=vo.public_id)
    return count + send(reviewers_of(vo.cooperative.province_code),
                        _l("A dispute to decide: order %(id)s", id=vo.number),
                        _l("A buyer of %(coop)s opened a dispute. It is in your queue.",
                           coop=vo.cooperative.name),
                        "orders.dispute_queue")


def application_decided(coop, approved: bool, reason: str = "") -> int:
    if approved:
        return send(team_of(coop.id), _l("%(coop)s is approved on HTX Market", coop=coop.name),
                    _l("Your cooperative is approved: buyers now see your products on sale."),
                    "vendors.dashboard")
    return send(team_of(coop.id),
                _l("Your application for %(coop)s was not approved", coop=coop.name),
                _l("The reviewer's reason: \"%(reason)s\". Correct your profile and submit "
                   "it again.", reason=reason),
                "vendors.profile")


# --- to the province's officers ------------------------------------------------------------

def application_submitted(coop) -> int:
    return send(reviewers_of(coop.province_code),
                _l("A cooperative application to review: %(coop)s", coop=coop.name),
                _l("%(coop)s applied to sell on HTX Market. It is in your queue.",
                   coop=coop.name),
                "vendors.review", slug=coop.slug)


def certificate_submitted(cert) -> int:
    from market.vendors.models import Cooperative

    coop = db.session.get(Cooperative, cert.cooperative_id)
    return send(reviewers_of(coop.province_code),
                _l("An OCOP certificate to verify: %(number)s", number=cert.certificate_number),
                _l("%(coop)s submitted an OCOP certificate (%(stars)d stars). It is in your "
                   "queue.", coop=coop.name, stars=cert.stars),
                "ocop.review_detail", public_id=cert.public_id)


class _vnd:
    """An amount formatted when the mail is rendered, in the recipient's locale."""

    def __init__(self, amount: int):
        self.amount = amount

    def __str__(self) -> str:
        return format_vnd(self.amount)
