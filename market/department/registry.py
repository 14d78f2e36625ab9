"""The province's cooperative registry: import (all or nothing, with a diff preview),
matching with the marketplace's cooperatives by tax code, the plan's indicators, outreach.

The file has one row per cooperative or cooperative group, with the columns of COLUMNS
(Vietnamese headers are accepted too, see HEADERS). Upload -> `preview` validates every row
and stores the validated rows with the diff; nothing changes until `apply_import`. The file is
the whole register of the province: entries missing from it are reported as "gone" and
removed on confirmation."""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from market import csv_safe, spreadsheets
from market.catalog.transfer import ImportFailed, RowError, read_upload
from market.department.models import (
    REGISTRY_KINDS,
    REGISTRY_STATUSES,
    DailyFact,
    RegistryEntry,
    RegistryImport,
    RegistryResolution,
)
from market.department.services import Scope, cooperative_in_scope, today_vn
from market.errors import NotFound, PermissionDenied, ValidationError
from market.extensions import db
from market.geo import services as geo
from market.i18n import fold
from market.parsing import parse_date, parse_int
from market.text import clean_line
from market.vendors import services as vendors
from market.vendors.models import Cooperative, CooperativeStatus, CooperativeStatusChange

COLUMNS = ("tax_code", "name", "kind", "registration_number", "registered_on",
           "representative", "sector", "agricultural", "commune_code", "members", "status")
HEADERS = {  # Vietnamese headers of the department's own sheets
    "ma_so_thue": "tax_code", "ten": "name", "loai_hinh": "kind",
    "so_dang_ky": "registration_number", "ngay_dang_ky": "registered_on",
    "nguoi_dai_dien": "representative", "nganh_nghe": "sector",
    "nong_nghiep": "agricultural", "ma_xa": "commune_code", "thanh_vien": "members",
    "trang_thai": "status",
}
COMPARED = ("name", "kind", "registration_number", "registered_on", "representative",
            "sector", "agricultural", "commune_code", "members", "status")
MAX_ROWS = 5000
BUDGET = spreadsheets.Budget(max_bytes=5 * 1024 * 1024, max_rows=MAX_ROWS + 1, max_cols=30,
                             max_cells=(MAX_ROWS + 1) * 15)
YES = {"1", "yes", "true", "x", "có", "co", "c"}
NO = {"0", "no", "false", "không", "khong", "k", ""}


def _province_of(scope: Scope) -> int:
    if scope.single is None:
        raise ValidationError({"province": _l("Choose a province first.")})
    return scope.single


def _cell(value, escaped: bool):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value
    text = str(value)
    return (csv_safe.unescape(text) if escaped else text).strip()


def _header(value) -> str:
    key = fold(str(value or "")).strip().replace(" ", "_")
    return HEADERS.get(key, key)


def read_file(data: bytes) -> list[tuple[int, dict]]:
    raw, is_xlsx = read_upload(data, BUDGET, _l("Upload a CSV (UTF-8) or XLSX file."))
    if not raw:
        raise ImportFailed([RowError(0, "file", _l("The file is empty."))])
    header = [_header(h) for h in raw[0][1]]
    missing = [c for c in ("tax_code", "name") if c not in header]
    if missing:
        raise ImportFailed([RowError(1, "header", _l(
            "The first row must name the columns; at least %(cols)s. All columns: %(all)s",
            cols=", ".join(missing), all=", ".join(COLUMNS)))])
    rows = []
    for line, values in raw[1:]:
        cells = [_cell(v, not is_xlsx) for v in values]
        if all(c == "" for c in cells):
            continue
        rows.append((line, {h: (cells[i] if i < len(cells) else "")
                            for i, h in enumerate(header) if h in COLUMNS}))
    if len(rows) > MAX_ROWS:
        raise ImportFailed([RowError(0, "file", _l("At most %(n)d rows per file.",
                                                    n=MAX_ROWS))], status=413)
    return rows


