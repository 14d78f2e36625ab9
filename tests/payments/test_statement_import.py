"""Bank statement import: lines matched to bank-transfer orders by reference AND amount,
confirmed only through the payment path, once, whatever the file looks like."""
from __future__ import annotations

import pytest

from market.accounts.models import Role
from market.extensions import db
from market.orders import numbers
from market.payments import services as payments
from market.payments import transfers
from market.payments.models import Payment
from tests.conftest import login


@pytest.fixture
def shop(make):
    product = make.product(make.cooperative(), price=250_000)
    admin = make.user(Role.ADMIN)
    orders = [make.order([(product, 1)], method="vietqr") for _ in range(4)]
    return admin, orders


def vi_statement(rows) -> bytes:
    """A Vietnamese bank's export: a preamble, Vietnamese headers, thousands with dots."""
    lines = ["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM", "SAO KÊ TÀI KHOẢN,,,,",
             "Số tài khoản: 0071000123456,,,,", "",
             "STT,Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Nội dung chi tiết"]
    for i, (ref, debit, credit, text) in enumerate(rows, start=1):
        lines.append(f'{i},01/12/2026,{ref},"{debit}","{credit}","{text}"')
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def test_amounts_and_references_in_the_shapes_banks_write_them():
    assert [transfers.parse_amount(v) for v in (
        "1.250.000", "1,250,000", "1 250 000", "1250000", "1,250,000.00", "1.250.000,00",
        "+1.250.000 VND", "1.250.000đ", 1_250_000, 1_250_000.0)] == [1_250_000] * 10
    assert [transfers.parse_amount(v) for v in ("12.5", "1.250.000,50", "abc", "", None)] == [
        None] * 5
    assert transfers.parse_amount("-500.000") == -500_000
    assert transfers.references_in("MBVCB.3321.htx-7k3q-9m2p.CT tu 0123 NGUYEN VAN A") == [
        "HTX7K3Q9M2P"]
    assert transfers.references_in("IBFT HTX 7K3Q 9M2P thanh toan") == ["HTX7K3Q9M2P"]
    assert transfers.references_in("HTX CONG BANG EA KMAT chuyen tien") == []


def test_matches_by_reference_and_amount_and_says_why_not(make, shop):
    admin, (a, b, c, d) = shop
    paid_before = d
    make_paid = transfers.confirm_matches(admin, [(paid_before.transfer_reference,
                                                   paid_before.total)])
    assert make_paid[0].confirmed
    data = vi_statement([
        ("FT001", "", f"{a.total:,}".replace(",", "."), f"CK {a.number.lower()} Nguyen Van A"),
        ("FT002", "", "100.000", f"thanh toan {numbers.compact(b.number)}"),
        ("FT003", "", "250.000", "HTX-2222-3333 khong co"),
        ("FT001", "", f"{a.total:,}".replace(",", "."), f"CK {a.number.lower()} Nguyen Van A"),
        ("FT005", "", f"{d.total:,}".replace(",", "."), f"{d.transfer_reference}"),
        ("FT006", "500.000", "", "Phi dich vu"),
        ("FT007", "", "300.000", "chuyen tien an trua"),
        ("FT008", "", f"{c.total:,}", f"{c.number} {b.number}"),
    ])
    result = transfers.preview(admin, data)
    assert [(m.line.bank_reference, m.status) for m in result] == [
        ("FT001", "matched"), ("FT002", "amount_differs"), ("FT003", "unknown_reference"),
        ("FT001", "duplicate"), ("FT005", "already_paid"), ("FT006", "outgoing"),
        ("FT007", "no_reference"), ("FT008", "ambiguous")]
    assert result[0].order.id == a.id and result[0].line.amount == a.total
    assert db.session.scalar(db.select(db.func.count()).select_from(Payment)) == 1  # a preview


def test_english_export_with_commas_and_no_bank_reference(make, shop):
    admin, (a, b, *_) = shop
    data = (f"Date,Description,Credit,Debit\n"
            f"2026-12-01,Payment {a.transfer_reference},\"{a.total:,}\",\n"
            f"2026-12-01,Payment {a.transfer_reference},\"{a.total:,}\",\n"
            f"2026-12-02,IBFT {b.number},\"{b.total:,}.00\",\n").encode()
    result = transfers.preview(admin, data)
    assert [m.status for m in result] == ["matched", "duplicate", "matched"]


