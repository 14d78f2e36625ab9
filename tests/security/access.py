"""The roles, routes and objects of the authorisation tests: POLICY says who may use each
route of the URL map with cooperative A's objects; `world` builds those objects."""
from __future__ import annotations

import hashlib
import io
import re

import pytest
import sqlalchemy as sa
from flask import current_app

from market.accounts import addresses
from market.accounts import services as accounts
from market.accounts.models import Role
from market.department import registry
from market.department import services as department
from market.extensions import db
from market.orders import disputes, links, services
from market.orders.models import VendorOrderStatus as S
from market.prices import services as prices
from market.reviews import services as reviews
from market.vendors import services as vendors
from tests import factories
from tests.conftest import login
from tests.ocop import util as ocop_util
from tests.prices.conftest import csv_bytes, daily_rows

ROLES = ("anon", "buyer", "other_buyer", "staff_a", "staff_b", "officer_a", "officer_b",
         "admin")
PUBLIC = frozenset(ROLES)
ADMIN = frozenset({"admin"})
STAFF_A = frozenset({"staff_a"})
ANY_STAFF = frozenset({"staff_a", "staff_b"})
SIGNED_IN = PUBLIC - {"anon"}
REVIEWERS_A = frozenset({"officer_a", "admin"})
ANY_REVIEWER = frozenset({"officer_a", "officer_b", "admin"})
PRICE_MANAGERS = ANY_REVIEWER