def _validate(line: int, row: dict, province: int, errors: list[RowError]) -> dict | None:
    before = len(errors)
    out: dict = {}
    try:
        out["tax_code"] = vendors.normalise_registration_code(str(row.get("tax_code", "")))
    except ValidationError as exc:
        errors.append(RowError(line, "tax_code", exc.message))
    out["name"] = clean_line(row.get("name"), 200)
    if not out["name"]:
        errors.append(RowError(line, "name", _l("The name is required.")))
    kind = fold(str(row.get("kind") or "cooperative"))
    kind = {"htx": "cooperative", "hop tac xa": "cooperative", "tht": "group",
            "to hop tac": "group"}.get(kind, kind)
    if kind not in REGISTRY_KINDS:
        errors.append(RowError(line, "kind", _l("Kind is cooperative (HTX) or group (THT).")))
    out["kind"] = kind
    out["registration_number"] = clean_line(row.get("registration_number"), 40)
    registered = row.get("registered_on")
    day = parse_date(registered) if registered not in ("", None) else None
    if registered not in ("", None) and day is None:
        errors.append(RowError(line, "registered_on", _l("Give the date as YYYY-MM-DD.")))
    out["registered_on"] = day.isoformat() if day else None
    out["representative"] = clean_line(row.get("representative"), 120)
    out["sector"] = clean_line(row.get("sector"), 200)
    agri = fold(str(row.get("agricultural", "1") or "1")).strip()
    if agri not in YES | {fold(v) for v in YES} and agri not in NO | {fold(v) for v in NO}:
        errors.append(RowError(line, "agricultural", _l("Agricultural is yes or no.")))
    out["agricultural"] = agri in YES or agri in {fold(v) for v in YES}
    commune = row.get("commune_code")
    out["commune_code"] = None
    if commune not in ("", None):
        code = parse_int(commune)
        place = geo.commune(code) if code is not None else None
        if place is None or place.province_code != province:
            errors.append(RowError(line, "commune_code", _l(
                "Not a commune or ward of this province (use the official code).")))
        out["commune_code"] = code
    members = row.get("members")
    out["members"] = parse_int(members) if members not in ("", None) else 0
    if out["members"] is None or out["members"] < 0:
        errors.append(RowError(line, "members", _l("Members must be a whole number, 0 or more.")))
    status = fold(str(row.get("status") or "active"))
    status = {"hoat dong": "active", "dang hoat dong": "active", "tam ngung": "suspended",
              "giai the": "dissolved"}.get(status, status)
    if status not in REGISTRY_STATUSES:
        errors.append(RowError(line, "status", _l(
            "Status is active, suspended or dissolved.")))
    out["status"] = status
    return out if len(errors) == before else None


@dataclass
class Diff:
    new: list[dict]
    changed: list[tuple[dict, dict, list[str]]]  # (old, new, changed fields)
    gone: list[dict]
    unchanged: int


def _as_dict(entry: RegistryEntry) -> dict:
    return {"tax_code": entry.tax_code, "name": entry.name, "kind": entry.kind,
            "registration_number": entry.registration_number,
            "registered_on": entry.registered_on.isoformat() if entry.registered_on else None,
            "representative": entry.representative, "sector": entry.sector,
            "agricultural": entry.agricultural, "commune_code": entry.commune_code,
            "members": entry.members, "status": entry.status}


def _diff(province: int, rows: list[dict]) -> Diff:
    current = {e.tax_code: _as_dict(e) for e in db.session.scalars(
        sa.select(RegistryEntry).filter_by(province_code=province))}
    new, changed, unchanged = [], [], 0
    for row in rows:
        old = current.pop(row["tax_code"], None)
        if old is None:
            new.append(row)
            continue
        fields = [f for f in COMPARED if old[f] != row[f]]
        if fields:
            changed.append((old, row, fields))
        else:
            unchanged += 1
    return Diff(new, changed, sorted(current.values(), key=lambda r: r["name"]), unchanged)


def preview(scope: Scope, actor, data: bytes, filename: str) -> tuple[RegistryImport, Diff]:
    """Validate the whole file (every error at once) and store it for confirmation."""
    province = _province_of(scope)
    errors: list[RowError] = []
    valid, seen = [], set()
    for line, row in read_file(data):
        clean = _validate(line, row, province, errors)
        if clean is None:
            continue
        if clean["tax_code"] in seen:
            errors.append(RowError(line, "tax_code", _l("This tax code appears twice.")))
            continue
        seen.add(clean["tax_code"])
        valid.append(clean)
    if errors:
        raise ImportFailed(errors)
    if not valid:
        raise ImportFailed([RowError(0, "file", _l("The file holds no cooperative."))])
    batch = RegistryImport(province_code=province, filename=clean_line(filename, 200) or "-",
                           rows=valid, created_by_id=actor.id)
    db.session.add(batch)
    db.session.flush()
    return batch, _diff(province, valid)


