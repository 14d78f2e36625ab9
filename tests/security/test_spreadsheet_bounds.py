"""Uploaded spreadsheets are read within a budget: a few KB that declare a huge sheet, inflate
to a huge XML, or hold many empty rows are refused fast (413), with little memory, and nothing
is written. Both importers (products, prices) go through market/spreadsheets.py."""
import io
import signal
import time
import tracemalloc
import zipfile
from contextlib import contextmanager

import pytest
from openpyxl import Workbook

from market import spreadsheets
from market.catalog import transfer
from market.catalog.models import Product
from market.extensions import db
from market.prices import services as prices
from market.prices.models import ImportBatch
from tests.conftest import login

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


@contextmanager
def bounded(seconds=5, megabytes=50):
    """Fail (instead of hanging or swapping) when the block takes more CPU time or allocates
    more. CPU time, not the wall clock: under `pytest -n` the other worker shares the cores."""
    def alarm(*_):
        raise TimeoutError(f"still reading after {seconds} s of CPU time")

    previous = signal.signal(signal.SIGPROF, alarm)
    signal.setitimer(signal.ITIMER_PROF, seconds + 5)  # a hard stop for the old code
    tracemalloc.start()
    started = time.process_time()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert time.process_time() - started < seconds
    assert peak < megabytes * 1024 * 1024, f"peak {peak / 2**20:.0f} MB"


def _xlsx_with_sheet(sheet_xml: bytes | None = None, *, header=transfer.COLUMNS,
                     extra: dict | None = None) -> bytes:
    """A real workbook (openpyxl) whose first sheet's XML is replaced by `sheet_xml`."""
    book = Workbook()
    book.active.append(list(header))
    base = io.BytesIO()
    book.save(base)
    out = io.BytesIO()
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml" and sheet_xml is not None:
                data = sheet_xml
            dst.writestr(info.filename, (extra or {}).pop(info.filename, data))
        for name, data in (extra or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


def _header_row(columns=transfer.COLUMNS) -> str:
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{c}</t></is></c>'
                    for i, c in enumerate(columns))
    return f'<row r="1">{cells}</row>'


HUGE_DIMENSION = (f'<worksheet {NS}><dimension ref="A1:XFD1048576"/><sheetData>'
                  f'{_header_row()}<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row>'
                  '</sheetData></worksheet>').encode()
# No dimension at all, but one cell in the last row and last column.
FAR_CELL = (f'<worksheet {NS}><sheetData>{_header_row()}'
            '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
            '</sheetData></worksheet>').encode()
# Many rows of empty cells: 300,000 rows, each with a few empty cells (compresses to KB).
EMPTY_ROWS = (f'<worksheet {NS}><sheetData>{_header_row()}'.encode()
              + b"<row><c/><c/></row>" * 300_000
              + b"</sheetData></worksheet>")


def _zip_bomb() -> bytes:
    """A sheet that inflates to 40 MB of whitespace from a few dozen KB."""
    sheet = (f'<worksheet {NS}><sheetData>{_header_row()}'.encode()
             + b" " * (40 * 1024 * 1024) + b"</sheetData></worksheet>")
    return _xlsx_with_sheet(sheet)


def _entity_bomb() -> bytes:
    lol = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1
                                                  else b"&lol;" * 10) for i in range(1, 10))
           + b']><sst ' + NS.encode() + b'><si><t>&lol9;</t></si></sst>')
    return _xlsx_with_sheet(extra={"xl/sharedStrings.xml": lol})


def _csv(rows: int, columns=transfer.COLUMNS) -> bytes:
    line = ",".join(["", "Tên", "", "", "", "kg", "1000", "1", "", "", "66", "draft"][:len(columns)])
    return (",".join(columns) + "\n" + (line + "\n") * rows).encode()


@pytest.mark.parametrize("name, data", [
    ("huge declared dimension", _xlsx_with_sheet(HUGE_DIMENSION)),
    ("a cell in the far corner", _xlsx_with_sheet(FAR_CELL)),
    ("many rows of empty cells", _xlsx_with_sheet(EMPTY_ROWS)),
    ("zip bomb", _zip_bomb()),
    ("100,000-row CSV", _csv(100_000)),
])
def test_product_import_refuses_oversized_files_fast(make, name, data):
    assert len(data) < transfer.MAX_BYTES, name  # all within the upload limit
    coop = make.cooperative()
    with bounded(), pytest.raises(transfer.ImportFailed) as exc:
        transfer.import_products(coop, data)
    assert exc.value.status == 413, name


def test_xml_entities_are_refused(make):
    with bounded(), pytest.raises(transfer.ImportFailed) as exc:
        transfer.import_products(make.cooperative(), _entity_bomb())
    assert exc.value.status == 422


def test_the_reader_counts_rows_columns_and_cells():
    budget = spreadsheets.Budget(max_rows=10, max_cols=3, max_cells=12)
    ok = b"a,b,c\n" * 4
    assert len(spreadsheets.read_rows(ok, budget, xlsx=False)) == 4
    for data in (b"a\n" * 11, b"a,b,c,d\n", b"a,b,c\n" * 5):
        with pytest.raises(spreadsheets.TooLarge):
            spreadsheets.read_rows(data, budget, xlsx=False)
    sheet = (f'<worksheet {NS}><sheetData>'
             + "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>{r}</v></c>' for c in "ABC")
                       + "</row>" for r in range(1, 6)) + "</sheetData></worksheet>").encode()
    with pytest.raises(spreadsheets.TooLarge):  # 15 cells > 12
        spreadsheets.read_rows(_xlsx_with_sheet(sheet), budget)
    rows = spreadsheets.read_rows(_xlsx_with_sheet(sheet), spreadsheets.Budget())
    assert rows[-1] == (5, [5, 5, 5])


def test_upload_page_answers_413_and_writes_nothing(client, make):
    staff = make.staff()
    login(client, staff)
    before = db.session.scalar(db.select(db.func.count(Product.id)))
    with bounded():
        r = client.post("/en/vendor/import", content_type="multipart/form-data", data={
            "file": (io.BytesIO(_xlsx_with_sheet(HUGE_DIMENSION)), "p.xlsx")})
    assert r.status_code == 413
    assert "more than 5001 rows" in r.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Product.id))) == before


def test_price_import_is_bounded_too(client, make):
    login(client, make.officer())
    header = ("date", "commodity", "market", "unit", "price")
    line = "2026-01-05,coffee_robusta,dak_lak,VND/kg,100000\n"
    big_csv = (",".join(header) + "\n" + line * 60_000).encode()   # no row limit before
    for data, name in ((big_csv, "p.csv"), (_xlsx_with_sheet(HUGE_DIMENSION, header=header),
                                            "p.xlsx")):
        with bounded():
            r = client.post("/en/prices/import", content_type="multipart/form-data",
                            data={"file": (io.BytesIO(data), name)})
        assert r.status_code == 413, name
    assert db.session.scalar(db.select(db.func.count(ImportBatch.id))) == 0
    with pytest.raises(prices.ImportRejected) as exc:
        prices.read_rows("p.xlsx", _zip_bomb())
    assert exc.value.status == 413
