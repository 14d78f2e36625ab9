"""The vendor portal (/<lang>/vendor/...): onboarding, review, dashboard, products, images,
import/export, staff. Views parse input and call services; every lookup of a product or image
goes through a service scoped to the signed-in person's cooperative."""
from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import FieldList, FormField

from market import confirm
from market.accounts import addresses
from market.accounts import services as accounts
from market.accounts.views import sign_in
from market.catalog import services as catalog
from market.catalog import transfer
from market.catalog import vendor as vendor_catalog
from market.catalog.models import UNITS, ProductStatus
from market.errors import ValidationError
from market.extensions import db
from market.geo import services as geo
from market.i18n import current_lang
from market.notifications import services as notifications
from market.parsing import parse_page
from market.urls import absolute_url_for
from market.vendors import services
from market.vendors.dashboard import todo as dashboard_todo
from market.vendors.forms import (
    AcceptForm,
    ApplyForm,
    ImageForm,
    ImportForm,
    InviteForm,
    ProductForm,
    PublicProfileForm,
    ReviewForm,
)

bp = Blueprint("vendors", __name__, url_prefix="/<lang:lang>/vendor", template_folder="templates")

STATUS_LABELS = {"draft": _l("Draft"), "active": _l("On sale"), "archived": _l("Archived")}
COOP_STATUS_LABELS = services.STATUS_LABELS


@bp.app_context_processor
def _labels():
    return {"product_status_labels": STATUS_LABELS, "coop_status_labels": COOP_STATUS_LABELS}


def _coop():
    return services.own_cooperative(current_user)


def _field(form, name: str):
    """A form's field by its full name, sub-form fields included ("variants-0-price")."""
    target = getattr(form, name, None)
    if target is None and "-" in name and hasattr(form, "_fields"):
        for candidate in form:
            if candidate.name == name:
                return candidate
            if hasattr(candidate, "entries"):
                for entry in candidate.entries:
                    for sub in entry:
                        if sub.name == name:
                            return sub
    return target


def _invalid(form) -> bool:
    """Any field with an error, in sub-forms too (a FieldList keeps the errors its own
    validation found, not those a service added later)."""
    def has(field) -> bool:
        if isinstance(field, FieldList):
            return any(has(entry) for entry in field.entries)
        if isinstance(field, FormField):
            return any(has(sub) for sub in field)
        return bool(field.errors)
    return any(has(field) for field in form)


def _apply_errors(form, exc: ValidationError) -> None:
    for field, message in exc.errors.items():
        target = _field(form, field)
        if target is None or not hasattr(target, "errors"):
            flash(str(message), "error")
        else:
            target.errors = list(target.errors) + [str(message)]


def _product_choices(form: ProductForm) -> None:
    lang = current_lang()
    form.unit.choices = [(u, catalog.unit_label(u, lang) if lang == "vi" else
                          f"{u} ({catalog.unit_label(u, lang)})") for u in UNITS]
    form.category_id.choices = [("", _("— none —"))] + [
        (str(c.id), c.name(lang)) for c in catalog.categories()]
    form.origin_province_code.choices = [(str(p.code), p.name(lang)) for p in geo.provinces()]
    form.origin_country.choices = addresses.countries(lang)
    form.status.choices = [(s.value, str(STATUS_LABELS[s.value])) for s in ProductStatus]


# --- dashboard and products -----------------------------------------------------------------

@bp.get("/")
@login_required
def dashboard():
    coop = _coop()
    status = request.args.get("status") or None
    stock = request.args.get("stock") or None
    page = parse_page(request.args.get("page"))
    products, total = vendor_catalog.list_products(coop, status=status, stock=stock, page=page)
    pages = max((total + vendor_catalog.VENDOR_PAGE_SIZE - 1) // vendor_catalog.VENDOR_PAGE_SIZE, 1)
    return render_template("vendors/dashboard.html", coop=coop, products=products, total=total,
                           todo=dashboard_todo(current_user), format_date=format_date,
                           page=page, pages=pages, status=status, stock=stock,
                           english_missing=vendor_catalog.english_missing,
                           untranslated=vendor_catalog.untranslated(coop),
                           english_labels=catalog.ENGLISH_FIELD_LABELS)


@bp.route("/products/new", methods=["GET", "POST"])
@login_required
def product_new():
    coop = _coop()
    form = ProductForm()
    _product_choices(form)
    if request.method == "GET":
        form.origin_province_code.data = str(coop.province_code)
        form.status.data = ProductStatus.ACTIVE.value
    if _adding_variant(form):
        pass
    elif form.validate_on_submit():
        try:
            product = vendor_catalog.create_product(coop, _product_data(form),
                                                    actor_id=current_user.id)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("The product is saved. Add a photo below."), "success")
            return redirect(url_for(".product_edit", slug=product.slug))
    return render_template("vendors/product_form.html", form=form, product=None,
                           image_form=None), 422 if _invalid(form) else 200