# endpoint -> (who may use it with A's objects, URL arguments by name in the world).
POLICY: dict[str, tuple[frozenset, dict]] = {
    "root": (PUBLIC, {}),
    "healthz": (PUBLIC, {}),
    "livez": (PUBLIC, {}),
    "readyz": (PUBLIC, {}),
    # Loopback clients or METRICS_TOKEN's bearer, whoever is signed in (the tests' client is
    # 127.0.0.1; tests/test_ops.py tries another address and the token).
    "metrics": (PUBLIC, {}),
    "static": (PUBLIC, {"filename": "css/site.css"}),
    "media": (PUBLIC, {"filename": "missing.jpg"}),
    "communes": (PUBLIC, {"province_code": 66}),
    "seo.favicon": (PUBLIC, {}),
    "seo.robots": (PUBLIC, {}),
    "seo.sitemap": (PUBLIC, {}),
    "storefront.home": (PUBLIC, {}),
    "storefront.cooperative": (PUBLIC, {"slug": "coop_slug"}),
    "storefront.product": (PUBLIC, {"slug": "product_slug"}),
    "storefront.category": (PUBLIC, {"slug": "category_slug"}),
    "search.results": (PUBLIC, {}),
    "search.suggest": (PUBLIC, {}),
    "prices.overview": (PUBLIC, {}),
    "prices.commodity": (PUBLIC, {"commodity": "commodity"}),
    # The partner API (market/api): public reads; keyed ones answer 401 to every session.
    "api.prices": (PUBLIC, {"commodity": "commodity"}),
    "api.forecasts": (PUBLIC, {"commodity": "commodity"}),
    "api.commodities": (PUBLIC, {}),
    "api.cooperatives": (PUBLIC, {}),
    "api.cooperative": (PUBLIC, {"slug": "coop_slug"}),
    "api.products": (PUBLIC, {}),
    "api.product": (PUBLIC, {"slug": "product_slug"}),
    "api.categories": (PUBLIC, {}),
    "api.docs": (PUBLIC, {}),
    "api-docs.openapi_json": (PUBLIC, {}),
    "api.create_order": (PUBLIC, {}),  # a guest's checkout, or a key's with orders:write
    "api.order_status": (frozenset(), {"public_id": "order_id"}),  # its key only
    "api.products_jsonl": (frozenset(), {}),  # a key with listings:read
    "api.products_csv": (frozenset(), {}),
    # a key with webhooks:manage, its own endpoints only (tests/webhooks/test_api.py)
    "api.create_webhook": (frozenset(), {}),
    "api.webhooks": (frozenset(), {}),
    "api.webhook": (frozenset(), {"endpoint_id": "we_none"}),
    "api.delete_webhook": (frozenset(), {"endpoint_id": "we_none"}),
    "api.webhook_deliveries": (frozenset(), {"endpoint_id": "we_none"}),
    "api.replay_delivery": (frozenset(), {"delivery_id": "wd_none"}),
    "api_admin.index": (ADMIN, {}),
    "api_admin.detail": (ADMIN, {"key_id": "api_key_id"}),
    "api_admin.rotate": (ADMIN, {"key_id": "api_key_id"}),
    "api_admin.revoke": (ADMIN, {"key_id": "api_key_id"}),
    "prices_api.feed": (PUBLIC, {}),
    "api.merchant_feed": (PUBLIC, {"locale": "vi", "country": "VN"}),
    "webhooks.admin_list": (ADMIN, {}),
    "ocop.verify_page": (PUBLIC, {"number": "certificate_number"}),
    "orders.view_cart": (PUBLIC, {}),
    "orders.add_to_cart": (PUBLIC, {}),
    "orders.update_cart": (PUBLIC, {}),
    "orders.checkout": (PUBLIC, {}),
    "orders.checkout_summary": (PUBLIC, {}),
    # the signed link is the authority: it opens the one guest order it names, for anyone
    "orders.order_by_link": (PUBLIC, {"token": "guest_order_link"}),
    "orders.resend_link": (PUBLIC, {}),  # mails only the order's own address
    "payments.stripe_webhook": (PUBLIC, {}),  # its authority is the signature
    "accounts.login": (PUBLIC, {}),
    "accounts.register": (PUBLIC, {}),
    "accounts.logout": (SIGNED_IN, {}),
    "accounts.profile": (SIGNED_IN, {}),
    "accounts.change_password": (SIGNED_IN, {}),
    "accounts.end_other_sessions": (SIGNED_IN, {}),
    "accounts.forgot_password": (PUBLIC, {}),
    "accounts.reset_password": (PUBLIC, {"token": "reset_token"}),  # the emailed token is
    # the authority: whoever holds the link may set that account's password
    "accounts.edit_profile": (SIGNED_IN, {}),
    "accounts.addresses_list": (SIGNED_IN, {}),
    "accounts.address_new": (SIGNED_IN, {}),
    "accounts.address_edit": (frozenset({"buyer"}), {"public_id": "address_id"}),
    "accounts.address_default": (frozenset({"buyer"}), {"public_id": "address_id"}),
    "accounts.address_delete": (frozenset({"buyer"}), {"public_id": "address_id"}),
    "orders.reorder": (frozenset({"buyer"}), {"public_id": "order_id"}),
    "orders.my_orders": (SIGNED_IN, {}),
    "vendors.apply": (SIGNED_IN, {}),
    "vendors.accept_invitation": (PUBLIC, {"token": "invitation_token"}),  # the token is
    # the authority: whoever holds the emailed link may see whom it invites
    # the buyer's order
    "orders.order_page": (frozenset({"buyer", "admin"}), {"public_id": "order_id"}),
    "payments.stripe_return": (frozenset({"buyer", "admin"}), {"public_id": "order_id"}),
    "orders.cancel_part": (frozenset({"buyer", "admin"}),
                           {"public_id": "order_id", "vo_id": "vendor_order_id"}),
    "orders.pay_order": (frozenset({"buyer", "admin"}), {"public_id": "order_id"}),
    "orders.cancel_order": (frozenset({"buyer", "admin"}), {"public_id": "order_id"}),
    "orders.dispute_photo": (frozenset({"buyer", "staff_a", "officer_a", "admin"}),
                             {"public_id": "dispute_id", "index": 0}),
    "orders.open_dispute": (frozenset({"buyer"}),
                            {"public_id": "order_id", "vo_id": "vendor_order_id"}),
    # cooperative A's back office
    "vendors.dashboard": (ANY_STAFF, {}),
    "vendors.export": (ANY_STAFF, {"fmt": "csv"}),
    "vendors.template": (ANY_STAFF, {"fmt": "csv"}),
    "vendors.import_products": (ANY_STAFF, {}),
    "vendors.product_new": (ANY_STAFF, {}),
    "vendors.profile": (ANY_STAFF, {}),
    "vendors.staff": (ANY_STAFF, {}),
    "vendors.product_edit": (STAFF_A, {"slug": "product_slug"}),
    "vendors.product_archive": (STAFF_A, {"slug": "product_slug"}),
    "vendors.image_upload": (STAFF_A, {"slug": "product_slug"}),
    "vendors.image_delete": (STAFF_A, {"image_id": "image_id"}),
    "vendors.staff_remove": (STAFF_A, {"public_id": "staff_member_id"}),
    "orders.vendor_orders": (ANY_STAFF, {}),
    "orders.vendor_payouts": (ANY_STAFF, {}),
    "orders.vendor_order": (STAFF_A, {"public_id": "vendor_order_id"}),
    "orders.vendor_order_action": (STAFF_A, {"public_id": "cod_vendor_order_id"}),
    "orders.answer_dispute": (STAFF_A, {"public_id": "dispute_id"}),
    "ocop.manage": (ANY_STAFF, {}),
    "ocop.submit": (ANY_STAFF, {}),
    "ocop.manage_detail": (STAFF_A, {"public_id": "certificate_id"}),
    "ocop.resubmit": (STAFF_A, {"public_id": "certificate_id"}),
    "ocop.document": (frozenset({"staff_a", "officer_a", "admin"}),
                      {"public_id": "certificate_id"}),
    # the department and the platform
    "ocop.review_queue": (ANY_REVIEWER, {}),
    "ocop.review_detail": (REVIEWERS_A, {"public_id": "certificate_id"}),
    "ocop.review_action": (REVIEWERS_A, {"public_id": "certificate_id", "action": "verify"}),
    "vendors.review_list": (ANY_REVIEWER, {}),
    "vendors.review": (REVIEWERS_A, {"slug": "pending_coop_slug"}),
    "orders.dispute_queue": (ANY_REVIEWER, {}),
    "prices.import_page": (PRICE_MANAGERS, {}),
    "prices.rollback": (PRICE_MANAGERS, {"public_id": "batch_id"}),
    "prices.publication": (PRICE_MANAGERS, {"commodity": "commodity", "market": "market"}),
    "prices.costs": (PRICE_MANAGERS, {}),
    "prices.alert_subscribe": (SIGNED_IN, {"commodity": "commodity", "market": "market"}),
    # Whoever holds the signed link (it names one alert); a forged token is a 404.
    "prices.alert_unsubscribe": (PUBLIC, {"token": "alert_token"}),
    "orders.confirm_transfer": (ADMIN, {}),
    "orders.transfer_detail": (ADMIN, {"reference": "transfer_reference"}),
    "orders.import_statement": (ADMIN, {}),
    "orders.confirm_statement": (ADMIN, {}),
    "orders.admin_payouts": (ADMIN, {}),
    "notifications.outbox": (ADMIN, {}),
    "orders.packing_slip": (frozenset({"staff_a", "admin"}), {"public_id": "vendor_order_id"}),
    # international orders: the proforma PDF of a parcel abroad; the display currency; the
    # exchange-rate table
    "orders.buyer_proforma": (frozenset({"buyer", "admin"}),
                              {"public_id": "abroad_order_id", "part_id": "abroad_part_id"}),
    "orders.vendor_proforma": (frozenset({"staff_a", "admin"}),
                               {"public_id": "abroad_part_id"}),
    "intl.set_currency": (PUBLIC, {}),
    "intl.admin_rates": (ADMIN, {}),
    # the department's desk: every officer sees their own province, admins every one
    "department.overview": (ANY_REVIEWER, {}),
    "department.table": (ANY_REVIEWER, {"name": "cooperatives"}),
    "department.export": (ANY_REVIEWER, {"name": "cooperatives", "fmt": "csv"}),
    "department.report": (ANY_REVIEWER, {}),
    "department.registry_list": (ANY_REVIEWER, {}),
    "department.registry_import": (ANY_REVIEWER, {}),
    "department.registry_matches": (ANY_REVIEWER, {}),
    "department.indicators": (ANY_REVIEWER, {}),
    "department.cooperative": (REVIEWERS_A, {"slug": "coop_slug"}),
    "department.registry_confirm": (REVIEWERS_A, {"public_id": "registry_import_id"}),
    "department.registry_resolve": (REVIEWERS_A, {"slug": "coop_slug"}),
    "department.compare": (ADMIN, {}),
    # reviews: the buyer of a delivered line writes and deletes; cooperative A replies; an
    # officer of A's province or an admin hides
    "reviews.write": (frozenset({"buyer"}), {"vo_id": "reviewable_vo_id", "line": 1}),
    "reviews.delete": (frozenset({"buyer"}), {"public_id": "review_id"}),
    "reviews.reply": (STAFF_A, {"public_id": "review_id"}),
    "reviews.hide": (REVIEWERS_A, {"public_id": "review_id"}),
    "reviews.vendor_reviews": (ANY_STAFF, {}),
    # traceability: lots' public pages, codes and exports for anyone; cooperative A's staff
    # write A's lots; A's staff, an officer of A's province or an admin recall
    "trace.lot_page": (PUBLIC, {"code": "lot_code"}),
    "trace.qr": (PUBLIC, {"code": "lot_code", "kind": "svg"}),
    "trace.epcis": (PUBLIC, {"code": "lot_code"}),
    "trace.digital_link": (PUBLIC, {"gtin": "lot_gtin", "code": "lot_code"}),
    "trace.recall": (frozenset({"staff_a", "officer_a", "admin"}), {"code": "lot_code"}),
    "trace_vendor.lots": (ANY_STAFF, {}),
    "trace_vendor.lot_new": (ANY_STAFF, {}),
    "trace_vendor.labels": (ANY_STAFF, {}),
    "trace_vendor.import_events": (ANY_STAFF, {}),
    "trace_vendor.import_template": (ANY_STAFF, {}),
    "trace_vendor.merge": (ANY_STAFF, {}),
    "trace_vendor.lot_detail": (STAFF_A, {"code": "lot_code"}),
    "trace_vendor.add_event": (STAFF_A, {"code": "lot_code"}),
    "trace_vendor.split": (STAFF_A, {"code": "lot_code"}),
    "reviews.moderation": (ANY_REVIEWER, {}),
    "reviews.restore": (REVIEWERS_A, {"public_id": "hidden_review_id"}),
    "reviews.report": (frozenset({"other_buyer"}), {"public_id": "review_id"}),
    # wholesale inquiries: buyers send them (to A, which takes them); the buyer and A's staff
    # see and act on A's inquiry, each on their own side; officers see aggregates only
    "wholesale.rfq_product": (frozenset({"buyer", "other_buyer"}),
                              {"slug": "product_slug"}),
    "wholesale.rfq_cooperative": (frozenset({"buyer", "other_buyer"}), {"slug": "coop_slug"}),
    "wholesale.my_inquiries": (frozenset({"buyer"}), {}),
    "wholesale.vendor_inbox": (STAFF_A, {}),
    "wholesale.vendor_settings": (ANY_STAFF, {}),
    "wholesale.thread": (frozenset({"buyer", "staff_a"}), {"public_id": "rfq_id"}),
    "wholesale.quote": (STAFF_A, {"public_id": "rfq_id"}),
    "wholesale.refuse": (STAFF_A, {"public_id": "rfq_id"}),
    "wholesale.accept": (frozenset({"buyer"}), {"public_id": "quoted_rfq_id"}),
    "wholesale.counter": (frozenset({"buyer"}), {"public_id": "quoted_rfq_id"}),
    "wholesale.decline": (frozenset({"buyer"}), {"public_id": "quoted_rfq_id"}),
    "wholesale.withdraw": (frozenset({"buyer"}), {"public_id": "rfq_id"}),
    "wholesale.agreement": (frozenset({"buyer", "staff_a"}), {"public_id": "agreement_id"}),
    "department.inquiries": (ANY_REVIEWER, {}),
}

