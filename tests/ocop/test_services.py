"""OCOP rules and workflow, against the real database."""
from datetime import date

import pytest
from flask_babel import force_locale

from market.accounts.models import Role
from market.errors import PermissionDenied, ValidationError
from market.ocop import services
from market.ocop.models import OcopCertificate
from market.ocop.services import IllegalTransition
from tests.ocop.util import TODAY, data, pdf, submit

LAM_DONG = 68


@pytest.fixture
def setup(make):
    coop = make.cooperative()
    product = make.product(coop)
    staff = make.staff(coop)
    officer = make.officer()  # Đắk Lắk, the cooperative's province
    return coop, product, staff, officer


def _errors(exc_info):
    """The messages as an English speaker reads them (the rules' messages are translated)."""
    with force_locale("en"):
        return {k: str(v) for k, v in exc_info.value.errors.items()}


def test_submission_records_who_and_defaults_validity_to_36_months(setup):
    coop, product, staff, _ = setup
    cert = submit(staff, [product], certificate_number=" ocop-dl 2025-001 ")
    assert cert.status == "submitted" and cert.cooperative_id == coop.id
    assert cert.certificate_number == "OCOP-DL2025-001"
    assert cert.valid_until == date(2028, 3, 10)
    assert cert.document.startswith("ocop/") and cert.document.endswith(".pdf")
    assert cert.products == [product]
    [event] = cert.events
    assert (event.actor, event.from_status, event.to_status) == (staff, None, "submitted")
    assert event.at is not None and event.at.tzinfo is not None


def test_add_months_clamps_to_month_end():
    assert services.add_months(date(2024, 2, 29), 36) == date(2027, 2, 28)
    assert services.add_months(date(2023, 12, 31), 36) == date(2026, 12, 31)


def test_document_may_state_its_own_validity(setup):
    _, product, staff, _ = setup
    cert = submit(staff, [product], valid_until="2027-01-01")
    assert cert.valid_until == date(2027, 1, 1)


@pytest.mark.parametrize("stars", ["2", "6", "0", "", "four"])
def test_stars_outside_3_to_5_are_refused(setup, stars):
    _, product, staff, _ = setup
    with pytest.raises(ValidationError) as exc:
        submit(staff, [product], stars=stars)
    assert "3, 4 or 5 stars" in _errors(exc)["stars"]


def test_five_stars_must_be_national(setup):
    _, product, staff, _ = setup
    with pytest.raises(ValidationError) as exc:
        submit(staff, [product], stars="5", level="provincial")
    assert _errors(exc)["level"] == "A 5-star certificate is issued nationally."
    cert = submit(staff, [product], stars="5", level="national")
    assert cert.stars == 5 and cert.level == "national"


def test_three_or_four_stars_are_provincial(setup):
    _, product, staff, _ = setup
    with pytest.raises(ValidationError) as exc:
        submit(staff, [product], stars="3", level="national")
    assert "province" in _errors(exc)["level"]


def test_validity_before_the_decision_is_refused(setup):
    _, product, staff, _ = setup
    with pytest.raises(ValidationError) as exc:
        submit(staff, [product], decision_date="2025-03-10", valid_until="2025-03-09")
    assert _errors(exc)["valid_until"] == "The certificate cannot expire before the decision date."


def test_decision_in_the_future_is_refused(setup):
    _, product, staff, _ = setup
    with pytest.raises(ValidationError) as exc:
        submit(staff, [product], decision_date="2026-11-24")
    assert "future" in _errors(exc)["decision_date"]


def test_number_used_by_another_cooperative_is_refused(make, setup):
    _, product, staff, _ = setup
    submit(staff, [product], certificate_number="OCOP-66-0042")
    other = make.cooperative()
    with pytest.raises(ValidationError) as exc:
        submit(make.staff(other), [make.product(other)], certificate_number="ocop-66-0042")
    assert _errors(exc)["certificate_number"] == (
        "This certificate number is already used by another cooperative.")


def test_same_number_twice_in_one_cooperative_is_refused(setup, make):
    coop, product, staff, _ = setup
    submit(staff, [product], certificate_number="OCOP-66-0043")
    with pytest.raises(ValidationError) as exc:
        submit(staff, [make.product(coop)], certificate_number="OCOP-66-0043")
    assert "already submitted" in _errors(exc)["certificate_number"]