def _adding_variant(form: ProductForm) -> bool:
    """"Add a variant" (works without JavaScript): one more empty row, nothing saved."""
    if request.method != "POST" or not form.add_variant.data:
        return False
    if len(form.variants) < form.variants.max_entries:
        form.variants.append_entry()
    else:
        flash(_("A product has at most %(n)d variants.", n=form.variants.max_entries), "error")
    return True


def _product_data(form: ProductForm, *, editing: bool = False) -> dict:
    data = {name: form[name].data for name in (
        "name_vi", "description_vi", "name_en", "description_en", "unit",
        "category_id", "origin_province_code", "status", "hs_code", "origin_country")}
    rows = []
    for entry in form.variants:
        row = {name: entry[name].data for name in (
            "label_vi", "label_en", "sku", "price", "weight_grams", "stock", "gtin")}
        row["active"] = not entry.inactive.data
        if entry.variant_id.data:
            row["id"] = entry.variant_id.data
            row["stock_shown"] = entry.stock_shown.data
        elif (editing or len(form.variants) > 1) and not any(
                (row[k] or "").strip() for k in ("label_vi", "label_en", "sku", "price", "gtin")):
            continue  # an added row left empty
        rows.append(row)
    if rows or not editing:  # an edit without variant rows leaves the variants alone
        data["variants"] = rows
    return data


def _product_form_data(product) -> dict:
    values = vendor_catalog.texts(product)
    values.update(unit=product.unit, category_id=str(product.category_id or ""),
                  origin_province_code=str(product.origin_province_code),
                  hs_code=product.hs_code, origin_country=product.origin_country,
                  status=product.status)
    values["variants"] = [{
        "variant_id": str(v.id), "label_vi": v.label_vi, "label_en": v.label_en, "sku": v.sku,
        "price": str(v.price), "weight_grams": str(v.weight_grams or ""),
        "stock": str(v.stock), "stock_shown": str(v.stock), "gtin": v.gtin or "",
        "inactive": not v.active} for v in product.variants]
    return values


@bp.route("/products/<slug>/edit", methods=["GET", "POST"])
@login_required
def product_edit(slug):
    coop = _coop()
    product = vendor_catalog.get_product(coop, slug)
    form = ProductForm(data=_product_form_data(product)) if request.method == "GET" \
        else ProductForm()
    _product_choices(form)
    if _adding_variant(form):
        pass
    elif form.validate_on_submit():
        data = _product_data(form, editing=True)
        try:
            product, moved = vendor_catalog.update_product(coop, slug, data,
                                                           actor_id=current_user.id)
        except ValidationError as exc:
            db.session.rollback()
            _apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("The product is saved."), "success")
            for variant, stock_now in moved:
                label = variant.label(current_lang())
                flash(_("Orders took units while you were editing: the stock of %(label)s "
                        "is now %(n)d.", label=label, n=stock_now) if label else
                      _("Orders took units while you were editing: the stock is now %(n)d.",
                        n=stock_now), "info")
            return redirect(url_for(".product_edit", slug=slug))
    return render_template("vendors/product_form.html", form=form, product=product,
                           image_form=ImageForm(formdata=None)), 422 if _invalid(form) else 200


@bp.post("/products/<slug>/archive")
@login_required
def product_archive(slug):
    coop = _coop()
    product = vendor_catalog.get_product(coop, slug)
    if confirm.needed():
        return confirm.page(_("Archive %(name)s?", name=product.name(current_lang())),
                            _("Buyers will no longer see this product. You can put it on sale "
                              "again from its page."), _("Archive the product"),
                            url_for(".dashboard"))
    vendor_catalog.archive_product(coop, slug)
    db.session.commit()
    flash(_("The product is archived; buyers no longer see it."), "success")
    return redirect(url_for(".dashboard"))


@bp.post("/products/<slug>/images")
@login_required
def image_upload(slug):
    coop = _coop()
    product = vendor_catalog.get_product(coop, slug)
    form = ImageForm()
    if form.validate_on_submit():
        upload = form.image.data
        try:
            if not upload or not getattr(upload, "filename", ""):
                raise ValidationError({"image": _l("Choose a photo to upload.")})
            vendor_catalog.upload_image(coop, slug, upload.stream,
                                        current_app.config["MEDIA_DIR"],
                                        form.alt_vi.data, form.alt_en.data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("The photo is added."), "success")
            return redirect(url_for(".product_edit", slug=slug))
    product_form = ProductForm(formdata=None, data=_product_form_data(product))
    _product_choices(product_form)
    return render_template("vendors/product_form.html", form=product_form, product=product,
                           image_form=form), 422


