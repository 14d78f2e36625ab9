"""Traceability pages: the public trace page, GS1 Digital Link, QR codes and the EPCIS
export (`trace`), and the vendor portal's lots, events, splits, labels and CSV import
(`trace_vendor`). Views parse input, call market/trace/services.py, render."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market import confirm
from market.dbtypes import utcnow
from market.errors import DomainError, ValidationError
from market.extensions import db
from market.i18n import LOCALES, current_lang, negotiate
from market.parsing import parse_int
from market.trace import export, services, transfer
from market.trace.forms import EventForm, ImportForm, LotForm, RecallForm
from market.urls import absolute_url_for
from market.vendors import services as vendors

bp = Blueprint("trace", __name__, template_folder="templates")
vendor_bp = Blueprint("trace_vendor", __name__, url_prefix="/<lang:lang>/vendor/trace",
                      template_folder="templates")
LABEL_SIZES = {"small": (38, 21), "medium": (63, 38), "large": (99, 67)}  # mm, A4 sheets


@bp.app_context_processor
def _labels():
    return {"trace_kind_labels": services.KIND_LABELS, "trace_step_labels": services.STEP_LABELS,
            "trace_scheme_labels": services.SCHEME_LABELS,
            "trace_lot_kind_labels": services.LOT_KIND_LABELS, "format_date": format_date}


# --- public ---------------------------------------------------------------------------------

@bp.get("/<lang:lang>/trace/<code>")
def lot_page(code):
    lot = services.public_lot(code)
    page = services.trace_page(lot)
    record = export.national_record(page)
    seo = {"alternates": {lang: absolute_url_for("trace.lot_page", lang=lang, code=lot.code)
                          for lang in LOCALES}}
    seo["canonical"] = seo["alternates"][current_lang()]
    seo["x_default"] = seo["alternates"]["vi"]
    return render_template("trace/lot.html", lot=lot, page=page, record=record, seo=seo,
                           digital_link=export.digital_link(lot),
                           children=services.children(lot),
                           may_recall=services.may_recall(current_user, lot),
                           recall_form=RecallForm())


@bp.get("/trace/<code>/qr.<kind>")
def qr(code, kind):
    if kind not in ("svg", "png"):
        return Response(status=404)
    lot = services.public_lot(code)
    response = Response(export.qr(lot, kind),
                        mimetype="image/svg+xml" if kind == "svg" else "image/png")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


@bp.get("/trace/<code>/epcis.jsonld")
def epcis(code):
    lot = services.public_lot(code)
    document = export.epcis_document(services.trace_page(lot), utcnow())
    response = jsonify(document)
    response.mimetype = "application/ld+json"
    return response


MACHINE_TYPES = ("application/linkset+json", "application/ld+json")


@bp.get("/01/<gtin>/10/<code>")
def digital_link(gtin, code):
    """GS1 Digital Link: people get the trace page in their language, machines the
    linkset (Accept: application/linkset+json or application/ld+json)."""
    try:
        lot = services.digital_link_lot(gtin, code)
    except services.BadGtin as exc:
        return render_template("error.html", message=exc.message, status=400), 400
    best = request.accept_mimetypes.best_match(("text/html", *MACHINE_TYPES),
                                               default="text/html")
    if best in MACHINE_TYPES and request.accept_mimetypes[best] > \
            request.accept_mimetypes["text/html"]:
        body = export.linkset(lot)
        if best == "application/ld+json":
            body["@context"] = {"linkset": "https://www.iana.org/assignments/link-relations/"}
        response = jsonify(body)
        response.mimetype = best
    else:
        lang = negotiate(request.accept_languages)
        response = redirect(url_for("trace.lot_page", lang=lang, code=lot.code), 307)
    response.headers["Vary"] = "Accept, Accept-Language"
    response.headers["Link"] = f'<{export.trace_url(lot)}>; rel="https://gs1.org/voc/defaultLink"'
    return response


@bp.post("/<lang:lang>/trace/<code>/recall")
@login_required
def recall(code):
    form = RecallForm()
    lot = services.public_lot(code)
    if not services.may_recall(current_user, lot):
        return render_template("error.html", message=_("Only the cooperative or an officer "
                                                       "of its province can recall this lot."),
                               status=403), 403
    if confirm.needed():
        return confirm.page(_("Recall lot %(code)s?", code=lot.code),
                            _("Its trace page will show the warning, the units still on the "
                              "shelf stop selling, and its buyers are emailed. This cannot be "
                              "undone."), _("Recall the lot"),
                            url_for("trace.lot_page", code=lot.code))
    if form.validate_on_submit():
        try:
            result = services.recall(current_user, code, form.reason.data or "",
                                     trace_url=export.trace_url)
        except ValidationError as exc:
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            flash(_("Lot %(code)s is recalled: %(n)d units left the stock, %(m)d buyers are "
                    "emailed.", code=lot.code, n=result.stock_removed, m=result.buyers_emailed),
                  "success")
    return redirect(url_for("trace.lot_page", code=lot.code))


# --- vendor portal --------------------------------------------------------------------------

def _coop():
    return vendors.own_cooperative(current_user)


def _variant_choices(coop) -> list[tuple[str, str]]:
    lang = current_lang()
    return [(str(variant.id), variant.display_name(product.name(lang), lang))
            for product, variant in services.own_variants(coop)]


def _apply_errors(form, exc: ValidationError) -> None:
    for name, message in exc.errors.items():
        target = getattr(form, name, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors) + [str(message)]
        else:
            flash(str(message), "error")


@vendor_bp.get("/")
@login_required
def lots():
    coop = _coop()
    return render_template("trace/vendor_lots.html", coop=coop,
                           lots=services.lots_of(current_user))


@vendor_bp.route("/new", methods=["GET", "POST"])
@login_required
def lot_new():
    coop = _coop()
    form = LotForm()
    form.variant_id.choices = _variant_choices(coop)
    form.kind.choices = [(k, str(v)) for k, v in services.LOT_KIND_LABELS.items()]
    status = 200
    if form.validate_on_submit():
        try:
            lot = services.create_lot(current_user, {
                name: getattr(form, name).data for name in (
                    "variant_id", "kind", "quantity", "unit", "produced_on", "best_before",
                    "area", "farms", "standards")})
        except ValidationError as exc:
            _apply_errors(form, exc)
            status = 422
        else:
            db.session.commit()
            flash(_("Lot %(code)s is created. Record what happened to it below.",
                    code=lot.code), "success")
            return redirect(url_for(".lot_detail", code=lot.code))
    return render_template("trace/lot_form.html", coop=coop, form=form), status


def _event_form() -> EventForm:
    form = EventForm()
    form.kind.choices = [(k, str(services.KIND_LABELS[k])) for k in services.RECORDABLE]
    form.step.choices = [("", "—")] + [(s, str(services.STEP_LABELS[s])) for s in
                                      (*services.PROCESS_STEPS, *services.INPUT_TYPES)]
    form.scheme.choices = [("", "—")] + [(s, str(v)) for s, v in services.SCHEME_LABELS.items()]
    return form


def _detail(coop, lot, form=None, status=200):
    page = services.trace_page(lot)
    return render_template("trace/vendor_lot.html", coop=coop, lot=lot, page=page,
                           form=form or _event_form(), recall_form=RecallForm(),
                           children=services.children(lot), parents=services.parents(lot),
                           variants=_variant_choices(coop),
                           available=services.available(lot) if lot.kind == "packed" else None,
                           ), status


@vendor_bp.get("/<code>")
@login_required
def lot_detail(code):
    coop = _coop()
    return _detail(coop, services.own_lot(current_user, code))


@vendor_bp.post("/<code>/events")
@login_required
def add_event(code):
    coop = _coop()
    lot = services.own_lot(current_user, code)
    form = _event_form()
    if not form.validate_on_submit():
        return _detail(coop, lot, form, 422)
    from market.uploads import save_document, save_images

    media = current_app.config["MEDIA_DIR"]
    data = {name: field.data for name, field in form._fields.items()
            if name not in ("photos", "document", "csrf_token")}
    try:
        photos = save_images([f for f in (form.photos.data or []) if getattr(f, "filename", "")],
                             media, "trace", db.session)
        if form.document.data and getattr(form.document.data, "filename", ""):
            data["document"] = save_document(form.document.data, media, "trace/docs")
        services.record_event(current_user, code, data, photos=photos)
    except ValidationError as exc:
        db.session.rollback()
        _apply_errors(form, exc)
        return _detail(coop, services.own_lot(current_user, code), form, 422)
    db.session.commit()
    flash(_("The event is recorded."), "success")
    return redirect(url_for(".lot_detail", code=lot.code))


@vendor_bp.post("/<code>/split")
@login_required
def split(code):
    services.own_lot(current_user, code)
    parts = []
    for i in range(10):
        taken = request.form.get(f"parts-{i}-taken", "").strip()
        if not taken:
            continue
        parts.append({key: request.form.get(f"parts-{i}-{key}", "") for key in
                      ("taken", "quantity", "variant_id", "unit", "best_before")})
    try:
        made = services.split(current_user, code, parts)
    except ValidationError as exc:
        db.session.rollback()
        for message in exc.errors.values():
            flash(str(message), "error")
        return redirect(url_for(".lot_detail", code=code))
    db.session.commit()
    flash(_("Split into %(n)d lots: %(codes)s.", n=len(made),
            codes=", ".join(lot.code for lot in made)), "success")
    return redirect(url_for(".lot_detail", code=code))


@vendor_bp.post("/merge")
@login_required
def merge():
    _coop()
    try:
        lot = services.merge(current_user, request.form.getlist("codes"))
    except ValidationError as exc:
        db.session.rollback()
        for message in exc.errors.values():
            flash(str(message), "error")
        return redirect(url_for(".lots"))
    db.session.commit()
    flash(_("Merged into lot %(code)s.", code=lot.code), "success")
    return redirect(url_for(".lot_detail", code=lot.code))


@vendor_bp.get("/labels")
@login_required
def labels():
    _coop()
    size = request.args.get("size", "medium")
    if size not in LABEL_SIZES:
        size = "medium"
    codes = [c for c in request.args.getlist("lot") if c][:60]
    chosen = [services.own_lot(current_user, code) for code in codes]
    if not chosen:
        chosen = [lot for lot in services.lots_of(current_user) if lot.kind == "packed"][:24]
    per_lot = min(max(parse_int(request.args.get("copies")) or 1, 1), 40)
    return render_template("trace/labels.html", lots=chosen, size=size, sizes=LABEL_SIZES,
                           copies=per_lot, digital_link=export.digital_link)


@vendor_bp.route("/import", methods=["GET", "POST"])
@login_required
def import_events():
    coop = _coop()
    form = ImportForm()
    errors, status = [], 200
    if form.validate_on_submit():
        upload = form.file.data
        if not upload or not getattr(upload, "filename", ""):
            form.file.errors = [_("Choose a CSV file.")]
            status = 422
        else:
            try:
                count = transfer.import_events(current_user,
                                               upload.stream.read(transfer.MAX_BYTES + 1))
            except transfer.ImportFailed as exc:
                db.session.rollback()
                errors, status = exc.errors, exc.status
            except DomainError as exc:  # the file is too large or unreadable
                db.session.rollback()
                form.file.errors = [str(exc.message)]
                status = exc.status
            else:
                db.session.commit()
                flash(_("%(n)d events are recorded.", n=count), "success")
                return redirect(url_for(".lots"))
    return render_template("trace/import.html", coop=coop, form=form, errors=errors,
                           columns=transfer.COLUMNS), status


@vendor_bp.get("/template.csv")
@login_required
def import_template():
    _coop()
    return Response(transfer.template(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=trace-events.csv"})