# Routes that list a scope's objects: a role outside the owners may open the page (its
# own scope) but must not see A's objects there.
SCOPED_LISTS = {"orders.dispute_queue", "ocop.review_queue", "vendors.review_list",
                "orders.vendor_orders", "orders.vendor_payouts", "vendors.dashboard",
                "ocop.manage", "vendors.staff", "orders.my_orders", "vendors.export",
                "accounts.addresses_list",
                "department.overview", "department.table", "department.export",
                "department.report", "department.registry_list", "department.registry_import",
                "department.registry_matches", "department.indicators",
                "reviews.vendor_reviews", "trace_vendor.lots", "trace_vendor.labels",
                "reviews.moderation", "wholesale.my_inquiries", "wholesale.vendor_inbox",
                "department.inquiries"}

# A POST with these fields does the route's real work when its owner sends it.
FORMS = {
    "orders.vendor_order_action": {"to": "packed"},
    "orders.cancel_part": {"confirmed": "1"},
    "orders.answer_dispute": {"answer": "Chúng tôi sẽ gửi lại hàng."},
    "orders.dispute_queue": {"dispute": "dispute_id", "decision": "full_refund", "confirmed": "1",
                             "note": "ok"},
    "orders.confirm_transfer": {"reference": "transfer_reference"},
    "orders.admin_payouts": {"cooperative": "coop_slug", "amount": "1000",
                             "bank_reference": "VCB-1"},
    "orders.confirm_statement": {"pay": "statement_pair"},
    "vendors.product_archive": {"confirmed": "1"},
    "vendors.product_edit": {"name_vi": "Tên mới", "unit": "gói", "origin_province_code": "66",
                             "status": "active", "variants-0-label_vi": "Gói mới",
                             "variants-0-price": "1000", "variants-0-stock": "1"},
    "vendors.staff_remove": {"confirmed": "1"},
    "accounts.address_edit": {"name": "Kẻ Lạ", "phone": "0987654321", "province_code": "1",
                              "commune_code": "70", "address_line": "Nhà kẻ lạ"},
    "vendors.image_delete": {"confirmed": "1"},
    "vendors.review": {"decision": "approve"},
    "ocop.review_action": {"reason": "Hồ sơ hợp lệ."},
    "prices.rollback": {"confirmed": "1"},
    "prices.publication": {"action": "publish", "commentary_vi": "x", "commentary_en": "x"},
    "prices.alert_subscribe": {"kind": "above", "value": "100000"},
    "reviews.write": {"stars": "5", "text": "Kẻ lạ viết đánh giá"},
    "reviews.delete": {"confirmed": "1"},
    "reviews.reply": {"reply": "Trả lời của kẻ lạ"},
    "reviews.hide": {"reason": "Ẩn bởi người không có quyền"},
    "reviews.restore": {"reason": "Hiện lại bởi người không có quyền"},
    "reviews.report": {"reason": "Báo cáo của người không có quyền"},
    "department.registry_resolve": {"kind": "not_registered", "action": "reviewed",
                                    "note": "Đã kiểm tra"},
    "trace.recall": {"reason": "Thu hồi bởi người không có quyền", "confirmed": "1"},
    "trace_vendor.add_event": {"kind": "shipping", "occurred_on": "2025-11-30",
                               "notes_vi": "Kẻ lạ ghi sự kiện"},
    "trace_vendor.split": {"parts-0-taken": "1", "parts-0-quantity": "1"},
    "trace_vendor.merge": {"codes": "lot_code"},
    "wholesale.rfq_product": {"quantity": "2", "unit": "tonne", "incoterm": "FOB",
                              "incoterm_place": "Ho Chi Minh City", "destination_country": "DE",
                              "target_date": "rfq_target_date"},
    "wholesale.quote": {"price_vnd": "100000000", "price_unit": "tonne", "quantity": "2",
                        "min_order": "1", "valid_until": "quote_valid_until",
                        "lead_time_days": "10"},
    "wholesale.accept": {"quote": "quote_id"},
    "wholesale.counter": {"price_vnd": "90000000", "message": "Giá thấp hơn được không?"},
    "wholesale.decline": {"confirmed": "1"},
    "wholesale.withdraw": {"confirmed": "1"},
    "wholesale.refuse": {"confirmed": "1"},
    "wholesale.vendor_settings": {"accepts_all": "y"},
}