def test_product_of_another_cooperative_is_refused(setup, make):
    _, product, staff, _ = setup
    foreign = make.product(make.cooperative())
    with pytest.raises(ValidationError) as exc:
        submit(staff, [product, foreign])
    assert "own cooperative's products" in _errors(exc)["product_ids"]


def test_no_product_and_no_document_are_refused(setup, app):
    _, _, staff, _ = setup
    with pytest.raises(ValidationError) as exc:
        services.submit_certificate(staff, {"stars": "4", "level": "provincial"}, None,
                                    private_dir=app.config["PRIVATE_DIR"], today=TODAY)
    errors = _errors(exc)
    assert {"product_ids", "document", "certificate_number", "decision_number",
            "decision_date"} <= set(errors)


def test_a_broken_document_is_refused(setup, app):
    import io

    _, product, staff, _ = setup
    with pytest.raises(ValidationError) as exc:
        services.submit_certificate(staff, data([product]), io.BytesIO(b"not a pdf at all"),
                                    private_dir=app.config["PRIVATE_DIR"], today=TODAY)
    assert "PDF, JPEG, PNG or WebP" in _errors(exc)["document"]


def test_only_cooperative_staff_submit(make, app):
    product = make.product()
    for user in (make.user(), make.officer(), make.user(Role.ADMIN)):
        with pytest.raises(PermissionDenied):
            services.submit_certificate(user, data([product]), pdf(),
                                        private_dir=app.config["PRIVATE_DIR"], today=TODAY)


def test_officer_of_the_province_verifies(setup):
    _, product, staff, officer = setup
    cert = submit(staff, [product])
    services.verify_certificate(cert, officer, today=TODAY)
    assert cert.status == "verified" and cert.reviewer == officer and cert.reviewed_at
    last = cert.events[-1]
    assert (last.actor, last.from_status, last.to_status) == (officer, "submitted", "verified")


def test_officer_of_another_province_is_refused(setup, make):
    _, product, staff, _ = setup
    cert = submit(staff, [product])
    stranger = make.officer(province_code=LAM_DONG)
    for action in (lambda: services.verify_certificate(cert, stranger, today=TODAY),
                   lambda: services.reject_certificate(cert, stranger, "no"),
                   lambda: services.revoke_certificate(cert, stranger, "no")):
        with pytest.raises(PermissionDenied):
            action()
    assert cert.status == "submitted" and len(cert.events) == 1
    assert services.review_queue(stranger) == []


def test_staff_and_buyers_cannot_review(setup, make):
    _, product, staff, _ = setup
    cert = submit(staff, [product])
    for user in (staff, make.user()):
        with pytest.raises(PermissionDenied):
            services.verify_certificate(cert, user, today=TODAY)
        with pytest.raises(PermissionDenied):
            services.review_queue(user)


def test_admin_reviews_any_province(setup, make):
    _, product, staff, _ = setup
    cert = submit(staff, [product])
    admin = make.user(Role.ADMIN)
    assert cert in services.review_queue(admin)
    services.verify_certificate(cert, admin, today=TODAY)
    assert cert.status == "verified"


def test_reject_needs_a_reason_and_records_it(setup):
    _, product, staff, officer = setup
    cert = submit(staff, [product])
    with pytest.raises(ValidationError) as exc:
        services.reject_certificate(cert, officer, "  ")
    assert "reason" in exc.value.errors
    services.reject_certificate(cert, officer, "Số quyết định không khớp")
    assert cert.status == "rejected" and cert.reason == "Số quyết định không khớp"
    last = cert.events[-1]
    assert (last.from_status, last.to_status, last.reason) == (
        "submitted", "rejected", "Số quyết định không khớp")


def test_revoke_a_verified_certificate(setup):
    _, product, staff, officer = setup
    cert = submit(staff, [product])
    services.verify_certificate(cert, officer, today=TODAY)
    services.revoke_certificate(cert, officer, "Sản phẩm bị thu hồi")
    assert cert.status == "revoked"
    assert [e.to_status for e in cert.events] == ["submitted", "verified", "revoked"]
    assert services.badges_for_products([product.id], today=TODAY) == {}