def test_confirming_pays_once_and_a_reimport_confirms_nothing(make, shop):
    admin, (a, b, *_) = shop
    pairs = [(a.transfer_reference, a.total), (b.transfer_reference, b.total - 1)]
    done = transfers.confirm_matches(admin, pairs)
    assert [c.confirmed for c in done] == [True, False]
    assert {vo.status for vo in a.vendor_orders} == {"paid"}
    assert {vo.status for vo in b.vendor_orders} == {"pending_payment"}
    again = transfers.confirm_matches(admin, pairs)
    assert [c.confirmed for c in again] == [False, False]
    assert db.session.scalar(db.select(db.func.count()).select_from(Payment).filter_by(
        external_id=payments.transfer_external_id(a))) == 1
    data = vi_statement([("FT9", "", f"{a.total:,}".replace(",", "."), a.number)])
    assert [m.status for m in transfers.preview(admin, data)] == ["already_paid"]


def test_hidden_fields_of_the_preview_are_checked_again(make, shop):
    assert transfers.parse_pairs(["HTX7K3Q9M2P:250000", "x:1", "HTX7K3Q9M2P:-1",
                                  "HTX7K3Q9M2P:250000", "<b>:2"]) == [("HTX7K3Q9M2P", 250_000)]


def test_upload_preview_and_confirm_through_the_pages(client, make, shop):
    admin, (a, b, *_) = shop
    login(client, admin)
    data = vi_statement([
        ("FT1", "", f"{a.total:,}".replace(",", "."), f"CK {a.number}"),
        ("FT2", "", "1.000", f"CK {b.number}"),
    ])
    import io

    page = client.post("/vi/admin/transfers/statement",
                       data={"statement": (io.BytesIO(data), "saoke.csv")},
                       content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "1 dòng khớp, 1 dòng không khớp" in html
    assert f'value="{a.transfer_reference}:{a.total}"' in html
    assert "Số tiền khác với tổng tiền của đơn." in html
    assert {vo.status for vo in a.vendor_orders} == {"pending_payment"}  # nothing yet
    done = client.post("/vi/admin/transfers/statement/confirm",
                       data={"pay": [f"{a.transfer_reference}:{a.total}"]})
    assert done.status_code == 303
    db.session.expire_all()
    assert {vo.status for vo in a.vendor_orders} == {"paid"}
    listing = client.get("/vi/admin/transfers").get_data(as_text=True)
    assert "Đã xác nhận 1 khoản chuyển khoản." in listing
    assert a.transfer_reference not in listing and b.transfer_reference in listing


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfe\x00bad", "UTF-8"),
    (b"foo,bar\n1,2\n", "Không tìm thấy dòng tiêu đề"),
    (b"Ngay,So tien,Noi dung\n", "không có giao dịch nào"),
    (b"x" * (transfers.MAX_BYTES + 10), "lớn hơn"),
])
def test_malformed_files_get_a_translated_reason_and_change_nothing(client, make, shop,
                                                                     content, message):
    import io

    admin, (a, *_) = shop
    login(client, admin)
    page = client.post("/vi/admin/transfers/statement",
                       data={"statement": (io.BytesIO(content), "saoke.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 422 and message in page.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Payment)) == 0
    assert a.transfer_reference in page.get_data(as_text=True)  # the list is still there


def test_transfers_list_search_and_the_confirmation_step(client, make, shop):
    admin, (a, b, *_) = shop
    login(client, admin)
    html = client.get("/en/admin/transfers", query_string={"q": a.number.lower()}).get_data(
        as_text=True)
    assert a.transfer_reference in html and b.transfer_reference not in html
    step = client.get(f"/en/admin/transfers/{numbers.compact(a.number).lower()}")
    html = step.get_data(as_text=True)
    assert step.status_code == 200 and "Amount expected" in html
    assert f'name="reference" value="{a.transfer_reference}"' in html and "required" in html
    assert client.get("/en/admin/transfers/HTX-2222-3333").status_code == 404