@pytest.fixture
def world(make, app):
    coop_a = make.cooperative(province_code=factories.DAK_LAK)
    coop_b = make.cooperative(province_code=1)
    pending = make.cooperative(province_code=factories.DAK_LAK, status="pending")
    users = {
        "buyer": make.user(), "other_buyer": make.user(),
        "staff_a": make.staff(coop_a, is_owner=True), "staff_b": make.staff(coop_b, is_owner=True),
        "officer_a": make.officer(factories.DAK_LAK), "officer_b": make.officer(1),
        "admin": make.user(Role.ADMIN),
    }
    member = make.staff(coop_a)
    product = make.product(coop_a, stock=40)
    category = make.category()
    from market.catalog.models import ProductImage
    image = ProductImage(filename="products/a.jpg", alt_vi="Ảnh", position=0)
    product.images.append(image)
    paid = make.order([(product, 2)], method="vietqr", buyer=users["buyer"],
                      email="buyer.secret@example.vn", name="Bà Mật Khẩu")
    cod = make.order([(product, 1)], method="cod", buyer=users["buyer"])
    by_statement = make.order([(product, 1)], method="vietqr")  # paid by a statement import
    delivered = make.order([(product, 1)], method="cod", buyer=users["buyer"])
    guest_order = make.order([(product, 1)], method="vietqr", email="guest@example.vn")
    coop_a.ships_abroad = True
    abroad = services.place_order(
        lines=[services.CheckoutLine(product.slug, 1)], contact=factories.foreign_contact(),
        payment_method="stripe", methods_available=("stripe",), buyer=users["buyer"],
        idempotency_key="access-abroad-order-key")
    vo = delivered.vendor_orders[0]
    for to in (S.PACKED, S.SHIPPED, S.DELIVERED):
        services.transition(vo, to, actor=users["staff_a"], carrier="GHN",
                            tracking_number="GHN123")
    dispute = disputes.open_dispute(vo, users["buyer"], "Hàng bị vỡ khi nhận được.",
                                    [_png()], private_dir=current_app.config["PRIVATE_DIR"])
    reviewed = make.order([(product, 1)], method="cod", buyer=users["buyer"]).vendor_orders[0]
    for to in (S.PACKED, S.SHIPPED, S.DELIVERED):
        services.transition(reviewed, to, actor=users["staff_a"], carrier="GHN",
                            tracking_number="GHN124")
    review = reviews.create_review(users["buyer"], reviewed.public_id, 1, stars=4,
                                   text="Cà phê ngon.",
                                   media_dir=current_app.config["MEDIA_DIR"])
    hidden_vo = make.order([(product, 1)], method="cod", buyer=users["buyer"]).vendor_orders[0]
    for to in (S.PACKED, S.SHIPPED, S.DELIVERED):
        services.transition(hidden_vo, to, actor=users["staff_a"], carrier="GHN",
                            tracking_number="GHN125")
    hidden = reviews.create_review(users["buyer"], hidden_vo.public_id, 1, stars=1,
                                   text="Bị ẩn.", media_dir=current_app.config["MEDIA_DIR"])
    reviews.hide(users["admin"], hidden.public_id, "Nội dung không phù hợp.")
    cert = ocop_util.submit(users["staff_a"], [product])
    _, token = vendors.invite_staff(users["staff_a"], "new.member@example.vn")
    address = addresses.add_address(users["buyer"], name="Bà Địa Chỉ", phone="0912345678",
                                    province_code=1, commune_code=70,
                                    address_line="Ngõ Bí Mật 7")
    reset_token = accounts.password_reset_token(users["buyer"])
    from datetime import date

    from market.trace import services as trace
    from tests.trace.util import GTIN

    traced = make.product(coop_a, name_vi="Tiêu đen", gtin=GTIN, price=50_000, stock=5)
    lot = trace.create_lot_for(coop_a, {"variant_id": traced.variants[0].id, "kind": "packed",
                                        "quantity": 5, "unit": "gói",
                                        "produced_on": date(2025, 11, 5)})
    trace.record_on(lot, {"kind": "packing", "occurred_on": "2025-11-06"})
    result = prices.import_prices(users["officer_a"], "p.csv",
                                  csv_bytes(daily_rows(n=20)), source="test")
    registry_import, _ = registry.preview(
        department.scope_for(users["officer_a"]), users["officer_a"],
        f"tax_code,name\n{factories.registration_code()},HTX Danh Bạ\n".encode(), "r.csv")
    rfqs = _inquiries(users, product)
    db.session.commit()
    series = prices.series_of(prices.get_commodity("coffee_robusta"))[0]
    alert = prices.subscribe_alert(users["buyer"], series, kind="above", value="1", locale="vi")
    from market.api import keys as api_keys

    api_key, _ = api_keys.create_key("Partner A", ["listings:read"])
    db.session.commit()
    values = {
        "api_key_id": api_key.id,
        "coop_slug": coop_a.slug, "pending_coop_slug": pending.slug,
        "product_slug": product.slug, "category_slug": category.slug,
        "commodity": "coffee_robusta", "market": series.market.slug,
        "certificate_number": cert.certificate_number, "certificate_id": cert.public_id,
        "order_id": paid.public_id, "vendor_order_id": paid.vendor_orders[0].public_id,
        "cod_vendor_order_id": cod.vendor_orders[0].public_id,
        "dispute_id": dispute.public_id, "image_id": image.id,
        "review_id": review.public_id, "reviewable_vo_id": vo.public_id,
        "hidden_review_id": hidden.public_id,
        "staff_member_id": member.public_id, "invitation_token": token,
        "batch_id": result.batch.public_id, "alert_token": prices.unsubscribe_token(alert),
        "transfer_reference": paid.transfer_reference,
        "address_id": address.public_id, "reset_token": reset_token,
        "guest_order_link": links.make_token(guest_order),
        "statement_pair": f"{by_statement.transfer_reference}:{by_statement.total}",
        "registry_import_id": registry_import.public_id,
        "lot_code": lot.code, "lot_gtin": GTIN,
        "abroad_order_id": abroad.public_id, "abroad_part_id": abroad.vendor_orders[0].public_id,
        **rfqs,
    }
    # Private to A, its buyer and its reviewers: never in another role's page.
    secrets = ["buyer.secret@example.vn", "Bà Mật Khẩu", paid.public_id,
               paid.vendor_orders[0].public_id, dispute.public_id, cert.public_id,
               "Ngõ Bí Mật 7", "Geheimkaffee Import GmbH", "+49 30 7654321"]
    return users, values, secrets