@pytest.mark.parametrize("path, action, message", [
    (["reject"], "verify", "A certificate that is rejected cannot become verified."),
    (["reject"], "revoke", "A certificate that is rejected cannot become revoked."),
    ([], "revoke", "A certificate that is submitted, awaiting verification cannot become revoked."),
    (["verify"], "verify", "A certificate that is verified cannot become verified."),
    (["verify"], "reject", "A certificate that is verified cannot become rejected."),
    (["verify", "revoke"], "verify", "A certificate that is revoked cannot become verified."),
    (["verify", "expire"], "revoke", "A certificate that is expired cannot become revoked."),
])
def test_illegal_transitions_are_refused_clearly(setup, path, action, message):
    _, product, staff, officer = setup
    cert = submit(staff, [product], decision_date="2023-01-05")  # valid until 2026-01-05
    steps = {
        "verify": lambda: services.verify_certificate(cert, officer, today=date(2024, 1, 1)),
        "reject": lambda: services.reject_certificate(cert, officer, "lý do"),
        "revoke": lambda: services.revoke_certificate(cert, officer, "lý do"),
        "expire": lambda: services.expire_due(today=TODAY),
    }
    for step in path:
        steps[step]()
    before = (cert.status, len(cert.events))
    with pytest.raises(IllegalTransition) as exc:
        steps[action]()
    with force_locale("en"):
        assert str(exc.value.message) == message and exc.value.status == 409
    assert (cert.status, len(cert.events)) == before


def test_a_past_due_submission_cannot_be_verified(setup):
    _, product, staff, officer = setup
    cert = submit(staff, [product], decision_date="2022-01-01")  # valid until 2025-01-01
    with pytest.raises(IllegalTransition):
        services.verify_certificate(cert, officer, today=TODAY)


def test_expiry_job_moves_only_past_due_verified_certificates(setup, make):
    coop, product, staff, officer = setup
    old = submit(staff, [product], certificate_number="OLD-1", decision_date="2023-06-01")
    new = submit(staff, [make.product(coop)], certificate_number="NEW-1")
    pending = submit(staff, [make.product(coop)], certificate_number="PEND-1",
                     decision_date="2023-06-01")
    for cert in (old, new):
        services.verify_certificate(cert, officer, today=date(2024, 1, 1))
    assert services.expire_due(today=date(2026, 6, 1)) == 0  # valid until 2026-06-01 inclusive
    assert services.expire_due(today=date(2026, 6, 2)) == 1
    assert (old.status, new.status, pending.status) == ("expired", "verified", "submitted")
    last = old.events[-1]
    assert (last.actor, last.from_status, last.to_status) == (None, "verified", "expired")
    assert services.expire_due(today=date(2026, 6, 2)) == 0  # idempotent


def test_badges_only_for_verified_unexpired_certificates(setup, make):
    coop, product, staff, officer = setup
    other = make.product(coop)
    cert = submit(staff, [product, other], stars="4")
    assert services.badges_for_products([product.id, other.id], today=TODAY) == {}
    services.verify_certificate(cert, officer, today=TODAY)
    badges = services.badges_for_products([product.id, other.id], today=TODAY)
    assert badges[product.id] == services.Badge(4, cert.certificate_number, date(2028, 3, 10),
                                                "provincial")
    assert set(badges) == {product.id, other.id}
    # The date alone removes the badge, even before the expiry job has run.
    assert services.badges_for_products([product.id], today=date(2028, 3, 10))
    assert services.badges_for_products([product.id], today=date(2028, 3, 11)) == {}
    services.expire_due(today=date(2028, 3, 11))
    assert cert.status == "expired"
    assert services.badges_for_products([product.id], today=TODAY) == {}