def pending_import(scope: Scope, public_id: str) -> tuple[RegistryImport, Diff]:
    batch = db.session.scalar(sa.select(RegistryImport).filter_by(public_id=str(public_id)[:20]))
    if batch is None or not scope.covers(batch.province_code) or batch.applied_at:
        raise NotFound(_l("No such import waiting for confirmation."))
    return batch, _diff(batch.province_code, batch.rows)


def apply_import(scope: Scope, public_id: str) -> Diff:
    """Write the confirmed file: new entries added, changed ones updated, gone ones removed."""
    batch, diff = pending_import(scope, public_id)
    existing = {e.tax_code: e for e in db.session.scalars(
        sa.select(RegistryEntry).filter_by(province_code=batch.province_code))}
    for row in batch.rows:
        entry = existing.pop(row["tax_code"], None) or RegistryEntry(
            province_code=batch.province_code, tax_code=row["tax_code"])
        for key in COMPARED:
            value = row[key]
            setattr(entry, key, date.fromisoformat(value) if key == "registered_on" and value
                    else value)
        db.session.add(entry)
    for gone in existing.values():
        db.session.delete(gone)
    batch.applied_at = datetime.now(UTC)
    db.session.flush()
    return diff


def entries(scope: Scope, status: str | None = None, commune: int | None = None,
            q: str | None = None) -> list[RegistryEntry]:
    query = sa.select(RegistryEntry).where(scope.clause(RegistryEntry.province_code))
    if status in REGISTRY_STATUSES:
        query = query.filter_by(status=status)
    if commune:
        query = query.filter_by(commune_code=commune)
    rows = list(db.session.scalars(query.order_by(RegistryEntry.name)))
    if q:
        needle = fold(q)
        rows = [r for r in rows if needle in fold(r.name) or needle in r.tax_code]
    return rows


# --------------------------------------------------------------------------- matching

CONFLICTS = {
    "not_registered": _l("On the marketplace, not on the province's register"),
    "other_province": _l("Registered in another province"),
    "name_differs": _l("Names differ"),
    "not_active": _l("Suspended or dissolved on the register, approved on the marketplace"),
}


def matches(scope: Scope) -> dict:
    """Registry entries matched to marketplace cooperatives by tax code, and the conflicts."""
    reg = entries(scope)
    coops = list(db.session.scalars(sa.select(Cooperative).where(
        scope.clause(Cooperative.province_code))))
    by_code = {c.registration_code: c for c in coops}
    everywhere = {e.tax_code: e for e in db.session.scalars(sa.select(RegistryEntry).where(
        RegistryEntry.tax_code.in_([c.registration_code for c in coops])))} if coops else {}
    matched, conflicts = [], []
    for entry in reg:
        coop = by_code.get(entry.tax_code)
        if coop is None:
            continue
        matched.append((entry, coop))
        if fold(entry.name) != fold(coop.name):
            conflicts.append({"kind": "name_differs", "entry": entry, "cooperative": coop})
        if entry.status != "active" and coop.is_approved:
            conflicts.append({"kind": "not_active", "entry": entry, "cooperative": coop})
    registered = {e.tax_code for e in reg}
    for coop in coops:
        if coop.registration_code in registered or coop.status == "rejected":
            continue
        other = everywhere.get(coop.registration_code)
        kind = "other_province" if other else "not_registered"
        conflicts.append({"kind": kind, "entry": other, "cooperative": coop})
    reviewed = {(r.cooperative_id, r.kind, r.seen) for r in db.session.scalars(
        sa.select(RegistryResolution).where(RegistryResolution.action == "reviewed",
                                            scope.clause(RegistryResolution.province_code)))}
    open_conflicts = []
    for c in conflicts:
        c["label"] = CONFLICTS[c["kind"]]
        c["seen"] = _seen(c)
        c["actions"] = CONFLICT_ACTIONS[c["kind"]]
        if (c["cooperative"].id, c["kind"], c["seen"]) not in reviewed:
            open_conflicts.append(c)
    resolutions = list(db.session.scalars(
        sa.select(RegistryResolution).where(scope.clause(RegistryResolution.province_code))
        .order_by(RegistryResolution.resolved_at.desc(), RegistryResolution.id.desc())
        .limit(100)))
    return {"matched": matched, "conflicts": open_conflicts, "resolutions": resolutions}