def _inquiries(users, product) -> dict:
    """A's product takes requests for quotation; the buyer has one inquiry waiting for A's
    quote, one quoted and one accepted (its agreement)."""
    from datetime import timedelta

    from market.wholesale import services as wholesale

    wholesale.save_settings(users["staff_a"], accepts_all=True, product_ids=[product.id])
    target = wholesale.target_for_product(product.slug)
    today = wholesale.today_vn()
    data = {"quantity": "2", "unit": "tonne", "incoterm": "FOB",
            "incoterm_place": "Ho Chi Minh City", "destination_country": "DE",
            "target_date": (today + timedelta(days=60)).isoformat(),
            "company": "Geheimkaffee Import GmbH", "contact_phone": "+49 30 7654321"}
    quote = {"price_vnd": "118000000", "price_unit": "tonne", "quantity": "2", "min_order": "1",
             "valid_until": (today + timedelta(days=30)).isoformat(), "lead_time_days": "21"}
    made = [wholesale.create_rfq(users["buyer"], target, data) for _ in range(3)]
    quotes = [wholesale.quote(users["staff_a"], rfq.public_id, quote) for rfq in made[1:]]
    agreement = wholesale.accept(users["buyer"], made[2].public_id, quotes[1].public_id)
    return {"rfq_id": made[0].public_id, "quoted_rfq_id": made[1].public_id,
            "quote_id": quotes[0].public_id, "agreement_id": agreement.public_id,
            "rfq_target_date": data["target_date"], "quote_valid_until": quote["valid_until"]}