def test_highest_stars_win_and_cooperative_badges(setup, make):
    coop, product, staff, officer = setup
    four = submit(staff, [product], stars="4", certificate_number="FOUR-1")
    five = submit(staff, [product], stars="5", level="national", certificate_number="FIVE-1")
    rejected = submit(staff, [make.product(coop)], certificate_number="NO-1")
    for cert in (four, five):
        services.verify_certificate(cert, officer, today=TODAY)
    services.reject_certificate(rejected, officer, "sai")
    badge = services.badges_for_products([product.id], today=TODAY)[product.id]
    assert (badge.stars, badge.certificate_number, badge.level) == (5, "FIVE-1", "national")
    assert set(services.badges_for_cooperative(coop.id, today=TODAY)) == {product.id}
    assert services.badges_for_cooperative(make.cooperative().id, today=TODAY) == {}


def test_review_queue_is_the_province_oldest_first(setup, make):
    coop, product, staff, officer = setup
    first = submit(staff, [product], certificate_number="Q-1")
    second = submit(staff, [make.product(coop)], certificate_number="Q-2")
    elsewhere = make.cooperative(province_code=LAM_DONG)
    foreign = submit(make.staff(elsewhere), [make.product(elsewhere)], certificate_number="Q-3")
    queue = services.review_queue(officer)
    assert queue.index(first) < queue.index(second) and foreign not in queue
    assert services.review_queue(make.officer(province_code=LAM_DONG)) == [foreign]


def test_public_certificate_shows_only_department_decisions(setup):
    _, product, staff, officer = setup
    from market.errors import NotFound

    cert = submit(staff, [product], certificate_number="PUB-1")
    with pytest.raises(NotFound):
        services.public_certificate("PUB-1")
    services.verify_certificate(cert, officer, today=TODAY)
    assert services.public_certificate("pub-1") is cert
    assert cert.effective_status(date(2030, 1, 1)) == "expired"


def test_document_access_is_scoped(setup, make):
    _, product, staff, officer = setup
    cert = submit(staff, [product])
    assert services.document_for(staff, cert.public_id) == cert.document
    assert services.document_for(officer, cert.public_id) == cert.document
    assert services.document_for(make.user(Role.ADMIN), cert.public_id) == cert.document
    for user in (make.user(), make.officer(province_code=LAM_DONG), make.staff()):
        with pytest.raises(PermissionDenied):
            services.document_for(user, cert.public_id)


def test_database_refuses_a_provincial_five_star_even_without_the_service(setup):
    import sqlalchemy as sa

    from market.extensions import db

    coop, _, _, _ = setup
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.add(OcopCertificate(
            cooperative_id=coop.id, certificate_number="RAW-1", stars=5, level="provincial",
            decision_number="x", decision_date=date(2025, 1, 1),
            valid_until=date(2028, 1, 1)))
        db.session.flush()


def test_a_rejected_certificate_is_corrected_and_resubmitted(setup, make, app):
    _, product, staff, officer = setup
    cert = submit(staff, [product], certificate_number="RS-1", decision_number="wrong")
    services.reject_certificate(cert, officer, "Số quyết định sai")
    with pytest.raises(ValidationError) as exc:
        submit(staff, [product], certificate_number="RS-1")
    assert "submit it again from its page" in _errors(exc)["certificate_number"]
    with pytest.raises(PermissionDenied):
        services.resubmit_certificate(cert, make.staff(), data([product]),
                                      private_dir=app.config["PRIVATE_DIR"], today=TODAY)
    with pytest.raises(ValidationError):
        services.resubmit_certificate(cert, staff, data([product], stars="7"),
                                      private_dir=app.config["PRIVATE_DIR"], today=TODAY)
    document = cert.document
    services.resubmit_certificate(
        cert, staff, data([product], certificate_number="RS-1", decision_number="55/QĐ-UBND"),
        private_dir=app.config["PRIVATE_DIR"], today=TODAY)
    assert (cert.status, cert.decision_number, cert.document) == ("submitted", "55/QĐ-UBND",
                                                                   document)
    assert cert.reason == "" and cert.reviewer is None
    assert [(e.from_status, e.to_status) for e in cert.events] == [
        (None, "submitted"), ("submitted", "rejected"), ("rejected", "submitted")]
    assert cert.events[1].reason == "Số quyết định sai"
    assert cert in services.review_queue(officer)
    services.verify_certificate(cert, officer, today=TODAY)
    with pytest.raises(IllegalTransition):
        services.resubmit_certificate(cert, staff, data([product]),
                                      private_dir=app.config["PRIVATE_DIR"], today=TODAY)
