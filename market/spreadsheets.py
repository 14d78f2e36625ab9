"""Reading uploaded spreadsheets (CSV, XLSX) within a budget. A file declares its own size:
a few KB of XLSX can claim a million rows or sixteen thousand columns, inflate to gigabytes,
or hold a million empty rows. Every importer reads through `read_rows`, which checks the zip
and the declared dimension first, then streams the sheet and stops at a row, column, cell and
time budget before anything is materialised."""
from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from dataclasses import dataclass
from xml.parsers import expat

from flask_babel import lazy_gettext as _l

from market.errors import DomainError

# Zip checks, from the sizes the archive declares (zipfile never inflates a member beyond
# its declared size: it truncates and fails the CRC check).
MAX_MEMBERS = 200
MAX_XML_BYTES = 32 * 1024 * 1024       # one worksheet or the shared-strings table
MAX_OTHER_XML_BYTES = 4 * 1024 * 1024  # styles, workbook, relationships: parsed whole
MAX_TOTAL_BYTES = 64 * 1024 * 1024
MAX_CELL_CHARS = 32_767                # Excel's own limit for one cell
_CHUNK = 64 * 1024
_CELL_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")


@dataclass(frozen=True)
class Budget:
    """What one import may read. `max_rows` counts every row up to the last one, blank
    rows included (they cost as much to read as full ones)."""

    max_bytes: int = 5 * 1024 * 1024
    max_rows: int = 5001
    max_cols: int = 50
    max_cells: int = 200_000
    max_seconds: float = 10.0


class TooLarge(DomainError):
    code = "spreadsheet_too_large"
    status = 413


class Unreadable(DomainError):
    code = "spreadsheet_unreadable"
    status = 422