# --------------------------------------------------------------------------- resolving

# What an officer may do about each kind of conflict. "reviewed" keeps things as they are,
# with a note, until the conflict changes; the others change the marketplace's side.
CONFLICT_ACTIONS = {
    "name_differs": ("accept_name", "reviewed"),
    "not_active": ("suspend", "reviewed"),
    "not_registered": ("link", "reviewed"),
    "other_province": ("reviewed",),
}
ACTION_LABELS = {
    "accept_name": _l("Take the register's name"),
    "suspend": _l("Suspend the storefront"),
    "link": _l("Link to the register entry with this tax code"),
    "reviewed": _l("Keep as it is, reviewed"),
}
DESTRUCTIVE_ACTIONS = ("suspend", "link")  # confirmed first (market/confirm.py)


def _seen(conflict: dict) -> str:
    """The facts of a conflict, so that a reviewed conflict comes back when they change."""
    entry, coop = conflict["entry"], conflict["cooperative"]
    parts = [conflict["kind"], coop.registration_code, coop.name, coop.status]
    if entry is not None:
        parts += [str(entry.province_code), entry.name, entry.status]
    return "|".join(parts)[:500]


def conflict_of(scope: Scope, slug: str, kind: str) -> dict:
    """The open conflict of this kind about a cooperative of the scope (NotFound otherwise:
    an officer of another province learns nothing)."""
    coop = cooperative_in_scope(scope, slug)
    narrowed = Scope((coop.province_code,), scope.is_admin)
    for c in matches(narrowed)["conflicts"]:
        if c["cooperative"].id == coop.id and c["kind"] == kind:
            return c
    raise NotFound(_l("This conflict is resolved already, or it never was one."))


def resolve_conflict(scope: Scope, actor, slug: str, kind: str, action: str, note: str = "",
                     tax_code: str = "") -> RegistryResolution:
    """Resolve one conflict (see CONFLICT_ACTIONS) and record who did what, when, and why."""
    conflict = conflict_of(scope, slug, kind)
    coop, entry = conflict["cooperative"], conflict["entry"]
    if action not in conflict["actions"]:
        raise ValidationError({"action": _l("Choose one of the actions offered.")})
    note = clean_line(note or "", 1000)
    seen = conflict["seen"]
    linked = ""
    if action == "reviewed" and not note:
        raise ValidationError({"note": _l("Say in a note why it stays as it is.")})
    if action == "accept_name":
        coop.name = entry.name
    elif action == "suspend":
        vendors.change_status(coop, "suspended", actor, note)  # asks for the reason itself
    elif action == "link":
        try:
            linked = vendors.normalise_registration_code(tax_code or "")
        except ValidationError:
            linked = ""
        target = db.session.scalar(sa.select(RegistryEntry).filter_by(
            province_code=coop.province_code, tax_code=linked)) if linked else None
        if target is None:
            raise ValidationError({"tax_code": _l("No entry of the province's register has "
                                                  "this tax code.")})
        holder = db.session.scalar(sa.select(Cooperative).filter_by(registration_code=linked))
        if holder is not None and holder.id != coop.id:
            raise ValidationError({"tax_code": _l("Another cooperative on the marketplace "
                                                  "has this tax code: %(name)s.",
                                                  name=holder.name)})
        coop.registration_code = linked
    record = RegistryResolution(
        province_code=coop.province_code, cooperative_id=coop.id, kind=kind, action=action,
        note=note, seen=seen, tax_code=linked,
        resolved_by_id=getattr(actor, "id", None))
    db.session.add(record)
    db.session.flush()
    return record


@dataclass
class ApplicantCheck:
    status: str  # registered, not_active, not_registered, other_province, no_register
    entry: RegistryEntry | None = None