def _png():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(out, "PNG")
    out.seek(0)
    return out


def url_for_role_test(endpoint: str, values: dict) -> str:
    from flask import url_for

    _, args = POLICY[endpoint]
    rule = next(current_app.url_map.iter_rules(endpoint))
    built = {name: values.get(ref, ref) for name, ref in args.items()}
    if "lang" in rule.arguments:
        built["lang"] = "vi"
    return url_for(endpoint, **built)


def _bookkeeping(table: str) -> bool:
    """Tables any request may write: sessions, the search outbox that any request may drain
    into the index, and the API's request log and key usage."""
    return "session" in table or table in ("search_outbox", "api_requests", "api_keys")


def fingerprint() -> str:
    """Everything in the database but bookkeeping."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        if _bookkeeping(table.name):
            continue
        rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns))
        digest.update(table.name.encode())
        for row in rows:
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def client_for(app, users, role):
    client = app.test_client()
    if role != "anon":
        login(client, users[role])
    return client


def signed_out(response) -> bool:
    return response.status_code == 302 and "/account/login" in response.headers["Location"]




_WRITE = re.compile(r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)"
                    r"\s+\"?(\w+)", re.IGNORECASE)


class WriteWatch:
    """Notes whether any statement that can change a table fingerprint() reads was sent while
    active. When none was, the database cannot have changed and the fingerprint (a read of
    every table) can be skipped: the authorisation matrix posts to every route as every role."""

    def __init__(self):
        self.wrote = False

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        match = _WRITE.match(statement)
        if match is None:
            # WITH ... INSERT and the like: count as a write unless it is plainly a read
            self.wrote |= not statement.lstrip()[:6].upper() in ("SELECT", "SAVEPO", "RELEAS",
                                                                "ROLLBA", "PRAGMA", "BEGIN",
                                                                "COMMIT", "SET ", "SHOW ")
            return
        self.wrote |= not _bookkeeping(match.group(1).lower())

    def __enter__(self):
        sa.event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        sa.event.remove(db.engine, "before_cursor_execute", self._seen)
