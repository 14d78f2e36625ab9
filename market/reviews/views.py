"""Review pages: the buyer's review form, delete, the cooperative's reply (on the product page
and its own list), an officer's or admin's hiding. Views parse input and call
market/reviews/services.py, which checks who may act on every review."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market import confirm
from market.errors import DomainError, ValidationError
from market.extensions import db
from market.i18n import current_lang
from market.reviews import services
from market.reviews.forms import HideForm, ReplyForm, ReportForm, RestoreForm, ReviewForm
from market.trace import services as trace

bp = Blueprint("reviews", __name__, url_prefix="/<lang:lang>", template_folder="templates")


def _product_url(product, anchor: str = "reviews") -> str:
    return url_for("storefront.product", slug=product.slug) + f"#{anchor}"


def _back(review):
    """After a reply: the cooperative's list when it came from there, else the product page."""
    if request.form.get("back") == "vendor":
        return redirect(url_for(".vendor_reviews"), code=303)
    return redirect(_product_url(review.product, f"review-{review.public_id}"), code=303)


@bp.route("/reviews/write/<vo_id>/<int:line>", methods=["GET", "POST"])
@login_required
def write(vo_id, line):
    order_line = services.line_to_review(current_user, vo_id, line)  # 404 / 403 first
    form = ReviewForm()
    if form.validate_on_submit():
        photos = [f.stream for f in request.files.getlist("photos") if f and f.filename]
        try:
            review = services.create_review(
                current_user, vo_id, line, stars=form.stars.data, text=form.text.data,
                photos=photos, media_dir=current_app.config["MEDIA_DIR"],
                locale=current_lang())
        except ValidationError as exc:
            db.session.rollback()
            for field, message in exc.errors.items():
                getattr(form, field).errors = [str(message)]
        else:
            db.session.commit()
            flash(_("Thank you: your review is published."), "success")
            return redirect(_product_url(review.product, f"review-{review.public_id}"),
                            code=303)
    return render_template("reviews/write.html", form=form, line=order_line,
                           product=services.product_of(order_line),
                           lots=trace.lots_for_lines([order_line.id]).get(order_line.id, [])), \
        422 if form.errors else 200


@bp.post("/reviews/<public_id>/delete")
@login_required
def delete(public_id):
    review = services.own_review(current_user, public_id)
    if confirm.needed():
        return confirm.page(_("Delete your review?"),
                            _("Your review, its stars and its photos are removed for good."),
                            _("Delete the review"), _product_url(review.product))
    product = services.delete_review(current_user, public_id,
                                     media_dir=current_app.config["MEDIA_DIR"],
                                     private_dir=current_app.config["PRIVATE_DIR"])
    db.session.commit()
    flash(_("Your review is deleted."), "success")
    return redirect(_product_url(product), code=303)


def _act(action, success: str) -> None:
    try:
        action()
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        flash(str(exc.message), "error")
    else:
        flash(success, "success")


@bp.post("/reviews/<public_id>/reply")
@login_required
def reply(public_id):
    form = ReplyForm()
    review = services.get_review(public_id)
    if form.validate_on_submit():
        _act(lambda: services.reply(current_user, public_id, form.reply.data),
             _("Your reply is published under the review."))
    return _back(review)


@bp.post("/reviews/<public_id>/hide")
@login_required
def hide(public_id):
    form = HideForm()
    review = services.get_review(public_id)
    if form.validate_on_submit():
        _act(lambda: services.hide(current_user, public_id, form.reason.data,
                                   media_dir=current_app.config["MEDIA_DIR"],
                                   private_dir=current_app.config["PRIVATE_DIR"]),
             _("The review is hidden; its author sees why."))
    return _moderated(review)


def _moderated(review):
    """After a hide or an undo: back to the moderation queue when it came from there."""
    if request.form.get("back") == "queue":
        return redirect(url_for(".moderation", show=request.form.get("show") or None),
                        code=303)
    return redirect(_product_url(review.product, f"review-{review.public_id}"), code=303)


@bp.post("/reviews/<public_id>/restore")
@login_required
def restore(public_id):
    form = RestoreForm()
    review = services.get_review(public_id)
    if form.validate_on_submit():
        _act(lambda: services.restore(current_user, public_id, form.reason.data,
                                      media_dir=current_app.config["MEDIA_DIR"],
                                      private_dir=current_app.config["PRIVATE_DIR"]),
             _("The review is shown again and counts in the rating."))
    return _moderated(review)


@bp.post("/reviews/<public_id>/report")
@login_required
def report(public_id):
    form = ReportForm()
    review = services.get_review(public_id)
    if form.validate_on_submit():
        _act(lambda: services.report(current_user, public_id, form.reason.data),
             _("Thank you: the moderators will look at this review."))
    return redirect(_product_url(review.product, f"review-{review.public_id}"), code=303)


@bp.get("/moderation/reviews")
@login_required
def moderation():
    show = request.args.get("show", "open")
    show = show if show in services.QUEUE_SHOWS else "open"
    items = services.moderation_queue(current_user, show)
    return render_template("reviews/moderation.html", items=items, show=show,
                           shows=services.QUEUE_SHOWS, author_name=services.author_name)


@bp.get("/vendor/reviews")
@login_required
def vendor_reviews():
    reviews = services.for_cooperative(current_user)
    return render_template("reviews/vendor_reviews.html", reviews=reviews,
                           coop=current_user.cooperative, reply_form=ReplyForm(),
                           author_name=services.author_name)


__all__ = ["bp"]