APPLICANT_LABELS = {
    "registered": _l("On the province's register (tax code and name match)."),
    "name_differs": _l("On the province's register under another name: %(name)s."),
    "not_active": _l("On the province's register, but %(status)s."),
    "not_registered": _l("Not on the province's register: check the tax code with the "
                         "business registration office."),
    "other_province": _l("On the register of another province."),
    "no_register": _l("The province has not imported its register yet."),
}


def check_applicant(coop: Cooperative) -> ApplicantCheck:
    """Onboarding's one call: what the province's register says about an applicant."""
    entry = db.session.scalar(sa.select(RegistryEntry).filter_by(
        province_code=coop.province_code, tax_code=coop.registration_code))
    if entry is None:
        if db.session.scalar(sa.select(RegistryEntry.id).filter_by(
                province_code=coop.province_code).limit(1)) is None:
            return ApplicantCheck("no_register")
        other = db.session.scalar(sa.select(RegistryEntry).filter_by(
            tax_code=coop.registration_code).limit(1))
        return ApplicantCheck("other_province" if other else "not_registered", other)
    if entry.status != "active":
        return ApplicantCheck("not_active", entry)
    if fold(entry.name) != fold(coop.name):
        return ApplicantCheck("name_differs", entry)
    return ApplicantCheck("registered", entry)


def applicant_note(coop: Cooperative) -> str:
    check = check_applicant(coop)
    label = APPLICANT_LABELS[check.status]
    if check.status == "name_differs":
        return str(label % {"name": check.entry.name})
    if check.status == "not_active":
        return str(label % {"status": STATUS_LABELS[check.entry.status]})
    return str(label)


STATUS_LABELS = {"active": _l("active"), "suspended": _l("suspended"),
                 "dissolved": _l("dissolved")}


# --------------------------------------------------------------------------- indicators

INDICATORS = ("storefront", "sold_90", "ocop", "traceable")


