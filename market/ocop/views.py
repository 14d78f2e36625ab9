"""OCOP pages: the public verification page, cooperative staff's certificates, the officers'
review queue, and the decision documents (served only to those who may see them)."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market import confirm
from market.errors import ValidationError
from market.extensions import db
from market.ocop import services
from market.ocop.models import IssuingLevel
from market.uploads import send_private

bp = Blueprint("ocop", __name__, url_prefix="/<lang:lang>/ocop", template_folder="templates")


def _today():
    return services.today_in_vietnam()


# --- cooperative staff --------------------------------------------------------------------

@bp.get("/manage/")
@login_required
def manage():
    certificates = services.certificates_of_cooperative(current_user)
    return render_template("ocop/manage.html", certificates=certificates, today=_today(),
                           status_label=services.status_label)


@bp.route("/manage/new", methods=["GET", "POST"])
@login_required
def submit():
    products = services.products_for_submission(current_user)
    errors, form = {}, {}
    if request.method == "POST":
        form = request.form.to_dict()
        form["product_ids"] = request.form.getlist("product_ids")
        upload = request.files.get("document")
        stream = upload.stream if upload and upload.filename else None
        try:
            cert = services.submit_certificate(
                current_user, form, stream, private_dir=current_app.config["PRIVATE_DIR"],
                today=_today())
        except ValidationError as exc:
            db.session.rollback()
            errors = {k: str(v) for k, v in exc.errors.items()}
        else:
            db.session.commit()
            flash(_("Certificate %(number)s submitted. An officer of your province will "
                    "review it.", number=cert.certificate_number), "success")
            return redirect(url_for("ocop.manage_detail", public_id=cert.public_id))
    return render_template(
        "ocop/submit.html", products=products, errors=errors, form=form,
        selected={int(i) for i in form.get("product_ids", []) if str(i).isdigit()},
        levels=list(IssuingLevel), validity_months=services.VALIDITY_MONTHS,
    ), (422 if errors else 200)


@bp.route("/manage/<public_id>/resubmit", methods=["GET", "POST"])
@login_required
def resubmit(public_id):
    cert = services.get_for_staff(current_user, public_id,
                                  for_update=request.method == "POST")
    products = services.products_for_submission(current_user)
    errors = {}
    form = {
        "product_ids": [str(p.id) for p in cert.products], "stars": str(cert.stars),
        "level": cert.level, "certificate_number": cert.certificate_number,
        "decision_number": cert.decision_number, "decision_date": cert.decision_date.isoformat(),
        "valid_until": cert.valid_until.isoformat(), "notes": cert.notes,
    }
    if request.method == "POST":
        form = request.form.to_dict()
        form["product_ids"] = request.form.getlist("product_ids")
        upload = request.files.get("document")
        stream = upload.stream if upload and upload.filename else None
        try:
            services.resubmit_certificate(
                cert, current_user, form, stream, private_dir=current_app.config["PRIVATE_DIR"],
                today=_today())
        except ValidationError as exc:
            db.session.rollback()
            errors = {k: str(v) for k, v in exc.errors.items()}
        else:
            db.session.commit()
            flash(_("Certificate %(number)s submitted. An officer of your province will "
                    "review it.", number=cert.certificate_number), "success")
            return redirect(url_for("ocop.manage_detail", public_id=cert.public_id))
    return render_template(
        "ocop/submit.html", products=products, errors=errors, form=form, resubmitting=cert,
        selected={int(i) for i in form.get("product_ids", []) if str(i).isdigit()},
        levels=list(IssuingLevel), validity_months=services.VALIDITY_MONTHS,
    ), (422 if errors else 200)


@bp.get("/manage/<public_id>")
@login_required
def manage_detail(public_id):
    cert = services.get_for_staff(current_user, public_id)
    return render_template("ocop/detail.html", cert=cert, today=_today(),
                           status_label=services.status_label, reviewing=False)


# --- officers and admins ------------------------------------------------------------------

@bp.get("/review/")
@login_required
def review_queue():
    return render_template(
        "ocop/queue.html", pending=services.review_queue(current_user),
        verified=services.verified_in_scope(current_user), today=_today(),
    )


@bp.get("/review/<public_id>")
@login_required
def review_detail(public_id):
    cert = services.get_for_reviewer(current_user, public_id)
    return render_template("ocop/detail.html", cert=cert, today=_today(),
                           status_label=services.status_label, reviewing=True)


@bp.post("/review/<public_id>/<action>")
@login_required
def review_action(public_id, action):
    cert = services.get_for_reviewer(current_user, public_id, for_update=True)
    reason = request.form.get("reason", "")
    if action in ("reject", "revoke") and reason.strip() and confirm.needed():
        return confirm.page(
            _("Reject certificate %(number)s?", number=cert.certificate_number)
            if action == "reject" else
            _("Revoke certificate %(number)s?", number=cert.certificate_number),
            _("The cooperative sees your reason: \"%(reason)s\"", reason=reason),
            _("Reject") if action == "reject" else _("Revoke"),
            url_for("ocop.review_detail", public_id=public_id))
    try:
        if action == "verify":
            services.verify_certificate(cert, current_user, today=_today())
            message = _("Certificate %(number)s verified; its badge is now shown.",
                        number=cert.certificate_number)
        elif action == "reject":
            services.reject_certificate(cert, current_user, reason)
            message = _("Certificate %(number)s rejected.", number=cert.certificate_number)
        elif action == "revoke":
            services.revoke_certificate(cert, current_user, reason)
            message = _("Certificate %(number)s revoked; its badge is gone.",
                        number=cert.certificate_number)
        else:
            abort(404)
    except ValidationError as exc:
        db.session.rollback()
        flash(str(next(iter(exc.errors.values()))), "error")
        return redirect(url_for("ocop.review_detail", public_id=public_id))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("ocop.review_queue"))


@bp.get("/document/<public_id>")
@login_required
def document(public_id):
    relative = services.document_for(current_user, public_id)
    return send_private(current_app.config["PRIVATE_DIR"], relative,
                        legacy_media_dir=current_app.config["MEDIA_DIR"])


# --- public -------------------------------------------------------------------------------

@bp.get("/<path:number>")
def verify_page(number):
    cert = services.public_certificate(number)
    today = _today()
    return render_template("ocop/verify.html", cert=cert, today=today,
                           status=cert.effective_status(today),
                           status_label=services.status_label)

