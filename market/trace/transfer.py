"""Importing lot events from a CSV (or XLSX) file in the vendor portal, read through the
budgeted reader of market/spreadsheets.py. One row is one event of one of the
cooperative's lots; if any row is wrong nothing is imported."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from market import spreadsheets
from market.catalog.transfer import ImportFailed, RowError
from market.errors import DomainError, ValidationError
from market.trace import services

COLUMNS = ("lot", "kind", "date", "step", "place", "place_code", "actor", "input_name",
           "dose", "phi_days", "scheme", "number", "issuer", "valid_until", "test", "result",
           "lab", "destination", "corrects", "notes_vi", "notes_en")
MAX_ROWS = 2000
MAX_BYTES = 2 * 1024 * 1024
BUDGET = spreadsheets.Budget(max_bytes=MAX_BYTES, max_rows=MAX_ROWS + 1,
                             max_cols=len(COLUMNS) + 5, max_cells=(MAX_ROWS + 1) * 30)


def template() -> bytes:
    return (",".join(COLUMNS) + "\n").encode("utf-8")


def import_events(user, data: bytes) -> int:
    """Record every row's event; raises ImportFailed listing every bad row (the caller
    rolls back). Returns the number of events recorded."""
    rows = spreadsheets.read_rows(data, BUDGET)
    if not rows:
        raise ImportFailed([RowError(0, "", _l("The file is empty."))])
    header = [str(c or "").strip().lower() for c in rows[0][1]]
    missing = [c for c in ("lot", "kind", "date") if c not in header]
    if missing:
        raise ImportFailed([RowError(rows[0][0], c, _l("This column is missing."))
                            for c in missing])
    errors: list[RowError] = []
    count = 0
    for line, cells in rows[1:]:
        values = {name: str(cells[i]).strip() if i < len(cells) and cells[i] is not None
                  else "" for i, name in enumerate(header)}
        if not any(values.values()):
            continue
        values["occurred_on"] = values.pop("date", "")
        try:
            services.record_event(user, values.get("lot", ""), values)
        except ValidationError as exc:
            errors.extend(RowError(line, field if field != "occurred_on" else "date", message)
                          for field, message in exc.errors.items())
        except DomainError as exc:
            errors.append(RowError(line, "lot", exc.message))
        else:
            count += 1
    if errors:
        raise ImportFailed(errors)
    return count