def _day_end(day: date) -> datetime:
    """The end of `day` in Vietnam (UTC+7), in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=17)


def _approved_on(coop_ids: list[int], days: list[date]) -> dict[date, set[int]]:
    """Per day: cooperatives whose last status change up to that day (end of day, Vietnam)
    was to approved; those without history count by their current status and creation
    date. Two queries for every day."""
    if not coop_ids or not days:
        return {day: set() for day in days}
    changes = db.session.execute(
        sa.select(CooperativeStatusChange.cooperative_id, CooperativeStatusChange.to_status,
                  CooperativeStatusChange.created_at)
        .where(CooperativeStatusChange.cooperative_id.in_(coop_ids),
               CooperativeStatusChange.created_at < _day_end(max(days)))
        .order_by(CooperativeStatusChange.created_at, CooperativeStatusChange.id)).all()
    coops = db.session.execute(sa.select(Cooperative.id, Cooperative.status,
                                         Cooperative.created_at)
                               .where(Cooperative.id.in_(coop_ids))).all()
    out = {}
    for day in days:
        end = _day_end(day)
        last = {cid: status for cid, status, at in changes if at < end}
        found = set()
        for cid, status, created in coops:
            if cid in last:
                if last[cid] == CooperativeStatus.APPROVED.value:
                    found.add(cid)
            elif status == CooperativeStatus.APPROVED.value and created < end:
                found.add(cid)
        out[day] = found
    return out


def _ocop_on(coop_ids: list[int], days: list[date]) -> dict[date, set[int]]:
    """Per day: cooperatives holding a verified (or since expired) certificate that day."""
    from market.ocop.models import OcopCertificate

    if not coop_ids:
        return {day: set() for day in days}
    held = db.session.execute(sa.select(
        OcopCertificate.cooperative_id, OcopCertificate.decision_date,
        OcopCertificate.valid_until).where(
        OcopCertificate.cooperative_id.in_(coop_ids),
        OcopCertificate.status.in_(("verified", "expired")))).all()
    return {day: {cid for cid, first, last in held if first <= day <= last} for day in days}


def _selling_days(scope: Scope, coop_ids: list[int], first: date, last: date
                  ) -> dict[int, list[date]]:
    """The days each cooperative had a counted sale, from the daily summary (one row per
    cooperative and day in the "stars" dimension), in one query."""
    daily = DailyFact.__table__.c
    wanted, out = set(coop_ids), {}
    for cid, day in db.session.execute(sa.select(daily.cooperative_id, daily.day).distinct().where(
            daily.dim == "stars", daily.commodity_id == 0, daily.counted > 0,
            daily.day >= first, daily.day <= last, scope.clause(daily.province_code))):
        if cid in wanted:
            out.setdefault(cid, []).append(day if isinstance(day, date)
                                           else date.fromisoformat(str(day)))
    return {cid: sorted(days) for cid, days in out.items()}


def indicators(scope: Scope, locale: str, *, months: int = 12, today: date | None = None
               ) -> dict:
    """The plan's indicators over the registered, active, agricultural cooperatives (the
    register as imported now): per province and per commune today, and per province at
    each of the last `months` month ends."""
    today = today or today_vn()
    reg = [e for e in entries(scope) if e.agricultural and e.status == "active"
           and e.kind == "cooperative"]
    coop_by_code = dict(db.session.execute(sa.select(
        Cooperative.registration_code, Cooperative.id).where(
        Cooperative.registration_code.in_([e.tax_code for e in reg]))).all()) if reg else {}

    everyone = sorted(set(coop_by_code.values()))
    ends = [today]  # the month ends of the history, and today
    end = today.replace(day=1) - timedelta(days=1)
    for _ in range(months):
        ends.append(end)
        end = end.replace(day=1) - timedelta(days=1)
    selling = _selling_days(scope, everyone, min(ends) - timedelta(days=90), today)
    approved, certified = _approved_on(everyone, ends), _ocop_on(everyone, ends)
    found: dict[date, tuple] = {}

    def measure(group: list[RegistryEntry], day: date) -> dict:
        if day not in found:
            sold = {cid for cid, days in selling.items()
                    if bisect.bisect_right(days, day) > bisect.bisect_right(
                        days, day - timedelta(days=90))}
            found[day] = (approved[day], sold, certified[day])
        ids = {coop_by_code[e.tax_code] for e in group if e.tax_code in coop_by_code}
        n = len(group)
        store, sold, ocop = (ids & found[day][0], ids & found[day][1], ids & found[day][2])
        return {"registered": n, "storefront": len(store), "sold_90": len(sold),
                "ocop": len(ocop), "traceable": None,
                "storefront_share": len(store) / n if n else None,
                "sold_90_share": len(sold) / n if n else None,
                "ocop_share": len(ocop) / n if n else None}

    by_province: dict[int, list] = {}
    by_commune: dict = {}
    for e in reg:
        by_province.setdefault(e.province_code, []).append(e)
        by_commune.setdefault((e.province_code, e.commune_code), []).append(e)
    provinces = []
    for code, group in sorted(by_province.items()):
        place = geo.province(code)
        provinces.append({"key": code, "label": place.name(locale) if place else str(code),
                          **measure(group, today)})
    communes = []
    for (pcode, ccode), group in by_commune.items():
        place = geo.commune(ccode) if ccode else None
        communes.append({"key": ccode, "label": place.name(locale) if place else "—",
                         **measure(group, today)})
    communes.sort(key=lambda r: (-(r["registered"]), r["label"]))
    history = []
    end = today.replace(day=1) - timedelta(days=1)
    for _ in range(months):
        history.append({"at": end, **measure(reg, end)})
        end = end.replace(day=1) - timedelta(days=1)
    history.reverse()
    history.append({"at": today, **measure(reg, today)})
    return {"provinces": provinces, "communes": communes, "history": history,
            "as_of": today}


def outreach(scope: Scope) -> list[RegistryEntry]:
    """Registered, active cooperatives with no approved storefront here: whom to call."""
    reg = [e for e in entries(scope) if e.status == "active"]
    approved = set(db.session.scalars(sa.select(Cooperative.registration_code).where(
        Cooperative.status == CooperativeStatus.APPROVED.value,
        Cooperative.registration_code.in_([e.tax_code for e in reg])))) if reg else set()
    return [e for e in reg if e.tax_code not in approved]


def require_officer_province(scope: Scope) -> int:
    """The registry pages that change data need one province (admins pick one)."""
    try:
        return _province_of(scope)
    except ValidationError:
        raise PermissionDenied(_l("Choose a province first.")) from None