@bp.post("/images/<int:image_id>/delete")
@login_required
def image_delete(image_id):
    coop = _coop()
    image = vendor_catalog.get_image(coop, image_id)
    if confirm.needed():
        return confirm.page(_("Remove this photo?"), _("The photo is deleted for good."),
                            _("Remove the photo"),
                            url_for(".product_edit", slug=image.product.slug))
    product = vendor_catalog.delete_image(coop, image_id)
    db.session.commit()
    flash(_("The photo is removed."), "success")
    return redirect(url_for(".product_edit", slug=product.slug))


# --- import / export ------------------------------------------------------------------------

_MIMETYPES = {"csv": "text/csv; charset=utf-8",
              "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@bp.get("/export.<fmt>")
@login_required
def export(fmt):
    if fmt not in transfer.FORMATS:
        abort(404)
    coop = _coop()
    return send_file(io.BytesIO(transfer.export(coop, fmt)), mimetype=_MIMETYPES[fmt],
                     as_attachment=True, download_name=f"{coop.slug}-products.{fmt}")


@bp.get("/template.<fmt>")
@login_required
def template(fmt):
    if fmt not in transfer.FORMATS:
        abort(404)
    _coop()
    return send_file(io.BytesIO(transfer.template(fmt)), mimetype=_MIMETYPES[fmt],
                     as_attachment=True, download_name=f"products-template.{fmt}")


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_products():
    coop = _coop()
    form = ImportForm()
    errors, result, status = [], None, 200
    if form.validate_on_submit():
        upload = form.file.data
        if not upload or not getattr(upload, "filename", ""):
            form.file.errors = [_("Choose a CSV or XLSX file.")]
        else:
            try:
                result = transfer.import_products(
                    coop, upload.stream.read(transfer.MAX_BYTES + 1), upload.filename,
                    actor_id=current_user.id)
            except transfer.ImportFailed as exc:
                db.session.rollback()
                errors, status = exc.errors, exc.status
            else:
                db.session.commit()
                flash(_("Import done: %(c)d new, %(u)d updated, %(n)d unchanged.",
                        c=result.created, u=result.updated, n=result.unchanged), "success")
                for slug, wanted, now in result.stock_differs:
                    flash(_("%(slug)s: orders took units since the export; the stock is now "
                            "%(now)d, not %(wanted)d.", slug=slug, now=now, wanted=wanted),
                          "info")
                return redirect(url_for(".dashboard"))
    if not errors:
        status = 422 if form.file.errors else 200
    return render_template("vendors/import.html", form=form, errors=errors, coop=coop,
                           columns=transfer.COLUMNS, units=UNITS,
                           categories=catalog.categories()), status


# --- staff ----------------------------------------------------------------------------------

@bp.route("/staff", methods=["GET", "POST"])
@login_required
def staff():
    coop = _coop()
    form = InviteForm()
    if current_user.is_owner and form.validate_on_submit():
        try:
            invitation, token = services.invite_staff(current_user, form.email.data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            link = absolute_url_for("vendors.accept_invitation", token=token)
            notifications.enqueue(
                invitation.email, current_lang(),
                _l("Join %(coop)s on HTX Market", coop=coop.name),
                _l("%(name)s invites you to manage %(coop)s on HTX Market. "
                   "Open this link within 7 days: %(link)s",
                   name=current_user.name, coop=coop.name, link=link))
            db.session.commit()  # the invitation and its email, together
            flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
            return redirect(url_for(".staff"))
    invitations = services.pending_invitations(current_user) if current_user.is_owner else []
    return render_template("vendors/staff.html", coop=coop, form=form,
                           members=services.staff_of(current_user),
                           invitations=invitations), 422 if form.errors else 200


@bp.post("/staff/<public_id>/remove")
@login_required
def staff_remove(public_id):
    member = services.staff_member(current_user, public_id)
    if confirm.needed():
        return confirm.page(_("Remove %(name)s from the staff?", name=member.name),
                            _("%(name)s will no longer see the cooperative's orders and "
                              "products. You can invite them again later.", name=member.name),
                            _("Remove from the staff"), url_for(".staff"))
    member = services.remove_staff(current_user, public_id)
    db.session.commit()
    flash(_("%(name)s no longer has access to the cooperative.", name=member.name), "success")
    return redirect(url_for(".staff"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    invitation = services.find_invitation(token)
    existing = accounts.find_by_email(invitation.email)
    form = AcceptForm()
    if request.method == "POST":
        if current_user.is_authenticated:
            coop = services.accept_invitation(token, current_user)
            db.session.commit()
            flash(_("You now manage %(coop)s.", coop=coop.name), "success")
            return redirect(url_for(".dashboard"))
        if existing is None and form.validate_on_submit():
            try:
                user = accounts.create_user(email=invitation.email, password=form.password.data,
                                            name=form.name.data, locale=current_lang())
                coop = services.accept_invitation(token, user)
            except ValidationError as exc:
                db.session.rollback()
                _apply_errors(form, exc)
            else:
                db.session.commit()
                sign_in(user)  # a server-side session, revocable like any other sign-in
                flash(_("You now manage %(coop)s.", coop=coop.name), "success")
                return redirect(url_for(".dashboard"))
    return render_template("vendors/accept.html", invitation=invitation, existing=existing,
                           form=form), 422 if form.errors else 200


# --- profile --------------------------------------------------------------------------------

@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    coop = _coop()
    form = PublicProfileForm(obj=coop)
    if current_user.is_owner and form.validate_on_submit():
        data = {k: form[k].data for k in services.PROFILE_FIELDS}
        data["ships_abroad"] = form.ships_abroad.data
        try:
            if request.form.get("resubmit"):
                services.resubmit(current_user, data)
            else:
                services.update_profile(current_user, data)
            for name in services.PROFILE_IMAGES:
                upload = request.files.get(name)
                if upload and upload.filename:
                    services.set_profile_image(current_user, name, upload.stream,
                                               current_app.config["MEDIA_DIR"])
        except ValidationError as exc:
            db.session.rollback()
            _apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("The cooperative's profile is saved."), "success")
            return redirect(url_for(".profile"))
    return render_template("vendors/profile.html", coop=coop, form=form,
                           history=services.history(coop),
                           registry_note=registry_check(coop)), 422 if form.errors else 200


# --- onboarding and review ------------------------------------------------------------------

@bp.route("/apply", methods=["GET", "POST"])
@login_required
def apply():
    if current_user.cooperative_id is not None:
        return redirect(url_for(".dashboard"))
    lang = current_lang()
    form = ApplyForm()
    form.province_code.choices = [("", _("— choose —"))] + [
        (str(p.code), p.name(lang)) for p in geo.provinces()]
    province_code = request.values.get("province_code", type=int)
    form.commune_code.choices = [("", _("— choose the province first —"))] + (
        [(str(c.code), c.name(lang)) for c in geo.communes(province_code)]
        if geo.province(province_code) else [])
    if request.method == "GET" and province_code:
        form.province_code.data = str(province_code)
    if request.method == "POST" and not request.form.get("show_communes") and form.validate_on_submit():
        data = {name: form[name].data for name in (
            "name", "registration_code", "province_code", "commune_code", "address", "sector",
            "member_count", "founded_year", "contact_email", "contact_phone", "story_vi",
            "story_en")}
        data["commune_code"] = data["commune_code"] or None
        try:
            services.apply(current_user, data)
        except ValidationError as exc:
            db.session.rollback()
            _apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Thank you. Your application waits for review by the province or an "
                    "administrator."), "success")
            return redirect(url_for(".dashboard"))
    return render_template("vendors/apply.html", form=form), 422 if form.errors else 200


def registry_check(coop):
    """What the province's cooperative register says about an applicant (the department's)."""
    from market.department.registry import applicant_note

    return applicant_note(coop)


@bp.get("/review/")
@login_required
def review_list():
    status = request.args.get("status", "pending")
    return render_template("vendors/review_list.html",
                           coops=services.list_for_review(current_user, status or None),
                           status=status, province=geo.province)


@bp.route("/review/<slug>", methods=["GET", "POST"])
@login_required
def review(slug):
    coop = services.get_for_review(current_user, slug)
    form = ReviewForm()
    form.decision.choices = [(d, str(ReviewForm.LABELS[d])) for d in services.decisions(coop)]
    if (form.validate_on_submit() and form.decision.data in services.REFUSALS
            and form.reason.data.strip() and confirm.needed()):
        return confirm.page(
            _("%(decision)s %(coop)s?", decision=ReviewForm.LABELS[form.decision.data],
              coop=coop.name),
            _("The cooperative sees your reason: \"%(reason)s\"", reason=form.reason.data),
            ReviewForm.LABELS[form.decision.data], url_for(".review", slug=slug))
    if form.validate_on_submit():
        try:
            services.review(current_user, slug, form.decision.data, form.reason.data)
        except ValidationError as exc:
            db.session.rollback()
            _apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Decision recorded for %(coop)s.", coop=coop.name), "success")
            return redirect(url_for(".review_list"))
    return render_template("vendors/review.html", coop=coop, form=form,
                           province=geo.province(coop.province_code),
                           commune=geo.commune(coop.commune_code),
                           history=services.history(coop),
                           registry_note=registry_check(coop)), 422 if form.errors else 200