def read_rows(data: bytes, budget: Budget, *, xlsx: bool | None = None) -> list[tuple[int, list]]:
    """(line number, cell values) of every row of a CSV or of an XLSX file's first sheet,
    blank rows included. `xlsx` None sniffs the zip signature. Raises TooLarge (413) or
    Unreadable (422); nothing is read beyond the budget."""
    if len(data) > budget.max_bytes:
        raise TooLarge(_l("The file is larger than %(mb)d MB.",
                          mb=max(budget.max_bytes // (1024 * 1024), 1)))
    if xlsx is None:
        xlsx = data[:4] == b"PK\x03\x04"
    clock = _Clock(budget)
    return _xlsx(data, budget, clock) if xlsx else _csv(data, budget, clock)


class _Clock:
    def __init__(self, budget: Budget):
        self.deadline = time.monotonic() + budget.max_seconds

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise TooLarge(_l("The file takes too long to read; split it into smaller files."))


def _too_many(what: str, limit: int) -> TooLarge:
    messages = {
        "rows": _l("The file has more than %(n)d rows; split it into smaller files.", n=limit),
        "cols": _l("The file has more than %(n)d columns.", n=limit),
        "cells": _l("The file has more than %(n)d cells; split it into smaller files.", n=limit),
        "chars": _l("A cell holds more than %(n)d characters.", n=limit),
    }
    return TooLarge(messages[what])


# --- CSV ------------------------------------------------------------------------------------

def _csv(data: bytes, budget: Budget, clock: _Clock) -> list[tuple[int, list]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unreadable(_l("The file is not UTF-8 text; save it as CSV UTF-8."))
    rows, cells = [], 0
    try:
        for line, values in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            if line > budget.max_rows:
                raise _too_many("rows", budget.max_rows)
            if len(values) > budget.max_cols:
                raise _too_many("cols", budget.max_cols)
            cells += len(values)
            if cells > budget.max_cells:
                raise _too_many("cells", budget.max_cells)
            if any(len(v) > MAX_CELL_CHARS for v in values):
                raise _too_many("chars", MAX_CELL_CHARS)
            if line % 512 == 0:
                clock.check()
            rows.append((line, values))
    except csv.Error:
        raise Unreadable(_l("The file is not a readable CSV file."))
    return rows


# --- XLSX -----------------------------------------------------------------------------------

def _xlsx(data: bytes, budget: Budget, clock: _Clock) -> list[tuple[int, list]]:
    unreadable = Unreadable(_l("The file is not a readable .xlsx workbook."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise unreadable
    _check_members(members)
    try:
        # Every XML part openpyxl will parse, scanned first with a parser that builds no
        # tree: no DTD (entity expansion), bounded cell text.
        for info in members:
            if info.filename.endswith((".xml", ".rels")) and "/worksheets/" not in info.filename:
                _scan(archive, info.filename, _XmlScan(budget, clock))
        # The first sheet, scanned before openpyxl sees it (openpyxl reads a whole sheet
        # that lacks a dimension just to look for one): the declared dimension first, then
        # every row, stopping at the budget.
        scan = _SheetScan(budget, clock)
        _scan(archive, _first_sheet(archive), scan)
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        if not book.worksheets:
            raise unreadable
        sheet = book.worksheets[0]
        # The sheet is now known to be small: let openpyxl convert the values (shared
        # strings, dates), padding rows only to the widest real row.
        sheet.reset_dimensions()
        rows = []
        if scan.max_col:
            for line, values in enumerate(sheet.iter_rows(max_col=scan.max_col,
                                                          values_only=True), start=1):
                if line > scan.max_row:
                    break
                if line % 512 == 0:
                    clock.check()
                rows.append((line, list(values)))
        return rows
    except DomainError:
        raise
    except Exception:  # noqa: BLE001 - any parse failure is the same thing for the user
        raise unreadable


def _check_members(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_MEMBERS:
        raise TooLarge(_l("The workbook holds too many parts to be a plain spreadsheet."))
    total = 0
    for info in members:
        limit = (MAX_XML_BYTES if "/worksheets/" in info.filename
                 or info.filename.endswith("sharedStrings.xml") else MAX_OTHER_XML_BYTES)
        total += info.file_size
        if info.file_size > limit or total > MAX_TOTAL_BYTES:
            raise TooLarge(_l("The workbook unpacks to more data than a spreadsheet of this "
                              "size can hold."))


_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _first_sheet(archive: zipfile.ZipFile) -> str:
    """The path of the workbook's first worksheet, as openpyxl will find it (these small
    parts were scanned already)."""
    import posixpath
    from xml.etree import ElementTree

    def rels(path: str) -> dict[str, tuple[str, str]]:
        root = ElementTree.fromstring(archive.read(path))
        return {r.get("Id"): (r.get("Type") or "", r.get("Target") or "") for r in root.iter(_REL)}

    def resolve(base: str, target: str) -> str:
        if target.startswith("/"):
            return target.lstrip("/")
        return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))

    workbook = next(resolve("", t) for kind, t in rels("_rels/.rels").values()
                    if kind.endswith("/officeDocument"))
    folder, name = posixpath.split(workbook)
    by_id = rels(posixpath.join(folder, "_rels", name + ".rels"))
    root = ElementTree.fromstring(archive.read(workbook))
    for sheet in root.iter():
        if sheet.tag.endswith("}sheet") and sheet.get(_DOC_REL) in by_id:
            kind, target = by_id[sheet.get(_DOC_REL)]
            if kind.endswith("/worksheet"):
                return resolve(workbook, target)
    raise Unreadable(_l("The file is not a readable .xlsx workbook."))


class _XmlScan:
    """Expat handlers that refuse DTDs and over-long text; subclasses count cells."""

    def __init__(self, budget: Budget, clock: _Clock):
        self.budget, self.clock = budget, clock
        self.text = self.elements = 0

    def attach(self, parser) -> None:
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._doctype
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.chars

    def _doctype(self, *args):
        raise Unreadable(_l("The file is not a readable .xlsx workbook."))

    def start(self, name, attrs):
        # The shared-strings table is held whole in memory: a few elements per cell at most.
        self.text = 0
        self.elements += 1
        if self.elements > 4 * self.budget.max_cells:
            raise _too_many("cells", self.budget.max_cells)

    def end(self, name):
        pass

    def chars(self, data):
        self.text += len(data)
        if self.text > MAX_CELL_CHARS:
            raise _too_many("chars", MAX_CELL_CHARS)


class _SheetScan(_XmlScan):
    """Counts rows (by their index: gaps of empty rows count), the widest column and cells."""

    def __init__(self, budget: Budget, clock: _Clock):
        super().__init__(budget, clock)
        self.row = self.col = self.cells = 0
        self.max_row = self.max_col = 0

    def start(self, name, attrs):
        self.text = 0
        local = name.rsplit(" ", 1)[-1]  # namespace-qualified names are "uri local"
        if local == "row":
            ref = attrs.get("r")
            self.row = int(ref) if ref and ref.isdigit() else self.row + 1
            self.col = 0
            if self.row > self.budget.max_rows:
                raise _too_many("rows", self.budget.max_rows)
        elif local == "c":
            match = _CELL_REF.match(attrs.get("r") or "")
            self.col = _column(match.group(1)) if match else self.col + 1
            if self.col > self.budget.max_cols:
                raise _too_many("cols", self.budget.max_cols)
            self.cells += 1
            if self.cells > self.budget.max_cells:
                raise _too_many("cells", self.budget.max_cells)
            self.max_row = max(self.max_row, self.row)
            self.max_col = max(self.max_col, self.col)
        elif local == "sheetData":
            self.row = 0
        elif local == "dimension":
            # What the sheet says about itself comes first: refuse a huge claim at once.
            last = (attrs.get("ref") or "").split(":")[-1]
            match = _CELL_REF.match(last)
            if match and int(match.group(2)) > self.budget.max_rows:
                raise _too_many("rows", self.budget.max_rows)
            if match and _column(match.group(1)) > self.budget.max_cols:
                raise _too_many("cols", self.budget.max_cols)


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _scan(archive: zipfile.ZipFile, name: str, handlers: _XmlScan) -> None:
    parser = expat.ParserCreate(namespace_separator=" ")
    handlers.attach(parser)
    try:
        with archive.open(name) as stream:
            while chunk := stream.read(_CHUNK):
                handlers.clock.check()
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except expat.ExpatError:
        raise Unreadable(_l("The file is not a readable .xlsx workbook."))
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, NotImplementedError):
        raise Unreadable(_l("The file is not a readable .xlsx workbook."))
